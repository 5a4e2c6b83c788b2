"""infogeo: information geometry in Python.

A family of probability distributions is a Riemannian manifold whose metric is the
Fisher information. infogeo computes inner products, curve lengths, geodesics and
distances on such manifolds (and on any Riemannian manifold given by a metric
tensor), and minimizes functions on them with Riemannian gradient descent, of which
natural gradient descent is the statistical case.
"""

from . import models
from .exceptions import ConvergenceError, DivergenceError
from .geometry import Euclidean, Geodesic, MetricManifold, RiemannianManifold
from .interop import from_geomstats
from .models import PredictiveModel
from .optim import (
    NaturalGradientDescent,
    OptimizeResult,
    RiemannianGradientDescent,
    fit,
    minimize,
)
from .statistics import (
    Bernoulli,
    Beta,
    Binomial,
    Categorical,
    Dirichlet,
    Exponential,
    Gamma,
    Geometric,
    MultivariateNormal,
    Normal,
    ParametricFamily,
    Poisson,
    StatisticalManifold,
)

__version__ = "0.1.0"

__all__ = [
    "Bernoulli",
    "Beta",
    "Binomial",
    "Categorical",
    "ConvergenceError",
    "Dirichlet",
    "DivergenceError",
    "Euclidean",
    "Exponential",
    "Gamma",
    "Geodesic",
    "Geometric",
    "MetricManifold",
    "MultivariateNormal",
    "NaturalGradientDescent",
    "Normal",
    "OptimizeResult",
    "ParametricFamily",
    "Poisson",
    "PredictiveModel",
    "RiemannianGradientDescent",
    "RiemannianManifold",
    "StatisticalManifold",
    "fit",
    "from_geomstats",
    "minimize",
    "models",
]

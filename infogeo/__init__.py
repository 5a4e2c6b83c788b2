"""infogeo: information geometry in Python.

A family of probability distributions is a Riemannian manifold whose metric is the
Fisher information. infogeo computes inner products, curve lengths, geodesics and
distances on such manifolds (and on any Riemannian manifold given by a metric
tensor), and minimizes functions on them with Riemannian gradient descent, of which
natural gradient descent is the statistical case.
"""

from . import analysis, inference, models
from .analysis import (
    frechet_mean,
    geometric_median,
    kl_centroid,
    kmeans,
    kmedoids,
    pairwise_dist,
    tangent_pca,
)
from .exceptions import ConvergenceError, DivergenceError
from .geometry import Euclidean, Geodesic, MetricManifold, RiemannianManifold
from .inference import profile_likelihood
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
    "analysis",
    "fit",
    "frechet_mean",
    "from_geomstats",
    "geometric_median",
    "inference",
    "kl_centroid",
    "kmeans",
    "kmedoids",
    "minimize",
    "models",
    "pairwise_dist",
    "profile_likelihood",
    "tangent_pca",
]

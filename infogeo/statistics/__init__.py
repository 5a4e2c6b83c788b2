"""Statistical manifolds: families of distributions with the Fisher metric."""

from .custom_exponential import CustomExponentialFamily
from .families import (
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
    Poisson,
)
from .manifold import StatisticalManifold
from .parametric import ParametricFamily
from .reparametrize import Reparametrized

__all__ = [
    "Bernoulli",
    "Beta",
    "Binomial",
    "Categorical",
    "CustomExponentialFamily",
    "Dirichlet",
    "Exponential",
    "Gamma",
    "Geometric",
    "MultivariateNormal",
    "Normal",
    "ParametricFamily",
    "Poisson",
    "Reparametrized",
    "StatisticalManifold",
]

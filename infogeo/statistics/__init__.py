"""Statistical manifolds: families of distributions with the Fisher metric."""

from .families import (
    Bernoulli,
    Beta,
    Binomial,
    Categorical,
    Dirichlet,
    Exponential,
    Gamma,
    Geometric,
    Normal,
    Poisson,
)
from .manifold import StatisticalManifold

__all__ = [
    "Bernoulli",
    "Beta",
    "Binomial",
    "Categorical",
    "Dirichlet",
    "Exponential",
    "Gamma",
    "Geometric",
    "Normal",
    "Poisson",
    "StatisticalManifold",
]

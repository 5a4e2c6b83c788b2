"""Closed-form families: one module per family (or per small group of related ones)."""

from .bernoulli import Bernoulli, Binomial
from .beta import Beta
from .categorical import Categorical
from .dirichlet import Dirichlet
from .exponential import Exponential
from .gamma import Gamma
from .geometric import Geometric
from .multivariate_normal import MultivariateNormal
from .normal import Normal
from .poisson import Poisson

__all__ = [
    "Bernoulli",
    "Beta",
    "Binomial",
    "Categorical",
    "Dirichlet",
    "Exponential",
    "Gamma",
    "Geometric",
    "MultivariateNormal",
    "Normal",
    "Poisson",
]

"""Optimization on Riemannian manifolds: one gradient-descent loop, swappable parts.

* :func:`minimize` / :class:`RiemannianGradientDescent`: the loop;
* :class:`NaturalGradientDescent` and :func:`fit`: the loop on a statistical manifold
  or predictive model, with defaults from the model;
* :mod:`.step_size`: fixed step, Armijo, KL trust region, Levenberg–Marquardt;
* :mod:`.stopping`: gtol, ftol, max_iter, max_time, min step, composable with ``|``;
* :class:`StochasticNaturalGradient`: minibatch natural gradient for large data sets;
* :class:`OptimizeResult`: the result, with per-iteration history.
"""

from .fit import fit
from .minimize import minimize
from .mirror_descent import MirrorDescent
from .natural_gradient import NaturalGradientDescent
from .result import OptimizeResult
from .riemannian_gradient_descent import RiemannianGradientDescent
from .step_size import ArmijoBacktracking, FixedStep, KLTrustRegion, LevenbergMarquardt, StepRule
from .stochastic import StochasticNaturalGradient
from .stopping import (
    FunctionTolerance,
    GradientTolerance,
    MaxIterations,
    MaxTime,
    MinStepSize,
    StoppingCriterion,
)

__all__ = [
    "ArmijoBacktracking",
    "FixedStep",
    "FunctionTolerance",
    "GradientTolerance",
    "KLTrustRegion",
    "LevenbergMarquardt",
    "MaxIterations",
    "MaxTime",
    "MinStepSize",
    "MirrorDescent",
    "NaturalGradientDescent",
    "OptimizeResult",
    "RiemannianGradientDescent",
    "StepRule",
    "StochasticNaturalGradient",
    "StoppingCriterion",
    "fit",
    "minimize",
]

"""Optimization on Riemannian manifolds: solvers built from shared, swappable parts.

* :func:`minimize` (``method=`` "gd", "cg", "lbfgs", "trust-region", "momentum",
  "adam") / :class:`RiemannianGradientDescent`: the gradient-descent loop;
* :class:`ConjugateGradient`, :class:`LBFGS`, :class:`TrustRegion`, :class:`Momentum`,
  :class:`Adam`: the other solvers, on the loop of :mod:`.solver`;
* :class:`NaturalGradientDescent` and :func:`fit`: the loop on a statistical manifold
  or predictive model, with defaults from the model;
* :mod:`.step_size`: fixed step, Armijo, KL trust region, Levenberg–Marquardt;
* :mod:`.stopping`: gtol, ftol, max_iter, max_time, min step, composable with ``|``;
* :class:`StochasticNaturalGradient`: minibatch natural gradient for large data sets;
* :class:`OptimizeResult`: the result, with per-iteration history.
"""

from .adam import Adam
from .conjugate_gradient import ConjugateGradient
from .fit import fit
from .lbfgs import LBFGS
from .minimize import SOLVERS, minimize, register_solver
from .mirror_descent import MirrorDescent
from .momentum import Momentum
from .natural_gradient import NaturalGradientDescent
from .result import OptimizeResult
from .riemannian_gradient_descent import RiemannianGradientDescent
from .step_size import (
    ArmijoBacktracking,
    FixedStep,
    KLTrustRegion,
    LevenbergMarquardt,
    StepRule,
    StrongWolfe,
)
from .stochastic import StochasticNaturalGradient
from .stopping import (
    FunctionTolerance,
    GradientTolerance,
    MaxIterations,
    MaxTime,
    MinStepSize,
    StoppingCriterion,
)
from .trust_region import TrustRegion

__all__ = [
    "LBFGS",
    "SOLVERS",
    "Adam",
    "ArmijoBacktracking",
    "ConjugateGradient",
    "FixedStep",
    "FunctionTolerance",
    "GradientTolerance",
    "KLTrustRegion",
    "LevenbergMarquardt",
    "MaxIterations",
    "MaxTime",
    "MinStepSize",
    "MirrorDescent",
    "Momentum",
    "NaturalGradientDescent",
    "OptimizeResult",
    "RiemannianGradientDescent",
    "StepRule",
    "StochasticNaturalGradient",
    "StoppingCriterion",
    "StrongWolfe",
    "TrustRegion",
    "fit",
    "minimize",
    "register_solver",
]

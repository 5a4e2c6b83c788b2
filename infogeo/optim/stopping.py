"""Stopping criteria: small objects that look at the state of a run and may end it.

Each criterion is called with an :class:`IterationState` and returns ``None`` (go on)
or a :class:`Stop` (``success``, ``status``, ``message``). Criteria compose with
``|``: ``GradientTolerance(1e-8) | MaxIterations(100)`` stops at whichever fires
first. ``success`` is honest: only the convergence tests (``gtol``, ``ftol``) report
success; running out of iterations or time does not.
"""

from __future__ import annotations

from dataclasses import dataclass

from .._validation import check_positive, check_positive_int

__all__ = [
    "CALLBACK",
    "CONVERGED",
    "DIVERGED",
    "MAX_ITER",
    "MAX_TIME",
    "NO_DECREASE",
    "SINGULAR_METRIC",
    "AnyOf",
    "FunctionTolerance",
    "GradientTolerance",
    "IterationState",
    "MaxIterations",
    "MaxTime",
    "MinStepSize",
    "Stop",
    "StoppingCriterion",
    "diverged",
    "rounding_floor",
    "singular_metric",
]

# status codes shared with OptimizeResult.status
CONVERGED, MAX_ITER, MAX_TIME, CALLBACK, NO_DECREASE, DIVERGED, SINGULAR_METRIC = range(7)


def diverged(message: str) -> Stop:
    """The run diverged (NaN/inf or overflowing values, gradients or metrics)."""
    return Stop(False, DIVERGED, f"the run diverged: {message}")


def singular_metric(message: str) -> Stop:
    """The metric is singular at an ordinary (finite, well-scaled) iterate."""
    return Stop(False, SINGULAR_METRIC, message)


def rounding_floor(grad_norm: float, floor: float, gtol: float) -> Stop:
    """Converged as far as float64 resolves: the gradient norm is at its rounding floor."""
    return Stop(
        True,
        CONVERGED,
        f"converged to float64's rounding floor: the Riemannian gradient norm "
        f"{grad_norm:.3g} stopped decreasing at the level of its rounding error "
        f"({floor:.3g}, the change of the gradient between neighbouring float64 points), "
        f"above gtol = {gtol:g}; x is as accurate as float64 allows here",
    )


@dataclass(frozen=True)
class Stop:
    """Why a run ends: ``success`` flag, numeric ``status`` and a ``message``."""

    success: bool
    status: int
    message: str


@dataclass
class IterationState:
    """What the stopping criteria see after each iteration.

    ``step_length`` is the Riemannian length of the last step,
    ``t·√(∇fᵀ G⁻¹ ∇f)`` (0 for a rejected step); ``fun_prev`` is ``fun`` before it.
    """

    nit: int
    fun: float
    fun_prev: float | None
    grad_norm: float
    step_length: float | None
    accepted: bool
    elapsed: float


class StoppingCriterion:
    """Base class: ``criterion(state) -> Stop | None``; combine with ``|``.

    A criterion that keeps state across iterations resets it in :meth:`reset`, which
    every solver calls at the start of a run.
    """

    def __call__(self, state: IterationState) -> Stop | None:
        raise NotImplementedError

    def reset(self) -> None:
        """Forget what earlier runs saw (no-op for stateless criteria)."""

    def __or__(self, other: StoppingCriterion) -> AnyOf:
        if not isinstance(other, StoppingCriterion):
            return NotImplemented
        return AnyOf(self, other)


class AnyOf(StoppingCriterion):
    """Stop as soon as any of ``criteria`` fires (the first one listed wins ties)."""

    def __init__(self, *criteria: StoppingCriterion):
        flat = []
        for c in criteria:
            if not isinstance(c, StoppingCriterion):
                raise TypeError(f"stopping criteria must be StoppingCriterion objects, got {c!r}")
            flat.extend(c.criteria if isinstance(c, AnyOf) else [c])
        self.criteria = tuple(flat)

    def reset(self) -> None:
        for c in self.criteria:
            c.reset()

    def __call__(self, state):
        for c in self.criteria:
            stop = c(state)
            if stop is not None:
                return stop
        return None

    def __repr__(self) -> str:
        return " | ".join(map(repr, self.criteria))


class GradientTolerance(StoppingCriterion):
    """Converged when the Riemannian gradient norm ``√(∇fᵀ G⁻¹ ∇f) ≤ gtol`` (absolute), or
    with ``relative=True``, ``≤ gtol · min(1, ‖grad f(x₀)‖)``.

    The relative form is for metrics that carry no scale of their own (anything but a
    Fisher metric): ``f`` and ``c·f`` then have gradients ``c`` times apart, and an
    absolute ``gtol`` would declare a problem of scale ``c = 1e-20`` converged at its
    start. Measured against the start's gradient norm when that is below 1, the test is
    the same for every ``c ≤ 1``; it is never looser than the absolute one. (For ``c ≫ 1``
    an absolute ``gtol`` may lie below what float64 resolves: the optimizer's rounding
    floor test reports that as converged.) The Fisher norm needs neither: it is invariant
    under reparametrization and under rescaling the data.
    """

    def __init__(self, gtol: float, relative: bool = False):
        self.gtol = check_positive(gtol, "gtol")
        self.relative = bool(relative)
        self._start = None  # ‖grad f(x₀)‖ of the current run (relative=True)

    def reset(self) -> None:
        self._start = None

    def __call__(self, state):
        if self.relative and (self._start is None or state.nit == 0):
            self._start = state.grad_norm
        scale = min(1.0, self._start) if self.relative else 1.0
        if state.grad_norm <= self.gtol * scale:
            rel = (
                ""
                if scale == 1.0
                else f" · {scale:.3g} (relative to the start's gradient norm, below 1)"
            )
            return Stop(
                True,
                CONVERGED,
                f"Riemannian gradient norm {state.grad_norm:.3g} <= gtol = {self.gtol:g}{rel}",
            )
        return None

    def __repr__(self) -> str:
        rel = ", relative=True" if self.relative else ""
        return f"GradientTolerance({self.gtol:g}{rel})"


class FunctionTolerance(StoppingCriterion):
    """Converged when an accepted step changes ``fun`` by at most
    ``ftol · max(|f_k|, |f_{k+1}|, 1)`` (the scipy L-BFGS-B rule)."""

    def __init__(self, ftol: float):
        self.ftol = check_positive(ftol, "ftol")

    def __call__(self, state):
        if state.fun_prev is None or not state.accepted or not state.step_length:
            return None
        scale = max(abs(state.fun), abs(state.fun_prev), 1.0)
        change = abs(state.fun_prev - state.fun)
        if change <= self.ftol * scale:
            return Stop(
                True,
                CONVERGED,
                f"relative change in fun {change / scale:.3g} <= ftol = {self.ftol:g}",
            )
        return None

    def __repr__(self) -> str:
        return f"FunctionTolerance({self.ftol:g})"


class MaxIterations(StoppingCriterion):
    """Not converged: ``max_iter`` iterations were used up."""

    def __init__(self, max_iter: int):
        self.max_iter = check_positive_int(max_iter, "max_iter", minimum=0)

    def __call__(self, state):
        if state.nit >= self.max_iter:
            return Stop(
                False,
                MAX_ITER,
                f"maximum number of iterations ({self.max_iter}) reached before convergence "
                f"(Riemannian gradient norm {state.grad_norm:.3g})",
            )
        return None

    def __repr__(self) -> str:
        return f"MaxIterations({self.max_iter})"


class MaxTime(StoppingCriterion):
    """Not converged: more than ``max_time`` seconds elapsed."""

    def __init__(self, max_time: float):
        self.max_time = check_positive(max_time, "max_time")

    def __call__(self, state):
        if state.elapsed >= self.max_time:
            return Stop(
                False,
                MAX_TIME,
                f"time limit max_time = {self.max_time:g} s reached before convergence "
                f"(Riemannian gradient norm {state.grad_norm:.3g})",
            )
        return None

    def __repr__(self) -> str:
        return f"MaxTime({self.max_time:g})"


class MinStepSize(StoppingCriterion):
    """Not converged: an accepted step was shorter than ``min_step`` (Riemannian length),
    so the iterates have stalled without meeting a convergence test."""

    def __init__(self, min_step: float):
        self.min_step = check_positive(min_step, "min_step")

    def __call__(self, state):
        if state.accepted and state.step_length is not None and state.step_length < self.min_step:
            return Stop(
                False,
                NO_DECREASE,
                f"step length {state.step_length:.3g} < min_step = {self.min_step:g} before "
                f"convergence (Riemannian gradient norm {state.grad_norm:.3g})",
            )
        return None

    def __repr__(self) -> str:
        return f"MinStepSize({self.min_step:g})"

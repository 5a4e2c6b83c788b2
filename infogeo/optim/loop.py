"""The run skeleton shared by every Riemannian solver (gradient descent, CG, L-BFGS,
trust region, momentum, Adam).

A solver subclasses :class:`IterativeSolver` and supplies its parts; the skeleton
owns everything else, as in Manopt.jl's plans/solvers (the loop stays separate from
its parts):

* ``_problem(objective)``: what the parts work on (default: the
  :class:`~infogeo.optim.objective.Objective` itself);
* ``_initial_state(problem, x, start_name) -> SolverState``: value and gradient at the
  start, errors naming the start point;
* ``_start(problem, state)``: solver memory at the start point;
* ``_step(problem, state) -> Outcome``: one iteration, updating ``state`` in place;
  it raises :class:`StopRun` to end the run with a given :class:`~infogeo.optim.
  stopping.Stop`, :class:`~infogeo.optim.safeguards.NonFiniteError` when it met a
  non-finite value, and reports a step that could not decrease ``fun`` as
  ``Outcome.failure``;
* ``_floor_stop(objective, x, fun, egrad, damping, grad_norm)``: a converged stop at
  float64's rounding floor of the gradient norm, else ``None``.

The skeleton checks the start point, runs the stopping criteria, records the
:class:`~infogeo.optim.result.History`, calls the callback, drives the progress bar,
detects a rising objective and builds the :class:`~infogeo.OptimizeResult`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from .._validation import as_points
from ..exceptions import DivergenceError
from ._ops import ManifoldOps
from .objective import Objective
from .progress import close_progress_bar, progress_bar, update_progress_bar
from .result import History, OptimizeResult
from .safeguards import FloorWatch, NonFiniteError, RisingObjective
from .stopping import (
    CALLBACK,
    DIVERGED,
    MAX_ITER,
    MAX_TIME,
    NO_DECREASE,
    IterationState,
    Stop,
    diverged,
)

__all__ = ["IterativeSolver", "Outcome", "SolverState", "StopRun", "build_result"]

RUNNING = Stop(False, -1, "running")


class StopRun(Exception):
    """Raised inside an iteration to end the run with ``stop`` (e.g. a singular metric
    or a diverged iterate met while computing a gradient); ``failed_x`` is the point
    the breaking step reached, ``outcome`` what the iteration did before it broke."""

    def __init__(self, stop: Stop, failed_x=None, outcome: Outcome | None = None):
        super().__init__(stop.message)
        self.stop = stop
        self.failed_x = failed_x
        self.outcome = outcome


@dataclass
class SolverState:
    """The iterate and what the solvers keep about it: ``x``, ``fun``, the Euclidean
    gradient ``egrad``, the Riemannian gradient ``rgrad`` and its norm, the damping
    ``λ`` of the metric ``G + λI`` in use, the iteration number ``nit``; ``memory``
    holds solver-specific data (search direction, L-BFGS pairs, radius, moments)."""

    x: np.ndarray
    fun: float
    egrad: np.ndarray
    rgrad: np.ndarray
    grad_norm: float
    fun_prev: float | None = None
    damping: float = 0.0
    nit: int = 0
    memory: dict = field(default_factory=dict)


@dataclass
class Outcome:
    """What one iteration did: the step multiplier ``t``, its Riemannian length,
    whether it was accepted / shortened to stay in the domain, and a failure reason
    that ends the run with ``success=False`` (unless the gradient is at its rounding
    floor)."""

    t: float
    step_length: float
    accepted: bool = True
    shortened: bool = False
    failure: str | None = None


def build_result(x, f, g, grad_norm, nit, objective, history, start, stop, **extra):
    """The :class:`~infogeo.OptimizeResult` of a run (or of a run so far, ``stop`` the
    running placeholder) started at ``time.perf_counter() == start``."""
    return OptimizeResult(
        x=x.copy(),
        fun=float(f),
        jac=g.copy(),
        grad_norm=float(grad_norm),
        nit=nit,
        nfev=objective.nfev,
        njev=objective.njev,
        success=stop.success,
        status=stop.status,
        message=stop.message,
        **extra,
        history=history.as_arrays(),
        wall_time=time.perf_counter() - start,
    )


class IterativeSolver:
    """Base class of the solvers: the run skeleton (see the module doc).

    Subclasses set ``manifold``, ``options`` (with ``max_iter``), ``stopping``,
    ``callback``, ``progress`` and ``raise_on_divergence`` in ``__init__``.
    """

    #: name used by ``minimize(method=...)`` and reported as ``result.method``
    method: ClassVar[str] = ""

    @property
    def _ops(self) -> ManifoldOps:
        """The manifold's unchecked operations for the hot loop (see
        :mod:`infogeo.optim._ops`), rebuilt when ``manifold`` or ``retraction`` changed."""
        ops = self.__dict__.get("_ops_cache")
        if ops is None or ops.manifold is not self.manifold or ops.retraction != self.retraction:
            ops = self.__dict__["_ops_cache"] = ManifoldOps(self.manifold, self.retraction)
        return ops

    # ------------------------------------------------------------------ parts
    def _objective(self, fun, grad, dim) -> Objective:
        return Objective(fun, grad, dim)

    def _problem(self, objective: Objective):
        return objective

    def _initial_state(self, problem, x, start_name: str) -> SolverState:
        raise NotImplementedError

    def _start(self, problem, state: SolverState) -> None:
        """Initialize ``state.memory`` (subclasses)."""

    def _step(self, problem, state: SolverState) -> Outcome:
        raise NotImplementedError

    def _floor_stop(self, objective, x, f, g, damping, grad_norm) -> Stop | None:
        return None

    # ------------------------------------------------------------------ run
    def minimize(self, fun=None, x0=None, grad=None) -> OptimizeResult:
        """Run from ``x0``; ``grad`` is the Euclidean gradient (autograd if None;
        ``True`` when ``fun`` returns ``(value, gradient)``).

        Returns
        -------
        OptimizeResult

        Raises
        ------
        DivergenceError
            Only with ``raise_on_divergence=True``, when the run diverged.
        """
        return self._minimize(fun, x0, grad, "x0")

    def _minimize(self, fun, x0, grad, start_name: str) -> OptimizeResult:
        if fun is None:
            raise TypeError("minimize() needs fun (the function to minimize)")
        if x0 is None:
            raise TypeError("minimize() needs a start point x0")
        with np.errstate(all="ignore"):  # overflow is detected and reported, not warned
            res = self._run(fun, x0, grad, start_name)
        if self.raise_on_divergence and res.status == DIVERGED:
            raise DivergenceError(res.message, result=res)
        return res

    def _run(self, fun, x0, grad, start_name: str = "x0") -> OptimizeResult:
        start = time.perf_counter()
        dim = self.manifold.dim
        x = as_points(x0, dim, start_name)
        if x.shape != (dim,):
            raise ValueError(
                f"{start_name} must be one point of shape ({dim},), got shape {x.shape}"
            )
        x = np.asarray(self.manifold.check_point(x, start_name), dtype=float).copy()
        self.__dict__.pop("_ops_cache", None)  # the manifold's methods as they are now
        objective = self._objective(fun, grad, dim)
        problem = self._problem(objective)
        self.stopping.reset()
        state = self._initial_state(problem, x, start_name)
        self._start(problem, state)
        history = History()
        history.record(state.fun, state.grad_norm, 0.0, False, state.damping, True)
        failed_x = None
        rising = RisingObjective(state.fun)
        floor_watch = FloorWatch()
        stop = self.stopping(IterationState(0, state.fun, None, state.grad_norm, None, True, 0.0))
        bar = (
            progress_bar(self.options["max_iter"], state.fun, state.grad_norm)
            if self.progress
            else None
        )
        try:
            while stop is None:
                f_prev = state.fun
                state.nit += 1
                try:
                    out = self._step(problem, state)
                except NonFiniteError as exc:
                    failed_x = exc.x
                    out = Outcome(0.0, 0.0, False)
                    stop = diverged(
                        f"in iteration {state.nit}, {exc}; x is the last finite iterate"
                    )
                except StopRun as exc:
                    out = exc.outcome or Outcome(0.0, 0.0, False)
                    stop, failed_x = exc.stop, exc.failed_x
                history.record(
                    state.fun,
                    state.grad_norm,
                    out.t if out.accepted else 0.0,
                    out.shortened,
                    state.damping,
                    out.accepted,
                )
                if bar is not None:
                    update_progress_bar(bar, state.fun, state.grad_norm)
                if stop is not None:
                    break
                if out.failure is not None:
                    stop = self._state_floor_stop(objective, state) or Stop(
                        False, NO_DECREASE, out.failure
                    )
                    break
                if out.accepted:
                    reason = rising.update(f_prev, state.fun)
                    if reason is not None:
                        stop = diverged(reason)
                        break
                stop = self.stopping(
                    IterationState(
                        state.nit,
                        state.fun,
                        f_prev,
                        state.grad_norm,
                        out.step_length,
                        out.accepted,
                        time.perf_counter() - start,
                    )
                )
                if (stop is None and floor_watch.due(state.grad_norm)) or (
                    stop is not None and stop.status in (MAX_ITER, MAX_TIME)
                ):
                    stop = self._state_floor_stop(objective, state) or stop
                if self.callback is not None:
                    partial = self._build_result(state, objective, history, start, RUNNING)
                    try:
                        wants_stop = self.callback(partial) is True
                    except StopIteration:
                        wants_stop = True
                    if wants_stop and stop is None:
                        stop = Stop(False, CALLBACK, "stopped by the callback")
        finally:
            if bar is not None:
                close_progress_bar(bar)  # the run is over: show the bar complete
        res = self._build_result(state, objective, history, start, stop)
        if failed_x is not None:
            res["failed_x"] = np.array(failed_x, dtype=float)
        return res

    def _state_floor_stop(self, objective, state: SolverState) -> Stop | None:
        return self._floor_stop(
            objective, state.x, state.fun, state.egrad, state.damping, state.grad_norm
        )

    def _build_result(self, state, objective, history, start, stop) -> OptimizeResult:
        extra = {"method": self.method} if self.method else {}
        return build_result(
            state.x,
            state.fun,
            state.egrad,
            state.grad_norm,
            state.nit,
            objective,
            history,
            start,
            stop,
            **extra,
        )

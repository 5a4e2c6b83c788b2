"""The loop shared by the Riemannian solvers (CG, L-BFGS, trust region, momentum, Adam).

A solver is a subclass of :class:`RiemannianSolver` that supplies two parts:

* ``_start(problem, state)``: solver memory at the start point;
* ``_step(problem, state) -> Outcome``: one iteration, updating ``state`` in place.

Everything else is shared, as in Manopt.jl's plans/solvers and pymanopt's optimizers:
option checking, the stopping criteria of :mod:`~infogeo.optim.stopping` (``gtol``,
``ftol``, ``max_iter``, ``max_time``, ``min_step``, ``stopping``), the step-size rules of
:mod:`~infogeo.optim.step_size`, the per-iteration :class:`~infogeo.optim.result.History`,
the callback, the progress bar and the :class:`~infogeo.OptimizeResult`. The geometry
comes from the manifold interface only (``riemannian_gradient``, ``inner`` / ``metric``,
``retract`` / ``exp``, ``vector_transport``), so on a statistical manifold (Fisher metric)
every solver is its natural-gradient version.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from .._validation import as_points
from ..geometry.euclidean import Euclidean
from ..geometry.manifold import RiemannianManifold
from .objective import Objective
from .options import DEFAULTS, build_step_rule, check_option_names
from .progress import close_progress_bar
from .result import History, OptimizeResult
from .riemannian_gradient_descent import (
    RiemannianGradientDescent,
    _progress_bar,
)
from .safeguards import FloorWatch, NonFiniteError, RisingObjective
from .step_size import StepContext, StepRule, StrongWolfe
from .stopping import (
    CALLBACK,
    MAX_ITER,
    MAX_TIME,
    NO_DECREASE,
    IterationState,
    Stop,
    diverged,
)

__all__ = ["Outcome", "Problem", "RiemannianSolver", "SolverState"]

#: options every solver understands (the others of DEFAULTS belong to gradient descent)
COMMON = (
    "step_size",
    "retraction",
    "max_iter",
    "gtol",
    "ftol",
    "max_time",
    "min_step",
    "stopping",
    "callback",
    "progress",
    "raise_on_divergence",
)


class StopRun(Exception):
    """Raised inside an iteration to end the run with ``stop`` (e.g. a singular metric
    or a diverged iterate met while computing a gradient)."""

    def __init__(self, stop: Stop):
        super().__init__(stop.message)
        self.stop = stop


@dataclass
class SolverState:
    """The iterate and what the solvers keep about it: ``x``, ``fun``, the Euclidean
    gradient ``egrad``, the Riemannian gradient ``rgrad`` and its norm; ``memory``
    holds solver-specific data (search direction, L-BFGS pairs, radius, moments)."""

    x: np.ndarray
    fun: float
    egrad: np.ndarray
    rgrad: np.ndarray
    grad_norm: float
    fun_prev: float | None = None
    memory: dict = field(default_factory=dict)


@dataclass
class Outcome:
    """What one iteration did: the step multiplier ``t``, its Riemannian length,
    whether it was accepted / shortened to stay in the domain, and a failure reason
    that ends the run with ``success=False``."""

    t: float
    step_length: float
    accepted: bool = True
    shortened: bool = False
    failure: str | None = None


class Problem:
    """The objective on the manifold, as the solvers use it.

    Caches the metric matrix of the current point for inner products (one metric
    evaluation per point), and wraps gradients, transports and retraction trials.
    """

    def __init__(self, solver: RiemannianSolver, objective: Objective):
        self.solver = solver
        self.manifold = solver.manifold
        self.objective = objective
        self._x = None
        self._G = None
        kind = getattr(self.manifold, "kind", None)
        # chart manifolds: inner products from one metric matrix per point
        self._matrix_inner = kind in (None, "open") and not isinstance(self.manifold, Euclidean)
        # the ambient dot product is the metric on tangent vectors (no validation overhead)
        self._plain_inner = isinstance(self.manifold, Euclidean) or kind == "sphere"
        # predictive models: G v matrix-free (forming G costs a pass per weight pair)
        self._fvp = getattr(self.manifold, "fisher_vector_product", None)
        if self._fvp is not None:
            self._matrix_inner = False
        # whether vector_transport is the differential of the retraction in use (the
        # base class's coordinate-wise retraction); otherwise the line-search slope
        # differentiates the retraction curve numerically
        exact = isinstance(self.manifold, Euclidean) or (
            isinstance(self.manifold, RiemannianManifold)
            and type(self.manifold).retract is RiemannianManifold.retract
            and type(self.manifold).vector_transport is RiemannianManifold.vector_transport
            and solver.retraction == "retract"
        )
        self._exact_transport = exact

    # -- gradients
    def gradient(self, x):
        """``(egrad, rgrad, grad_norm)`` at ``x``."""
        g = self.objective.gradient(x)
        r, slope = self.riemannian(x, g)
        return g, r, float(np.sqrt(slope))

    def riemannian(self, x, g):
        """``(G⁻¹g, gᵀG⁻¹g)``, with the checks of gradient descent (a diverged iterate
        or a singular metric raises :class:`StopRun`)."""
        out = RiemannianGradientDescent._direction(self.solver, x, g, 0.0)
        if isinstance(out, Stop):
            raise StopRun(out)
        return out

    # -- metric
    def metric(self, x):
        if self._x is None or self._x.shape != x.shape or not np.array_equal(self._x, x):
            self._x = np.array(x, copy=True)
            self._G = np.asarray(self.manifold.metric(x), dtype=float)
        return self._G

    def inner(self, x, u, v):
        """``⟨u, v⟩_x`` (batched over leading axes of ``u`` and ``v``)."""
        if self._plain_inner:
            return np.einsum("...i,...i->...", u, v)
        if self._matrix_inner:
            return np.einsum("...i,ij,...j->...", u, self.metric(x), v)
        if self._fvp is not None:
            u, v = np.broadcast_arrays(u, v)
            return np.einsum("...i,...i->...", u, self._fvp(x, v))
        return np.asarray(self.manifold.inner(x, u, v), dtype=float)

    def lower(self, x, V):
        """``G(x) V`` for a batch ``V`` (so that ``⟨u, v⟩ = (Gu)·v``), or ``None`` when the
        metric is only available through ``inner``."""
        if self._plain_inner:
            return V
        if self._matrix_inner:
            return V @ self.metric(x)
        if self._fvp is not None:
            return np.asarray(self._fvp(x, V), dtype=float)
        return None

    def norm(self, x, v):
        return np.sqrt(np.maximum(self.inner(x, v, v), 0.0))

    # -- moves
    def transport(self, x, v, y):
        """First-order vector transport ``T_{x→y} v`` (the manifold's)."""
        vt = getattr(self.manifold, "vector_transport", None)
        if vt is None:
            return np.array(v, dtype=float, copy=True)
        return np.asarray(vt(x, v, y), dtype=float)

    def trial(self, x, eta):
        """``trial(t)`` moving to ``R_x(t η)`` (halved while outside the domain)."""
        return RiemannianGradientDescent._make_trial(self.solver, self.objective, x, -eta)

    def context(self, state: SolverState, eta) -> StepContext:
        """A step-size context for the search direction ``η`` (steps ``R_x(t η)``)."""
        slope = -float(np.dot(state.egrad, eta))
        return StepContext(
            state.x,
            state.fun,
            state.egrad,
            -eta,
            slope,
            0.0,
            self.trial(state.x, eta),
            self.objective.gradient,
            self.curve_slope(state.x, eta),
        )

    def curve_slope(self, x, eta):
        """``(t, x_t, g_t) ↦ d/dt f(R_x(t η))``: ``g_tᵀ DR_x(tη)[η]``, with the vector
        transport when it is the retraction's differential, else by a central
        difference of the retraction in ``t`` (relative step 1e-6), made tangent at
        ``x_t`` by the vector transport ``T_{x_t→x_t}`` (a projection on embedded
        manifolds)."""
        if self._exact_transport:
            return lambda t, y, g: float(np.dot(g, self.transport(x, eta, y)))
        update = getattr(self.manifold, self.solver.retraction)

        def slope(t, y, g):
            h = 1e-6 * max(abs(t), 1e-8)
            try:
                velocity = (update(x, (t + h) * eta) - update(x, (t - h) * eta)) / (2 * h)
            except ValueError:
                velocity = (y - update(x, (t - h) * eta)) / h
            # the difference quotient is tangent only up to its error: project it (on an
            # embedded manifold ∇f can have a large normal part)
            return float(np.dot(g, self.transport(y, velocity, y)))

        return slope

    def move(self, x, eta):
        """``(x_new, fun_new)`` for ``R_x(η)``, or ``(None, inf)`` outside the domain."""
        _, x_new, f_new, shortened = self.trial(x, eta)(1.0)
        if x_new is None or shortened:
            return None, np.inf
        return x_new, f_new


class RiemannianSolver:
    """Base class: options, the iteration loop and the result; see the module doc.

    Parameters
    ----------
    manifold
        Any object with the manifold interface (``dim``, ``riemannian_gradient``,
        ``check_point``, ``retract`` / ``exp``, ``inner``).
    **options
        The shared options ``step_size``, ``retraction``, ``max_iter``, ``gtol``,
        ``ftol``, ``max_time``, ``min_step``, ``stopping``, ``callback``, ``progress``
        (as for :class:`~infogeo.RiemannianGradientDescent`) and the solver's own.
    """

    #: name used by ``minimize(method=...)``
    method: ClassVar[str] = ""
    #: the solver's own options and their defaults
    solver_defaults: ClassVar[dict] = {}
    #: shared options whose default differs for this solver
    shared_defaults: ClassVar[dict] = {}
    #: shared options the solver accepts besides COMMON (e.g. ``line_search``)
    extra_shared: ClassVar[tuple] = ()

    def __init__(self, manifold, **options):
        check_option_names(options, extra=tuple(self.solver_defaults))
        allowed = set(COMMON) | set(self.extra_shared) | set(self.solver_defaults)
        for name in options:
            if name not in allowed:
                raise TypeError(
                    f"option {name!r} does not apply to method={self.method!r}; its options "
                    f"are {sorted(allowed)}"
                )
        opts = {**DEFAULTS, **self.shared_defaults, **self.solver_defaults, **options}
        # the shared parts (manifold check, stopping criteria, retraction, callback,
        # progress, divergence) are built exactly as gradient descent builds them
        RiemannianGradientDescent.__init__(self, manifold, **{k: opts[k] for k in COMMON})
        self.options = opts
        self._configure(opts)

    def _configure(self, opts: dict) -> None:
        """Validate and store the solver's own options (subclasses)."""

    def _line_search_rule(self, opts, c2: float) -> StepRule:
        """The step-size rule of a line-search solver: ``line_search="wolfe"`` (strong
        Wolfe with curvature constant ``c2``), ``"armijo"`` or a StepRule instance."""
        ls = opts["line_search"]
        if isinstance(ls, str) and ls.lower().replace("_", "-") in ("wolfe", "strong-wolfe"):
            return StrongWolfe(opts["step_size"], c2=c2)
        if ls not in ("armijo",) and not isinstance(ls, StepRule):
            raise ValueError(
                f"line_search must be 'wolfe', 'armijo' or a StepRule for method="
                f"{self.method!r}, got {ls!r}"
            )
        return build_step_rule(opts["step_size"], ls, None, 0.0)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.manifold!r})"

    # ------------------------------------------------------------------ parts
    def _start(self, problem: Problem, state: SolverState) -> None:
        """Initialize ``state.memory`` (subclasses)."""

    def _step(self, problem: Problem, state: SolverState) -> Outcome:
        raise NotImplementedError

    def _objective(self, fun, grad, dim) -> Objective:
        return Objective(fun, grad, dim)

    # ------------------------------------------------------------------ loop
    def minimize(self, fun=None, x0=None, grad=None) -> OptimizeResult:
        """Run from ``x0``; ``grad`` is the Euclidean gradient (autograd if None).

        Returns
        -------
        OptimizeResult

        Raises
        ------
        DivergenceError
            Only with ``raise_on_divergence=True``, when the run diverged.
        """
        # argument checks, errstate and raise_on_divergence as in gradient descent
        return RiemannianGradientDescent._minimize(self, fun, x0, grad, "x0")

    def _initial_state(self, problem: Problem, x) -> SolverState:
        try:
            f = problem.objective.value(x)
            if not np.isfinite(f):
                raise ValueError(f"fun is {f} at the start point x0 = {x}; it must be finite")
            g, r, gn = problem.gradient(x)
        except NonFiniteError as exc:
            raise ValueError(f"{exc} (the start point x0); it must be finite") from exc
        except StopRun as exc:
            raise ValueError(f"at the start point x0: {exc.stop.message}") from None
        return SolverState(x, f, g, r, gn)

    def _run(self, fun, x0, grad, start_name: str = "x0") -> OptimizeResult:
        start = time.perf_counter()
        dim = self.manifold.dim
        x = as_points(x0, dim, "x0")
        if x.shape != (dim,):
            raise ValueError(f"x0 must be one point of shape ({dim},), got shape {x.shape}")
        x = np.asarray(self.manifold.check_point(x, "x0"), dtype=float).copy()
        objective = self._objective(fun, grad, dim)
        problem = Problem(self, objective)
        self._fun, self._grad = fun, grad
        self.stopping.reset()
        state = self._initial_state(problem, x)
        self._start(problem, state)
        history = History()
        history.append(
            fun=state.fun,
            grad_norm=state.grad_norm,
            step_size=0.0,
            shortened=False,
            damping=0.0,
            accepted=True,
        )
        nit = 0
        failed_x = None
        rising = RisingObjective(state.fun)
        floor_watch = FloorWatch()
        stop = self.stopping(IterationState(0, state.fun, None, state.grad_norm, None, True, 0.0))
        bar = (
            _progress_bar(self.options["max_iter"], state.fun, state.grad_norm)
            if self.progress
            else None
        )
        try:
            while stop is None:
                f_prev = state.fun
                nit += 1
                try:
                    out = self._step(problem, state)
                except NonFiniteError as exc:
                    failed_x = exc.x
                    out = Outcome(0.0, 0.0, False)
                    stop = diverged(f"in iteration {nit}, {exc}; x is the last finite iterate")
                except StopRun as exc:
                    out = Outcome(0.0, 0.0, False)
                    stop = exc.stop
                history.append(
                    fun=state.fun,
                    grad_norm=state.grad_norm,
                    step_size=out.t if out.accepted else 0.0,
                    shortened=out.shortened,
                    damping=0.0,
                    accepted=out.accepted,
                )
                if bar is not None:
                    bar.update(1)
                    bar.set_postfix(fun=f"{state.fun:.6g}", grad_norm=f"{state.grad_norm:.3g}")
                if stop is not None:
                    break
                if out.failure is not None:
                    stop = self._floor_stop(problem, state) or Stop(False, NO_DECREASE, out.failure)
                    break
                if out.accepted:
                    reason = rising.update(f_prev, state.fun)
                    if reason is not None:
                        stop = diverged(reason)
                        break
                elapsed = time.perf_counter() - start
                stop = self.stopping(
                    IterationState(
                        nit,
                        state.fun,
                        f_prev,
                        state.grad_norm,
                        out.step_length,
                        out.accepted,
                        elapsed,
                    )
                )
                if (stop is None and floor_watch.due(state.grad_norm)) or (
                    stop is not None and stop.status in (MAX_ITER, MAX_TIME)
                ):
                    stop = self._floor_stop(problem, state) or stop
                if self.callback is not None:
                    partial = self._result(state, nit, objective, history, start, None)
                    try:
                        wants_stop = self.callback(partial) is True
                    except StopIteration:
                        wants_stop = True
                    if wants_stop and stop is None:
                        stop = Stop(False, CALLBACK, "stopped by the callback")
        finally:
            if bar is not None:
                close_progress_bar(bar)
        res = self._result(state, nit, objective, history, start, stop)
        if failed_x is not None:
            res["failed_x"] = np.array(failed_x, dtype=float)
        return res

    def _floor_stop(self, problem: Problem, state: SolverState) -> Stop | None:
        """Converged at float64's rounding floor of the gradient norm (see
        :meth:`RiemannianGradientDescent._floor_stop`), else ``None``."""
        return RiemannianGradientDescent._floor_stop(
            self,
            problem.objective,
            state.x,
            state.fun,
            state.egrad,
            0.0,
            state.grad_norm,
        )

    def _result(self, state, nit, objective, history, start, stop) -> OptimizeResult:
        stop = stop or Stop(False, -1, "running")
        return OptimizeResult(
            x=state.x.copy(),
            fun=float(state.fun),
            jac=state.egrad.copy(),
            grad_norm=float(state.grad_norm),
            nit=nit,
            nfev=objective.nfev,
            njev=objective.njev,
            success=stop.success,
            status=stop.status,
            message=stop.message,
            method=self.method,
            history=history.as_arrays(),
            wall_time=time.perf_counter() - start,
        )

    # ------------------------------------------------------------------ helpers
    def _accept(self, problem: Problem, state: SolverState, x_new, f_new, egrad=None):
        """Move ``state`` to ``x_new`` (gradient reused when the line search had it)."""
        g = problem.objective.gradient(x_new) if egrad is None else egrad
        r, slope = problem.riemannian(x_new, g)
        state.fun_prev = state.fun
        state.x, state.fun, state.egrad, state.rgrad = x_new, f_new, g, r
        state.grad_norm = float(np.sqrt(slope))

    def _line_step(self, problem: Problem, state: SolverState, rule, eta, t0) -> Outcome:
        """Search along ``η`` from the trial step ``t0`` and move ``state`` there."""
        if hasattr(rule, "initial") and np.isfinite(t0) and t0 > 0:
            rule.initial = float(t0)
        x_old = state.x
        step = rule(problem.context(state, eta))
        if step.failure is not None or not step.accepted:
            return Outcome(0.0, 0.0, False, step.shortened, step.failure)
        length = float(step.t * problem.norm(x_old, eta))
        self._accept(problem, state, step.x, step.fun, step.egrad)
        return Outcome(step.t, length, True, step.shortened)

"""The solvers' common parts: :class:`RiemannianSolver` (CG, L-BFGS, trust region,
momentum, Adam) and :class:`Problem` (the objective on the manifold as they use it).

A solver is a subclass of :class:`RiemannianSolver` that supplies two parts:

* ``_start(problem, state)``: solver memory at the start point;
* ``_step(problem, state) -> Outcome``: one iteration, updating ``state`` in place.

The run itself — start checks, the stopping criteria of :mod:`~infogeo.optim.stopping`
(``gtol``, ``ftol``, ``max_iter``, ``max_time``, ``min_step``, ``stopping``), the
per-iteration :class:`~infogeo.optim.result.History`, the callback, the progress bar and
the :class:`~infogeo.OptimizeResult` — is the skeleton of :mod:`infogeo.optim.loop`,
the same one gradient descent runs on (as in Manopt.jl's plans/solvers and pymanopt's
optimizers). The geometry comes from the manifold interface only
(``riemannian_gradient``, ``inner`` / ``metric``, ``retract`` / ``exp``,
``vector_transport``), so on a statistical manifold (Fisher metric) every solver is its
natural-gradient version.
"""

from __future__ import annotations

import math
from typing import ClassVar

import numpy as np

from ..geometry.euclidean import Euclidean
from ..geometry.manifold import RiemannianManifold
from ._ops import _has_twin
from .loop import IterativeSolver, Outcome, SolverState, StopRun
from .objective import Objective
from .options import DEFAULTS, build_step_rule, check_option_names
from .riemannian_gradient_descent import RiemannianGradientDescent
from .safeguards import NonFiniteError
from .step_size import StepContext, StepRule, StrongWolfe, same_point
from .stopping import Stop

__all__ = ["Outcome", "Problem", "RiemannianSolver", "SolverState", "StopRun"]

try:  # np.einsum's kernel, which np.einsum calls without optimize=: the same numbers
    # without its dispatch wrapper (inner products run several times per iteration)
    from numpy._core.multiarray import c_einsum as _einsum
except ImportError:  # pragma: no cover - numpy without that layout
    _einsum = np.einsum

#: options every solver understands (the others of DEFAULTS belong to gradient descent)
COMMON = (
    "step_size",
    "retraction",
    "max_iter",
    "gtol",
    "relative_gtol",
    "ftol",
    "max_time",
    "min_step",
    "stopping",
    "callback",
    "progress",
    "raise_on_divergence",
)


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
        # a closed-form derivative of the retraction curve (the sphere's projection),
        # when the class that defines the retraction supplies it
        self._velocity = (
            getattr(self.manifold, "_retraction_velocity", None)
            if solver.retraction == "retract"
            and _has_twin(self.manifold, "retract", "_retraction_velocity")
            else None
        )

    # -- gradients
    def gradient(self, x):
        """``(egrad, rgrad, grad_norm)`` at ``x``."""
        g = self.objective.gradient(x)
        r, slope = self.riemannian(x, g)
        return g, r, math.sqrt(slope)

    def riemannian(self, x, g):
        """``(G⁻¹g, gᵀG⁻¹g)``, with the checks of gradient descent (a diverged iterate
        or a singular metric raises :class:`StopRun`)."""
        out = RiemannianGradientDescent._direction(self.solver, x, g, 0.0)
        if isinstance(out, Stop):
            raise StopRun(out)
        return out

    # -- metric
    def metric(self, x):
        if self._x is None or not same_point(self._x, x):
            self._x = np.array(x, copy=True)
            self._G = np.asarray(self.manifold.metric(x), dtype=float)
        return self._G

    def inner(self, x, u, v):
        """``⟨u, v⟩_x`` (batched over leading axes of ``u`` and ``v``)."""
        if self._plain_inner:
            return _einsum("...i,...i->...", u, v)
        if self._matrix_inner:
            return _einsum("...i,ij,...j->...", u, self.metric(x), v)
        if self._fvp is not None:
            u, v = np.broadcast_arrays(u, v)
            return _einsum("...i,...i->...", u, self._fvp(x, v))
        return np.asarray(self.solver._ops.inner(x, u, v), dtype=float)

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
        vt = self.solver._ops.vector_transport
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
        transport when it is the retraction's differential, with the manifold's
        ``_retraction_velocity`` (closed form) where it has one, else by a central
        difference of the retraction in ``t`` (relative step 1e-6), made tangent at
        ``x_t`` by the vector transport ``T_{x_t→x_t}`` (a projection on embedded
        manifolds)."""
        if self._exact_transport:
            return lambda t, y, g: float(np.dot(g, self.transport(x, eta, y)))
        update = self.solver._ops.move
        velocity_of = self._velocity

        def slope(t, y, g):
            if velocity_of is not None:
                velocity = velocity_of(x, eta, t, y)
                if velocity is not None:
                    return float(np.dot(g, velocity))
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


class RiemannianSolver(IterativeSolver):
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
    def _problem(self, objective) -> Problem:
        return Problem(self, objective)

    def _initial_state(self, problem: Problem, x, start_name: str) -> SolverState:
        try:
            f = problem.objective.value(x)
            if not np.isfinite(f):
                raise ValueError(
                    f"fun is {f} at the start point {start_name} = {x}; it must be finite"
                )
            g, r, gn = problem.gradient(x)
        except NonFiniteError as exc:
            raise ValueError(f"{exc} (the start point {start_name}); it must be finite") from exc
        except StopRun as exc:
            raise ValueError(f"at the start point {start_name}: {exc.stop.message}") from None
        return SolverState(x, f, g, r, gn)

    def _run(self, fun, x0, grad, start_name: str = "x0"):
        self._fun, self._grad = fun, grad  # for solvers that differentiate fun again
        return super()._run(fun, x0, grad, start_name)

    #: converged at float64's rounding floor of the gradient norm (gradient descent's)
    _floor_stop = RiemannianGradientDescent._floor_stop

    # ------------------------------------------------------------------ helpers
    def _accept(self, problem: Problem, state: SolverState, x_new, f_new, egrad=None):
        """Move ``state`` to ``x_new`` (gradient reused when the line search had it)."""
        g = problem.objective.gradient(x_new) if egrad is None else egrad
        r, slope = problem.riemannian(x_new, g)
        state.fun_prev = state.fun
        state.x, state.fun, state.egrad, state.rgrad = x_new, f_new, g, r
        state.grad_norm = math.sqrt(slope)

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

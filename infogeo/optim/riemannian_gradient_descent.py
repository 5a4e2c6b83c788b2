"""Riemannian gradient descent: the one optimization loop of infogeo.

Each iteration computes the Riemannian gradient ``d = (G(x) + λI)⁻¹ ∇f(x)`` through
``manifold.riemannian_gradient`` (a linear solve, the metric is never inverted),
asks a step-size rule for ``t`` and moves to ``R_x(−t d)`` with ``manifold.retract``
or ``manifold.exp``. Natural gradient descent is this loop on a statistical
manifold, where ``G`` is the Fisher information.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from .loop import IterativeSolver, Outcome, SolverState, StopRun, build_result
from .objective import Objective
from .options import (
    DEFAULTS,
    build_step_rule,
    build_stopping,
    check_option_names,
    has_fisher_metric,
    resolve_step_length,
)
from .progress import require_tqdm
from .safeguards import (
    NonFiniteError,
    directional_slope,
    gradient_floor,
    metric_overflow,
)
from .step_size import Step, StepContext, same_point, transported_slope
from .stopping import (
    SINGULAR_METRIC,
    Stop,
    diverged,
    rounding_floor,
    singular_metric,
)

__all__ = ["RiemannianGradientDescent"]


_MAX_HALVINGS = 60
_SQRT_EPS = float(np.sqrt(np.finfo(float).eps))


class RiemannianGradientDescent(IterativeSolver):
    """Minimize a function on a Riemannian manifold by gradient descent.

    ``x_{k+1} = R_{x_k}(−t_k d_k)``, ``d_k = (G(x_k) + λ_k I)⁻¹ ∇f(x_k)``.

    Parameters
    ----------
    manifold
        Any object with the manifold interface ``riemannian_gradient(x, egrad,
        damping=λ)``, ``retract`` / ``exp``, ``check_point`` and ``dim``.
    step_size : float, default 1.0
        Initial trial step of the Armijo search, or the fixed step when
        ``line_search=None``. On a statistical manifold step 1 is Fisher scoring.
        Once an Armijo search has had to backtrack from it, later searches start
        from ``min(step_size, t_BB)``, the Barzilai–Borwein step
        ``⟨s, y⟩ / ⟨y, y⟩`` of the previous step (``s`` the step, ``y`` the change of the
        Riemannian gradient), which is usually accepted at once: one value and one
        gradient per iteration, and fewer iterations than the exact line minimum.
    line_search : {"armijo", None, "levenberg-marquardt"} or StepRule, default "armijo"
        Step-size rule (see :mod:`infogeo.optim.step_size`).
    trust_region : float, optional
        KL radius ``ε``: every step solves ``min ∇fᵀd`` s.t. ``½ dᵀGd ≤ ε``, i.e.
        ``d = −√(2ε / ∇fᵀG⁻¹∇f) G⁻¹∇f`` (overrides ``line_search``). Fixed-length
        steps do not settle on a minimum; ``line_search=KLTrustRegion(ε, max_step=1.0)``
        clips them at the full natural step instead, and converges.
    damping : float, default 0
        ``λ ≥ 0``: directions solve ``(G + λI) d = ∇f``; needed where ``G`` is
        singular. With ``line_search="levenberg-marquardt"`` the initial ``λ``.
    retraction : {"retract", "exp"}, default "retract"
        Update map: the manifold's cheap retraction or its exponential map.
    max_iter : int, default 1000
    gtol : float, default 1e-8
        Stop (converged) when the Riemannian gradient norm ``√(∇fᵀ(G+λI)⁻¹∇f) ≤ gtol``.
        On a metric other than a Fisher information the test is relative to the
        problem's scale, ``≤ gtol · min(1, ‖grad f(x₀)‖)`` (see
        :class:`~infogeo.optim.stopping.GradientTolerance`).
    relative_gtol : bool, optional
        Force the relative (``True``) or the absolute (``False``) form of the ``gtol``
        test; default (``None``): absolute on a Fisher metric, relative otherwise. Use
        ``False`` to stop at the same absolute tolerance as scipy or pymanopt.
    ftol : float, optional
        Stop (converged) when an accepted step changes ``fun`` by at most
        ``ftol · max(|f|, 1)``.
    max_time : float, optional
        Stop (not converged) after this many seconds.
    min_step : float, optional
        Stop (not converged) when an accepted step is shorter than this (Riemannian
        length).
    stopping : StoppingCriterion, optional
        Extra criterion, or-ed with the ones above.
    callback : callable, optional
        ``callback(result_so_far)`` after every iteration, with an
        :class:`OptimizeResult` of the current state; returning ``True`` stops the run
        (``success=False``, status 3).
    progress : bool, default False
        Show one tqdm progress bar per run with the current ``fun`` and gradient norm;
        it is completed (total = iterations run) when the run ends.
    max_step_length : float, None or "auto", default "auto"
        Bound ``r`` on the Riemannian length of the first Armijo trial,
        ``t·√(∇fᵀG⁻¹∇f) ≤ ρ_k`` with ``ρ_0 = r``, ``ρ_{k+1} = max(r, 2ℓ_k)`` after a
        step of length ``ℓ_k``. ``"auto"``: 2 (Fisher–Rao length, KL ≈ 2) when the
        manifold is a statistical manifold, no bound elsewhere (predictive models too).
    raise_on_divergence : bool, default False
        Raise :class:`~infogeo.DivergenceError` (carrying the result) instead of
        returning a diverged result.

    Notes
    -----
    A step that would leave the domain (``manifold.check_point`` failing, i.e.
    ``belongs`` false, ``exp`` raising ``ValueError``, or ``fun`` = +inf or NaN there)
    is halved until it stays inside, and ``history["shortened"]`` marks it: iterates
    never leave the manifold.

    A run that diverges — ``fun = −inf``, a NaN/inf gradient, a metric or iterate
    under- or overflowing float64 (:func:`~infogeo.optim.safeguards.metric_overflow`),
    or ``fun`` rising for 10 consecutive steps above its start — ends with
    ``success=False``, ``status=5``, ``x`` the last iterate where everything was
    finite and ``failed_x`` the point the breaking step reached. A metric singular at
    an ordinary point ends it with ``status=6`` and a message suggesting ``damping``.
    When the gradient norm stalls, its float64 rounding floor is measured
    (:func:`~infogeo.optim.safeguards.gradient_floor`); a run at its floor has
    converged as far as float64 allows and reports ``success=True`` saying so.
    """

    def __init__(self, manifold, **options):
        check_option_names(options)
        for name in ("dim", "riemannian_gradient", "check_point"):
            if not hasattr(manifold, name):
                raise TypeError(
                    f"manifold must provide the manifold interface (missing {name!r}), got "
                    f"{type(manifold).__name__}"
                )
        opts = {**DEFAULTS, **options}
        self.manifold = manifold
        self.options = opts
        self.step_rule = build_step_rule(
            opts["step_size"],
            opts["line_search"],
            opts["trust_region"],
            opts["damping"],
            resolve_step_length(opts["max_step_length"], manifold),
        )
        self.stopping = build_stopping(
            opts["gtol"],
            opts["ftol"],
            opts["max_iter"],
            opts["max_time"],
            opts["min_step"],
            opts["stopping"],
            relative_gtol=_relative_gtol(opts["relative_gtol"], manifold),
        )
        retraction = opts["retraction"]
        if retraction not in ("retract", "exp"):
            raise ValueError(f"retraction must be 'retract' or 'exp', got {retraction!r}")
        if not hasattr(manifold, retraction):
            raise TypeError(f"manifold {manifold!r} has no {retraction!r} method")
        self.retraction = retraction
        # tangent spaces that are all of the chart's ℝᵈ: re-expressing a vector is a
        # first-order transport, no call needed (embedded manifolds project)
        self._identity_transport = getattr(manifold, "kind", None) in (None, "open", "spd-affine")
        self._sphere = getattr(manifold, "kind", None) == "sphere"
        callback = opts["callback"]
        if callback is not None and not callable(callback):
            raise TypeError(f"callback must be callable, got {type(callback).__name__}")
        self.callback = callback
        self.progress = bool(opts["progress"])
        self.raise_on_divergence = bool(opts["raise_on_divergence"])
        if self.progress:
            require_tqdm()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.manifold!r}, step_rule={self.step_rule!r})"

    # ------------------------------------------------------------------ pieces
    def _direction(self, x, egrad, damping):
        """``d = (G + λI)⁻¹ ∇f`` and ``slope = ∇fᵀd``, or a :class:`Stop` saying why
        there is none: the run diverged (``G`` under/overflows at ``x``) or ``G`` is
        singular at an ordinary point (then damping is the remedy)."""
        if not egrad.any():  # a stationary point: no solve needed (nor possible, maybe)
            return np.zeros_like(egrad), 0.0
        problem = None
        try:
            # x is a checked iterate and egrad a checked gradient: no re-validation
            ops = self._ops
            d = np.asarray(ops.riemannian_gradient(x, egrad, damping=damping))
            slope = directional_slope(self.manifold, x, egrad, d, damping, ops.inner)
            if not (np.isfinite(d).all() and math.isfinite(slope) and slope >= 0):
                problem = f"∇fᵀ(G + λI)⁻¹∇f = {slope:.3g}"
        except (ValueError, OverflowError) as exc:  # a metric that names its float64 limit
            problem = str(exc)
        if problem is None:
            return d, slope
        overflow = metric_overflow(self.manifold, x)
        if overflow is not None:
            return diverged(f"no Riemannian gradient at x = {x}: {overflow}")
        return singular_metric(
            f"the metric is not positive definite at x = {x} ({problem})"
            + (
                ""
                if damping or "damping" in problem
                else "; pass damping=λ > 0 to solve with G + λI"
            )
        )

    def _make_trial(self, objective: Objective, x, d) -> Callable:
        ops = self._ops
        update, checked = ops.update, ops.checked

        def trial(t):
            shortened = False
            for _ in range(_MAX_HALVINGS):
                try:
                    # the test of check_point (off the domain, NaN/inf), without raising;
                    # x and d need no re-validation (a checked iterate, a finite direction)
                    x_new = checked(update(x, -t * d))
                    inside = x_new is not None and x_new.shape == x.shape
                except (ValueError, OverflowError):  # off the domain, or beyond float64
                    inside = False
                if inside:
                    try:
                        f_new = objective.value(x_new)
                    except NonFiniteError as exc:
                        if exc.value == -np.inf:
                            raise
                        f_new = np.inf  # NaN: treated like a point outside the domain
                    if f_new < np.inf:
                        return t, x_new, f_new, shortened
                t *= 0.5
                shortened = True
            return t, None, np.inf, True

        return trial

    def _start_values(self, objective, x, start_name, damping):
        """Value, gradient and direction at the start, with errors naming the start."""
        try:
            f = objective.value(x)
        except NonFiniteError as exc:
            raise ValueError(f"{exc} (the start point {start_name}); it must be finite") from exc
        if not np.isfinite(f):
            raise ValueError(f"fun is {f} at the start point {start_name} = {x}; it must be finite")
        try:
            g = objective.gradient(x)
        except NonFiniteError as exc:
            raise ValueError(f"{exc} (the start point {start_name})") from exc
        out = self._direction(x, g, damping)
        if isinstance(out, Stop):
            raise ValueError(f"at the start point {start_name}: {out.message}")
        return f, g, *out

    # ------------------------------------------------------------------ parts
    def _initial_state(self, objective, x, start_name) -> SolverState:
        rule = self.step_rule.fresh()
        lam = rule.damping
        f, g, d, slope = self._start_values(objective, x, start_name, lam)
        memory = {"rule": rule, "slope": slope}
        return SolverState(x, f, g, d, math.sqrt(slope), damping=lam, memory=memory)

    def _step(self, objective, state: SolverState) -> Outcome:
        """One iteration: the step rule along ``−d``, then the gradient and direction at
        the accepted point (or, after a rejected Levenberg–Marquardt step, a new
        direction for the raised ``λ``)."""
        rule = state.memory["rule"]
        x, d = state.x, state.rgrad
        ctx = StepContext(
            x,
            state.fun,
            state.egrad,
            d,
            state.memory["slope"],
            state.damping,
            self._make_trial(objective, x, d),
            objective.gradient,
            transported_slope(self.manifold, x, d, self._ops.vector_transport),
            initial=state.memory.get("guess"),
        )
        step: Step = rule(ctx)
        if step.failure is not None:
            return Outcome(step.t, 0.0, step.accepted, step.shortened, step.failure)
        if step.accepted and same_point(step.x, x):
            return Outcome(
                step.t,
                0.0,
                False,
                step.shortened,
                f"the step no longer changes x (t = {step.t:.3g}) before convergence"
                + (
                    "; it was shortened to keep x in the domain and fun finite (NaN or +inf beyond)"
                    if step.shortened
                    else ""
                ),
            )
        if step.accepted:
            moved = self._advance(objective, step, rule.damping, state.nit)
            if isinstance(moved, Stop):
                raise StopRun(moved, step.x, Outcome(step.t, 0.0, False, step.shortened))
            state.fun_prev = state.fun
            state.x, state.fun, state.egrad, state.rgrad, slope = moved
            # Barzilai-Borwein first trials once the rule's own first trial has proved
            # too long (a backtracking search), kept from then on
            if getattr(rule, "backtracked", False) or state.memory.get("guess") is not None:
                state.memory["guess"] = self._barzilai_borwein(
                    x, d, step.t, state.memory["slope"], state.x, state.egrad, state.rgrad, slope,
                    rule.damping,
                )  # fmt: skip
            state.memory["slope"] = slope
            state.grad_norm = math.sqrt(slope)
            state.damping = rule.damping
            return Outcome(step.t, step.t * state.grad_norm, True, step.shortened)
        if rule.damping != state.damping:
            state.damping = rule.damping  # Levenberg-Marquardt raised λ: new direction
            out = self._direction(x, state.egrad, state.damping)
            if isinstance(out, Stop):
                raise StopRun(out, None, Outcome(step.t, 0.0, False, step.shortened))
            state.rgrad, slope = out
            state.memory["slope"] = slope
            state.grad_norm = math.sqrt(slope)
        return Outcome(step.t, 0.0, False, step.shortened)

    def _barzilai_borwein(self, x, d, t, slope, x_new, g_new, d_new, slope_new, damping):
        """The Barzilai–Borwein step multiplier ``⟨s, y⟩ / ⟨y, y⟩`` (BB2) for the
        direction at ``x_new`` after the step ``s = −t d`` from ``x`` (Iannazzo &
        Porcelli, IMA J. Numer. Anal. 38, 2018), ``y = d_new − T d`` the change of the
        Riemannian gradient, ``T`` the manifold's vector transport. Inner products come
        from the Riesz identity ``⟨v, G⁻¹g⟩ = vᵀg`` and ``‖T d‖² ≈ ‖d‖²_x = ∇fᵀd``
        (isometric to first order), so no metric is formed:
        ``⟨s, y⟩ = t (∇fᵀd − (T d)ᵀ∇f_new)``, ``⟨y, y⟩ = ∇f_newᵀd_new − 2 (T d)ᵀ∇f_new
        + ∇fᵀd``. ``None`` (no suggestion) when the curvature along the step is not
        positive."""
        if self._sphere:  # T d = P d (projection): (P d)ᵀ∇f_new = dᵀ(P ∇f_new),
            # P ∇f_new = (1 + λ) d_new (the sphere's damped gradient)
            cross = (1.0 + damping) * float(np.dot(d, d_new))
        else:
            vt = self._ops.vector_transport
            td = d if vt is None or self._identity_transport else vt(x, d, x_new)
            cross = float(np.dot(td, g_new))
        sy = t * (slope - cross)
        yy = slope_new - 2.0 * cross + slope
        if not (sy > 0 and yy > 0 and np.isfinite(sy / yy)):
            return None
        return sy / yy

    def _advance(self, objective, step, damping, nit):
        """Gradient and direction at an accepted step's point, or the :class:`Stop` of a
        run that broke there (the caller then keeps the previous iterate)."""

        def where() -> str:  # formatted only when a run breaks (x may be long)
            return f"step {nit} (t = {step.t:.3g}) to x = {step.x}"

        try:
            g = objective.gradient(step.x) if step.egrad is None else step.egrad
        except NonFiniteError as exc:
            return diverged(f"{exc.what} not finite after {where()}; x is the last finite iterate")
        out = self._direction(step.x, g, damping)
        if isinstance(out, Stop):
            return Stop(
                out.success,
                out.status,
                f"{out.message}, reached by {where()}; x is the iterate before it"
                + (
                    " (if that step was long, it may have run off to where the model "
                    "saturates: shorten the steps rather than damp the metric)"
                    if out.status == SINGULAR_METRIC
                    else ""
                ),
            )
        return step.x, step.fun, g, *out

    def _floor_stop(self, objective, x, f, g, damping, grad_norm):
        """A converged :class:`Stop` if ``grad_norm`` is within 4× the gradient's
        rounding floor at ``x`` (see :func:`~infogeo.optim.safeguards.gradient_floor`)."""
        # only where the first-order model promises no more than √ε·|f|: far from a
        # minimum (an infimum at the boundary, say) a large floor is no convergence
        if not 0 < 0.5 * grad_norm**2 <= _SQRT_EPS * max(abs(f), 1.0):
            return None
        floor = gradient_floor(objective.gradient, self.manifold.riemannian_gradient, x, g, damping)
        if grad_norm <= 4.0 * floor:
            return rounding_floor(grad_norm, floor, self.options["gtol"])
        return None

    #: ``_result(x, f, g, grad_norm, nit, objective, history, start, stop)``
    _result = staticmethod(build_result)


def _relative_gtol(option, manifold) -> bool:
    """The ``relative_gtol`` option: ``None`` → relative unless the metric is a Fisher
    information (which carries the problem's scale itself)."""
    if option is None:
        return not has_fisher_metric(manifold)
    if not isinstance(option, (bool, np.bool_)):
        raise TypeError(f"relative_gtol must be True, False or None, got {option!r}")
    return bool(option)

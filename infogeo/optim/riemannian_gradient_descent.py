"""Riemannian gradient descent: the one optimization loop of infogeo.

Each iteration computes the Riemannian gradient ``d = (G(x) + λI)⁻¹ ∇f(x)`` through
``manifold.riemannian_gradient`` (a linear solve, the metric is never inverted),
asks a step-size rule for ``t`` and moves to ``R_x(−t d)`` with ``manifold.retract``
or ``manifold.exp``. Natural gradient descent is this loop on a statistical
manifold, where ``G`` is the Fisher information.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from .._validation import as_points
from .objective import Objective
from .options import DEFAULTS, build_step_rule, build_stopping, check_option_names
from .result import History, OptimizeResult
from .step_size import Step, StepContext
from .stopping import CALLBACK, NO_DECREASE, IterationState, Stop

__all__ = ["RiemannianGradientDescent"]

_MAX_HALVINGS = 60


class RiemannianGradientDescent:
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
        Show a tqdm progress bar with the current ``fun`` and gradient norm.

    Notes
    -----
    A step that would leave the domain (``manifold.check_point`` failing, i.e.
    ``belongs`` false, ``exp`` raising ``ValueError``, or ``fun = +inf`` there) is
    halved until it stays inside, and ``history["shortened"]`` marks it: iterates never
    leave the manifold.
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
            opts["step_size"], opts["line_search"], opts["trust_region"], opts["damping"]
        )
        self.stopping = build_stopping(
            opts["gtol"],
            opts["ftol"],
            opts["max_iter"],
            opts["max_time"],
            opts["min_step"],
            opts["stopping"],
        )
        retraction = opts["retraction"]
        if retraction not in ("retract", "exp"):
            raise ValueError(f"retraction must be 'retract' or 'exp', got {retraction!r}")
        if not hasattr(manifold, retraction):
            raise TypeError(f"manifold {manifold!r} has no {retraction!r} method")
        self.retraction = retraction
        callback = opts["callback"]
        if callback is not None and not callable(callback):
            raise TypeError(f"callback must be callable, got {type(callback).__name__}")
        self.callback = callback
        self.progress = bool(opts["progress"])
        if self.progress:
            _require_tqdm()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.manifold!r}, step_rule={self.step_rule!r})"

    # ------------------------------------------------------------------ pieces
    def _direction(self, x, egrad, damping):
        """``d = (G + λI)⁻¹ ∇f`` and ``slope = ∇fᵀd``; explains a singular metric."""
        try:
            d = np.asarray(self.manifold.riemannian_gradient(x, egrad, damping=damping))
        except ValueError as exc:
            raise ValueError(
                f"cannot compute the Riemannian gradient at x = {x}: {exc}"
                + ("" if "damping" in str(exc) else "; pass damping=λ > 0 to regularize")
            ) from exc
        slope = float(np.dot(egrad, d))
        if not np.isfinite(slope) or slope < 0:
            raise ValueError(
                f"the metric at x = {x} is not positive definite (∇fᵀG⁻¹∇f = {slope:.3g}); "
                "pass damping=λ > 0 to solve with G + λI"
            )
        return d, slope

    def _make_trial(self, objective: Objective, x, d) -> Callable:
        update = getattr(self.manifold, self.retraction)
        check_point = self.manifold.check_point

        def trial(t):
            shortened = False
            for _ in range(_MAX_HALVINGS):
                try:
                    # check_point raises ValueError off the domain (or for NaN/inf); it is
                    # the same test as belongs() for one point, without its batch set-up
                    x_new = np.asarray(check_point(update(x, -t * d), "x"), dtype=float)
                    inside = x_new.shape == x.shape
                except ValueError:
                    inside = False
                if inside:
                    f_new = objective.value(x_new)
                    if f_new < np.inf:
                        return t, x_new, f_new, shortened
                t *= 0.5
                shortened = True
            return t, None, np.inf, True

        return trial

    # ------------------------------------------------------------------ loop
    def minimize(self, fun=None, x0=None, grad=None) -> OptimizeResult:
        """Run from ``x0``; ``grad`` is the Euclidean gradient (autograd if None).

        Returns
        -------
        OptimizeResult
        """
        if fun is None:
            raise TypeError("minimize() needs fun (the function to minimize)")
        if x0 is None:
            raise TypeError("minimize() needs a start point x0")
        start = time.perf_counter()
        dim = self.manifold.dim
        x = as_points(x0, dim, "x0")
        if x.shape != (dim,):
            raise ValueError(f"x0 must be one point of shape ({dim},), got shape {x.shape}")
        x = np.asarray(self.manifold.check_point(x, "x0"), dtype=float).copy()
        objective = Objective(fun, grad, dim)
        rule = self.step_rule.fresh()

        f = objective.value(x)
        if not np.isfinite(f):
            raise ValueError(f"fun(x0) = {f}; the start point must have a finite value")
        g = objective.gradient(x)
        lam = rule.damping
        d, slope = self._direction(x, g, lam)
        history = History()
        history.append(
            fun=f,
            grad_norm=np.sqrt(slope),
            step_size=0.0,
            shortened=False,
            damping=lam,
            accepted=True,
        )
        nit = 0
        state = IterationState(0, f, None, np.sqrt(slope), None, True, 0.0)
        stop = self.stopping(state)
        bar = _progress_bar(self.options["max_iter"]) if self.progress else None
        try:
            while stop is None:
                ctx = StepContext(
                    x, f, g, d, slope, lam, self._make_trial(objective, x, d), objective.gradient
                )
                step: Step = rule(ctx)
                nit += 1
                if step.failure is not None:
                    stop = Stop(False, NO_DECREASE, step.failure)
                f_prev = f
                step_length = step.t * np.sqrt(slope) if step.accepted else 0.0
                if step.accepted:
                    x, f = step.x, step.fun
                    g = objective.gradient(x) if step.egrad is None else step.egrad
                lam = rule.damping
                d, slope = self._direction(x, g, lam)
                grad_norm = np.sqrt(slope)
                history.append(
                    fun=f,
                    grad_norm=grad_norm,
                    step_size=step.t if step.accepted else 0.0,
                    shortened=step.shortened,
                    damping=lam,
                    accepted=step.accepted,
                )
                if bar is not None:
                    bar.update(1)
                    bar.set_postfix(fun=f"{f:.6g}", grad_norm=f"{grad_norm:.3g}")
                if stop is not None:
                    break
                state = IterationState(
                    nit,
                    f,
                    f_prev,
                    grad_norm,
                    step_length,
                    step.accepted,
                    time.perf_counter() - start,
                )
                stop = self.stopping(state)
                if self.callback is not None:
                    partial = self._result(
                        x,
                        f,
                        g,
                        grad_norm,
                        nit,
                        objective,
                        history,
                        start,
                        Stop(False, -1, "running"),
                    )
                    if self.callback(partial) is True and stop is None:
                        stop = Stop(False, CALLBACK, "stopped by the callback")
        finally:
            if bar is not None:
                bar.close()
        return self._result(x, f, g, np.sqrt(slope), nit, objective, history, start, stop)

    @staticmethod
    def _result(x, f, g, grad_norm, nit, objective, history, start, stop) -> OptimizeResult:
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
            history=history.as_arrays(),
            wall_time=time.perf_counter() - start,
        )


def _require_tqdm():
    try:
        import tqdm  # noqa: F401
    except ImportError as exc:
        raise ImportError(
            "progress=True needs the optional dependency tqdm: pip install 'infogeo[progress]' "
            "(or pip install tqdm)"
        ) from exc


def _progress_bar(total):
    from tqdm.auto import tqdm

    return tqdm(total=total, desc="minimize", unit="it")

"""The Fréchet (Karcher) mean of points on a Riemannian manifold.

The weighted Fréchet mean minimizes ``f(x) = ½ Σᵢ wᵢ d²(x, pᵢ)`` (``Σ wᵢ = 1``). Its
Riemannian gradient is ``grad f(x) = −Σᵢ wᵢ log_x(pᵢ)``, so one batched ``log`` gives
the gradient and, through ``d(x, pᵢ) = ‖log_x pᵢ‖_x``, the value. The iteration is the
Karcher step ``x ← exp_x(t Σᵢ wᵢ log_x pᵢ)`` with ``t = 1`` first (exact in flat
spaces), halved until ``f`` decreases by the Armijo condition; the next trial ``t``
is the secant estimate of the exact line minimizer from the change of the gradient
(curved spaces make ``t = 1`` too long on Hadamard manifolds, too short on spheres).
"""

from __future__ import annotations

import time

import numpy as np

from ..exceptions import ConvergenceError
from ..optim.result import OptimizeResult
from ._kernels import log_function
from ._points import check_points, check_tolerance, check_weights, starting_point
from ._result import iteration_result

__all__ = ["frechet_mean", "karcher_state"]

_ARMIJO = 1e-4
_MAX_HALVINGS = 40
_EPS = np.finfo(float).eps
#: Below ‖grad f‖ = this × spread the change of f along a step is below the accuracy of
#: its distances, so a step is judged by the gradient norm it reaches instead.
_UNRESOLVED = 1e-6


def karcher_state(manifold, x: np.ndarray, points: np.ndarray, weights: np.ndarray):
    """``(V, g, f, gn)`` at ``x``: the logs ``V[i] = log_x pᵢ``, the descent direction
    ``g = Σ wᵢ V[i]`` (minus the Riemannian gradient), ``f = ½ Σ wᵢ ‖V[i]‖²_x`` and
    ``‖g‖_x``."""
    xb = np.broadcast_to(x, points.shape)
    V = np.asarray(log_function(manifold)(xb, points), dtype=float)
    sq = np.asarray(manifold.inner(xb, V, V), dtype=float)
    g = weights @ V
    f = 0.5 * float(weights @ sq)
    gn = float(np.sqrt(max(float(manifold.inner(x, g, g)), 0.0)))
    return V, g, f, gn


def frechet_mean(
    manifold,
    points,
    weights=None,
    *,
    x0=None,
    gtol: float = 1e-10,
    max_iter: int = 500,
    max_time: float | None = 120.0,
) -> OptimizeResult:
    """Weighted Fréchet (Karcher) mean ``argmin_x ½ Σᵢ wᵢ d²(x, pᵢ)``.

    Riemannian gradient descent with the batched ``log``: the direction is
    ``Σᵢ wᵢ log_x(pᵢ)`` (minus the gradient), the update ``exp_x(t ·)`` with ``t = 1``
    first and halved until ``f(x_new) ≤ f(x) − 10⁻⁴ t ‖g‖²`` (steps that leave the
    chart's domain count as failed); the next trial is the secant estimate
    ``t ⟨g, g⟩ / (⟨g, g⟩ − ⟨g_new, g⟩)`` (within ``[t/4, 4t]``). Near the minimum,
    where ``f`` changes by less than its rounding error, a step is accepted when the
    gradient norm decreases.

    Parameters
    ----------
    manifold
        A :class:`~infogeo.RiemannianManifold` (any object with ``log``, ``exp``,
        ``inner``, ``check_point``).
    points
        ``(n, dim)`` points of the manifold.
    weights
        ``n`` non-negative weights (normalized to sum 1); uniform when None.
    x0
        Start point; default the weighted coordinate mean when it lies on the manifold,
        else the data point nearest to it.
    gtol
        Stop when ``‖Σᵢ wᵢ log_x pᵢ‖_x ≤ gtol`` (default 1e-10). When no step can
        decrease ``f`` any more (the numerical ``log`` is exact to ~1e-10 relative), a
        gradient below ``gtol · s``, ``s = √(Σᵢ wᵢ d²(x, pᵢ))`` the spread, also counts
        as converged.
    max_iter, max_time
        Iteration and wall-time budgets (seconds; None for no time limit).

    Returns
    -------
    OptimizeResult
        ``x`` the mean, ``fun = ½ Σ wᵢ d²(x, pᵢ)``, ``grad_norm`` the Riemannian gradient
        norm at ``x``, ``nit``, ``nfev`` (batched ``log`` calls), ``success``,
        ``status`` (0 converged, 1 ``max_iter``, 2 ``max_time``, 4 no step decreased
        ``f``), ``message``, ``history`` (``fun``, ``grad_norm``, ``step_size``).

    Notes
    -----
    The minimizer is unique when the points lie in a geodesically convex ball of
    radius below ``½ min(inj, π/(2√κ))`` (κ an upper bound of the sectional curvature);
    on Hadamard manifolds (the Normal family, SPD matrices) always.
    """
    P = check_points(manifold, points)
    w = check_weights(weights, P.shape[0])
    gtol = check_tolerance(gtol, "gtol")
    if isinstance(max_iter, bool) or not isinstance(max_iter, (int, np.integer)) or max_iter < 0:
        raise ValueError(f"max_iter must be an integer >= 0, got {max_iter!r}")
    if max_time is not None:
        max_time = check_tolerance(max_time, "max_time")
    x = starting_point(manifold, P, w, x0)
    return _descend(manifold, P, w, x, gtol, int(max_iter), max_time)


def _descend(manifold, P, w, x, gtol, max_iter, max_time) -> OptimizeResult:
    start = time.perf_counter()
    _, g, f, gn = karcher_state(manifold, x, P, w)
    nfev = 1
    hist = {"fun": [f], "grad_norm": [gn], "step_size": [0.0]}
    t = 1.0
    status, message = 1, f"reached max_iter = {max_iter} before ‖grad‖ <= gtol"
    nit = 0
    while True:
        if gn <= gtol:
            status, message = 0, "converged: ‖grad f‖ <= gtol"
            break
        if nit >= max_iter:
            break
        if max_time is not None and time.perf_counter() - start > max_time:
            status, message = 2, f"stopped by max_time = {max_time:g} s"
            break
        accepted = False
        first_try = True
        for _ in range(_MAX_HALVINGS):
            trial = _trial(manifold, x, t * g, P, w)
            nfev += trial is not None
            if trial is not None:
                x_new, g_new, f_new, gn_new = trial
                decrease = f_new <= f - _ARMIJO * t * gn * gn
                # near the minimum the decrease ~t·gn² is below what f resolves (its
                # distances are accurate to ~1e-10, not to eps): judge by the gradient
                unresolved = gn <= _UNRESOLVED * np.sqrt(2.0 * max(f, _EPS))
                rounding = gn_new < gn and (
                    unresolved
                    or (
                        _ARMIJO * t * gn * gn <= 16 * _EPS * max(f, _EPS)
                        and f_new <= f + 16 * _EPS * max(f, _EPS)
                    )
                )
                if decrease or rounding:
                    accepted = True
                    break
            t *= 0.5
            first_try = False
        if not accepted:
            if gn <= gtol * max(1.0, np.sqrt(2.0 * f)):
                status = 0
                message = (
                    "converged to the accuracy of log: no step decreased f and "
                    "‖grad f‖ <= gtol · spread"
                )
            else:
                status, message = 4, "no step along the gradient decreased f"
            break
        nit += 1
        t_next = _secant_step(manifold, x, g, g_new, t) if first_try else t
        x, g, f, gn = x_new, g_new, f_new, gn_new
        hist["fun"].append(f)
        hist["grad_norm"].append(gn)
        hist["step_size"].append(t)
        t = t_next
    return iteration_result(x, f, gn, nit, nfev, status, message, hist, start)


def _secant_step(manifold, x, g, g_new, t) -> float:
    """The step that zeroes the directional derivative of ``f`` along ``g`` if ``f`` were
    quadratic on that line: ``t ⟨g, g⟩ / (⟨g, g⟩ − ⟨g_new, g⟩)``, with ``g_new`` read in
    the chart at ``x`` (no transport: only the step length is estimated, the Armijo test
    still guards each step), kept within ``[t/4, 4t]`` and ``[1e-3, 4]``."""
    gg = float(manifold.inner(x, g, g))
    denom = gg - float(manifold.inner(x, g_new, g))
    if not (denom > 0 and gg > 0):
        return min(4.0, 2.0 * t)
    return float(np.clip(t * gg / denom, max(t / 4, 1e-3), min(4 * t, 4.0)))


def _trial(manifold, x, v, P, w):
    """State at ``exp_x(v)``, or None when the step leaves the domain or its logs fail."""
    try:
        x_new = np.asarray(manifold.exp(x, v), dtype=float)
        if not (np.all(np.isfinite(x_new)) and bool(np.all(manifold.belongs(x_new)))):
            return None
        _, g, f, gn = karcher_state(manifold, x_new, P, w)
    except (ValueError, ConvergenceError):
        return None
    if not (np.isfinite(f) and np.isfinite(gn)):
        return None
    return x_new, g, f, gn

"""The geodesic (Fermat–Weber) median of points on a Riemannian manifold."""

from __future__ import annotations

import time

import numpy as np

from ..optim.result import OptimizeResult
from ._kernels import log_function
from ._points import check_points, check_tolerance, check_weights, starting_point
from ._result import iteration_result

__all__ = ["geometric_median"]


def geometric_median(
    manifold,
    points,
    weights=None,
    *,
    x0=None,
    gtol: float = 1e-10,
    max_iter: int = 1000,
    max_time: float | None = 120.0,
) -> OptimizeResult:
    """Weighted geodesic median ``argmin_x Σᵢ wᵢ d(x, pᵢ)`` by the Riemannian Weiszfeld
    iteration (Fletcher, Venkatasubramanian & Joshi 2009) with the Vardi–Zhang fix at
    data points.

    With ``uᵢ = log_x pᵢ``, ``dᵢ = ‖uᵢ‖_x`` and ``R = Σ_{dᵢ>0} wᵢ uᵢ/dᵢ`` (minus the
    gradient of ``f(x) = Σ wᵢ dᵢ``), one step is

        ``x ← exp_x(s · Σ_{dᵢ>0} (wᵢ/dᵢ) uᵢ / Σ_{dᵢ>0} wᵢ/dᵢ)``,
        ``s = max(0, 1 − η/‖R‖_x)``,

    ``η`` the total weight of the data points at ``x`` (``s = 1`` away from them).
    ``x`` is optimal when ``‖R‖_x ≤ η`` (a data point) or ``‖R‖_x = 0``.

    Parameters
    ----------
    manifold, points, weights, x0, max_iter, max_time
        As for :func:`~infogeo.frechet_mean`.
    gtol
        Stop when ``max(0, ‖R‖_x − η) ≤ gtol`` (the distance of ``0`` from the
        subdifferential of ``f``; weights normalized to sum 1).

    Returns
    -------
    OptimizeResult
        ``x`` the median, ``fun = Σ wᵢ d(x, pᵢ)``, ``grad_norm`` the optimality residual,
        ``nit``, ``nfev``, ``success``, ``status``, ``message``, ``history``.

    Notes
    -----
    The median is unique unless the points lie on one geodesic (then any point of the
    middle segment may be returned); it is robust: moving a minority of the points
    arbitrarily far moves it a bounded distance.
    """
    P = check_points(manifold, points)
    w = check_weights(weights, P.shape[0])
    gtol = check_tolerance(gtol, "gtol")
    if isinstance(max_iter, bool) or not isinstance(max_iter, (int, np.integer)) or max_iter < 0:
        raise ValueError(f"max_iter must be an integer >= 0, got {max_iter!r}")
    if max_time is not None:
        max_time = check_tolerance(max_time, "max_time")
    x = starting_point(manifold, P, w, x0)
    log = log_function(manifold)
    start = time.perf_counter()
    hist = {"fun": [], "grad_norm": []}
    status, message = 1, f"reached max_iter = {max_iter} before the residual <= gtol"
    nit = nfev = 0
    while True:
        xb = np.broadcast_to(x, P.shape)
        U = np.asarray(log(xb, P), dtype=float)
        nfev += 1
        d = np.sqrt(np.maximum(np.asarray(manifold.inner(xb, U, U), dtype=float), 0.0))
        at = d <= 1e-14 * max(1.0, float(np.max(d)))
        eta = float(np.sum(w[at]))
        inv = np.where(at, 0.0, w / np.where(at, 1.0, d))
        R = inv @ U
        rn = float(np.sqrt(max(float(manifold.inner(x, R, R)), 0.0)))
        f = float(w @ d)
        residual = max(0.0, rn - eta)
        hist["fun"].append(f)
        hist["grad_norm"].append(residual)
        if residual <= gtol:
            status, message = 0, "converged: the subgradient residual is below gtol"
            break
        if nit >= max_iter:
            break
        if max_time is not None and time.perf_counter() - start > max_time:
            status, message = 2, f"stopped by max_time = {max_time:g} s"
            break
        scale = max(0.0, 1.0 - eta / rn)
        step = scale * R / float(np.sum(inv))
        try:
            x_new = np.asarray(manifold.exp(x, step), dtype=float)
        except ValueError:
            status, message = 4, "the Weiszfeld step left the manifold's domain"
            break
        nit += 1
        if np.array_equal(x_new, x):
            status = 0 if residual <= 1e3 * gtol else 4
            message = "the iterate stopped moving (residual at rounding level)"
            break
        x = x_new
    return iteration_result(x, f, residual, nit, nfev, status, message, hist, start)

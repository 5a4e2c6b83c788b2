"""Numerical integration of the geodesic equation γ̈ᵏ + Γᵏᵢⱼ γ̇ⁱ γ̇ʲ = 0."""

from __future__ import annotations

import numpy as np
from scipy.integrate import solve_ivp

__all__ = ["integrate_geodesic"]


def integrate_geodesic(manifold, p, v, t_eval, *, rtol=None, atol=None):
    """Integrate geodesics from ``p`` with initial velocity ``v``, batched.

    Parameters
    ----------
    manifold : RiemannianManifold
        Supplies :meth:`~RiemannianManifold.geodesic_acceleration`.
    p, v : ndarray, shape ``(..., dim)``
        Start points and initial velocities (same shape).
    t_eval : ndarray, shape ``(n,)``
        Times at which to report the solution (any order, values ≥ 0 or ≤ 0 but
        of one sign).
    rtol, atol : float, optional
        DOP853 tolerances; default ``manifold.ode_rtol`` and ``manifold.ode_atol``.

    Returns
    -------
    points, velocities : ndarray, shape ``(..., n, dim)``

    Notes
    -----
    The whole batch is integrated as one first-order system of size ``2·dim·B``
    with the state ``(γ, γ̇)``, so the Christoffel symbols are evaluated for all
    points in one vectorized call per right-hand-side evaluation.

    Raises
    ------
    ValueError
        If a geodesic leaves the domain of the chart (the metric or Christoffel
        symbols become non-finite, or the point fails ``manifold.belongs``).
    """
    rtol = manifold.ode_rtol if rtol is None else rtol
    atol = manifold.ode_atol if atol is None else atol
    p = np.asarray(p, dtype=float)
    v = np.asarray(v, dtype=float)
    batch = p.shape[:-1]
    dim = p.shape[-1]
    x0 = p.reshape(-1, dim)
    v0 = v.reshape(-1, dim)
    n_pts = x0.shape[0]
    t_eval = np.atleast_1d(np.asarray(t_eval, dtype=float))
    order = np.argsort(np.abs(t_eval))
    t_sorted = t_eval[order]
    t_end = t_sorted[-1]

    def rhs(_t, y):
        state = y.reshape(2, n_pts, dim)
        x, xd = state[0], state[1]
        acc = manifold.geodesic_acceleration(x, xd)
        return np.concatenate([xd.ravel(), acc.ravel()])

    y0 = np.concatenate([x0.ravel(), v0.ravel()])
    if t_end == 0.0:
        states = np.repeat(y0[None, :], len(t_eval), axis=0)
    else:
        with np.errstate(all="ignore"):
            try:
                sol = solve_ivp(
                    rhs, (0.0, t_end), y0, method="DOP853", t_eval=t_sorted, rtol=rtol, atol=atol
                )
            except (ValueError, np.linalg.LinAlgError) as exc:
                raise ValueError(
                    f"the geodesic left the domain of {manifold!r} before t = {t_end:g} "
                    f"({exc}); use a shorter velocity"
                ) from exc
        if sol.status != 0 or not np.all(np.isfinite(sol.y)):
            raise ValueError(
                f"the geodesic equation could not be integrated to t = {t_end:g} on "
                f"{manifold!r} ({sol.message}); the geodesic probably leaves the domain of "
                "the chart, so use a shorter velocity"
            )
        states = np.empty((len(t_eval), y0.size))
        states[order] = sol.y.T
    states = states.reshape(len(t_eval), 2, n_pts, dim)
    pts = np.moveaxis(states[:, 0], 0, 1).reshape(*batch, len(t_eval), dim)
    vel = np.moveaxis(states[:, 1], 0, 1).reshape(*batch, len(t_eval), dim)
    inside = manifold.belongs(pts)
    if not np.all(inside):
        raise ValueError(
            f"the geodesic leaves the domain of {manifold!r} within the requested times; "
            "use a shorter velocity"
        )
    return pts, vel

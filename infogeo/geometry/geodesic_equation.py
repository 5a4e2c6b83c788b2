"""Numerical integration of the geodesic equation γ̈ᵏ + Γᵏᵢⱼ γ̇ⁱ γ̇ʲ = 0."""

from __future__ import annotations

import numpy as np
from scipy.integrate import solve_ivp

__all__ = ["integrate_geodesic"]


def integrate_geodesic(
    manifold, p, v, t_eval, *, rtol=None, atol=None, transport=None, budget=None, what="geodesic"
):
    """Integrate geodesics from ``p`` with initial velocity ``v``, batched.

    Parameters
    ----------
    manifold : RiemannianManifold
        Supplies :meth:`~RiemannianManifold.geodesic_acceleration` (and
        ``christoffel`` when ``transport`` is given).
    p, v : ndarray, shape ``(..., dim)``
        Start points and initial velocities (same shape).
    t_eval : ndarray, shape ``(n,)``
        Times at which to report the solution (any order, values ≥ 0 or ≤ 0 but
        of one sign).
    rtol, atol : float, optional
        DOP853 tolerances; default ``manifold.ode_rtol`` and ``manifold.ode_atol``.
    transport : ndarray, shape ``(..., dim)``, optional
        Vectors ``V(0)`` at ``p`` carried along by parallel transport,
        ``V̇ᵏ + Γᵏᵢⱼ γ̇ⁱ Vʲ = 0``, as a third block of the state (one Christoffel
        evaluation per right-hand side serves the geodesic and the vector).
    budget : Budget, optional
        A wall-clock deadline (:class:`~infogeo.geometry.budget.Budget`), checked in
        every right-hand side; when it passes, :class:`~infogeo.ConvergenceError`
        (``timed_out=True``).
    what : str
        Names the computation in error messages.

    Returns
    -------
    points, velocities : ndarray, shape ``(..., n, dim)``
        And the transported vectors as a third array when ``transport`` is given.

    Notes
    -----
    The whole batch is integrated as one first-order system of size ``2·dim·B``
    (``3·dim·B`` with ``transport``) with the state ``(γ, γ̇[, V])``, so the
    Christoffel symbols are evaluated for all points in one vectorized call per
    right-hand-side evaluation.

    Raises
    ------
    ValueError
        If a geodesic leaves the domain of the chart (the metric or Christoffel
        symbols become non-finite, or the point fails ``manifold.belongs``).
    ConvergenceError
        If ``budget`` runs out.
    """
    from ..exceptions import ConvergenceError
    from .budget import OutOfTime

    rtol = manifold.ode_rtol if rtol is None else rtol
    atol = manifold.ode_atol if atol is None else atol
    p = np.asarray(p, dtype=float)
    v = np.asarray(v, dtype=float)
    batch = p.shape[:-1]
    dim = p.shape[-1]
    blocks = [p.reshape(-1, dim), v.reshape(-1, dim)]
    if transport is not None:
        blocks.append(np.asarray(transport, dtype=float).reshape(-1, dim))
    n_pts = blocks[0].shape[0]
    n_blocks = len(blocks)
    t_eval = np.atleast_1d(np.asarray(t_eval, dtype=float))
    order = np.argsort(np.abs(t_eval))
    t_sorted = t_eval[order]
    t_end = t_sorted[-1]

    def rhs(_t, y):
        if budget is not None:
            budget.check()
        state = y.reshape(n_blocks, n_pts, dim)
        x, xd = state[0], state[1]
        if transport is None:
            return np.concatenate([xd.ravel(), manifold.geodesic_acceleration(x, xd).ravel()])
        gamma = manifold.christoffel(x)
        acc = -np.einsum("...kij,...i,...j->...k", gamma, xd, xd)
        dv = -np.einsum("...kij,...i,...j->...k", gamma, xd, state[2])
        return np.concatenate([xd.ravel(), acc.ravel(), dv.ravel()])

    y0 = np.concatenate([b.ravel() for b in blocks])
    if t_end == 0.0:
        states = np.repeat(y0[None, :], len(t_eval), axis=0)
    else:
        with np.errstate(all="ignore"):
            try:
                sol = solve_ivp(
                    rhs, (0.0, t_end), y0, method="DOP853", t_eval=t_sorted, rtol=rtol, atol=atol
                )
            except OutOfTime as exc:
                raise ConvergenceError(
                    f"{what} on {manifold!r}: {exc} before t = {t_end:g} "
                    f"({budget.elapsed:.3g} s); pass a larger max_time or a shorter velocity",
                    method="DOP853",
                    elapsed=budget.elapsed,
                    timed_out=True,
                ) from None
            except (ValueError, np.linalg.LinAlgError) as exc:
                raise ValueError(
                    f"{what} on {manifold!r}: the geodesic left the domain before "
                    f"t = {t_end:g} ({exc}); use a shorter velocity"
                ) from exc
        if sol.status != 0 or not np.all(np.isfinite(sol.y)):
            raise ValueError(
                f"{what} on {manifold!r}: the geodesic equation could not be integrated to "
                f"t = {t_end:g} ({sol.message}); the geodesic probably leaves the domain of "
                "the chart, so use a shorter velocity"
            )
        states = np.empty((len(t_eval), y0.size))
        states[order] = sol.y.T
    states = states.reshape(len(t_eval), n_blocks, n_pts, dim)
    out = [
        np.moveaxis(states[:, k], 0, 1).reshape(*batch, len(t_eval), dim) for k in range(n_blocks)
    ]
    inside = manifold.belongs(out[0])
    if not np.all(inside):
        raise ValueError(
            f"{what}: the geodesic leaves the domain of {manifold!r} within the requested "
            "times; use a shorter velocity"
        )
    return tuple(out)

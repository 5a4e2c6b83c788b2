"""Parallel transport along geodesics and a cheap first-order vector transport.

Parallel transport
------------------
A vector field ``V`` along a curve ``γ`` is parallel when ``∇_γ̇ V = 0``, in
coordinates

    V̇ᵏ + Γᵏᵢⱼ(γ) γ̇ⁱ Vʲ = 0.

Along a geodesic (``γ̈ᵏ + Γᵏᵢⱼ γ̇ⁱ γ̇ʲ = 0``) the state ``(γ, γ̇, V)`` solves one
first-order system, integrated here with DOP853 for the whole batch at once (one
Christoffel evaluation per right-hand side serves the geodesic and the transported
vector). The Levi-Civita connection is metric, so transport preserves inner
products: ``⟨P u, P v⟩_q = ⟨u, v⟩_p``. The transported vector is computed for
``v / ‖v‖₂`` and scaled back (the system is linear in ``V``), so the ODE tolerances
act relative to the vector's size; with the default ``rtol = atol = 1e-12`` the
result is accurate to about 1e-10 relative.

Vector transport
----------------
Solvers (conjugate gradient, L-BFGS, momentum, Adam) only need a *vector transport*:
a linear map ``T_{p→q}: T_pM → T_qM`` that is the identity when ``q = p`` (first
order: ``T_{p→q} v = P_{p→q} v + O(‖q − p‖)``). :func:`vector_transport` uses the
differential of the coordinate-wise retraction of
:meth:`~infogeo.RiemannianManifold.retract`, ``DR_p(ξ)[v]`` with ``R_p(ξ) = q``, which
for box bounds scales each coordinate:

* unbounded coordinate: ``vᵢ`` (the chart's identity);
* ``(a, ∞)``: ``vᵢ (qᵢ − a)/(pᵢ − a)``; ``(−∞, b)``: ``vᵢ (b − qᵢ)/(b − pᵢ)``;
* ``(a, b)``: ``vᵢ (qᵢ − a)(b − qᵢ) / ((pᵢ − a)(b − pᵢ))``.

A manifold that overrides ``retract`` gets the identity of the chart (still a valid
first-order transport on an open set of ℝⁿ) unless it overrides
``vector_transport`` too.
"""

from __future__ import annotations

import numpy as np

__all__ = ["parallel_transport", "transport_along_geodesic", "vector_transport"]


def transport_along_geodesic(manifold, p, w, v, t_eval, *, rtol=None, atol=None) -> np.ndarray:
    """Parallel transport of ``v ∈ T_pM`` along ``t ↦ exp_p(t w)`` to the times ``t_eval``.

    Parameters
    ----------
    manifold : RiemannianManifold
        Supplies ``christoffel`` (batched).
    p, w, v : ndarray, shape ``(..., dim)``
        Start points, geodesic velocities and vectors to transport (broadcast together).
    t_eval : ndarray, shape ``(n,)``
        Times (non-negative) at which to report the transported vectors.
    rtol, atol : float, optional
        DOP853 tolerances; default ``manifold.ode_rtol`` / ``manifold.ode_atol``.

    Returns
    -------
    ndarray, shape ``(..., n, dim)``
        ``V(t)`` for each time.

    Raises
    ------
    ValueError
        If the geodesic leaves the domain of the chart or the system cannot be
        integrated.
    """
    from .geodesic_equation import integrate_geodesic

    p, w, v = np.broadcast_arrays(
        np.asarray(p, dtype=float), np.asarray(w, dtype=float), np.asarray(v, dtype=float)
    )
    t_eval = np.atleast_1d(np.asarray(t_eval, dtype=float))
    if t_eval.ndim != 1 or not np.all(np.isfinite(t_eval)) or np.any(t_eval < 0):
        raise ValueError(f"t must be finite times >= 0, got {t_eval}")
    # the system is linear in V: transport v/‖v‖ so the tolerances act relative to it
    scale = np.linalg.norm(v, axis=-1, keepdims=True)
    safe = np.where(scale > 0, scale, 1.0)
    vecs = integrate_geodesic(
        manifold, p, w, t_eval, rtol=rtol, atol=atol, transport=v / safe, what="parallel transport"
    )[2]
    return vecs * safe[..., None, :]


def parallel_transport(manifold, p, v, q) -> np.ndarray:
    """Parallel transport of ``v ∈ T_pM`` along the geodesic from ``p`` to ``q``.

    The geodesic's initial velocity is ``log_p(q)`` (closed form where the manifold has
    one, the boundary-value solver otherwise); ``∇_γ̇ V = 0`` is then integrated with
    the geodesic. Batched over the leading axes of ``p``, ``v``, ``q``.
    """
    p = manifold.check_point(p)
    q = manifold.check_point(q, "q")
    v = manifold._vectors(v)
    p, q = np.broadcast_arrays(p, q)
    w = manifold.log(p, q)
    return transport_along_geodesic(manifold, p, w, v, np.array([1.0]))[..., 0, :]


def retraction_scale(bounds, p: np.ndarray) -> np.ndarray:
    """Per-coordinate scale ``s(p)`` with ``DR_p(ξ)[v]ᵢ = vᵢ sᵢ(R_p(ξ)) / sᵢ(p)``."""
    s = np.ones_like(p)
    for i, (low, high) in enumerate(bounds):
        x = p[..., i]
        if np.isinf(low) and np.isinf(high):
            continue
        if np.isinf(high):
            s[..., i] = x - low
        elif np.isinf(low):
            s[..., i] = high - x
        else:
            s[..., i] = (x - low) * (high - x) / (high - low)
    return s


def vector_transport(manifold, p, v, q) -> np.ndarray:
    """First-order vector transport ``T_{p→q} v`` (see the module docstring).

    The differential of the coordinate-wise retraction when the manifold uses the base
    class's ``retract``; the identity of the chart otherwise. Not isometric: use
    :func:`parallel_transport` when inner products must be preserved exactly.
    """
    p = manifold._points(p)
    q = manifold._points(q, "q")
    v = manifold._vectors(v)
    return unchecked_vector_transport(manifold, p, v, q)


def unchecked_vector_transport(manifold, p, v, q) -> np.ndarray:
    """:func:`vector_transport` of float64 arrays the caller has validated."""
    from .manifold import RiemannianManifold

    p, v, q = np.broadcast_arrays(p, v, q)
    if manifold.bounds is None or type(manifold).retract is not RiemannianManifold.retract:
        return v.copy()
    bounds = manifold.bounds
    return v * retraction_scale(bounds, q) / retraction_scale(bounds, p)

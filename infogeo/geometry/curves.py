"""Lengths and energies of curves on a Riemannian manifold.

For a smooth curve ``γ: [t0, t1] → M`` given as a callable,

* length ``L(γ) = ∫ √(γ′(t)ᵀ G(γ(t)) γ′(t)) dt``,
* energy ``E(γ) = ½ ∫ γ′(t)ᵀ G(γ(t)) γ′(t) dt``,

with ``γ′`` from autograd and the integral by adaptive composite Gauss–Legendre
quadrature: each panel is integrated with ``order`` nodes and compared with the sum
over its two halves; panels whose difference exceeds their share of
``rtol · |total|`` are bisected, until every panel is accepted (the accepted value
is the finer one) or ``max_level`` bisections have been made, which raises
:class:`~infogeo.ConvergenceError`. All panels of one level are evaluated in one
call of the curve and of the metric.

For an ``(n, dim)`` array of points ``x₀, …, x_{n−1}`` (a polyline), each segment
``Δᵢ = x_{i+1} − xᵢ`` is measured with the metric at its midpoint
``mᵢ = (xᵢ + x_{i+1}) / 2``: ``L = Σ √(Δᵢᵀ G(mᵢ) Δᵢ)`` and, with the points taken at
equally spaced times on ``[t0, t1]`` (step ``h``), ``E = ½ Σ Δᵢᵀ G(mᵢ) Δᵢ / h``.
Both are second-order accurate in the spacing.
"""

from __future__ import annotations

import warnings

import autograd
import numpy as np

from .._validation import as_float_array
from ..exceptions import ConvergenceError

__all__ = ["curve_energy_density", "curve_length", "energy"]

#: Largest number of panels the adaptive quadrature refines at once.
_MAX_PANELS = 1 << 16


def curve_length(
    manifold,
    curve,
    t0: float = 0.0,
    t1: float = 1.0,
    *,
    rtol: float = 1e-12,
    order: int = 16,
    max_level: int = 30,
) -> float:
    """Riemannian length of a curve (see the module docstring for the formulas).

    Parameters
    ----------
    manifold : RiemannianManifold
    curve : callable or array_like
        A callable mapping a 1-d array of ``n`` times to an ``(n, dim)`` array of
        points, written with ``autograd.numpy`` (it is differentiated), or an
        ``(n, dim)`` array of points on a polyline (``n ≥ 2``).
    t0, t1 : float
        Parameter interval of a callable curve, ``t0 < t1`` (ignored for a polyline,
        whose length does not depend on its parametrization).
    rtol : float
        Relative tolerance of the adaptive quadrature (default 1e-12).
    order : int
        Gauss–Legendre nodes per panel.
    max_level : int
        Largest number of bisections of a panel.

    Returns
    -------
    float

    Raises
    ------
    ValueError
        Bad shapes, NaN/inf, ``t0 >= t1``, or a curve that leaves the domain.
    TypeError
        A callable curve that autograd cannot differentiate.
    ConvergenceError
        If the quadrature does not reach ``rtol``.
    """
    if callable(curve):
        return _integrate(manifold, curve, t0, t1, "length", rtol, order, max_level)
    pts = _polyline(manifold, curve)
    return float(np.sum(np.sqrt(_segment_sq(manifold, pts))))


def energy(
    manifold,
    curve,
    t0: float = 0.0,
    t1: float = 1.0,
    *,
    rtol: float = 1e-12,
    order: int = 16,
    max_level: int = 30,
) -> float:
    """Energy ``½ ∫ γ′ᵀ G(γ) γ′ dt`` of a curve; same inputs as :func:`curve_length`.

    For a polyline the points are taken at equally spaced times on ``[t0, t1]``.
    """
    t0, t1 = _interval(t0, t1)
    if callable(curve):
        return _integrate(manifold, curve, t0, t1, "energy", rtol, order, max_level)
    pts = _polyline(manifold, curve)
    h = (t1 - t0) / (pts.shape[0] - 1)
    return float(0.5 * np.sum(_segment_sq(manifold, pts)) / h)


def curve_energy_density(manifold, curve, t) -> tuple[np.ndarray, np.ndarray]:
    """Points ``γ(t)`` and squared speeds ``γ′ᵀ G(γ) γ′`` at the times ``t`` (1-d).

    The velocity is computed with autograd, one coordinate at a time
    (``elementwise_grad``, valid because each row of ``curve(t)`` depends only on
    its own time).
    """
    t = np.asarray(t, dtype=float)
    pts = _evaluate(manifold, curve, t)
    vel = np.empty_like(pts)
    hint = (
        "curve must be written with autograd.numpy so that its velocity can be "
        "differentiated{}; alternatively pass an (n, dim) array of points"
    )
    for a in range(manifold.dim):
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                vel[:, a] = autograd.elementwise_grad(lambda s, a=a: curve(s)[:, a])(t)
        except (TypeError, AttributeError) as exc:
            raise TypeError(hint.format(f" ({exc})")) from exc
        untraced = any("independent of input" in str(w.message) for w in caught)
        if untraced and np.ptp(pts[:, a]) > 0:
            # autograd saw no dependence on t, yet the coordinate moves: plain numpy
            raise TypeError(hint.format(f" (coordinate {a} moves but autograd cannot trace it)"))
    if not np.all(np.isfinite(vel)):
        i = int(np.argwhere(~np.all(np.isfinite(vel), axis=1))[0][0])
        raise ValueError(f"curve has a non-finite velocity at t = {t[i]!r}: {vel[i]}")
    return pts, np.einsum("ni,nij,nj->n", vel, manifold.metric(pts), vel)


# ---------------------------------------------------------------------- internals
def _interval(t0, t1) -> tuple[float, float]:
    for name, val in (("t0", t0), ("t1", t1)):
        if isinstance(val, bool) or not np.isscalar(val) or not np.isreal(val):
            raise TypeError(f"{name} must be a real number, got {val!r}")
        if not np.isfinite(val):
            raise ValueError(f"{name} must be finite, got {val}")
    t0, t1 = float(t0), float(t1)
    if not t0 < t1:
        raise ValueError(f"the curve's interval must satisfy t0 < t1, got t0 = {t0}, t1 = {t1}")
    return t0, t1


def _evaluate(manifold, curve, t: np.ndarray) -> np.ndarray:
    out = curve(t)
    pts = as_float_array(out, "curve(t)", allow_nonfinite=True)
    if pts.shape != (t.size, manifold.dim):
        raise ValueError(
            f"curve(t) must map an array of {t.size} times to an array of shape "
            f"({t.size}, {manifold.dim}), got shape {pts.shape}"
        )
    if not np.all(np.isfinite(pts)):
        i = int(np.argwhere(~np.all(np.isfinite(pts), axis=1))[0][0])
        raise ValueError(f"curve(t) must be finite, but at t = {t[i]!r} it is {pts[i]}")
    inside = manifold.belongs(pts)
    if not np.all(inside):
        i = int(np.flatnonzero(~inside)[0])
        try:
            manifold.check_point(pts[i], "curve(t)")
        except ValueError as exc:
            raise ValueError(f"the curve leaves the domain at t = {t[i]!r}: {exc}") from None
        raise ValueError(f"the curve leaves the domain at t = {t[i]!r}: {pts[i]}")
    return pts


def _polyline(manifold, curve) -> np.ndarray:
    pts = as_float_array(curve, "curve")
    if pts.ndim != 2 or pts.shape[1] != manifold.dim or pts.shape[0] < 2:
        raise ValueError(
            f"curve must be a callable or an (n, {manifold.dim}) array of n >= 2 points, "
            f"got shape {pts.shape}"
        )
    manifold.check_point(pts, "curve")
    return pts


def _segment_sq(manifold, pts: np.ndarray) -> np.ndarray:
    """``Δᵢᵀ G(mᵢ) Δᵢ`` per segment, metric at the midpoints."""
    mid = 0.5 * (pts[1:] + pts[:-1])
    manifold.check_point(mid, "segment midpoints of curve")
    delta = np.diff(pts, axis=0)
    return np.maximum(np.einsum("ni,nij,nj->n", delta, manifold.metric(mid), delta), 0.0)


def _integrate(manifold, curve, t0, t1, kind, rtol, order, max_level) -> float:
    t0, t1 = _interval(t0, t1)
    if not (isinstance(rtol, float | int) and 0 < rtol < 1):
        raise ValueError(f"rtol must be a number in (0, 1), got {rtol!r}")
    nodes, weights = np.polynomial.legendre.leggauss(int(order))

    def panel_values(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Gauss–Legendre value of every panel [a_i, b_i], one batched evaluation."""
        half = 0.5 * (b - a)
        t = (0.5 * (a + b))[:, None] + half[:, None] * nodes[None, :]
        _, sq = curve_energy_density(manifold, curve, t.ravel())
        sq = np.maximum(sq, 0.0).reshape(t.shape)
        f = np.sqrt(sq) if kind == "length" else 0.5 * sq
        return half * (f @ weights)

    edges = np.linspace(t0, t1, 5)
    a, b = edges[:-1], edges[1:]
    coarse = panel_values(a, b)
    accepted = 0.0
    for _level in range(max_level):
        mid = 0.5 * (a + b)
        both = panel_values(np.concatenate([a, mid]), np.concatenate([mid, b]))
        fine = both[: a.size] + both[a.size :]
        err = np.abs(fine - coarse)
        total = accepted + fine.sum()
        budget = rtol * abs(total) * (b - a) / (t1 - t0)
        done = err <= budget
        accepted += fine[done].sum()
        if np.all(done):
            return float(accepted)
        keep = ~done
        if 2 * np.count_nonzero(keep) > _MAX_PANELS:
            break
        a, b, m = a[keep], b[keep], mid[keep]
        left, right = both[: done.size][keep], both[done.size :][keep]
        a, b = np.concatenate([a, m]), np.concatenate([m, b])
        coarse = np.concatenate([left, right])
    raise ConvergenceError(
        f"the {kind} quadrature did not reach rtol = {rtol:g} within {max_level} bisections "
        f"({a.size} panels left, estimated error {float(np.sum(err[~done])):.3g}); the "
        "integrand may be singular on the interval",
        residual=float(np.sum(err[~done])),
        tolerance=rtol,
    )

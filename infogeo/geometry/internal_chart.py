"""Well-conditioned internal coordinates for the geodesic solvers.

A coordinate bounded on one side or both (``bounds`` of the manifold) is mapped to
the whole real line, coordinate by coordinate, ``x = φ(u)``:

* ``(a, ∞)``: ``x = a + eᵘ`` (``u = log(x − a)``),
* ``(−∞, b)``: ``x = b − eᵘ`` (``u = log(b − x)``),
* ``(a, b)``: ``x = a + (b − a) σ(u)`` (``u = logit((x − a)/(b − a))``),
* unbounded: ``x = u``.

In ``u`` a point near a boundary, or a pair of points whose scales differ by orders
of magnitude (a shape of 1e-3 and one of 1e3), is an ordinary pair at moderate
distance, so collocation and shooting see curves of moderate curvature instead of
curves that bend sharply near the boundary. The geodesic equation in ``u`` follows
from ``ẋ = φ′u̇``, ``ẍ = φ″u̇² + φ′ü``:

``Γ̃ᵏᵢⱼ(u) = Γᵏᵢⱼ(x) φ′ᵢ φ′ⱼ / φ′ₖ + δₖᵢ δₖⱼ rₖ``,  ``r = φ″/φ′``,

``∂ₗΓ̃ᵏᵢⱼ = ∂ₗΓᵏᵢⱼ(x) φ′ₗ φ′ᵢ φ′ⱼ / φ′ₖ + Γᵏᵢⱼ(x) (φ′ᵢ φ′ⱼ / φ′ₖ)(δᵢₗ rᵢ + δⱼₗ rⱼ − δₖₗ rₖ)
+ δₖᵢ δₖⱼ δₖₗ r′ₖ``

(``r = 1`` for the one-sided maps, ``r = 1 − 2σ`` for the logistic one). The
initial velocity maps back as ``v = φ′(u_p) ṽ``; distances do not depend on the
chart.
"""

from __future__ import annotations

import numpy as np

from .manifold import RiemannianManifold

__all__ = ["InternalChart", "internal_chart"]

_IDENTITY, _LOWER, _UPPER, _INTERVAL = 0, 1, 2, 3
#: Largest ``|u|`` of a one-sided and of a two-sided coordinate inside the chart.
_ONE_SIDED_LIMIT = 300.0
_TWO_SIDED_LIMIT = 700.0


#: Largest dimension solved in internal coordinates: their collocation Newton blocks are
#: dense ``dim × dim`` (the base manifold's diagonal-plus-low-rank structure, e.g.
#: Dirichlet's, is not carried over), so beyond this the original chart alone is used.
MAX_DIM = 12


def internal_chart(manifold) -> InternalChart | None:
    """The :class:`InternalChart` of ``manifold``, or None when no coordinate is
    bounded (the chart would be the identity) or ``dim > MAX_DIM``."""
    bounds = getattr(manifold, "bounds", None)
    if not bounds or manifold.dim > MAX_DIM:
        return None
    kinds = []
    for low, high in bounds:
        if np.isfinite(low) and np.isfinite(high):
            kinds.append(_INTERVAL)
        elif np.isfinite(low):
            kinds.append(_LOWER)
        elif np.isfinite(high):
            kinds.append(_UPPER)
        else:
            kinds.append(_IDENTITY)
    if all(k == _IDENTITY for k in kinds):
        return None
    return InternalChart(manifold, kinds)


class InternalChart(RiemannianManifold):
    """The manifold seen in the internal coordinates ``u`` (see the module docstring).

    Supplies what the solvers of :mod:`~infogeo.geometry.shooting` and
    :mod:`~infogeo.geometry.collocation` use: ``christoffel``,
    ``christoffel_and_derivative``, ``belongs``, ``metric`` and the tolerances of the
    wrapped manifold.
    """

    def __init__(self, manifold, kinds):
        super().__init__(manifold.dim)
        self.base = manifold
        self.kinds = np.asarray(kinds)
        lows = np.array([b[0] for b in manifold.bounds], dtype=float)
        highs = np.array([b[1] for b in manifold.bounds], dtype=float)
        self.low = np.where(np.isfinite(lows), lows, 0.0)
        self.high = np.where(np.isfinite(highs), highs, 0.0)
        self.width = self.high - self.low
        self.ode_rtol = manifold.ode_rtol
        self.ode_atol = manifold.ode_atol
        self.log_tol = manifold.log_tol
        k = self.kinds
        self._lo, self._up, self._iv = (
            np.flatnonzero(k == kind) for kind in (_LOWER, _UPPER, _INTERVAL)
        )

    def __repr__(self) -> str:
        return f"{self.base!r} in internal coordinates"

    # ---------------------------------------------------------------- the map
    def to_internal(self, x: np.ndarray) -> np.ndarray:
        """``u = φ⁻¹(x)``."""
        u = np.array(x, dtype=float)
        lo, up, iv = self._lo, self._up, self._iv
        with np.errstate(divide="ignore", invalid="ignore"):
            if lo.size:
                u[..., lo] = np.log(u[..., lo] - self.low[lo])
            if up.size:
                u[..., up] = np.log(self.high[up] - u[..., up])
            if iv.size:
                xi = u[..., iv]
                u[..., iv] = np.log(xi - self.low[iv]) - np.log(self.high[iv] - xi)
        return u

    @staticmethod
    def _sigma(u):
        e = np.exp(-np.abs(u))
        return np.where(u >= 0, 1.0 / (1.0 + e), e / (1.0 + e))

    def to_external(self, u: np.ndarray) -> np.ndarray:
        """``x = φ(u)``."""
        x = np.array(u, dtype=float)
        lo, up, iv = self._lo, self._up, self._iv
        with np.errstate(over="ignore", invalid="ignore"):
            if lo.size:
                x[..., lo] = self.low[lo] + np.exp(x[..., lo])
            if up.size:
                x[..., up] = self.high[up] - np.exp(x[..., up])
            if iv.size:
                x[..., iv] = self.low[iv] + self.width[iv] * self._sigma(x[..., iv])
        return x

    def _derivatives(self, u):
        """``φ′``, ``r = φ″/φ′`` and ``r′`` at ``u``."""
        u = np.asarray(u, dtype=float)
        dphi = np.ones_like(u)
        r = np.zeros_like(u)
        dr = np.zeros_like(u)
        lo, up, iv = self._lo, self._up, self._iv
        with np.errstate(over="ignore", invalid="ignore"):
            if lo.size:
                dphi[..., lo] = np.exp(u[..., lo])
                r[..., lo] = 1.0
            if up.size:
                dphi[..., up] = -np.exp(u[..., up])
                r[..., up] = 1.0
            if iv.size:
                s = self._sigma(u[..., iv])
                dphi[..., iv] = self.width[iv] * s * (1.0 - s)
                r[..., iv] = 1.0 - 2.0 * s
                dr[..., iv] = -2.0 * s * (1.0 - s)
        return dphi, r, dr

    def velocity_to_external(self, u: np.ndarray, w: np.ndarray) -> np.ndarray:
        """``v = φ′(u) w``."""
        return self._derivatives(u)[0] * w

    def velocity_to_internal(self, x: np.ndarray, v: np.ndarray) -> np.ndarray:
        """``w = v / φ′(u(x))``."""
        return v / self._derivatives(self.to_internal(x))[0]

    # ---------------------------------------------------------------- geometry
    def belongs(self, u) -> np.ndarray:
        """Finite ``u`` whose point ``φ(u)`` the wrapped manifold accepts, with
        ``|u| ≤ 300`` on the one-sided coordinates (``e^{±300}``: a metric such as
        ``1/x²`` stays finite) and ``|u| ≤ 700`` on the two-sided ones."""
        u = np.asarray(u, dtype=float)
        ok = np.all(np.isfinite(u), axis=-1)
        if self._lo.size or self._up.size:
            one = np.concatenate([self._lo, self._up])
            ok &= np.all(np.abs(u[..., one]) <= _ONE_SIDED_LIMIT, axis=-1)
        if self._iv.size:
            ok &= np.all(np.abs(u[..., self._iv]) <= _TWO_SIDED_LIMIT, axis=-1)
        return ok & self.base.belongs(self.to_external(u))

    def metric(self, u) -> np.ndarray:
        """``G̃ᵢⱼ = Gᵢⱼ(x) φ′ᵢ φ′ⱼ``."""
        u = np.asarray(u, dtype=float)
        dphi = self._derivatives(u)[0]
        return self.base.metric(self.to_external(u)) * dphi[..., :, None] * dphi[..., None, :]

    def _scaled(self, u):
        dphi, r, dr = self._derivatives(u)
        # φ′ᵢ φ′ⱼ / φ′ₖ, layout [k, i, j]
        w = dphi[..., None, :, None] * dphi[..., None, None, :] / dphi[..., :, None, None]
        return dphi, r, dr, w

    def _own_terms(self, shape, r):
        d = self.dim
        extra = np.zeros((*shape, d, d, d))
        idx = np.arange(d)
        extra[..., idx, idx, idx] = r
        return extra

    def christoffel(self, u) -> np.ndarray:
        u = np.asarray(u, dtype=float)
        _, r, _, w = self._scaled(u)
        gamma = self.base.christoffel(self.to_external(u))
        return gamma * w + self._own_terms(u.shape[:-1], r)

    def christoffel_derivative(self, u) -> np.ndarray:
        return self.christoffel_and_derivative(u)[1]

    def geodesic_acceleration(self, u, w) -> np.ndarray:
        """``ü = acc(x, φ′w) / φ′ − r w²`` from the base manifold's acceleration (``x =
        φ(u)``, ``r = φ″/φ′``): no Christoffel tensor is formed."""
        u = np.asarray(u, dtype=float)
        w = np.asarray(w, dtype=float)
        dphi, r, _ = self._derivatives(u)
        acc = self.base.geodesic_acceleration(self.to_external(u), dphi * w)
        return acc / dphi - r * w * w

    def geodesic_jacobians(self, u, w):
        """``(ü, ∂ü/∂u, ∂ü/∂w)`` by the chain rule from the base manifold's
        :meth:`~RiemannianManifold.geodesic_jacobians` (``O(dim²)`` per point):

        * ``∂üₖ/∂wₗ = (∂acc/∂v)ₖₗ φ′ₗ/φ′ₖ − 2δₖₗ rₖwₖ``,
        * ``∂üₖ/∂uₗ = [(∂acc/∂x)ₖₗ φ′ₗ + (∂acc/∂v)ₖₗ φ″ₗwₗ] / φ′ₖ − δₖₗ(accₖ rₖ/φ′ₖ + r′ₖwₖ²)``.
        """
        u = np.asarray(u, dtype=float)
        w = np.asarray(w, dtype=float)
        u, w = np.broadcast_arrays(u, w)
        dphi, r, dr = self._derivatives(u)
        acc, dp, dv = self.base.geodesic_jacobians(self.to_external(u), dphi * w)
        out = acc / dphi - r * w * w
        inv = 1.0 / dphi[..., :, None]
        d_w = dv * dphi[..., None, :] * inv
        d_u = (dp * dphi[..., None, :] + dv * (r * dphi * w)[..., None, :]) * inv
        idx = np.arange(self.dim)
        d_w[..., idx, idx] -= 2.0 * r * w
        d_u[..., idx, idx] -= acc * r / dphi + dr * w * w
        return out, d_u, d_w

    def christoffel_and_derivative(self, u):
        u = np.asarray(u, dtype=float)
        d = self.dim
        dphi, r, dr, w = self._scaled(u)
        gamma, dgamma = self.base.christoffel_and_derivative(self.to_external(u))
        gw = gamma * w
        out = gw + self._own_terms(u.shape[:-1], r)
        eye = np.eye(d)
        # (δᵢₗ rᵢ + δⱼₗ rⱼ − δₖₗ rₖ), layout [k, i, j, l]
        R = (
            (eye * r[..., None, :])[..., None, :, None, :]
            + (eye * r[..., None, :])[..., None, None, :, :]
            - (eye * r[..., None, :])[..., :, None, None, :]
        )
        dout = dgamma * w[..., None] * dphi[..., None, None, None, :] + gw[..., None] * R
        idx = np.arange(d)
        dout[..., idx, idx, idx, idx] += dr
        return out, dout

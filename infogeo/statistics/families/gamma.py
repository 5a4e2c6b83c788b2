"""The Gamma family in (shape, rate)."""

from __future__ import annotations

import autograd.numpy as anp
import numpy as np
from scipy.special import digamma, polygamma
from scipy.special import gammaln as sgammaln

from ..._special import gammaln
from ..._special import polygamma as apolygamma
from ...exceptions import ConvergenceError
from ..manifold import StatisticalManifold
from ._closed_connection import ClosedFormConnection
from ._expfam import GammaEF
from ._gamma_geodesic import gamma_dist, gamma_exp, gamma_log
from ._polygamma import polygamma123, trigamma

__all__ = ["Gamma"]


#: Above this shape, ``αψ′(α) − 1`` comes from its asymptotic series.
_SERIES_FROM = 12.0
#: Coefficients of ``αψ′(α) − 1 = Σ c_k α^{−k}`` (from ψ′'s Bernoulli series).
_SERIES = (
    (1, 0.5),
    (2, 1.0 / 6.0),
    (4, -1.0 / 30.0),
    (6, 1.0 / 42.0),
    (8, -1.0 / 30.0),
    (10, 5.0 / 66.0),
    (12, -691.0 / 2730.0),
    (14, 7.0 / 6.0),
)


def _a_trigamma_minus_one(a, trigamma):
    """``αψ′(α) − 1 > 0`` without cancellation: ``1/(2α) + 1/(6α²) − 1/(30α⁴) + …``
    (relative error below 1e-14) for ``α ≥ 12``, directly below."""
    a = np.asarray(a, dtype=float)
    big = a >= _SERIES_FROM
    if not np.any(big):
        return a * trigamma - 1.0
    inv = 1.0 / np.where(big, a, _SERIES_FROM)
    series = sum(c * inv**k for k, c in _SERIES)
    return np.where(big, series, a * trigamma - 1.0)


class Gamma(GammaEF, ClosedFormConnection, StatisticalManifold):
    """Gamma distributions, coordinates ``θ = (shape, rate)`` = ``(α, β)``, both ``> 0``.

    * ``log p(x|α, β) = α log β − log Γ(α) + (α − 1) log x − βx``, ``x > 0``
    * Fisher metric ``F = [[ψ′(α), −1/β], [−1/β, α/β²]]``
    * ``KL = (α₁−α₂)ψ(α₁) − log Γ(α₁) + log Γ(α₂) + α₂ log(β₁/β₂) + α₁(β₂ − β₁)/β₁``
    * ``dist`` and ``log`` by Clairaut's relation (quadrature and a one-dimensional
      root, accurate to about 1e-14 relative at every scale; see
      :mod:`~infogeo.statistics.families._gamma_geodesic`), with the generic
      boundary-value solver as the fallback; ``exp`` integrates the geodesic in the
      well-conditioned coordinates ``(log α, log(α/β))``.
    """

    mle_data_rule = "all_equal"

    _names = ("shape", "rate")
    support = ("interval", 0.0, np.inf)

    def __init__(self):
        super().__init__(2, bounds=[(0.0, None), (0.0, None)])

    def __repr__(self) -> str:
        return "Gamma()"

    def _clairaut(self, route, p, q, max_time, errors):
        """``route(p, q)`` (Clairaut) for the whole batch; pairs it cannot answer with a
        finite result (e.g. a shape near the float64 limits) go to the generic solver,
        which raises the clear error or answers."""
        p = self._points(p)
        q = self._points(q, "q")
        self.check_point(p)
        self.check_point(q, "q")
        p, q = np.broadcast_arrays(p, q)
        try:
            with np.errstate(all="ignore"):
                out = route(p, q)
            ok = np.isfinite(out) if out.ndim == p.ndim - 1 else np.all(np.isfinite(out), -1)
        except ConvergenceError:
            out = np.full(p.shape if route is gamma_log else p.shape[:-1], np.nan)
            ok = np.zeros(p.shape[:-1], dtype=bool)
        if np.all(ok):
            return out
        bad = ~ok
        if route is gamma_log:
            out[bad] = super().log(p[bad], q[bad], max_time=max_time, errors=errors)
        else:
            out[bad] = super().dist(p[bad], q[bad], max_time=max_time, errors=errors)
        return out

    def log(self, p, q, *, max_time: float | None = None, errors: str = "raise") -> np.ndarray:
        """``log_p q`` by Clairaut's relation (see :func:`gamma_log`); the generic
        solver (:meth:`RiemannianManifold.log`, whose ``max_time``/``errors`` apply)
        for the pairs it cannot answer."""
        return self._clairaut(gamma_log, p, q, max_time, errors)

    def dist(self, p, q, *, max_time: float | None = None, errors: str = "raise") -> np.ndarray:
        """Fisher–Rao distance by Clairaut's relation (see :func:`gamma_dist`), about
        1e-14 relative; ``max_time``/``errors`` as in :meth:`log`."""
        return self._clairaut(gamma_dist, p, q, max_time, errors)

    def exp(self, p, v, *, max_time: float | None = None) -> np.ndarray:
        """``exp_p(v)``: the geodesic integrated in ``(log α, log(α/β))`` (see
        :func:`gamma_exp`), DOP853 at 1e-13, within ``max_time`` seconds (default
        ``self.max_time``)."""
        from ...geometry.budget import Budget, OutOfTime

        p = self.check_point(self._points(p))
        v = self._vectors(v)
        budget = Budget(self.max_time if max_time is None else max_time)
        try:
            return gamma_exp(p, v, budget)
        except OutOfTime as exc:
            raise ConvergenceError(
                f"Gamma exp: {exc} before t = 1; pass a larger max_time",
                method="DOP853 in (log α, log(α/β))",
                elapsed=budget.elapsed,
                timed_out=True,
            ) from None

    def inner(self, p, u, v) -> np.ndarray:
        """``⟨u, v⟩_θ = uᵀ G(θ) v`` without cancellation, shape ``(...)``.

        ``uᵀGv = ψ′(α) u_α v_α − (u_α v_β + u_β v_α)/β + α u_β v_β/β²`` is rearranged
        (exactly) into two non-negative parts,

        ``(αψ′(α) − 1)/α · u_α v_α + α (u_β/β − u_α/α)(v_β/β − v_α/α)``,

        with ``αψ′(α) − 1`` by its series for large ``α``: at ``α = 1e30`` the plain
        quadratic form cancels to 0 (a length of 62.5 read as 0), this one keeps every
        digit.
        """
        p = self._points(p)
        u = self._vectors(u, "u")
        v = self._vectors(v, "v")
        a, b = p[..., 0], p[..., 1]
        excess = _a_trigamma_minus_one(a, polygamma(1, a)) / a
        ru = u[..., 1] / b - u[..., 0] / a  # d/dt log(β/α) along u
        rv = v[..., 1] / b - v[..., 0] / a
        return excess * u[..., 0] * v[..., 0] + a * ru * rv

    def _log_prob(self, x, theta):
        a, b = theta[..., 0], theta[..., 1]
        return a * anp.log(b) - gammaln(a) + (a - 1.0) * anp.log(x) - b * x

    def _metric(self, theta):
        a, b = theta[..., 0], theta[..., 1]
        off = -1.0 / b
        return anp.stack(
            [anp.stack([apolygamma(1, a), off], -1), anp.stack([off, a / b**2], -1)], -2
        )

    def _closed_geometry(self, p, second: bool):
        """``G⁻¹ = [[α/β², 1/β], [1/β, ψ′(α)]] / det``, ``det = (αψ′(α) − 1)/β²`` (the
        difference from its asymptotic series for large ``α``, where it cancels), and
        the closed-form ``∂G``, ``∂²G``."""
        a, b = p[..., 0], p[..., 1]
        p1, p2, p3 = polygamma123(a)
        ib = 1.0 / b
        ib2 = ib * ib
        det = _a_trigamma_minus_one(a, p1) * ib2
        G_inv = np.empty((*p.shape[:-1], 2, 2))
        G_inv[..., 0, 0] = a * ib2 / det
        G_inv[..., 0, 1] = G_inv[..., 1, 0] = ib / det
        G_inv[..., 1, 1] = p1 / det
        D = np.zeros((*p.shape[:-1], 2, 2, 2))
        D[..., 0, 0, 0] = p2
        D[..., 1, 1, 0] = ib2
        D[..., 0, 1, 1] = D[..., 1, 0, 1] = ib2
        D[..., 1, 1, 1] = -2.0 * a * ib2 * ib
        if not second:
            return G_inv, D, None
        D2 = np.zeros((*p.shape[:-1], 2, 2, 2, 2))
        ib3 = ib2 * ib
        D2[..., 0, 0, 0, 0] = p3
        D2[..., 1, 1, 0, 1] = D2[..., 1, 1, 1, 0] = -2.0 * ib3
        D2[..., 0, 1, 1, 1] = D2[..., 1, 0, 1, 1] = -2.0 * ib3
        D2[..., 1, 1, 1, 1] = 6.0 * a * ib3 * ib
        return G_inv, D, D2

    def _metric_np(self, p):
        a, b = p[..., 0], p[..., 1]
        out = np.empty((*p.shape[:-1], 2, 2))
        out[..., 0, 0] = trigamma(a)
        out[..., 0, 1] = out[..., 1, 0] = -1.0 / b
        out[..., 1, 1] = a / b**2
        return out

    def metric_derivative(self, p):
        """``∂_α G = [[ψ″(α), 0], [0, 1/β²]]``, ``∂_β G = [[0, 1/β²], [1/β², −2α/β³]]``."""
        p = self._coords(p)
        a, b = p[..., 0], p[..., 1]
        out = np.zeros((*p.shape[:-1], 2, 2, 2))
        out[..., 0, 0, 0] = polygamma(2, a)
        out[..., 1, 1, 0] = 1.0 / b**2
        out[..., 0, 1, 1] = out[..., 1, 0, 1] = 1.0 / b**2
        out[..., 1, 1, 1] = -2.0 * a / b**3
        return out

    def metric_second_derivative(self, p):
        """``∂αα G₀₀ = ψ‴(α)``, ``∂αβ G₁₁ = −2/β³``, ``∂ββ G₀₁ = −2/β³``,
        ``∂ββ G₁₁ = 6α/β⁴``; all others zero."""
        p = self._coords(p)
        a, b = p[..., 0], p[..., 1]
        out = np.zeros((*p.shape[:-1], 2, 2, 2, 2))
        out[..., 0, 0, 0, 0] = polygamma(3, a)
        out[..., 1, 1, 0, 1] = out[..., 1, 1, 1, 0] = -2.0 / b**3
        out[..., 0, 1, 1, 1] = out[..., 1, 0, 1, 1] = -2.0 / b**3
        out[..., 1, 1, 1, 1] = 6.0 * a / b**4
        return out

    def _kl(self, t1, t2):
        a1, b1 = t1[..., 0], t1[..., 1]
        a2, b2 = t2[..., 0], t2[..., 1]
        return (
            (a1 - a2) * digamma(a1)
            - sgammaln(a1)
            + sgammaln(a2)
            + a2 * np.log(b1 / b2)
            + a1 * (b2 - b1) / b1
        )

    def _sample(self, theta, rng):
        return rng.gamma(theta[..., 0], 1.0 / theta[..., 1])

    def initial_point(self, data) -> np.ndarray:
        """Minka's approximation to the MLE: with ``s = log x̄ − mean(log x)``,
        ``α = (3 − s + √((s − 3)² + 24 s)) / (12 s)`` and ``β = α / x̄``
        (``α = 1`` when all observations are equal)."""
        data = self._data_for_fit(data)
        m = float(np.mean(data))
        s = np.log(m) - float(np.mean(np.log(data)))
        a = (3.0 - s + np.sqrt((s - 3.0) ** 2 + 24.0 * s)) / (12.0 * s) if s > 1e-12 else 1.0
        return np.array([a, a / m])

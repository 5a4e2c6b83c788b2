"""The univariate normal family N(μ, σ²) in coordinates (mu, sigma)."""

from __future__ import annotations

import autograd.numpy as anp
import numpy as np
from autograd.tracer import Box

from ..manifold import StatisticalManifold
from ._expfam import NormalEF
from ._hyperbolic import halfplane_dist, halfplane_exp, halfplane_log

__all__ = ["Normal"]

_SQRT2 = np.sqrt(2.0)

_TWO_OVER_MAX = 2.0 / np.finfo(float).max


class Normal(NormalEF, StatisticalManifold):
    """Normal distributions ``N(μ, σ²)``, coordinates ``θ = (mu, sigma)``, ``σ > 0``.

    * ``log p(x|θ) = −½ log 2π − log σ − (x − μ)² / (2σ²)``
    * Fisher metric ``F = diag(1/σ², 2/σ²)``: twice the Poincaré half-plane metric in
      ``(μ/√2, σ)``, so geodesics and distances are closed form:
      ``d = √2 · arcosh(1 + ((μ₁−μ₂)²/2 + (σ₁−σ₂)²) / (2σ₁σ₂))``.
    * ``KL = log(σ₂/σ₁) + (σ₁² + (μ₁−μ₂)²) / (2σ₂²) − ½``.
    """

    mle_data_rule = "normal"

    #: Sufficient statistic with raw second moments: ig.fit certifies its estimate on
    #: the data (see :mod:`infogeo.optim.fit_sufficient`).
    _statistic_cancels = True

    _names = ("mu", "sigma")

    def __init__(self):
        super().__init__(2, bounds=[(None, None), (0.0, None)])

    def __repr__(self) -> str:
        return "Normal()"

    def _log_prob(self, x, theta):
        mu, sigma = theta[..., 0], theta[..., 1]
        return -0.5 * np.log(2 * np.pi) - anp.log(sigma) - 0.5 * ((x - mu) / sigma) ** 2

    def _metric(self, theta):
        if not isinstance(theta, Box):  # plain numpy: divide into the diagonal directly
            sigma = theta[..., 1]
            with np.errstate(over="ignore", under="ignore"):
                s2 = sigma * sigma  # σ² = inf (σ > 1e154): the metric underflows to 0
            # 2/σ² is finite exactly when σ² ≥ 2/DBL_MAX (up to the last ulp)
            if s2.size and not np.min(s2) >= _TWO_OVER_MAX:
                raise OverflowError(
                    "the Fisher metric diag(1/sigma², 2/sigma²) of Normal overflows float64 "
                    f"at sigma = {np.min(np.abs(sigma)):.3g} (finite for sigma ≥ about 1.1e-154)"
                )
            out = np.zeros((*theta.shape[:-1], 4))
            np.divide(1.0, s2, out=out[..., 0])
            np.divide(2.0, s2, out=out[..., 3])
            return out.reshape(*theta.shape[:-1], 2, 2)
        s2 = theta[..., 1] ** 2
        zero = anp.zeros_like(s2)
        return anp.stack([anp.stack([1.0 / s2, zero], -1), anp.stack([zero, 2.0 / s2], -1)], -2)

    def christoffel(self, p):
        """``Γᵘ_uσ = Γᵘ_σu = −1/σ``, ``Γσ_uu = 1/(2σ)``, ``Γσ_σσ = −1/σ``."""
        p = self._coords(p)
        s = p[..., 1]
        out = np.zeros((*p.shape[:-1], 2, 2, 2))
        out[..., 0, 0, 1] = out[..., 0, 1, 0] = -1.0 / s
        out[..., 1, 0, 0] = 0.5 / s
        out[..., 1, 1, 1] = -1.0 / s
        return out

    def christoffel_derivative(self, p):
        """Only ``∂/∂σ`` is non-zero: ``1/σ²``, ``−1/(2σ²)``, ``1/σ²`` for the entries
        above."""
        p = self._coords(p)
        s2 = p[..., 1] ** 2
        out = np.zeros((*p.shape[:-1], 2, 2, 2, 2))
        out[..., 0, 0, 1, 1] = out[..., 0, 1, 0, 1] = 1.0 / s2
        out[..., 1, 0, 0, 1] = -0.5 / s2
        out[..., 1, 1, 1, 1] = 1.0 / s2
        return out

    def _kl(self, t1, t2):
        """``log σ₂ − log σ₁ + ½(σ₁/σ₂)² + ½((μ₁ − μ₂)/σ₂)² − ½``, in ratios (finite for
        every pair whose KL is; an ``OverflowError`` names the scale otherwise)."""
        m1, s1 = t1[..., 0], t1[..., 1]
        m2, s2 = t2[..., 0], t2[..., 1]
        with np.errstate(over="ignore", under="ignore"):
            ratio = s1 / s2
            z = (0.5 * m1 - 0.5 * m2) / s2  # half the standardized mean gap
            out = np.log(s2) - np.log(s1) + 0.5 * ratio * ratio + 2.0 * z * z - 0.5
        if not np.all(np.isfinite(out)):
            raise OverflowError(
                "KL of Normal overflows float64: the mean gap over sigma_2 is "
                f"{2 * np.max(np.abs(z)):.3g} and sigma_1/sigma_2 is {np.max(ratio):.3g}"
            )
        return out

    # --- closed-form geodesics through the half-plane (μ/√2, σ)
    def dist(self, p, q, *, max_time=None, errors="raise"):
        """``d = √2 · arcosh(1 + ((μ₁−μ₂)²/2 + (σ₁−σ₂)²)/(2σ₁σ₂))``, evaluated without
        overflow (:func:`~infogeo.statistics.families._hyperbolic.halfplane_dist`), so
        finite for all valid points. ``max_time`` and ``errors`` are accepted for the
        common interface (the closed form is immediate and never fails)."""
        p = self.check_point(p)
        q = self.check_point(q, "q")
        return _SQRT2 * halfplane_dist(p[..., 0] / _SQRT2, p[..., 1], q[..., 0] / _SQRT2, q[..., 1])

    def exp(self, p, v):
        """Closed form through the half-plane (geodesics never leave the domain).

        Raises
        ------
        OverflowError
            If the end point is outside the float64 range (e.g. ``σ`` beyond 1e308).
        """
        p = self.check_point(p)
        v = self._vectors(v)
        p, v = np.broadcast_arrays(p, v)
        x, y = halfplane_exp(p[..., 0] / _SQRT2, p[..., 1], v[..., 0] / _SQRT2, v[..., 1])
        return np.stack([x * _SQRT2, y], axis=-1)

    def log(self, p, q, *, max_time=None, errors="raise"):
        """Closed form through the half-plane (``max_time``, ``errors`` as in
        :meth:`dist`)."""
        p = self.check_point(p)
        q = self.check_point(q, "q")
        p, q = np.broadcast_arrays(p, q)
        u, w = halfplane_log(p[..., 0] / _SQRT2, p[..., 1], q[..., 0] / _SQRT2, q[..., 1])
        return np.stack([u * _SQRT2, w], axis=-1)

    def geodesic_points(self, p, v, t):
        t = np.asarray(t, dtype=float)
        return self.exp(np.asarray(p)[None], t[:, None] * np.asarray(v)[None])

    # --- statistics
    def _sample(self, theta, rng):
        return rng.normal(theta[..., 0], theta[..., 1])

    def initial_point(self, data) -> np.ndarray:
        """``(mean, standard deviation)`` of the data (``sigma = 1`` if all equal)."""
        data = self._data_for_fit(data)
        sd = float(np.std(data))
        return np.array([float(np.mean(data)), sd if sd > 0 else 1.0])

    def nll_grad(self, theta, data) -> np.ndarray:
        """``∂/∂μ = −(x̄ − μ)/σ²``, ``∂/∂σ = 1/σ − mean((x − μ)²)/σ³``."""
        theta = self._params(theta)
        if theta.shape != (2,):
            raise ValueError(f"theta must be one point of shape (2,), got {theta.shape}")
        data = self._data_for_fit(data)
        mu, sigma = theta
        r = data - mu
        return np.array([-np.mean(r) / sigma**2, 1.0 / sigma - np.mean(r**2) / sigma**3])

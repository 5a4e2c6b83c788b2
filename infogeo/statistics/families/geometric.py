"""The geometric family (failures before the first success), in ``p``."""

from __future__ import annotations

import autograd.numpy as anp
import numpy as np

from ._expfam import GeometricEF
from ._one_parameter import OneParameterFamily

__all__ = ["Geometric"]


class Geometric(GeometricEF, OneParameterFamily):
    """Geometric distributions ``P(x) = p(1 − p)^x``, ``x ∈ {0, 1, …}`` (failures before
    the first success), coordinate ``θ = (p,)``, ``0 < p < 1``.

    * Fisher metric ``F = 1 / (p²(1 − p))``; arc length ``φ = −2 artanh √(1 − p)``, so
      ``d = 2 |artanh √(1 − p₁) − artanh √(1 − p₂)|``
    * ``KL = log(p₁/p₂) + ((1 − p₁)/p₁) log((1 − p₁)/(1 − p₂))``
    """

    mle_data_rule = "geometric"

    _names = ("p",)
    support = ("integers", 0, None)
    _phi_range = (-np.inf, 0.0)

    def __init__(self):
        super().__init__(bounds=[(0.0, 1.0)])

    def __repr__(self) -> str:
        return "Geometric()"

    def _log_prob(self, x, theta):
        p = theta[..., 0]
        return anp.log(p) + x * anp.log1p(-p)

    def _dphi(self, p):
        return 1.0 / (p * anp.sqrt(1.0 - p))

    def _phi(self, p):
        return -2.0 * np.arctanh(np.sqrt(1.0 - p))

    def _phi_inv(self, phi):
        return 1.0 / np.cosh(0.5 * phi) ** 2

    def _phi_diff(self, p1, p2):
        # artanh u₁ − artanh u₂ = artanh((u₁ − u₂)/(1 − u₁u₂))
        u1, u2 = np.sqrt(1.0 - p1), np.sqrt(1.0 - p2)
        return 2.0 * np.arctanh((u1 - u2) / (1.0 - u1 * u2))

    def _kl(self, t1, t2):
        p, q = t1[..., 0], t2[..., 0]
        return np.log(p / q) + (1.0 - p) / p * np.log((1.0 - p) / (1.0 - q))

    def _sample(self, theta, rng):
        return rng.geometric(theta[..., 0]).astype(float) - 1.0

    def initial_point(self, data) -> np.ndarray:
        """``p = 1 / (1 + x̄)`` (the MLE), kept below 1."""
        data = self._data_for_fit(data)
        m = float(np.mean(data))
        return np.array([1.0 / (1.0 + max(m, 0.5 / data.size))])

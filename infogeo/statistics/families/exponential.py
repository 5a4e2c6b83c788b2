"""The exponential family of waiting times, in its rate."""

from __future__ import annotations

import autograd.numpy as anp
import numpy as np

from ._expfam import ExponentialEF
from ._one_parameter import OneParameterFamily

__all__ = ["Exponential"]


class Exponential(ExponentialEF, OneParameterFamily):
    """Exponential distributions, coordinate ``θ = (rate,)``, ``rate > 0``, support x ≥ 0.

    * ``log p(x|λ) = log λ − λx``
    * Fisher metric ``F = 1/λ²``; arc length ``φ = log λ``, ``d = |log(λ₁/λ₂)|``
    * ``KL = log(λ₁/λ₂) + λ₂/λ₁ − 1``
    """

    mle_data_rule = "exponential"

    _names = ("rate",)
    support = ("interval", 0.0, np.inf)
    _closed_support = True

    def __init__(self):
        super().__init__(bounds=[(0.0, None)])

    def __repr__(self) -> str:
        return "Exponential()"

    def _log_prob(self, x, theta):
        lam = theta[..., 0]
        return anp.log(lam) - lam * x

    def _dphi(self, lam):
        return 1.0 / lam

    def _phi(self, lam):
        return np.log(lam)

    def _phi_inv(self, phi):
        return np.exp(phi)

    def _phi_diff(self, l1, l2):
        return np.log(l2 / l1)

    def _kl(self, t1, t2):
        r = t2[..., 0] / t1[..., 0]
        return -np.log(r) + r - 1.0

    def _sample(self, theta, rng):
        return rng.exponential(1.0 / theta[..., 0])

    def initial_point(self, data) -> np.ndarray:
        """``1 / mean`` (the MLE; ``1`` if every observation is zero)."""
        data = self._data_for_fit(data)
        m = float(np.mean(data))
        return np.array([1.0 / m if m > 0 else 1.0])

    def nll_grad(self, theta, data) -> np.ndarray:
        """``∂/∂λ = x̄ − 1/λ``."""
        theta = self._params(theta)
        if theta.shape != (1,):
            raise ValueError(f"theta must be one point of shape (1,), got {theta.shape}")
        data = self._data_for_fit(data)
        return np.array([np.mean(data) - 1.0 / theta[0]])

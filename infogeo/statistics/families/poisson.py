"""The Poisson family in its rate."""

from __future__ import annotations

import autograd.numpy as anp
import numpy as np

from ..._special import gammaln
from ._expfam import PoissonEF
from ._one_parameter import OneParameterFamily

__all__ = ["Poisson"]


class Poisson(PoissonEF, OneParameterFamily):
    """Poisson distributions, coordinate ``θ = (rate,)``, ``rate > 0``, support {0, 1, …}.

    * ``log p(x|λ) = x log λ − λ − log x!``
    * Fisher metric ``F = 1/λ``; arc length ``φ = 2√λ``, ``d = 2|√λ₁ − √λ₂|``
    * ``KL = λ₁ log(λ₁/λ₂) − λ₁ + λ₂``
    """

    mle_data_rule = "poisson"

    _names = ("rate",)
    support = ("integers", 0, None)
    _phi_range = (0.0, np.inf)

    def __init__(self):
        super().__init__(bounds=[(0.0, None)])

    def __repr__(self) -> str:
        return "Poisson()"

    def _log_prob(self, x, theta):
        lam = theta[..., 0]
        return x * anp.log(lam) - lam - gammaln(x + 1.0)

    def _dphi(self, lam):
        return 1.0 / anp.sqrt(lam)

    def _phi(self, lam):
        return 2.0 * np.sqrt(lam)

    def _phi_inv(self, phi):
        return 0.25 * phi**2

    def _phi_diff(self, l1, l2):
        return 2.0 * (l2 - l1) / (np.sqrt(l1) + np.sqrt(l2))

    def _kl(self, t1, t2):
        l1, l2 = t1[..., 0], t2[..., 0]
        return l1 * np.log(l1 / l2) - l1 + l2

    def _sample(self, theta, rng):
        return rng.poisson(theta[..., 0]).astype(float)

    def initial_point(self, data) -> np.ndarray:
        """The sample mean (``1/(2n)`` if every count is zero)."""
        data = self._data_for_fit(data)
        m = float(np.mean(data))
        return np.array([m if m > 0 else 0.5 / data.size])

    def nll_grad(self, theta, data) -> np.ndarray:
        """``∂/∂λ = 1 − x̄/λ``."""
        theta = self._params(theta)
        if theta.shape != (1,):
            raise ValueError(f"theta must be one point of shape (1,), got {theta.shape}")
        data = self._data_for_fit(data)
        return np.array([1.0 - np.mean(data) / theta[0]])

"""Bernoulli and Binomial(n) families in the success probability ``p``."""

from __future__ import annotations

import autograd.numpy as anp
import numpy as np

from ..._special import gammaln
from ..._validation import check_positive_int
from ._expfam import BinomialEF
from ._one_parameter import OneParameterFamily

__all__ = ["Bernoulli", "Binomial"]


class Binomial(BinomialEF, OneParameterFamily):
    """Binomial distributions ``Bin(n, p)``, coordinate ``θ = (p,)``, ``0 < p < 1``.

    * ``log p(x|p) = log C(n, x) + x log p + (n − x) log(1 − p)``, ``x ∈ {0, …, n}``
    * Fisher metric ``F = n / (p(1 − p))``; arc length ``φ = 2√n · arcsin √p``, so
      ``d(p₁, p₂) = 2√n |arcsin √p₁ − arcsin √p₂|``
    * ``KL = n [p₁ log(p₁/p₂) + (1 − p₁) log((1 − p₁)/(1 − p₂))]``
    """

    mle_data_rule = "binomial"

    _names = ("p",)
    _phi_range = (0.0, np.pi)  # in units of √n, see _phi

    def __init__(self, n: int):
        self.n = check_positive_int(n, "n")
        self.support = ("integers", 0, self.n)
        self._phi_range = (0.0, np.sqrt(self.n) * np.pi)
        super().__init__(bounds=[(0.0, 1.0)])

    def __repr__(self) -> str:
        return f"Binomial(n={self.n})"

    def _log_prob(self, x, theta):
        p = theta[..., 0]
        n = self.n
        return (
            gammaln(n + 1.0)
            - gammaln(x + 1.0)
            - gammaln(n - x + 1.0)
            + x * anp.log(p)
            + (n - x) * anp.log1p(-p)
        )

    def _dphi(self, p):
        return np.sqrt(self.n) / anp.sqrt(p * (1.0 - p))

    def _phi(self, p):
        return 2.0 * np.sqrt(self.n) * np.arctan2(np.sqrt(p), np.sqrt(1.0 - p))

    def _phi_inv(self, phi):
        return np.sin(0.5 * phi / np.sqrt(self.n)) ** 2

    def _phi_diff(self, p1, p2):
        # 2√n (a₂ − a₁) with sin(a₂ − a₁) = √p₂√(1−p₁) − √p₁√(1−p₂), |a₂ − a₁| < π/2
        s = np.sqrt(p2 * (1.0 - p1)) - np.sqrt(p1 * (1.0 - p2))
        return 2.0 * np.sqrt(self.n) * np.arcsin(np.clip(s, -1.0, 1.0))

    def _kl(self, t1, t2):
        p, q = t1[..., 0], t2[..., 0]
        return self.n * (p * np.log(p / q) + (1.0 - p) * np.log((1.0 - p) / (1.0 - q)))

    def _sample(self, theta, rng):
        return rng.binomial(self.n, theta[..., 0]).astype(float)

    def initial_point(self, data) -> np.ndarray:
        """``p = (Σx + ½) / (n·N + 1)``: the success frequency, kept inside (0, 1)."""
        data = self._data_for_fit(data)
        return np.array([(np.sum(data) + 0.5) / (self.n * data.size + 1.0)])


class Bernoulli(Binomial):
    """Bernoulli distributions, coordinate ``θ = (p,)``, ``0 < p < 1``, support {0, 1}.

    * ``log p(x|p) = x log p + (1 − x) log(1 − p)``
    * Fisher metric ``F = 1 / (p(1 − p))``; ``d(p₁, p₂) = 2 |arcsin √p₁ − arcsin √p₂|``
    * ``KL = p₁ log(p₁/p₂) + (1 − p₁) log((1 − p₁)/(1 − p₂))``
    """

    def __init__(self):
        super().__init__(1)

    def __repr__(self) -> str:
        return "Bernoulli()"

    def _log_prob(self, x, theta):
        p = theta[..., 0]
        return x * anp.log(p) + (1.0 - x) * anp.log1p(-p)

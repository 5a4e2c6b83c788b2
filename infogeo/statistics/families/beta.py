"""The Beta family on (0, 1)."""

from __future__ import annotations

import autograd.numpy as anp
import numpy as np

from ..._special import gammaln
from ._expfam import BetaEF
from .dirichlet import _DirichletGeometry

__all__ = ["Beta"]


class Beta(BetaEF, _DirichletGeometry):
    """Beta distributions, coordinates ``θ = (a, b)``, ``a, b > 0``, support (0, 1).

    * ``log p(x|a, b) = (a − 1) log x + (b − 1) log(1 − x) − log B(a, b)``
    * Fisher metric ``F = [[ψ′(a) − ψ′(a+b), −ψ′(a+b)], [−ψ′(a+b), ψ′(b) − ψ′(a+b)]]``
      (the Dirichlet metric with k = 2, whose code it shares)
    * ``KL = log B(a₂,b₂) − log B(a₁,b₁) + (a₁−a₂)ψ(a₁) + (b₁−b₂)ψ(b₁)
      + (a₂−a₁+b₂−b₁)ψ(a₁+b₁)``
    * Geodesics are numerical (analytic Christoffel symbols and derivatives).
    """

    mle_data_rule = "all_equal"

    _names = ("a", "b")
    support = ("interval", 0.0, 1.0)

    def __init__(self):
        super().__init__(2, bounds=[(0.0, None), (0.0, None)])

    def __repr__(self) -> str:
        return "Beta()"

    def _log_prob(self, x, theta):
        a, b = theta[..., 0], theta[..., 1]
        return (
            (a - 1.0) * anp.log(x)
            + (b - 1.0) * anp.log1p(-x)
            - gammaln(a)
            - gammaln(b)
            + gammaln(a + b)
        )

    def _sample(self, theta, rng):
        return rng.beta(theta[..., 0], theta[..., 1])

    def initial_point(self, data) -> np.ndarray:
        """Method of moments ``a = m c``, ``b = (1 − m) c`` with ``c = m(1 − m)/v − 1``
        (``(1, 1)`` when ``c`` is not positive)."""
        data = self._data_for_fit(data)
        m, v = float(np.mean(data)), float(np.var(data))
        c = m * (1.0 - m) / v - 1.0 if v > 0 else -1.0
        return np.array([m * c, (1.0 - m) * c]) if c > 0 else np.ones(2)

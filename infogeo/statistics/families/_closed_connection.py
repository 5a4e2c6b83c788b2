"""Christoffel symbols from closed-form metric derivatives.

A family that knows ``∂G`` (and ``∂²G``) in closed form overrides
``metric_derivative`` / ``metric_second_derivative``; this mixin then computes

``Γᵏᵢⱼ = Gᵏˡ Γₗᵢⱼ``, ``Γₗᵢⱼ = ½ (∂ᵢG_lj + ∂ⱼG_li − ∂ₗG_ij)``

with one batched solve and no domain re-check (the ODE right-hand side calls it at
every step), and the base class's ``christoffel_derivative`` formula uses the same
closed-form derivatives instead of autograd.
"""

from __future__ import annotations

import numpy as np

__all__ = ["ClosedFormConnection"]


class ClosedFormConnection:
    """Mixin: analytic ``christoffel`` from ``_metric`` and a closed-form
    ``metric_derivative``."""

    def christoffel(self, p):
        p = self._coords(p)
        n = self.dim
        D = self.metric_derivative(p)
        first = 0.5 * (np.swapaxes(D, -1, -2) + D - np.moveaxis(D, -1, -3))
        G = self._metric(p)
        out = np.linalg.solve(G, first.reshape(*p.shape[:-1], n, n * n))
        return out.reshape(first.shape)

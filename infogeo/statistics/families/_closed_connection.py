"""Christoffel symbols and their derivatives from closed-form metric derivatives.

A family that knows ``G``, ``∂G`` and ``∂²G`` in closed form (``_metric_np``,
``metric_derivative``, ``metric_second_derivative``, plain numpy) mixes this in to get

``Γᵏᵢⱼ = Gᵏˡ Γₗᵢⱼ``, ``Γₗᵢⱼ = ½ (∂ᵢG_lj + ∂ⱼG_li − ∂ₗG_ij)``,

``∂ₘΓᵏᵢⱼ = Gᵏˡ (∂ₘΓₗᵢⱼ − ∂ₘG_ls Γˢᵢⱼ)``,

with one batched solve each and no autograd or domain re-check: the geodesic solvers
call these at every right-hand-side evaluation.
"""

from __future__ import annotations

import numpy as np

__all__ = ["ClosedFormConnection"]


class ClosedFormConnection:
    """Mixin: analytic ``christoffel``, ``christoffel_derivative`` and
    ``christoffel_and_derivative``."""

    _cached_interior = None

    def _interior_point(self):
        if self._cached_interior is None:
            self._cached_interior = super()._interior_point()
        return self._cached_interior

    def _connection(self, p, derivative: bool):
        p = self._coords(p)
        n = self.dim
        batch = p.shape[:-1]
        G = self._metric_np(p)
        D = self.metric_derivative(p)
        first = 0.5 * (np.swapaxes(D, -1, -2) + D - np.moveaxis(D, -1, -3))
        gamma = np.linalg.solve(G, first.reshape(*batch, n, n * n)).reshape(first.shape)
        if not derivative:
            return gamma, None
        D2 = self.metric_second_derivative(p)
        d_first = 0.5 * (np.swapaxes(D2, -2, -3) + D2 - np.moveaxis(D2, -2, -4))
        rhs = d_first - np.einsum("...lsm,...sij->...lijm", D, gamma)
        d_gamma = np.linalg.solve(G, rhs.reshape(*batch, n, n**3)).reshape(*batch, n, n, n, n)
        return gamma, d_gamma

    def christoffel(self, p):
        return self._connection(p, False)[0]

    def christoffel_derivative(self, p):
        return self._connection(p, True)[1]

    def christoffel_and_derivative(self, p):
        return self._connection(p, True)

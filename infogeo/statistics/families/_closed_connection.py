"""Christoffel symbols and their derivatives from closed-form metric derivatives.

A family that knows ``G⁻¹``, ``∂G`` and ``∂²G`` in closed form (``_closed_geometry``,
plain numpy, its domain the positive orthant) mixes this in to get

``Γᵏᵢⱼ = Gᵏˡ Γₗᵢⱼ``, ``Γₗᵢⱼ = ½ (∂ᵢG_lj + ∂ⱼG_li − ∂ₗG_ij)``,

``∂ₘΓᵏᵢⱼ = Gᵏˡ (∂ₘΓₗᵢⱼ − ∂ₘG_ls Γˢᵢⱼ)``,

with batched matrix products only (no solve, no autograd, no domain re-check): the
geodesic solvers call these at every right-hand-side evaluation.
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
        b = tuple(range(len(batch)))
        r = len(batch)
        G_inv, D, D2 = self._closed_geometry(p, derivative)
        # the axis moves as single transposes: D[..., i, j, l] -> [..., l, i, j], etc.
        first = 0.5 * (np.swapaxes(D, -1, -2) + D - D.transpose(*b, r + 2, r, r + 1))
        gamma = np.matmul(G_inv, first.reshape(*batch, n, n * n)).reshape(first.shape)
        if not derivative:
            return gamma, None
        d_first = 0.5 * (np.swapaxes(D2, -2, -3) + D2 - D2.transpose(*b, r + 2, r, r + 1, r + 3))
        # Σ_s ∂ₘG_ls Γˢᵢⱼ as one matrix product: [(l, m), s] @ [s, (i, j)]
        D_lms = np.swapaxes(D, -1, -2).reshape(*batch, n * n, n)
        prod = np.matmul(D_lms, gamma.reshape(*batch, n, n * n)).reshape(*batch, n, n, n, n)
        rhs = d_first - prod.transpose(*b, r, r + 2, r + 3, r + 1)
        d_gamma = np.matmul(G_inv, rhs.reshape(*batch, n, n**3)).reshape(*batch, n, n, n, n)
        return gamma, d_gamma

    def belongs(self, p):
        """Fast path for the positive orthant (the domain of these families)."""
        if isinstance(p, np.ndarray) and p.dtype == float and p.ndim and p.shape[-1] == self.dim:
            return np.all(np.isfinite(p) & (p > 0), axis=-1)
        return super().belongs(p)

    def christoffel(self, p):
        return self._connection(p, False)[0]

    def christoffel_derivative(self, p):
        return self._connection(p, True)[1]

    def christoffel_and_derivative(self, p):
        return self._connection(p, True)

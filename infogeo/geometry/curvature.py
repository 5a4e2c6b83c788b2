"""Curvature tensors from the Christoffel symbols and their derivatives.

Conventions (coordinates ``p``, Christoffel symbols ``Γᵏᵢⱼ``, derivatives
``∂ₗΓᵏᵢⱼ`` from :meth:`~RiemannianManifold.christoffel_and_derivative`):

* Riemann tensor ``R[..., l, i, j, k] = Rˡᵢⱼₖ = ∂ⱼΓˡₖᵢ − ∂ₖΓˡⱼᵢ + ΓˡⱼₘΓᵐₖᵢ − ΓˡₖₘΓᵐⱼᵢ``,
  so that ``R(∂ⱼ, ∂ₖ)∂ᵢ = Rˡᵢⱼₖ ∂ₗ`` with ``R(X, Y) = ∇_X∇_Y − ∇_Y∇_X − ∇_[X,Y]``;
* Ricci tensor ``Ric[..., i, k] = Rʲᵢⱼₖ``;
* scalar curvature ``S = Gⁱᵏ Ric_ik``.

With these signs the round unit sphere has ``S = 2`` and the Poincaré half-plane
``S = −2``; in two dimensions ``S`` is twice the Gaussian curvature.
"""

from __future__ import annotations

import numpy as np

__all__ = ["ricci_tensor", "riemann_tensor", "scalar_curvature"]


def riemann_tensor(manifold, p) -> np.ndarray:
    """Riemann tensor ``Rˡᵢⱼₖ`` at ``p``, shape ``(..., dim, dim, dim, dim)``.

    Parameters
    ----------
    manifold : RiemannianManifold
    p : array_like, shape ``(..., dim)``
    """
    p = manifold.check_point(p)
    gamma, dgamma = manifold.christoffel_and_derivative(p)
    # dgamma[..., k, i, j, l] = ∂ₗΓᵏᵢⱼ; both derivative terms placed at [l, i, j, k]
    term_a = np.einsum("...lkij->...lijk", dgamma)  # ∂ⱼΓˡₖᵢ
    term_b = np.einsum("...ljik->...lijk", dgamma)  # ∂ₖΓˡⱼᵢ
    quad = np.einsum("...ljm,...mki->...lijk", gamma, gamma)
    return term_a - term_b + quad - np.swapaxes(quad, -1, -2)


def ricci_tensor(manifold, p) -> np.ndarray:
    """Ricci tensor ``Ric_ik = Rʲᵢⱼₖ``, shape ``(..., dim, dim)``."""
    return np.einsum("...jijk->...ik", riemann_tensor(manifold, p))


def scalar_curvature(manifold, p) -> np.ndarray:
    """Scalar curvature ``S = Gⁱᵏ Ric_ik``, shape ``(...)`` (a linear solve, no inverse)."""
    p = manifold.check_point(p)
    ric = ricci_tensor(manifold, p)
    G = manifold.metric(p)
    return np.trace(np.linalg.solve(G, ric), axis1=-2, axis2=-1)

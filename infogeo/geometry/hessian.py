"""The Riemannian Hessian ``Hess f(p)[v] = ∇_v grad f`` of the Levi-Civita connection.

In a chart, with ``g = ∇f`` the Euclidean gradient, ``H = ∇²f`` the Euclidean Hessian
and ``Γ`` the Christoffel symbols of the metric ``G``,

    Hess f(p)[v] = G⁻¹ (H v − C v),      C_ij = Σ_k Γᵏᵢⱼ g_k,

i.e. the covariant Hessian ``∇²f_ij = ∂ᵢ∂ⱼf − Γᵏᵢⱼ ∂ₖf`` with its first index raised.
(Expanding ``∇_v (G⁻¹g) = ∂_v(G⁻¹g) + Γ(v, G⁻¹g)`` gives the same operator.) ``C`` is
symmetric, so ``Hess f`` is self-adjoint in ``G``; at a critical point ``g = 0`` it
is ``G⁻¹H``. ``C`` is formed once per point, after which every product costs one
Euclidean Hessian-vector product and one solve with the factorized metric.

:func:`hessian_vector` obtains ``g`` and ``Hv`` by autograd (reverse over reverse).
Manifolds embedded in ℝⁿ (the sphere and SPD matrices of
:func:`~infogeo.from_geomstats`) supply their own map from Euclidean to Riemannian
Hessians (``_hessian_from_euclidean``).
"""

from __future__ import annotations

from collections.abc import Callable

import autograd
import numpy as np

from .linalg import cholesky_lower, cholesky_solve

__all__ = ["chart_hessian_map", "euclidean_hvp", "hessian_vector"]


def chart_hessian_map(manifold, p: np.ndarray, egrad: np.ndarray) -> Callable:
    """``(Hv, v) ↦ G⁻¹(Hv − C v)`` at one point ``p`` of a chart (see the module doc)."""
    G = np.asarray(manifold.metric(p), dtype=float)
    gamma = np.asarray(manifold.christoffel(p), dtype=float)
    C = np.einsum("kij,k->ij", gamma, egrad)
    try:
        factor = cholesky_lower(G)
    except np.linalg.LinAlgError as exc:
        raise ValueError(
            f"the metric of {manifold!r} is not positive definite at p = {p}; the "
            "Riemannian Hessian needs G⁻¹"
        ) from exc

    def apply(hv, v):
        rhs = np.asarray(hv, dtype=float) - v @ C.T
        return cholesky_solve(factor, rhs.T).T

    return apply


def euclidean_hvp(fun: Callable) -> tuple[Callable, Callable]:
    """``(grad, hvp)``: autograd's gradient of ``fun`` and ``(x, v) ↦ ∇²fun(x) v``."""
    grad = autograd.grad(fun)

    def along(x, v):
        return autograd.numpy.dot(grad(x), v)

    return grad, autograd.grad(along)


def hessian_vector(manifold, p, fun: Callable, v) -> np.ndarray:
    """``Hess fun(p)[v]``, the Levi-Civita covariant derivative of ``grad fun`` along ``v``.

    Parameters
    ----------
    manifold
        The manifold (anything with ``_hessian_from_euclidean``).
    p : array_like, shape ``(dim,)``
        One point.
    fun : callable
        ``fun(x) -> float``, differentiable by autograd (written with ``autograd.numpy``).
    v : array_like, shape ``(..., dim)``
        Tangent vector(s) at ``p``; a batch gives a batch of products.

    Returns
    -------
    ndarray, shape ``(..., dim)``
    """
    p = manifold.check_point(p)
    if p.ndim != 1:
        raise ValueError(f"hessian_vector takes one point of shape ({manifold.dim},)")
    v = manifold._vectors(v)
    if not callable(fun):
        raise TypeError(f"fun must be a callable x -> float, got {type(fun).__name__}")
    grad, hvp = euclidean_hvp(fun)
    try:
        g = np.asarray(grad(p), dtype=float)
        flat = v.reshape(-1, manifold.dim)
        hv = np.stack([np.asarray(hvp(p, u), dtype=float) for u in flat])
    except Exception as exc:
        raise TypeError(
            "autograd could not differentiate fun twice (write it with autograd.numpy): "
            f"{type(exc).__name__}: {exc}"
        ) from exc
    if not (np.all(np.isfinite(g)) and np.all(np.isfinite(hv))):
        raise ValueError(f"fun has a non-finite gradient or Hessian at p = {p}")
    out = manifold._hessian_from_euclidean(p, g)(hv, flat)
    return out.reshape(v.shape)

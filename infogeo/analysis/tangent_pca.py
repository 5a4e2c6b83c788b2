"""Principal component analysis in the tangent space at the Fréchet mean."""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np

from ._kernels import log_function
from ._points import check_points, check_weights
from .frechet import frechet_mean

__all__ = ["TangentPCA", "tangent_pca"]


@dataclass
class TangentPCA:
    """Result of :func:`tangent_pca`.

    Attributes
    ----------
    mean : ndarray (dim,)
        The base point (the Fréchet mean unless ``base`` was given).
    components : ndarray (n_components, dim)
        Principal directions, tangent vectors at ``mean``, orthonormal in the metric
        ``G(mean)``.
    explained_variance : ndarray (n_components,)
        Weighted variance of the scores along each direction.
    explained_variance_ratio : ndarray (n_components,)
        Its share of the total ``Σᵢ wᵢ ‖log_mean pᵢ‖²`` (= 2 × the Fréchet function).
    scores : ndarray (n, n_components)
        ``⟨log_mean pᵢ − v̄, componentⱼ⟩_G`` (``v̄ = Σ wᵢ log_mean pᵢ``, zero at the mean).
    """

    manifold: object
    mean: np.ndarray
    components: np.ndarray
    explained_variance: np.ndarray
    explained_variance_ratio: np.ndarray
    scores: np.ndarray
    offset: np.ndarray

    def transform(self, points) -> np.ndarray:
        """Scores of new points: ``⟨log_mean p − v̄, componentⱼ⟩_G``, ``(m, n_components)``."""
        P = check_points(self.manifold, points)
        V = log_function(self.manifold)(np.broadcast_to(self.mean, P.shape), P) - self.offset
        G = self.manifold.metric(self.mean)
        return V @ G @ self.components.T

    def inverse_transform(self, scores) -> np.ndarray:
        """Points ``exp_mean(v̄ + Σⱼ scoresⱼ componentⱼ)``, ``(m, dim)``."""
        s = np.atleast_2d(np.asarray(scores, dtype=float))
        if s.shape[-1] != self.components.shape[0]:
            raise ValueError(
                f"scores must have {self.components.shape[0]} columns, got shape {s.shape}"
            )
        V = self.offset + s @ self.components
        return self.manifold.exp(np.broadcast_to(self.mean, V.shape), V)


def tangent_pca(manifold, points, n_components=None, *, weights=None, base=None) -> TangentPCA:
    """PCA of ``vᵢ = log_μ(pᵢ)`` at the Fréchet mean ``μ`` in the metric ``G(μ)``.

    With ``G(μ) = S²`` (``S`` the symmetric square root), the whitened vectors
    ``zᵢ = S vᵢ`` have Euclidean inner products equal to the Riemannian ones; the
    principal axes of the weighted covariance ``Σᵢ wᵢ (zᵢ − z̄)(zᵢ − z̄)ᵀ`` mapped back by
    ``S⁺`` are the components (orthonormal in ``G(μ)``).

    Parameters
    ----------
    manifold
        A :class:`~infogeo.RiemannianManifold` with ``metric``.
    points
        ``(n, dim)`` points.
    n_components
        How many components to keep (default all ``dim``).
    weights
        Non-negative weights of the points (uniform by default).
    base
        Base point instead of the Fréchet mean.
    """
    P = check_points(manifold, points)
    w = check_weights(weights, P.shape[0])
    dim = manifold.dim
    if n_components is None:
        n_components = dim
    if isinstance(n_components, bool) or not isinstance(n_components, numbers.Integral):
        raise TypeError(f"n_components must be an integer, got {n_components!r}")
    if not 1 <= n_components <= dim:
        raise ValueError(f"n_components must be between 1 and {dim}, got {n_components}")
    if base is None:
        res = frechet_mean(manifold, P, w)
        if not res.success:
            from ..exceptions import ConvergenceError

            raise ConvergenceError(
                f"the Fréchet mean did not converge: {res.message}", residual=res.grad_norm
            )
        mu = res.x
    else:
        mu = manifold.check_point(np.asarray(base, dtype=float), "base")
    V = np.asarray(log_function(manifold)(np.broadcast_to(mu, P.shape), P), dtype=float)
    G = np.asarray(manifold.metric(mu), dtype=float)
    lam, Q = np.linalg.eigh(0.5 * (G + G.T))
    keep = lam > 1e-12 * max(float(np.max(lam)), 0.0)
    root = Q[:, keep] * np.sqrt(lam[keep])  # z = V @ root has ‖z‖ = ‖v‖_G
    offset = w @ V
    Z = (V - offset) @ root
    C = (Z * w[:, None]).T @ Z
    var, E = np.linalg.eigh(C)
    order = np.argsort(var)[::-1]
    var, E = np.maximum(var[order], 0.0), E[:, order]
    comps = (E.T @ (Q[:, keep] / np.sqrt(lam[keep])).T)[:n_components]
    total = float(np.sum(var))
    ratio = var[:n_components] / total if total > 0 else np.zeros(n_components)
    return TangentPCA(
        manifold=manifold,
        mean=mu,
        components=comps,
        explained_variance=var[:n_components],
        explained_variance_ratio=ratio,
        scores=(V - offset) @ G @ comps.T,
        offset=offset,
    )

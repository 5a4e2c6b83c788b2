"""Confidence regions around an estimate: the Wald ellipsoid and the Fisher–Rao ball."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["GeodesicBall", "WaldEllipsoid"]


def _circle(n_points: int) -> np.ndarray:
    t = np.linspace(0.0, 2 * np.pi, n_points)
    return np.stack([np.cos(t), np.sin(t)], axis=-1)


@dataclass
class WaldEllipsoid:
    """``{θ : (θ − centre)ᵀ cov⁻¹ (θ − centre) ≤ chi2}`` (coordinates-dependent).

    Attributes: ``centre`` (k,), ``cov`` (k, k), ``chi2`` the quantile, ``level``.
    """

    centre: np.ndarray
    cov: np.ndarray
    chi2: float
    level: float

    def contains(self, theta) -> np.ndarray:
        """Whether each ``θ`` (``(..., k)``) lies inside (a Cholesky solve, no inverse)."""
        d = np.asarray(theta, dtype=float) - self.centre
        L = np.linalg.cholesky(self.cov)
        z = np.linalg.solve(L, d[..., None])[..., 0] if d.ndim > 1 else np.linalg.solve(L, d)
        return np.sum(z * z, axis=-1) <= self.chi2

    def boundary(self, n_points: int = 200, axes=(0, 1)) -> np.ndarray:
        """``(n_points, 2)`` points on the boundary of the ellipse of two coordinates
        (the marginal region of that pair: the 2×2 block of ``cov``)."""
        i, j = axes
        block = self.cov[np.ix_([i, j], [i, j])]
        L = np.linalg.cholesky(block)
        return self.centre[[i, j]] + np.sqrt(self.chi2) * _circle(n_points) @ L.T


@dataclass
class GeodesicBall:
    """``{θ : d(centre, θ) ≤ radius}`` in the Fisher–Rao distance (invariant under
    reparametrization); ``radius = √(χ²_{k, level} / n)``.

    Attributes: ``manifold``, ``centre``, ``radius``, ``level``.
    """

    manifold: object
    centre: np.ndarray
    radius: float
    level: float

    def contains(self, theta) -> np.ndarray:
        """Whether ``d(centre, θ) ≤ radius`` for each ``θ`` (batched distance)."""
        from ..analysis._kernels import dist_function

        theta = np.asarray(theta, dtype=float)
        d = dist_function(self.manifold)(np.broadcast_to(self.centre, theta.shape), theta)
        return np.asarray(d) <= self.radius

    def boundary(self, n_points: int = 200) -> np.ndarray:
        """``(n_points, 2)`` boundary points of a 2-parameter ball: ``exp_centre(r u)`` for
        unit vectors ``u`` (orthonormal in the Fisher metric at the centre)."""
        if self.manifold.dim != 2:
            raise ValueError(
                f"boundary() draws 2-parameter balls; this one has dim {self.manifold.dim}"
            )
        G = np.asarray(self.manifold.metric(self.centre), dtype=float)
        L = np.linalg.cholesky(G)
        u = np.linalg.solve(L.T, _circle(n_points).T).T  # uᵀ G u = 1
        centre = np.broadcast_to(self.centre, u.shape)
        return np.asarray(self.manifold.exp(centre, self.radius * u), dtype=float)

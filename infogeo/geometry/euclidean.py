"""Euclidean space ℝⁿ with the identity metric."""

from __future__ import annotations

import numpy as np

from .manifold import RiemannianManifold

__all__ = ["Euclidean"]


class Euclidean(RiemannianManifold):
    """ℝⁿ with ``G = I``: geodesics are straight lines, ``d(p, q) = ‖p − q‖₂``,
    curvature zero. On it Riemannian gradient descent is plain gradient descent."""

    def __init__(self, dim: int):
        super().__init__(dim)

    def metric(self, p):
        p = self._points(p)
        return np.broadcast_to(np.eye(self.dim), (*p.shape[:-1], self.dim, self.dim)).copy()

    def inner(self, p, u, v):
        self._points(p)
        return np.sum(self._vectors(u, "u") * self._vectors(v, "v"), axis=-1)

    def christoffel(self, p):
        p = self._points(p)
        return np.zeros((*p.shape[:-1], self.dim, self.dim, self.dim))

    def christoffel_derivative(self, p):
        p = self._points(p)
        return np.zeros((*p.shape[:-1], self.dim, self.dim, self.dim, self.dim))

    def riemannian_gradient(self, p, egrad, damping: float = 0.0):
        self._points(p)
        if damping < 0 or not np.isfinite(damping):
            raise ValueError(f"damping must be a finite number >= 0, got {damping}")
        return self._vectors(egrad, "egrad") / (1.0 + damping)

    def exp(self, p, v):
        return self._points(p) + self._vectors(v)

    retract = exp

    def log(self, p, q, *, max_time=None, errors="raise"):
        return self._points(q, "q") - self._points(p)

    def dist(self, p, q, *, max_time=None, errors="raise"):
        return np.linalg.norm(self.log(p, q), axis=-1)

    def geodesic_points(self, p, v, t):
        t = np.asarray(t, dtype=float)
        return p + t[:, None] * v

    def parallel_transport(self, p, v, q):
        """The identity: ``v`` itself (batched against ``p`` and ``q``)."""
        p, v, q = np.broadcast_arrays(self._points(p), self._vectors(v), self._points(q, "q"))
        return v.copy()

    vector_transport = parallel_transport

    def _transport_along_geodesic(self, p, w, v, t):
        p, w, v = np.broadcast_arrays(self._points(p), self._vectors(w), self._vectors(v))
        t = np.atleast_1d(np.asarray(t, dtype=float))
        return np.repeat(v[..., None, :], t.size, axis=-2)

    def _hessian_from_euclidean(self, p, egrad):
        return lambda hv, v: np.array(hv, dtype=float)

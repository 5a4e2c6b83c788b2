"""The :class:`Geodesic` object returned by ``manifold.geodesic(...)``."""

from __future__ import annotations

import numpy as np

__all__ = ["Geodesic"]


class Geodesic:
    """A geodesic ``γ: [0, 1] → M`` with ``γ(0) = start`` and ``γ̇(0) = velocity``.

    Calling it on a scalar ``t`` returns the point ``γ(t)`` of shape ``(dim,)``; on a
    1-d array of ``n`` times it returns an ``(n, dim)`` array.

    Attributes
    ----------
    manifold : RiemannianManifold
    start : ndarray, shape ``(dim,)``
    velocity : ndarray, shape ``(dim,)``
        Initial velocity ``γ̇(0) = log_start(end)``.
    length : float
        ``‖velocity‖_start``, the length of ``γ`` on ``[0, 1]`` (geodesics have
        constant speed).
    end : ndarray, shape ``(dim,)``
        ``γ(1)``.
    """

    def __init__(self, manifold, start, velocity, end=None):
        self.manifold = manifold
        self.start = np.array(start, dtype=float)
        self.velocity = np.array(velocity, dtype=float)
        self._end = None if end is None else np.array(end, dtype=float)

    @property
    def end(self) -> np.ndarray:
        if self._end is None:
            self._end = self.manifold.exp(self.start, self.velocity)
        return self._end

    @property
    def length(self) -> float:
        return float(self.manifold.norm(self.start, self.velocity))

    def __call__(self, t):
        t_arr = np.asarray(t, dtype=float)
        if t_arr.ndim > 1:
            raise ValueError(f"t must be a scalar or a 1-d array of times, got shape {t_arr.shape}")
        if not np.all(np.isfinite(t_arr)) or np.any((t_arr < 0) | (t_arr > 1)):
            raise ValueError("t must lie in [0, 1]; for other times use manifold.exp(start, t*v)")
        times = np.atleast_1d(t_arr)
        pts = self.manifold.geodesic_points(self.start, self.velocity, times)
        return pts[0] if t_arr.ndim == 0 else pts

    def transport(self, v, t=1.0):
        """Parallel transport of ``v ∈ T_{start}M`` along the geodesic to ``γ(t)``.

        ``t`` is a scalar (→ ``(dim,)``) or a 1-d array of times in ``[0, 1]`` (→
        ``(n, dim)``); ``∇_γ̇ V = 0`` is integrated together with the geodesic (see
        :mod:`infogeo.geometry.transport`), so inner products are preserved.
        """
        t_arr = np.asarray(t, dtype=float)
        if t_arr.ndim > 1:
            raise ValueError(f"t must be a scalar or a 1-d array of times, got shape {t_arr.shape}")
        if not np.all(np.isfinite(t_arr)) or np.any((t_arr < 0) | (t_arr > 1)):
            raise ValueError("t must lie in [0, 1]")
        v = self.manifold._vectors(v, "v")
        if v.shape != self.start.shape:
            raise ValueError(f"v must have shape {self.start.shape}, got {v.shape}")
        out = self.manifold._transport_along_geodesic(
            self.start, self.velocity, v, np.atleast_1d(t_arr)
        )
        return out[0] if t_arr.ndim == 0 else out

    def __repr__(self) -> str:
        return (
            f"Geodesic(start={np.array2string(self.start, precision=4)}, "
            f"velocity={np.array2string(self.velocity, precision=4)}, length={self.length:.6g})"
        )

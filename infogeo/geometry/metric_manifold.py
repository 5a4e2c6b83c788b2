"""A manifold defined by any user-supplied metric tensor function."""

from __future__ import annotations

from collections.abc import Callable

import autograd.numpy as anp
import numpy as np

from .manifold import RiemannianManifold

__all__ = ["MetricManifold"]


class MetricManifold(RiemannianManifold):
    """A coordinate chart with a user metric tensor ``G(p)``.

    Parameters
    ----------
    metric
        Function of one point, ``(dim,) → (dim, dim)``, written with
        ``autograd.numpy`` so that the Christoffel symbols can be differentiated
        from it. It must return a symmetric positive-definite matrix on the domain.
    dim
        Number of coordinates.
    bounds
        Optional ``(low, high)`` per coordinate (``None`` for an unbounded side);
        the domain is the open box they describe.

    Notes
    -----
    The metric is written for one point; the manifold broadcasts it over batches.
    When the function also works on a batch, either coordinates-last (``p`` of shape
    ``(n, dim)`` returning ``(n, dim, dim)``, e.g. ``anp.eye(2) / p[..., 1, None,
    None] ** 2``) or coordinates-first (``(dim, n) → (dim, dim, n)``), the batch is
    evaluated in one vectorized call, after a one-time check against point-by-point
    evaluation; otherwise points are evaluated one at a time, which is much slower
    for large batches (numerical ``exp``/``log`` evaluate it at every ODE step).

    Examples
    --------
    The Poincaré half-plane, ``G = I / y²``:

    >>> import autograd.numpy as anp
    >>> import infogeo as ig
    >>> H = ig.MetricManifold(lambda p: anp.eye(2) / p[1] ** 2, 2,
    ...                       bounds=[(None, None), (0, None)])
    >>> float(H.dist([0.0, 1.0], [0.0, 2.0]))  # log 2
    0.693147180559...
    """

    def __init__(self, metric: Callable, dim: int, bounds=None):
        if not callable(metric):
            raise TypeError(f"metric must be a callable p -> G(p), got {type(metric).__name__}")
        super().__init__(dim, bounds)
        self._metric_fn = metric
        self._vectorized: str | None = None
        probe = self._interior_point()
        G = np.asarray(metric(probe), dtype=float)
        if G.shape != (self.dim, self.dim):
            raise ValueError(
                f"metric(p) must return a ({self.dim}, {self.dim}) matrix for one point p, "
                f"got shape {G.shape}"
            )
        self._check_spd(G[None], probe[None])

    def _check_spd(self, G: np.ndarray, p: np.ndarray) -> None:
        if not np.all(np.isfinite(G)):
            i = int(np.argwhere(~np.all(np.isfinite(G), axis=(-1, -2)))[0][0])
            raise ValueError(f"metric(p) is not finite at p = {p[i]}: got {G[i]}")
        asym = np.max(np.abs(G - np.swapaxes(G, -1, -2)), axis=(-1, -2))
        scale = np.max(np.abs(G), axis=(-1, -2))
        bad = asym > 1e-10 * np.maximum(scale, 1e-300)
        if np.any(bad):
            i = int(np.argwhere(bad)[0][0])
            raise ValueError(f"metric(p) must be symmetric, but at p = {p[i]} it is {G[i]}")
        eig_min = np.linalg.eigvalsh(G)[..., 0]
        bad = eig_min <= 0
        if np.any(bad):
            i = int(np.argwhere(bad)[0][0])
            raise ValueError(
                f"metric(p) must be positive definite, but at p = {p[i]} its smallest "
                f"eigenvalue is {eig_min[i]:.3g}"
            )

    def _batched(self, flat):
        """Evaluate the user metric on ``(n, dim)`` points, autograd-traceable."""
        if self._vectorized is None:
            self._vectorized = self._detect_vectorization()
        if self._vectorized == "last":
            return self._metric_fn(flat)
        if self._vectorized == "first":
            return anp.transpose(self._metric_fn(anp.transpose(flat)), (2, 0, 1))
        return anp.stack([self._metric_fn(flat[i]) for i in range(flat.shape[0])])

    def _detect_vectorization(self) -> str | None:
        """Find whether the user metric also accepts a batch of points.

        Tries coordinates-last ``(n, dim) → (n, dim, dim)`` (numpy style, e.g.
        ``anp.eye(2) / p[..., 1, None, None] ** 2``), then coordinates-first
        ``(dim, n) → (dim, dim, n)``; either is used only if it reproduces the
        point-by-point values on sample points.
        """
        n = 3
        sample = self.random_point(n, rng=np.random.default_rng(1))
        ref = np.stack([np.asarray(self._metric_fn(x), dtype=float) for x in sample])
        for layout, arg, to_last in (
            ("last", sample, lambda G: G),
            ("first", sample.T, lambda G: np.transpose(G, (2, 0, 1))),
        ):
            try:
                with np.errstate(all="ignore"):
                    G = np.asarray(self._metric_fn(arg), dtype=float)
                if G.ndim == 3 and np.allclose(to_last(G), ref, rtol=1e-13, atol=0):
                    return layout
            except Exception:
                continue
        return None

    def metric(self, p):
        if not isinstance(p, anp.numpy_boxes.ArrayBox):
            p = self._points(p)
        batch = p.shape[:-1]
        flat = anp.reshape(p, (-1, self.dim))
        G = self._batched(flat)
        return anp.reshape(G, (*batch, self.dim, self.dim))

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
    evaluation. Elementwise one-point formulas such as ``anp.eye(2) / p[1] ** 2`` are
    also vectorized, by passing the coordinates as ``(dim, n, 1, 1)`` columns.
    Otherwise points are evaluated one at a time, which is much slower for large
    batches (numerical ``exp``/``log`` evaluate it at every ODE step).

    The geodesic solvers never form the Christoffel symbols (``dim³`` numbers per
    point) or their derivatives (``dim⁴``): they ask for
    :meth:`~RiemannianManifold.geodesic_jacobians` and
    :meth:`~RiemannianManifold.geodesic_acceleration`, computed by reverse-mode
    autograd on ``dim`` copies of the points in ``O(dim³)`` work and memory per point
    (see :mod:`infogeo.geometry.contractions`); a distance in dimension 10 takes a
    fraction of a second for a vectorizable metric.

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
        """Raise ``ValueError`` at the first point where ``G`` (``(n, dim, dim)``) is
        not finite, not symmetric or not positive definite."""
        if G.shape != (p.shape[0], self.dim, self.dim):
            raise ValueError(
                f"metric(p) must return a ({self.dim}, {self.dim}) matrix per point, got "
                f"shape {G.shape[1:]}"
            )
        finite = np.all(np.isfinite(G), axis=(-1, -2))
        if not np.all(finite):
            i = int(np.flatnonzero(~finite)[0])
            raise ValueError(f"metric(p) must be finite, but at p = {p[i]} it is {G[i].tolist()}")
        asym = np.max(np.abs(G - np.swapaxes(G, -1, -2)), axis=(-1, -2))
        scale = np.max(np.abs(G), axis=(-1, -2))
        bad = asym > 1e-10 * np.maximum(scale, 1e-300)
        if np.any(bad):
            i = int(np.flatnonzero(bad)[0])
            raise ValueError(
                f"metric(p) must be symmetric, but at p = {p[i]} it is {G[i].tolist()}"
            )
        try:
            np.linalg.cholesky(G)
            return
        except np.linalg.LinAlgError:
            pass
        eig_min = np.linalg.eigvalsh(G)[..., 0]
        i = int(np.argmin(eig_min))
        raise ValueError(
            f"metric(p) must be positive definite, but at p = {p[i]} its smallest "
            f"eigenvalue is {eig_min[i]:.3g} (metric {G[i].tolist()})"
        )

    def _batched(self, flat):
        """Evaluate the user metric on ``(n, dim)`` points, autograd-traceable."""
        if self._vectorized is None:
            self._vectorized = self._detect_vectorization()
        if self._vectorized == "last":
            return self._metric_fn(flat)
        if self._vectorized == "first":
            return anp.transpose(self._metric_fn(anp.transpose(flat)), (2, 0, 1))
        if self._vectorized == "first-column":
            return self._metric_fn(anp.transpose(flat)[:, :, None, None])
        return anp.stack([self._metric_fn(flat[i]) for i in range(flat.shape[0])])

    def _detect_vectorization(self) -> str | None:
        """Find whether the user metric also accepts a batch of points.

        Tries coordinates-last ``(n, dim) → (n, dim, dim)`` (numpy style, e.g.
        ``anp.eye(2) / p[..., 1, None, None] ** 2``), then coordinates-first
        ``(dim, n) → (dim, dim, n)`` (e.g. ``anp.array([[1, 0], [0, p[1]]])``), then
        coordinates-first with two trailing unit axes, ``(dim, n, 1, 1) → (n, dim,
        dim)``, which makes one-point formulas such as ``anp.eye(2) / p[1] ** 2``
        broadcast over the batch; a layout is used only if it reproduces the
        point-by-point values on sample points exactly (to 1e-13 relative).
        """
        n = 3
        sample = self.random_point(n, rng=np.random.default_rng(1))
        ref = np.stack([np.asarray(self._metric_fn(x), dtype=float) for x in sample])
        for layout, arg, to_last in (
            ("last", sample, lambda G: G),
            ("first", sample.T, lambda G: np.transpose(G, (2, 0, 1))),
            ("first-column", sample.T[:, :, None, None], lambda G: G),
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
        """The user metric at ``p``, broadcast over the batch, shape ``(..., dim, dim)``.

        On concrete (not autograd-traced) input the result is checked: finite,
        symmetric (to 1e-10 relative) and positive definite (a batched Cholesky
        factorization), with a ``ValueError`` naming the first bad point otherwise.
        """
        traced = isinstance(p, anp.numpy_boxes.ArrayBox)
        if not traced:
            p = self._points(p)
        batch = p.shape[:-1]
        flat = anp.reshape(p, (-1, self.dim))
        G = self._batched(flat)
        if not traced:
            G = np.asarray(G, dtype=float)
            self._check_spd(G, np.asarray(flat))
        return anp.reshape(G, (*batch, self.dim, self.dim))

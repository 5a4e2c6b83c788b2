"""Geodesic k-means and k-medoids of points on a Riemannian manifold."""

from __future__ import annotations

import numbers

import numpy as np

from ._kernels import dist_function
from ._points import check_points
from .frechet import frechet_mean
from .pairwise import pairwise_dist

__all__ = ["kmeans", "kmedoids"]

#: Fréchet-mean tolerance while the labels still change; the final centres are polished
#: to the default 1e-10.
_LOOSE_GTOL = 1e-6


def _check_k(k, n: int) -> int:
    if isinstance(k, bool) or not isinstance(k, numbers.Integral):
        raise TypeError(f"k must be an integer, got {k!r}")
    if not 1 <= k <= n:
        raise ValueError(f"k must be between 1 and the number of points ({n}), got {k}")
    return int(k)


def _check_max_iter(max_iter) -> int:
    if isinstance(max_iter, bool) or not isinstance(max_iter, numbers.Integral) or max_iter < 1:
        raise ValueError(f"max_iter must be an integer >= 1, got {max_iter!r}")
    return int(max_iter)


def _plus_plus(dist_to, n: int, k: int, rng) -> list[int]:
    """k-means++ seeding (Arthur & Vassilvitskii 2007): each new seed is drawn with
    probability ∝ D(x)², D the distance to the nearest seed so far. ``dist_to(i)`` gives
    the ``(n,)`` distances from point ``i``."""
    seeds = [int(rng.integers(n))]
    nearest = dist_to(seeds[0]) ** 2
    for _ in range(1, k):
        total = float(np.sum(nearest))
        if total <= 0:  # fewer distinct points than k: take unused indices
            seeds.append(int(next(i for i in range(n) if i not in seeds)))
        else:
            seeds.append(int(rng.choice(n, p=nearest / total)))
        nearest = np.minimum(nearest, dist_to(seeds[-1]) ** 2)
    return seeds


def kmeans(manifold, points, k: int, rng=None, *, max_iter: int = 100):
    """Geodesic k-means: clusters minimizing ``Σᵢ d²(pᵢ, c_{label(i)})``.

    k-means++ seeding with geodesic distances, then Lloyd iterations: every point joins
    its nearest centre (one batched ``dist`` of the ``n·k`` pairs) and every centre
    becomes its cluster's Fréchet mean (:func:`~infogeo.frechet_mean`, warm-started at
    the old centre). An empty cluster is re-seeded at the point farthest from its centre.
    Stops when no label changes; the final centres are Fréchet means to ``gtol = 1e-10``.

    Parameters
    ----------
    manifold
        A :class:`~infogeo.RiemannianManifold`.
    points
        ``(n, dim)`` points.
    k
        Number of clusters, ``1 ≤ k ≤ n``.
    rng
        Seed or ``numpy.random.Generator`` for the seeding.
    max_iter
        Lloyd iterations at most.

    Returns
    -------
    labels : ndarray of int, shape (n,)
    centres : ndarray, shape (k, dim)

    Raises
    ------
    ConvergenceError
        If a centre's Fréchet mean fails.
    """
    P = check_points(manifold, points)
    n = P.shape[0]
    k = _check_k(k, n)
    max_iter = _check_max_iter(max_iter)
    rng = np.random.default_rng(rng)
    dist = dist_function(manifold)

    def dist_to(i):
        return np.asarray(dist(np.broadcast_to(P[i], P.shape), P), dtype=float)

    centres = P[_plus_plus(dist_to, n, k, rng)].copy()
    labels = None
    for _ in range(max_iter):
        D = _to_centres(manifold, P, centres)
        new = np.argmin(D, axis=1)
        for c in range(k):  # re-seed empty clusters at the worst-served point
            if not np.any(new == c):
                far = int(np.argmax(D[np.arange(n), new]))
                new[far] = c
                centres[c] = P[far]
        if labels is not None and np.array_equal(new, labels):
            break
        labels = new
        centres = _centres(manifold, P, labels, centres, _LOOSE_GTOL)
    return labels, _centres(manifold, P, labels, centres, 1e-10)


def _to_centres(manifold, P, centres) -> np.ndarray:
    n, k = P.shape[0], centres.shape[0]
    a = np.repeat(P, k, axis=0)
    b = np.tile(centres, (n, 1))
    return np.asarray(dist_function(manifold)(a, b), dtype=float).reshape(n, k)


def _centres(manifold, P, labels, centres, gtol) -> np.ndarray:
    from ..exceptions import ConvergenceError

    out = centres.copy()
    for c in range(centres.shape[0]):
        members = P[labels == c]
        res = frechet_mean(manifold, members, x0=centres[c], gtol=gtol)
        if not res.success:
            raise ConvergenceError(
                f"the Fréchet mean of cluster {c} ({members.shape[0]} points) did not "
                f"converge: {res.message}",
                residual=res.grad_norm,
                tolerance=gtol,
            )
        out[c] = res.x
    return out


def kmedoids(
    manifold, points, k: int, rng=None, *, n_init: int = 10, max_iter: int = 100, n_jobs=None
):
    """Geodesic k-medoids: centres are data points minimizing ``Σᵢ d(pᵢ, m_{label(i)})``.

    Computes the distance matrix once (:func:`~infogeo.pairwise_dist`, ``n_jobs``
    processes), then, ``n_init`` times, seeds by k-means++ on it and alternates (Park &
    Jun 2009): assign every point to its nearest medoid; within each cluster, the new
    medoid is the member with the least total distance to the others; until the medoids
    repeat. The run with the least total distance is returned (restarts are cheap: the
    distances are not recomputed).

    Returns
    -------
    labels : ndarray of int, shape (n,)
    centres : ndarray, shape (k, dim)
        The medoids (rows of ``points``).
    """
    P = check_points(manifold, points)
    n = P.shape[0]
    k = _check_k(k, n)
    max_iter = _check_max_iter(max_iter)
    n_init = _check_max_iter(n_init)
    rng = np.random.default_rng(rng)
    D = pairwise_dist(manifold, P, n_jobs=n_jobs)
    best = None
    for _ in range(n_init):
        medoids = _alternate(D, np.array(_plus_plus(lambda i: D[i], n, k, rng)), max_iter)
        cost = float(np.sum(np.min(D[:, medoids], axis=1)))
        if best is None or cost < best[0]:
            best = (cost, medoids)
    medoids = best[1]
    labels = np.argmin(D[:, medoids], axis=1)
    labels[medoids] = np.arange(k)
    return labels, P[medoids].copy()


def _alternate(D: np.ndarray, medoids: np.ndarray, max_iter: int) -> np.ndarray:
    k = medoids.size
    for _ in range(max_iter):
        labels = np.argmin(D[:, medoids], axis=1)
        labels[medoids] = np.arange(k)
        new = medoids.copy()
        for c in range(k):
            members = np.flatnonzero(labels == c)
            new[c] = members[int(np.argmin(D[np.ix_(members, members)].sum(axis=1)))]
        if np.array_equal(new, medoids):
            break
        medoids = new
    return medoids

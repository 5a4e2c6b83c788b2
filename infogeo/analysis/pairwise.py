"""Distance matrices between sets of points on a manifold, batched over all pairs."""

from __future__ import annotations

import multiprocessing
import numbers
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from .._dask import is_dask_array, require_dask
from ._kernels import dist_function
from ._points import check_points

__all__ = ["pairwise_dist"]

#: pairs per batched ``dist`` call: large enough to amortize the numerical solvers'
#: per-call overhead, small enough to bound memory
CHUNK = 4096


def pairwise_dist(
    manifold,
    a,
    b=None,
    *,
    condensed: bool = False,
    n_jobs: int | None = None,
    chunk_size: int = CHUNK,
) -> np.ndarray:
    """Geodesic distances ``D[i, j] = d(aᵢ, bⱼ)`` (scipy ``cdist`` / ``pdist`` conventions).

    All pairs go through the manifold's batched ``dist`` in chunks of ``chunk_size``
    (closed forms where the manifold has them, e.g. the Normal family's hyperbolic
    distance; the certified numerical boundary-value solver otherwise).

    Parameters
    ----------
    manifold
        A :class:`~infogeo.RiemannianManifold`.
    a
        ``(n, dim)`` points.
    b
        ``(m, dim)`` points, or None for the distances within ``a``: then only the
        ``n(n−1)/2`` pairs ``i < j`` are computed, the matrix is symmetric with a zero
        diagonal, and ``condensed=True`` returns them as ``scipy.spatial.distance.pdist``
        does (row-major upper triangle, length ``n(n−1)/2``).
    condensed
        Return the condensed vector (only with ``b=None``).
    n_jobs
        Worker processes (``concurrent.futures``, fork where available); None or 1 runs
        in this process, ``-1`` uses every CPU. The manifold must be picklable when the
        platform cannot fork.
    chunk_size
        Pairs per batched ``dist`` call.

    Returns
    -------
    ndarray
        ``(n, m)`` (``(n, n)`` when ``b`` is None), or ``(n(n−1)/2,)`` when condensed.
        When ``a`` is a Dask array: a lazy ``dask.array`` ``(n, m)`` (or ``(n, n)``)
        with ``a``'s row chunks, each block of rows computed by this same function on
        the numpy rows (``b``, or all of ``a`` when ``b`` is None, is brought into
        memory once and sent to every task; with ``b`` None each task computes only
        its pairs ``i < j`` and the lower triangle is the transpose). Runs on the
        default Dask scheduler or an active ``dask.distributed`` client; ``n_jobs`` is
        then not used (Dask parallelizes) and ``condensed`` is not available.
    """
    if not isinstance(condensed, bool):
        raise TypeError(f"condensed must be True or False, got {condensed!r}")
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, numbers.Integral):
        raise TypeError(f"chunk_size must be an integer, got {chunk_size!r}")
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be >= 1, got {chunk_size}")
    if is_dask_array(a) or is_dask_array(b):
        if condensed:
            raise ValueError("condensed=True is not available for Dask arrays (use .compute())")
        return _dask_pairwise(manifold, a, b, int(chunk_size))
    A = check_points(manifold, a, "a")
    workers = _workers(n_jobs)
    if b is None:
        i, j = np.triu_indices(A.shape[0], 1)
        d = _distances(manifold, A[i], A[j], int(chunk_size), workers)
        if condensed:
            return d
        D = np.zeros((A.shape[0], A.shape[0]))
        D[i, j] = d
        D[j, i] = d
        return D
    if condensed:
        raise ValueError("condensed=True is only defined for the distances within one set (b=None)")
    B = check_points(manifold, b, "b")
    i, j = np.divmod(np.arange(A.shape[0] * B.shape[0]), B.shape[0])
    d = _distances(manifold, A[i], B[j], int(chunk_size), workers)
    return d.reshape(A.shape[0], B.shape[0])


def _workers(n_jobs) -> int:
    if n_jobs is None:
        return 1
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, numbers.Integral):
        raise TypeError(f"n_jobs must be an integer or None, got {n_jobs!r}")
    if n_jobs == -1:
        return max(1, multiprocessing.cpu_count())
    if n_jobs < 1:
        raise ValueError(f"n_jobs must be >= 1 or -1 (every CPU), got {n_jobs}")
    return int(n_jobs)


def _chunk_dist(args) -> np.ndarray:
    manifold, p, q = args
    return np.asarray(dist_function(manifold)(p, q), dtype=float)


def _distances(manifold, p: np.ndarray, q: np.ndarray, chunk: int, workers: int) -> np.ndarray:
    n = p.shape[0]
    if n == 0:
        return np.zeros(0)
    if workers > 1:  # one chunk per worker at least, so every worker has work
        chunk = max(1, min(chunk, -(-n // workers)))
    tasks = [(manifold, p[s : s + chunk], q[s : s + chunk]) for s in range(0, n, chunk)]
    if workers == 1 or len(tasks) == 1:
        parts = [_chunk_dist(t) for t in tasks]
    else:
        methods = multiprocessing.get_all_start_methods()
        ctx = multiprocessing.get_context("fork" if "fork" in methods else None)
        with ProcessPoolExecutor(max_workers=min(workers, len(tasks)), mp_context=ctx) as pool:
            parts = list(pool.map(_chunk_dist, tasks))
    out = np.concatenate(parts)
    if not np.all(np.isfinite(out)):
        k = int(np.argmax(~np.isfinite(out)))
        raise ValueError(
            f"the distance of pair {k} is not finite ({out[k]}): points {p[k]}, {q[k]}"
        )
    return out


def _dask_pairwise(manifold, a, b, chunk: int):
    """Row blocks of ``a`` (a Dask array) against ``b`` (or the upper triangle of ``a``)."""
    da = require_dask("pairwise_dist on Dask arrays")
    rows = da.asarray(a)
    if rows.ndim != 2:
        raise ValueError(f"a must have shape (n, {manifold.dim}), got {rows.shape}")
    rows = rows.rechunk({1: -1})
    if b is None:
        cols = check_points(manifold, np.asarray(rows.compute()), "a")
        starts = np.cumsum((0, *rows.chunks[0][:-1]))
        offsets = da.from_array(starts, chunks=1)
        upper = da.map_blocks(
            _upper_rows,
            rows,
            offsets[:, None],
            manifold=manifold,
            cols=cols,
            chunk=chunk,
            dtype=float,
            chunks=(rows.chunks[0], (cols.shape[0],)),
        )
        return upper + upper.T
    cols = check_points(manifold, np.asarray(b.compute() if is_dask_array(b) else b), "b")
    return rows.map_blocks(
        _block_rows,
        manifold=manifold,
        cols=cols,
        chunk=chunk,
        dtype=float,
        chunks=(rows.chunks[0], (cols.shape[0],)),
    )


def _block_rows(block, *, manifold, cols, chunk):
    return pairwise_dist(manifold, block, cols, chunk_size=chunk)


def _upper_rows(block, offset, *, manifold, cols, chunk):
    """Distances of rows ``offset + r`` of ``cols`` to the later rows ``j > offset + r``."""
    start = int(np.asarray(offset).ravel()[0])
    block = check_points(manifold, block, "a")
    r, j = np.nonzero(
        np.arange(cols.shape[0])[None, :] > start + np.arange(block.shape[0])[:, None]
    )
    out = np.zeros((block.shape[0], cols.shape[0]))
    out[r, j] = _distances(manifold, block[r], cols[j], chunk, 1)
    return out

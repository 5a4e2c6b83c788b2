"""Data sets read in row chunks: Dask arrays, memory maps, or any re-iterable of chunks.

A :class:`Chunks` object is where a chunked model (:class:`~infogeo.models.ChunkedModel`)
gets its data from. One *pass* applies a function to every chunk ``(X_c, y_c)`` and
returns the list of results; the model sums them (a map-reduce). The pass runs

* on Dask arrays: as one ``dask.compute`` of one task per row block, so the default
  local scheduler runs the chunks in parallel threads, and an active
  ``dask.distributed.Client`` runs them on its workers, next to the data;
* on numpy arrays or ``numpy.memmap`` files: slice by slice, ``chunk_size`` rows at
  a time (a memory map reads only the rows of the current slice);
* on a list of ``(X_c, y_c)`` pairs, or a function returning a fresh iterable of
  them (for data read from files or generated on the fly): one chunk at a time.

Only one chunk (per thread or worker) is in memory at once, whatever the data size.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator

import numpy as np

from .._dask import is_dask_array, require_dask
from .._validation import check_positive_int

__all__ = ["Chunks"]


class Chunks:
    """Rows of a data set ``(X, y)``, read chunk by chunk.

    Parameters
    ----------
    X
        A ``dask.array.Array`` ``(n, d)`` (its row blocks are the chunks); a numpy
        array or ``numpy.memmap`` ``(n, d)`` (read ``chunk_size`` rows at a time); a
        list or tuple of ``(X_c, y_c)`` pairs; or a function of no arguments
        returning a fresh iterable of ``(X_c, y_c)`` pairs at every call.
    y
        The targets ``(n,)`` when ``X`` is an array (a Dask array when ``X`` is one);
        ``None`` when ``X`` yields the pairs.
    chunk_size
        Rows per chunk for numpy / memory-mapped ``X`` (default 100,000).
    max_in_flight
        On Dask, how many chunks one ``dask.compute`` call runs at once (default
        ``2 ×`` the CPU count): a pass is computed in such groups, so that at most that
        many chunks are in memory however many the data have (one compute of every
        chunk lets the scheduler generate far more chunks than it has consumed).

    Attributes
    ----------
    passes : int
        How many passes over the data have been made (each call of :meth:`map`).

    Raises
    ------
    TypeError
        If ``X`` is a one-shot iterator or generator (an optimizer reads the data
        several times: pass a list, or a function that returns a new iterator), or
        an unsupported type.
    ValueError
        If ``X`` and ``y`` disagree in length, or ``y`` is missing or superfluous.
    """

    def __init__(self, X, y=None, *, chunk_size: int = 100_000, max_in_flight: int | None = None):
        self.passes = 0
        self._chunk_size = check_positive_int(chunk_size, "chunk_size")
        self._in_flight = (
            2 * (os.cpu_count() or 1)
            if max_in_flight is None
            else check_positive_int(max_in_flight, "max_in_flight")
        )
        if is_dask_array(X) or is_dask_array(y):
            self._init_dask(X, y)
        elif isinstance(X, np.ndarray):
            self._init_array(X, y)
        elif isinstance(X, Iterator):
            raise TypeError(
                "X is a one-shot iterator, but a model reads its data once per optimizer "
                "step: pass a list of (X_c, y_c) chunks, or a function returning a new "
                "iterable of them at every call"
            )
        elif callable(X) or isinstance(X, (list, tuple)):
            if y is not None:
                raise ValueError("y must be None when X yields (X_c, y_c) chunks")
            self.kind = "iterable"
            self._source = X
            self.n_samples = None
        else:
            raise TypeError(
                "X must be a dask array, a numpy array or memmap, a list of (X_c, y_c) "
                f"chunks or a function returning them, got {type(X).__name__}"
            )

    # ------------------------------------------------------------ set-up
    def _init_dask(self, X, y) -> None:
        require_dask("Chunks on a Dask array")
        if not (is_dask_array(X) and is_dask_array(y)):
            raise TypeError("X and y must both be Dask arrays (or both numpy arrays)")
        if X.ndim == 1:
            X = X[:, None]
        if X.ndim != 2 or y.ndim != 1:
            raise ValueError(f"X must be (n, d) and y (n,), got shapes {X.shape} and {y.shape}")
        if X.shape[0] != y.shape[0]:
            raise ValueError(f"X has {X.shape[0]} rows but y has {y.shape[0]} entries")
        X = X.rechunk({1: -1})
        y = y.rechunk((X.chunks[0],))
        self.kind = "dask"
        self._xblocks = X.to_delayed(optimize_graph=False).ravel()
        self._yblocks = y.to_delayed(optimize_graph=False).ravel()
        self.n_samples = int(X.shape[0])
        self.n_chunks = len(self._xblocks)
        self._held = None  # the first chunk, once read by first()

    def _init_array(self, X, y) -> None:
        if y is None:
            raise ValueError("y is required when X is an array")
        y = np.asarray(y)
        if X.ndim == 1:
            X = X[:, None]
        if X.ndim != 2 or y.ndim != 1:
            raise ValueError(f"X must be (n, d) and y (n,), got shapes {X.shape} and {y.shape}")
        if X.shape[0] != y.shape[0]:
            raise ValueError(f"X has {X.shape[0]} rows but y has {y.shape[0]} entries")
        self.kind = "array"
        self._X, self._y = X, y
        self.n_samples = int(X.shape[0])
        self.n_chunks = -(-self.n_samples // self._chunk_size)

    def __repr__(self) -> str:
        n = "?" if self.n_samples is None else self.n_samples
        return f"Chunks(kind={self.kind!r}, n={n})"

    # ------------------------------------------------------------ passes
    def _pairs(self) -> Iterable:
        if self.kind == "array":
            c = self._chunk_size
            for start in range(0, self.n_samples, c):
                yield self._X[start : start + c], self._y[start : start + c]
            return
        source = self._source() if callable(self._source) else self._source
        for i, pair in enumerate(source):
            try:
                Xc, yc = pair
            except (TypeError, ValueError) as exc:
                raise TypeError(f"chunk {i} must be a pair (X_c, y_c)") from exc
            yield Xc, yc

    def map(self, fn: Callable, *args) -> list:
        """One pass: ``[fn(X_c, y_c, *args) for every chunk]``.

        On Dask the chunks run as parallel tasks, ``max_in_flight`` per ``dask.compute``
        (on the active distributed client if there is one); ``fn`` and ``args`` must
        then be picklable (module-level functions, plain arrays).
        """
        self.passes += 1
        if self.kind == "dask":
            import dask

            blocks = list(zip(self._xblocks, self._yblocks))
            if self._held is not None:  # the first chunk is in memory already
                blocks[0], self._held = self._held, None
            tasks = [dask.delayed(fn, pure=True)(xb, yb, *args) for xb, yb in blocks]
            out = []
            for start in range(0, len(tasks), self._in_flight):
                out.extend(dask.compute(*tasks[start : start + self._in_flight]))
            return out
        results = [fn(np.asarray(Xc), np.asarray(yc), *args) for Xc, yc in self._pairs()]
        if not results:
            raise ValueError("the data source yielded no chunks")
        return results

    def first(self) -> tuple[np.ndarray, np.ndarray]:
        """The first chunk ``(X_0, y_0)`` as numpy arrays (not counted as a pass)."""
        if self.kind == "dask":
            import dask

            if self._held is None:
                X0, y0 = dask.compute(self._xblocks[0], self._yblocks[0])
                # kept until the next pass uses it, so that building a model on the
                # first chunk costs no extra read of it
                self._held = (np.asarray(X0), np.asarray(y0))
            return self._held
        for Xc, yc in self._pairs():
            return np.asarray(Xc), np.asarray(yc)
        raise ValueError("the data source yielded no chunks")

"""Predictive models on data read in chunks: natural gradient as a map-reduce.

For the GLMs of :mod:`infogeo.models.glm` every quantity natural-gradient descent
needs is a mean over the rows of the data,

    nll(w) = (1/n) Σᵢ ℓᵢ(w),   ∇nll(w) = (1/n) Σᵢ ∇ℓᵢ(w),   G(w) = (1/n) Σᵢ Jᵢᵀ F(ηᵢ) Jᵢ,

so over row chunks ``c`` of sizes ``n_c`` they are sums of per-chunk means weighted
by ``n_c / n``:  ``nll = Σ_c (n_c/n) nll_c`` and likewise for ``∇nll`` and ``G``
(an ``l2`` penalty, constant across chunks, comes out once since ``Σ n_c/n = 1``).
:class:`ChunkedModel` computes all three in **one pass** over the data at each new
point ``w`` (each chunk is read once and handed to the same in-memory model class
that fits data in memory, so the formulas are shared, not copied) and caches them.
A natural-gradient step therefore costs one pass: the pass at the trial point of
the line search also delivers the gradient and metric of the next iteration when
the step is accepted; a rejected trial costs one more.

The passes run wherever the data live (:class:`~infogeo.models.Chunks`): Dask row
blocks as parallel tasks (on a ``dask.distributed`` cluster when a client is
active), memory-mapped or in-memory arrays slice by slice, or a user's re-iterable
of chunks. Only ``O(d²)`` numbers per chunk travel back.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from ..geometry.linalg import solve_spd
from ..geometry.manifold import RiemannianManifold
from .chunks import Chunks

__all__ = ["ChunkedModel"]

#: How many points' pass results are kept (the iterate and a line-search trial).
_CACHE = 4


def _chunk_statistics(X, y, model_class, options, w):
    """One chunk's contribution: ``(n_c, n_c·nll_c, n_c·∇nll_c, n_c·G_c, separated)``."""
    model = model_class(X, y, **options)
    n = model.n_samples
    value = n * model.nll(w)
    grad = n * model.nll_grad(w)
    metric = n * model._metric_single(w)
    separates = getattr(model, "separates", None)
    return n, value, grad, metric, bool(separates(w)) if separates else False


class ChunkedModel(RiemannianManifold):
    """A GLM over weights ``w`` whose data are read in chunks (Dask, memmap, iterable).

    The same manifold as the in-memory model (same coordinates, metric, negative
    log-likelihood, gradient), so ``ig.NaturalGradientDescent(model)`` and
    ``ig.minimize(model.nll, w0, model)`` run on it unchanged; each new ``w`` costs
    one pass over the data, which computes ``nll``, ``∇nll`` and the dense metric
    ``G`` together (see the module docstring).

    Parameters
    ----------
    model_class
        The in-memory model, e.g. :class:`~infogeo.models.LogisticRegression`, built
        on each chunk as ``model_class(X_c, y_c, **options)``.
    data
        A :class:`~infogeo.models.Chunks` source.
    **options
        The model's options (``intercept``, ``l2``, ``sigma``, ``n_classes`` ...),
        the same as in memory. ``check_separation`` is evaluated on the whole data
        (all chunks separated), not per chunk.

    Attributes
    ----------
    data : Chunks
        The source; ``data.passes`` counts the passes made so far.
    """

    def __init__(self, model_class, data: Chunks, **options):
        if not isinstance(data, Chunks):
            raise TypeError(f"data must be an infogeo.models.Chunks, got {type(data).__name__}")
        self.model_class = model_class
        self.data = data
        self.check_separation = bool(options.pop("check_separation", True))
        self._options = dict(options)
        if "check_separation" in _init_parameters(model_class):
            self._options["check_separation"] = False  # judged on all chunks instead
        X0, y0 = data.first()
        probe = model_class(X0, y0, **self._options)
        super().__init__(probe.dim)
        self.bounds = probe.bounds
        self.l2 = getattr(probe, "l2", 0.0)
        self._names = probe.coordinate_names
        self._w0 = np.asarray(probe.initial_point(), dtype=float)
        self._cache: dict[bytes, tuple] = {}

    def __repr__(self) -> str:
        return f"ChunkedModel({self.model_class.__name__}, {self.data!r}, dim={self.dim})"

    @property
    def coordinate_names(self) -> tuple[str, ...]:
        return self._names

    @property
    def n_samples(self) -> int:
        """Number of rows ``n`` (known after the first pass for an iterable source)."""
        if self.data.n_samples is None:
            self._statistics(self._w0)
        return int(self.data.n_samples)

    def initial_point(self) -> np.ndarray:
        """The in-memory model's start on the first chunk (e.g. ``log ȳ`` for a Poisson
        intercept), read once when the model is built (not counted as a pass)."""
        return self._w0.copy()

    # ------------------------------------------------------------ one pass
    def _statistics(self, w) -> tuple[float, np.ndarray, np.ndarray, bool]:
        """``(nll, ∇nll, G, separated)`` at ``w`` from one pass (cached per point)."""
        w = np.ascontiguousarray(w, dtype=float)
        key = w.tobytes()
        if key not in self._cache:
            parts = self.data.map(_chunk_statistics, self.model_class, self._options, w)
            n = sum(p[0] for p in parts)
            if self.data.n_samples is None:
                self.data.n_samples = n
            value = sum(p[1] for p in parts) / n
            grad = sum(p[2] for p in parts) / n
            metric = sum(p[3] for p in parts) / n
            separated = all(p[4] for p in parts)
            if len(self._cache) >= _CACHE:
                self._cache.pop(next(iter(self._cache)))
            self._cache[key] = (float(value), grad, 0.5 * (metric + metric.T), separated)
        return self._cache[key]

    def _weights(self, w, name: str = "w") -> np.ndarray:
        w = self._points(w, name)
        if w.ndim != 1:
            raise ValueError(
                f"{name} must be one weight vector of shape ({self.dim},), got {w.shape}"
            )
        return w

    def nll(self, w) -> float:
        """Mean negative log-likelihood over all rows (one pass, shared with the
        gradient and metric at the same ``w``)."""
        return self._statistics(self._weights(w))[0]

    def nll_grad(self, w) -> np.ndarray:
        """Euclidean gradient of :meth:`nll` (from the same pass)."""
        return self._statistics(self._weights(w))[1].copy()

    def metric(self, w) -> np.ndarray:
        """Pull-back Fisher metric ``G(w)``, ``(..., dim, dim)`` (one pass per point)."""
        w = self._points(w, "w")
        flat = w.reshape(-1, self.dim)
        out = np.stack([self._statistics(x)[2] for x in flat])
        return out.reshape(*w.shape[:-1], self.dim, self.dim)

    def fisher_vector_product(self, w, v) -> np.ndarray:
        """``G(w) v`` (``v`` of shape ``(dim,)`` or ``(m, dim)``) from the pass's metric."""
        G = self._statistics(self._weights(w))[2]
        return self._vectors(v, "v") @ G

    def separates(self, w) -> bool:
        """Whether ``w`` separates the classes on every chunk (logistic / softmax)."""
        return self._statistics(self._weights(w))[3]

    def riemannian_gradient(self, w, egrad, damping: float = 0.0, solver=None) -> np.ndarray:
        """Natural gradient ``(G(w) + λI)⁻¹ ∇f`` by a Cholesky solve of the ``d × d``
        metric of the current pass.

        Raises
        ------
        ConvergenceError
            When undamped, unpenalized weights separate the classes (the likelihood
            has no finite maximizer), as for the in-memory models.
        ValueError
            If the metric is not positive definite (weights not identifiable).
        """
        from .glm import _refuse_separated

        w = self._points(w, "w")
        egrad = self._vectors(egrad, "egrad")
        if not np.isfinite(damping) or damping < 0:
            raise ValueError(f"damping must be a finite number >= 0, got {damping}")
        if solver not in (None, "dense"):
            raise ValueError(f"a chunked model solves with its dense metric, got solver={solver!r}")
        w, egrad = np.broadcast_arrays(w, egrad)
        if w.ndim > 1:
            rows = zip(w.reshape(-1, self.dim), egrad.reshape(-1, self.dim))
            out = [self.riemannian_gradient(a, b, damping) for a, b in rows]
            return np.stack(out).reshape(w.shape)
        if hasattr(self.model_class, "separates"):
            _refuse_separated(self, w, egrad, damping)
        G = self._statistics(w)[2]
        if damping:
            G = G + damping * np.eye(self.dim)
        return solve_spd(G, egrad, name=f"pull-back Fisher metric of {self!r}")


def _init_parameters(cls) -> set[str]:
    import inspect

    names = set()
    for klass in cls.__mro__:
        init = klass.__dict__.get("__init__")
        if init is not None:
            names |= set(inspect.signature(init).parameters)
    return names


def is_chunked(X, y, options: dict) -> bool:
    """Whether ``(X, y, options)`` describe chunked data: a :class:`Chunks`, a Dask
    array, ``chunk_size=`` in ``options``, or a list / function of chunks with ``y``
    None."""
    from .._dask import is_dask_array

    return (
        isinstance(X, Chunks)
        or is_dask_array(X)
        or is_dask_array(y)
        or options.get("chunk_size") is not None
        or (y is None and (callable(X) or isinstance(X, (list, tuple, Iterator))))
    )


def chunked_model(model_class, X, y, options: dict):
    """A :class:`ChunkedModel` when ``X`` is chunked data (see :func:`is_chunked`),
    else ``None``. Consumes ``chunk_size`` from ``options``."""
    if not is_chunked(X, y, options):
        options.pop("chunk_size", None)
        return None
    chunk_size = options.pop("chunk_size", None)
    if isinstance(X, Chunks):
        if y is not None:
            raise ValueError("y must be None when X is a Chunks source (it holds the targets)")
        data = X
    elif y is None and not isinstance(X, np.ndarray) and not _is_dask(X):
        data = Chunks(X)
    else:
        data = Chunks(X, y, **({} if chunk_size is None else {"chunk_size": chunk_size}))
    return ChunkedModel(model_class, data, **options)


def _is_dask(x) -> bool:
    from .._dask import is_dask_array

    return is_dask_array(x)

"""Optional Dask support: detect Dask collections and map batched kernels over chunks.

Dask is an optional extra (``pip install 'infogeo[dask]'``). Nothing here imports it
until a Dask array is actually passed in, so the in-memory paths never pay for it.

The batched geometry of infogeo (``dist``, ``log``, ``exp``, ``kl``, ``inner``,
``norm``, ``retract``) is pointwise over the leading axes: row ``i`` of the output
depends on row ``i`` of the inputs only. A Dask array of points is therefore handled
by running the existing numpy kernel on each chunk (:func:`map_pointwise`, a
``dask.array.blockwise`` with the coordinate axis kept whole); the result is a lazy
Dask array, computed by the default scheduler or by a ``dask.distributed`` client.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

__all__ = ["dask_aware", "is_dask_array", "map_pointwise", "require_dask"]

_LEAD = "abcdefghijklmnopqrstuvwxy"  # batch-axis labels for blockwise ("z" = coordinates)


def is_dask_array(x) -> bool:
    """Whether ``x`` is a ``dask.array.Array`` (checked without importing Dask)."""
    return type(x).__module__.split(".", 1)[0] == "dask" and hasattr(x, "__dask_graph__")


def require_dask(feature: str):
    """Import and return ``dask.array``, or raise ``ImportError`` naming the extra."""
    try:
        import dask.array as da
    except ImportError as exc:  # pragma: no cover - exercised only without the extra
        raise ImportError(
            f"{feature} needs Dask, an optional dependency: pip install 'infogeo[dask]'"
        ) from exc
    return da


def map_pointwise(kernel: Callable, arrays, *, out_dims: int):
    """Apply a batched numpy ``kernel(*arrays)`` chunk by chunk over Dask arrays.

    Parameters
    ----------
    kernel
        A numpy function of arrays shaped ``(..., k)`` (coordinates last) that
        broadcasts over the leading axes and returns ``(...)`` (``out_dims = 0``) or
        ``(..., k_out)`` (``out_dims = 1``).
    arrays
        Its arguments: Dask arrays or numpy arrays (a numpy argument, e.g. one fixed
        point, is broadcast to every chunk). Each must have the coordinates on its
        last axis; that axis is rechunked to one piece.
    out_dims
        Trailing axes of one output row: 0 for scalars (distances, divergences), 1
        for points and vectors.

    Returns
    -------
    dask.array.Array
        Lazy result with the chunks of the batch axes of the inputs.
    """
    da = require_dask("a Dask array argument")
    arrays = [da.asarray(a) for a in arrays]
    for a in arrays:
        if a.ndim == 0:
            raise ValueError("points and vectors need a coordinate axis, got a 0-d array")
    lead = max(a.ndim for a in arrays) - 1
    if lead > len(_LEAD):
        raise ValueError(f"at most {len(_LEAD)} batch axes are supported, got {lead}")
    labels = _LEAD[:lead]
    args = []
    for a in arrays:
        a = a.rechunk({a.ndim - 1: -1})
        args += [a, labels[lead - (a.ndim - 1) :] + "z"]
    out_index = labels + ("z" if out_dims else "")
    out = da.blockwise(kernel, out_index, *args, dtype=float, concatenate=True)
    return out


def dask_aware(method: Callable, *, out_dims: int) -> Callable:
    """Wrap a batched manifold method so that Dask array arguments are mapped over
    chunks by :func:`map_pointwise`; numpy arguments go straight to ``method``.

    Keyword arguments are passed through unchanged to every chunk's call.
    """
    if getattr(method, "_dask_aware", False):
        return method

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        if not any(is_dask_array(a) for a in args):
            return method(self, *args, **kwargs)
        kernel = functools.partial(_call, method, self, kwargs)
        return map_pointwise(kernel, args, out_dims=out_dims)

    wrapper._dask_aware = True
    return wrapper


def _call(method, manifold, kwargs, *arrays):
    return method(manifold, *arrays, **kwargs)

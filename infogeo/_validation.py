"""Input checks shared by the whole package.

Every public function that takes points, tangent vectors or data passes them through
these helpers, so that bad input fails early with a message naming the argument and
what was expected.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

_FLOAT64 = np.dtype(np.float64)

__all__ = [
    "as_float_array",
    "as_points",
    "as_vectors",
    "check_class_labels",
    "check_observations",
    "check_positive",
    "check_positive_int",
]


def as_float_array(x, name: str, *, allow_nonfinite: bool = False) -> np.ndarray:
    """Convert ``x`` to a float64 array, rejecting non-numeric input and NaN/inf.

    Raises
    ------
    TypeError
        If ``x`` cannot be read as an array of real numbers.
    ValueError
        If ``x`` holds NaN or infinite entries (unless ``allow_nonfinite``).
    """
    if type(x) is np.ndarray and x.dtype == _FLOAT64:  # the common case: no conversion
        arr = x
    else:
        arr = _as_real_array(x, name)
    if not allow_nonfinite and not np.isfinite(arr).all():
        bad = np.argwhere(~np.isfinite(arr))[0]
        where = tuple(int(i) for i in bad)
        raise ValueError(
            f"{name} must be finite, but {name}[{', '.join(map(str, where))}] = "
            f"{arr[where] if arr.ndim else arr}"
        )
    return arr


def _as_real_array(x, name: str) -> np.ndarray:
    """``x`` as a float64 array, or ``TypeError`` for strings, objects and complex."""
    if isinstance(x, (str, bytes)):
        raise TypeError(f"{name} must be an array of real numbers, got a string {x!r}")
    try:
        arr = np.asarray(x)
    except Exception as exc:  # ragged lists and the like
        raise TypeError(f"{name} must be an array of real numbers: {exc}") from exc
    if arr.dtype == object or not (
        np.issubdtype(arr.dtype, np.number) or np.issubdtype(arr.dtype, np.bool_)
    ):
        raise TypeError(f"{name} must be an array of real numbers, got dtype {arr.dtype}")
    if np.iscomplexobj(arr):
        raise TypeError(f"{name} must be real, got complex dtype {arr.dtype}")
    return arr.astype(np.float64, copy=False)


def as_points(p, dim: int, name: str = "p") -> np.ndarray:
    """Validate an array of points with coordinates on the last axis.

    Returns a float array of shape ``(..., dim)``; raises ``ValueError`` naming
    ``name`` when the last axis is not ``dim`` long or an entry is NaN/inf.
    """
    arr = as_float_array(p, name)
    if arr.ndim == 0 or arr.shape[-1] != dim:
        raise ValueError(
            f"{name} must have shape (..., {dim}) with the {dim} coordinates on the last "
            f"axis, got shape {arr.shape}"
        )
    return arr


def as_vectors(v, dim: int, name: str = "v") -> np.ndarray:
    """Validate tangent vectors: same rules as :func:`as_points`."""
    return as_points(v, dim, name)


def check_positive(value, name: str, *, allow_none: bool = False) -> float | None:
    """Return ``value`` as a float after checking it is a finite number > 0."""
    if value is None and allow_none:
        return None
    # float and int (not bool) first: the numbers.Real check is an ABC look-up
    if type(value) is not float and type(value) is not int:
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise TypeError(f"{name} must be a positive real number, got {value!r}")
    value = float(value)
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a finite number > 0, got {value}")
    return value


def check_positive_int(value, name: str, *, minimum: int = 1) -> int:
    """Return ``value`` as an int after checking it is an integer ≥ ``minimum``."""
    if type(value) is not int and (
        isinstance(value, bool) or not isinstance(value, numbers.Integral)
    ):
        raise TypeError(f"{name} must be an integer, got {value!r}")
    value = int(value)
    if value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value}")
    return value


def check_class_labels(y: np.ndarray, n_classes: int, name: str = "y") -> None:
    """Raise ``ValueError`` unless every entry of ``y`` is an integer in
    ``{0, …, n_classes − 1}`` (the support of a categorical response)."""
    bad = (y < 0) | (y >= n_classes) | (y != np.round(y))
    if np.any(bad):
        i = int(np.argmax(bad))
        raise ValueError(
            f"{name} must hold integer class labels in {{0, ..., {n_classes - 1}}}, "
            f"got {name}[{i}] = {y[i]:g}"
        )


def check_observations(family, data, name: str = "data") -> np.ndarray:
    """Validate ``data`` as observations of ``family``: shape ``(n, *event_shape)``.

    One observation without the leading axis (a scalar, or one vector of shape
    ``event_shape``) is accepted as ``n = 1``. Values are checked against the support by
    ``family.check_data``.

    Raises
    ------
    ValueError
        Naming ``name``, its shape and the shape expected (data with extra axes is not
        flattened silently), or an entry outside the support.
    """
    arr = family.check_data(data, name)
    event = tuple(getattr(family, "event_shape", ()))
    if arr.ndim == len(event):
        arr = arr[None]
    if arr.ndim != len(event) + 1:
        expected = f"(n, {', '.join(map(str, event))})" if event else "(n,)"
        hint = " (pass data.ravel() to pool all entries as observations)" if not event else ""
        raise ValueError(
            f"{name} must have shape {expected}, one observation of {family!r} per row, "
            f"got shape {arr.shape}{hint}"
        )
    if arr.shape[0] == 0:
        raise ValueError(f"{name} must hold at least one observation, got none")
    return arr

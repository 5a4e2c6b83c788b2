"""Input checks shared by the statistics-on-manifolds functions: a set of points on a
manifold, their weights, and the options of the iterative solvers."""

from __future__ import annotations

import numpy as np

from .._validation import as_float_array

__all__ = ["check_points", "check_tolerance", "check_weights", "starting_point"]


def check_points(manifold, points, name: str = "points", *, min_count: int = 1) -> np.ndarray:
    """``points`` as an ``(n, dim)`` float array of points of ``manifold``.

    Raises
    ------
    TypeError
        If ``manifold`` lacks the manifold interface (``dim``, ``log``, ``exp``).
    ValueError
        If the array is not ``(n, dim)`` with ``n ≥ min_count``, or a point is off the
        manifold (the message names the point, from ``manifold.check_point``).
    """
    for attr in ("dim", "log", "exp", "check_point"):
        if not hasattr(manifold, attr):
            raise TypeError(
                f"manifold must be a Riemannian manifold (with dim, log, exp, check_point), "
                f"got {type(manifold).__name__} without {attr}"
            )
    arr = as_float_array(points, name)
    dim = manifold.dim
    if arr.ndim == 1 and dim == 1:
        arr = arr[:, None]
    if arr.ndim != 2 or arr.shape[1] != dim:
        raise ValueError(
            f"{name} must be an array of shape (n, {dim}) (one point of {manifold!r} per "
            f"row), got shape {arr.shape}"
        )
    if arr.shape[0] < min_count:
        raise ValueError(f"{name} must hold at least {min_count} point(s), got {arr.shape[0]}")
    manifold.check_point(arr, name)
    return arr


def check_weights(weights, n: int, name: str = "weights") -> np.ndarray:
    """Weights normalized to sum 1: ``None`` → uniform; else ``n`` finite numbers ≥ 0
    with a positive sum.

    Raises
    ------
    ValueError
        On a wrong length, a negative entry or a zero sum.
    """
    if weights is None:
        return np.full(n, 1.0 / n)
    w = as_float_array(weights, name)
    if w.shape != (n,):
        raise ValueError(f"{name} must have shape ({n},), one per point, got shape {w.shape}")
    if np.any(w < 0):
        i = int(np.argmax(w < 0))
        raise ValueError(f"{name} must be >= 0, got {name}[{i}] = {w[i]:g}")
    total = float(np.sum(w))
    if not total > 0:
        raise ValueError(f"{name} must have a positive sum, got {total:g}")
    return w / total


def check_tolerance(value, name: str) -> float:
    """A finite tolerance ``> 0``."""
    if isinstance(value, bool) or not np.isscalar(value):
        raise TypeError(f"{name} must be a positive number, got {value!r}")
    value = float(value)
    if not (np.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a finite number > 0, got {value}")
    return value


def starting_point(manifold, points: np.ndarray, weights: np.ndarray, x0=None) -> np.ndarray:
    """A start for the iterative means: ``x0`` when given (checked), else the weighted
    coordinate mean when it lies on the manifold (convex domains: boxes, the simplex, SPD
    entries), else the data point closest to it in coordinates."""
    if x0 is not None:
        x0 = as_float_array(x0, "x0")
        if x0.shape != (manifold.dim,):
            raise ValueError(f"x0 must have shape ({manifold.dim},), got {x0.shape}")
        return manifold.check_point(x0, "x0")
    mean = weights @ points
    belongs = getattr(manifold, "belongs", None)
    if belongs is not None and bool(np.all(belongs(mean))):
        return mean
    return points[int(np.argmin(np.sum((points - mean) ** 2, axis=-1)))].copy()

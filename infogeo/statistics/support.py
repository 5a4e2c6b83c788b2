"""Supports of distributions: validating observations against them.

One function, :func:`check_data`, serves every closed-form family and
:class:`~infogeo.statistics.parametric.ParametricFamily`, so that data outside the
support fails with the same kind of message everywhere: the argument, the offending
entry, and the support that was expected.
"""

from __future__ import annotations

import numbers

import numpy as np

from .._validation import as_float_array

__all__ = ["check_data", "describe_support", "normalize_support"]

_NAMED = {
    "real": ("interval", -np.inf, np.inf),
    "positive": ("interval", 0.0, np.inf),
    "unit": ("interval", 0.0, 1.0),
}


def normalize_support(support):
    """Return a support in canonical form.

    Canonical forms: ``("interval", a, b)`` (the open interval, ``a`` or ``b`` may be
    infinite), ``("integers", low, high)`` (``high`` may be ``None`` for unbounded),
    ``("finite", values)`` (a sorted 1-d float array), ``("sampled", n)``,
    ``("simplex", k)`` (positive k-vectors summing to 1), ``("vector", d)`` (real
    d-vectors).

    Raises
    ------
    ValueError, TypeError
        If ``support`` is none of the kinds above.
    """
    if isinstance(support, str):
        if support in _NAMED:
            return _NAMED[support]
        raise ValueError(
            f"support must be 'real', 'positive', 'unit' or a tuple such as "
            f"('interval', a, b), ('integers', low, high), ('finite', values), "
            f"('sampled', n); got {support!r}"
        )
    if not isinstance(support, tuple) or not support or not isinstance(support[0], str):
        raise TypeError(f"support must be a string or a tuple (kind, ...), got {support!r}")
    kind = support[0]
    if kind == "interval":
        if len(support) != 3:
            raise ValueError(f"('interval', a, b) takes two bounds, got {support!r}")
        a = -np.inf if support[1] is None else float(support[1])
        b = np.inf if support[2] is None else float(support[2])
        if np.isnan(a) or np.isnan(b) or not a < b:
            raise ValueError(f"support ('interval', a, b) needs a < b, got ({a}, {b})")
        return ("interval", a, b)
    if kind == "integers":
        if len(support) != 3:
            raise ValueError(f"('integers', low, high) takes two bounds, got {support!r}")
        low, high = support[1], support[2]
        if isinstance(low, bool) or not isinstance(low, numbers.Integral):
            raise TypeError(f"support ('integers', low, high): low must be an integer, got {low!r}")
        if high is not None:
            if isinstance(high, bool) or not isinstance(high, numbers.Integral):
                raise TypeError(
                    f"support ('integers', low, high): high must be an integer or None, "
                    f"got {high!r}"
                )
            if high < low:
                raise ValueError(f"support (integers, low, high) needs low <= high, got {support}")
            high = int(high)
        return ("integers", int(low), high)
    if kind == "finite":
        if len(support) != 2:
            raise ValueError(f"('finite', values) takes one array of values, got {support!r}")
        values = as_float_array(support[1], "support values")
        if values.ndim != 1 or values.size == 0:
            raise ValueError("('finite', values) needs a non-empty 1-d array of values")
        values = np.unique(values)
        return ("finite", values)
    if kind in ("sampled", "simplex", "vector"):
        if len(support) != 2:
            raise ValueError(f"({kind!r}, n) takes one integer, got {support!r}")
        n = support[1]
        if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 1:
            raise ValueError(f"({kind!r}, n) needs an integer n >= 1, got {n!r}")
        return (kind, int(n))
    raise ValueError(f"unknown support kind {kind!r}")


def describe_support(support) -> str:
    """A phrase such as ``"x > 0"`` or ``"an integer in {0, …, 5}"``."""
    kind = support[0]
    if kind == "interval":
        a, b = support[1], support[2]
        if np.isinf(a) and np.isinf(b):
            return "a real number"
        if np.isinf(b):
            return f"x > {a:g}"
        if np.isinf(a):
            return f"x < {b:g}"
        return f"{a:g} < x < {b:g}"
    if kind == "integers":
        low, high = support[1], support[2]
        if high is None:
            return f"an integer >= {low}"
        return f"an integer in {{{low}, …, {high}}}"
    if kind == "finite":
        return f"one of {np.array2string(support[1], threshold=8)}"
    if kind == "simplex":
        return f"a vector of {support[1]} positive entries summing to 1"
    if kind == "vector":
        return f"a real vector of length {support[1]}"
    return "a sample of the family"


def check_data(x, support, name: str = "x", *, closed: bool = False) -> np.ndarray:
    """Validate observations against a support; return them as a float array.

    Parameters
    ----------
    x
        Observations: shape ``(...)`` for scalar supports, ``(..., k)`` for
        ``("simplex", k)`` and ``("vector", d)``.
    support
        A support in canonical form (see :func:`normalize_support`).
    name
        Name of the argument, used in messages.
    closed
        For intervals, accept the end points (e.g. the Exponential at ``x = 0``).

    Raises
    ------
    ValueError
        Naming ``name``, the first offending entry and the support expected.
    """
    arr = as_float_array(x, name)
    kind = support[0]
    bad = None
    if kind == "interval":
        a, b = support[1], support[2]
        if arr.size and _inside_interval(arr, a, b, closed):
            return arr  # two reductions; the boolean arrays only to name an offender
        if closed:
            bad = (arr < a) | (arr > b)
        else:
            bad = (arr <= a) | (arr >= b)
    elif kind == "integers":
        low, high = support[1], support[2]
        bad = (arr != np.round(arr)) | (arr < low)
        if high is not None:
            bad |= arr > high
    elif kind == "finite":
        values = support[1]
        pos = np.clip(np.searchsorted(values, arr), 0, values.size - 1)
        bad = values[pos] != arr
    elif kind in ("simplex", "vector"):
        k = support[1]
        if arr.ndim == 0 or arr.shape[-1] != k:
            raise ValueError(
                f"{name} must have shape (..., {k}) with one observation per row, got shape "
                f"{arr.shape}"
            )
        if kind == "simplex":
            total = np.sum(arr, axis=-1)
            bad_sum = np.abs(total - 1.0) > 1e-9 * k
            if np.any(bad_sum):
                idx = tuple(int(i) for i in np.argwhere(bad_sum)[0]) if bad_sum.ndim else ()
                raise ValueError(
                    f"{name}{list(idx) if idx else ''} is outside the support: expected "
                    f"{describe_support(support)}, but its entries sum to "
                    f"{float(total[idx]):.12g}"
                )
            bad = arr <= 0
    if bad is not None and np.any(bad):
        idx = tuple(int(i) for i in np.argwhere(bad)[0]) if np.ndim(bad) else ()
        value = arr[idx] if idx else arr
        where = f"{name}[{', '.join(map(str, idx))}]" if idx else name
        raise ValueError(
            f"{where} = {float(value):g} is outside the support: expected "
            f"{describe_support(support)}"
        )
    return arr


def _inside_interval(arr: np.ndarray, a: float, b: float, closed: bool) -> bool:
    """Whether every (finite) entry lies in the interval, by a min and a max."""
    if np.isfinite(a):
        low = arr.min()
        if not (low >= a if closed else low > a):
            return False
    if np.isfinite(b):
        high = arr.max()
        if not (high <= b if closed else high < b):
            return False
    return True

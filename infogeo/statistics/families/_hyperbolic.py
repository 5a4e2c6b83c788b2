"""Closed-form geodesics of the Poincaré half-plane ``(dx² + dy²) / y²``.

Used by the Normal family, whose Fisher metric ``(dμ² + 2dσ²)/σ²`` is twice the
half-plane metric in ``(x, y) = (μ/√2, σ)``.

Everything is written to stay finite over the whole float64 range (points at
``y = 1e-300`` or ``1e300``, ``|x|`` up to ``1e308``): with
``h = ½ √((x₂ − x₁)² + (y₂ − y₁)²)`` (a ``hypot`` of halves, so nothing squares)
and ``r = h / (√y₁ √y₂) = sinh(d/2)``, the distance is ``d = 2 arsinh r`` (or
``2(log 2r)`` in logs when ``r`` overflows), and the unit direction of ``log`` uses
only ratios bounded by a few units. An answer that float64 cannot hold (an
``exp`` whose end point has ``y`` beyond 1e308 or below the smallest float)
raises :class:`OverflowError` naming the scale.
"""

from __future__ import annotations

import numpy as np

__all__ = ["halfplane_dist", "halfplane_exp", "halfplane_log"]

_LN2 = np.log(2.0)
#: Above this ``d`` the exponential map is evaluated in logarithms.
_LOG_FORM = 20.0


def _half_gap(x1, y1, x2, y2):
    """``h = ½‖(x₂ − x₁, y₂ − y₁)‖`` and the halves ``(x₂ − x₁)/2``, ``(y₂ − y₁)/2``,
    without overflow."""
    dx = 0.5 * x2 - 0.5 * x1
    dy = 0.5 * y2 - 0.5 * y1
    with np.errstate(over="ignore", under="ignore"):
        s = dx * dx + dy * dy  # 3× faster than hypot; hypot where squares over/underflow
        h = np.sqrt(s)
        odd = ~((s > 1e-290) & (s < 1e290))
        if np.any(odd):
            h = np.where(odd, np.hypot(dx, dy), h)
    return h, dx, dy


def _sinh_half(h, y1, y2):
    """``r = sinh(d/2) = h / (√y₁ √y₂)`` (``inf`` where it overflows)."""
    with np.errstate(over="ignore"):
        return h / np.sqrt(y1) / np.sqrt(y2)


def _dist_from(h, r, y1, y2):
    """``2 arsinh r``, and ``2(log 2 + log h − ½ log y₁ − ½ log y₂)`` (in logarithms)
    where ``r`` is beyond 1e150 or not finite (computed only there)."""
    ok = r < 1e150  # False for inf and NaN
    d = 2.0 * np.arcsinh(np.where(ok, r, 0.0))
    if np.all(ok):
        return d
    d, h, y1, y2, ok = np.broadcast_arrays(d, h, y1, y2, ok)
    d, far = d.copy(), ~ok
    with np.errstate(divide="ignore"):
        d[far] = 2.0 * (_LN2 + np.log(h[far]) - 0.5 * np.log(y1[far]) - 0.5 * np.log(y2[far]))
    return d


def halfplane_dist(x1, y1, x2, y2):
    """``d = 2 arsinh(h / √(y₁y₂))`` with ``h = ½‖(x₂ − x₁, y₂ − y₁)‖``
    (= ``arcosh(1 + ((x₁−x₂)² + (y₁−y₂)²)/(2y₁y₂))``, without cancellation for nearby
    points and without overflow for far ones)."""
    x1, y1, x2, y2 = (np.asarray(z, dtype=float) for z in (x1, y1, x2, y2))
    with np.errstate(all="ignore"):
        dx, dy = x2 - x1, y2 - y1
        s = dx * dx + dy * dy
        q = 4.0 * y1 * y2
        r2 = s / q  # sinh²(d/2), exact to rounding where nothing over/underflows
        # reductions first (NaN fails them): the elementwise mask only when one fails
        if (
            q.min() > 1e-280
            and q.max() < 1e280
            and r2.max() < 1e280
            and (r2.min() > 1e-280 or not np.any((r2 <= 1e-280) & (s != 0.0)))
        ):
            return 2.0 * np.arcsinh(np.sqrt(r2))
        fast = (q > 1e-280) & (q < 1e280) & (r2 < 1e280) & ((r2 > 1e-280) | (s == 0.0))
    h, _, _ = _half_gap(x1, y1, x2, y2)  # extreme scales: halves, ratios, logarithms
    safe = _dist_from(h, _sinh_half(h, y1, y2), y1, y2)
    return np.where(fast, 2.0 * np.arcsinh(np.sqrt(np.where(fast, r2, 0.0))), safe)


def _overflow(what, value):
    raise OverflowError(
        f"{what}: the answer is outside the float64 range (largest offending magnitude "
        f"{np.max(np.abs(value)):.3g}); use points and tangent vectors of moderate scale"
    )


def halfplane_exp(x, y, u, w):
    """Exponential map at ``(x, y)`` with tangent ``(u, w)``.

    Moving ``(x, y)`` to ``i`` by ``z ↦ (z − x)/y`` and rotating, the unit-speed
    geodesic from ``i`` with unit direction ``(a, b)`` is
    ``(a sinh d, 1) / (cosh d − b sinh d)``; ``d = √(u² + w²)/y``. For ``d > 20``
    the denominator is taken in logarithms,
    ``log(cosh d − b sinh d) = d − log 2 + log((1 − b) + (1 + b)e^{−2d})``, with
    ``1 ∓ b = a²/(1 ± b)`` where that avoids cancellation.

    Raises
    ------
    OverflowError
        If the end point is not representable in float64 (``y`` overflows or
        underflows to 0, or ``d`` is infinite).
    """
    x, y, u, w = np.broadcast_arrays(*(np.asarray(z, dtype=float) for z in (x, y, u, w)))
    speed = np.hypot(u, w)
    with np.errstate(over="ignore"):
        d = speed / y
    if not np.all(np.isfinite(d)):
        _overflow("exp on the half-plane (speed / y overflows)", speed)
    safe = np.where(speed > 0, speed, 1.0)
    a = np.where(speed > 0, u / safe, 0.0)
    b = np.where(speed > 0, w / safe, 1.0)
    omb = np.where(b > 0, a * a / (1.0 + np.maximum(b, 0.0)), 1.0 - b)  # 1 − b
    opb = np.where(b < 0, a * a / (1.0 - np.minimum(b, 0.0)), 1.0 + b)  # 1 + b
    small = d <= _LOG_FORM
    ds = np.where(small, d, 0.0)
    den = 0.5 * (opb * np.exp(-ds) + omb * np.exp(ds))
    x_small = x + y * a * np.sinh(ds) / den
    y_small = y / den
    with np.errstate(over="ignore", under="ignore", divide="ignore", invalid="ignore"):
        # log(1 ∓ b) as 2 log|a| − log(1 ± b) where 1 ∓ b would cancel (a² may underflow)
        log_a2 = 2.0 * np.log(np.abs(a))
        log_omb = np.where(b > 0, log_a2 - np.log1p(np.maximum(b, 0.0)), np.log1p(-b))
        log_opb = np.where(b < 0, log_a2 - np.log1p(-np.minimum(b, 0.0)), np.log1p(b))
        logden = d - _LN2 + np.logaddexp(log_omb, log_opb - 2.0 * d)
        y_big = np.exp(np.log(y) - logden)
        # y a sinh(d) / den, in logarithms
        log_dx = np.log(y) + np.log(np.abs(a)) + d - logden + np.log(0.5 * -np.expm1(-2.0 * d))
        x_big = x + np.where(a != 0, np.sign(a) * np.exp(log_dx), 0.0)
    x_end = np.where(small, x_small, x_big)
    y_end = np.where(small, y_small, y_big)
    if not (np.all(np.isfinite(x_end)) and np.all(np.isfinite(y_end)) and np.all(y_end > 0)):
        bad = ~(np.isfinite(x_end) & np.isfinite(y_end) & (y_end > 0))
        log10_y = (np.log(y) - logden) / np.log(10.0)
        raise OverflowError(
            "exp on the half-plane: the end point is outside the float64 range (its "
            f"scale coordinate would be about 10^{float(log10_y[bad].flat[0]):.0f}); use a "
            "shorter tangent vector"
        )
    return x_end, y_end


def halfplane_log(x1, y1, x2, y2):
    """Logarithm: the tangent ``(u, w)`` at ``(x1, y1)`` with ``exp((x1, y1), (u, w)) = (x2, y2)``.

    ``(u, w) = y₁ d (a, b)`` with the unit direction
    ``a = (Δx/2h) c``, ``b = r/√(1 + r²) + (Δy/2h) c``, ``c = √(y₁/y₂)/√(1 + r²)``,
    (``h``, ``r`` as in the module docstring), equal to ``a = X/(Y sinh d)``,
    ``b = (2 sinh²(d/2) + (Y − 1)/Y)/sinh d`` with ``X = (x₂ − x₁)/y₁``, ``Y = y₂/y₁``,
    but bounded at every step.
    """
    h, dx, dy = _half_gap(x1, y1, x2, y2)
    r = _sinh_half(h, y1, y2)
    d = _dist_from(h, r, y1, y2)
    finite = np.isfinite(r)
    rs = np.where(finite, r, 1.0)
    hy = np.hypot(1.0, rs)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        c = np.where(finite, np.sqrt(y1) / hy / np.sqrt(y2), y1 / h)
        hs = np.where(h > 0, h, 1.0)
        a = np.where(h > 0, dx / hs * c, 0.0)
        b = np.where(h > 0, np.where(finite, rs / hy, 1.0) + dy / hs * c, 0.0)
        u, w = y1 * d * a, y1 * d * b
    if not (np.all(np.isfinite(u)) and np.all(np.isfinite(w))):
        _overflow("log on the half-plane", y1 * d)
    return u, w

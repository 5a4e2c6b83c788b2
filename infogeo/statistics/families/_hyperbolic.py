"""Closed-form geodesics of the Poincaré half-plane ``(dx² + dy²) / y²``.

Used by the Normal family, whose Fisher metric ``(dμ² + 2dσ²)/σ²`` is twice the
half-plane metric in ``(x, y) = (μ/√2, σ)``.
"""

from __future__ import annotations

import numpy as np

__all__ = ["halfplane_dist", "halfplane_exp", "halfplane_log"]


def halfplane_dist(x1, y1, x2, y2):
    """``d = 2 arsinh(√(((x1−x2)² + (y1−y2)²) / (4 y1 y2)))`` (= arcosh(1 + …), written
    without cancellation for nearby points)."""
    return 2.0 * np.arcsinh(np.sqrt(((x1 - x2) ** 2 + (y1 - y2) ** 2) / (4.0 * y1 * y2)))


def _den(b, d):
    """``cosh d − b sinh d = ½((1 + b)e^{−d} + (1 − b)e^{d})`` with ``1 − b`` exact-ish."""
    return 0.5 * ((1.0 + b) * np.exp(-d) + (1.0 - b) * np.exp(d))


def halfplane_exp(x, y, u, w):
    """Exponential map at ``(x, y)`` with tangent ``(u, w)``.

    Moving ``(x, y)`` to ``i`` by ``z ↦ (z − x)/y`` and rotating, the unit-speed
    geodesic from ``i`` with unit direction ``(a, b)`` is
    ``(a sinh d, 1) / (cosh d − b sinh d)``; ``d = √(u² + w²)/y``.
    """
    speed = np.hypot(u, w)
    d = speed / y
    safe = np.where(speed > 0, speed, 1.0)
    a = np.where(speed > 0, u / safe, 0.0)
    b = np.where(speed > 0, w / safe, 1.0)
    den = _den(b, d)
    return x + y * a * np.sinh(d) / den, y / den


def halfplane_log(x1, y1, x2, y2):
    """Logarithm: the tangent ``(u, w)`` at ``(x1, y1)`` with ``exp((x1, y1), (u, w)) = (x2, y2)``.

    With ``X = (x2 − x1)/y1``, ``Y = y2/y1`` and ``d`` the distance, the unit direction
    is ``a = X / (Y sinh d)``, ``b = (2 sinh²(d/2) + (Y − 1)/Y) / sinh d``.
    """
    X = (x2 - x1) / y1
    Y = y2 / y1
    Ym1 = (y2 - y1) / y1
    d = halfplane_dist(x1, y1, x2, y2)
    sh = np.sinh(d)
    safe = np.where(sh > 0, sh, 1.0)
    a = np.where(sh > 0, X / (Y * safe), 0.0)
    b = np.where(sh > 0, (2.0 * np.sinh(0.5 * d) ** 2 + Ym1 / Y) / safe, 0.0)
    return y1 * d * a, y1 * d * b

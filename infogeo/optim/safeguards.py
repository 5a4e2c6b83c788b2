"""Numerical safeguards shared by every solver: divergence, singular metrics, float64 floors.

* :class:`NonFiniteError` is what :class:`~infogeo.optim.objective.Objective` raises when
  ``fun`` or its gradient is NaN / ±inf; a solver turns it into a *diverged* result.
* :func:`metric_overflow` tells a metric that is singular because the iterate ran off to
  where float64 over- or underflows (divergence: damping would not help) from one that
  is singular at an ordinary point (where ``damping=λ`` is the remedy).
* :class:`RisingObjective` flags runs whose value keeps rising (fixed steps too long).
* :func:`gradient_floor` measures the rounding floor of the Riemannian gradient norm at
  ``x``: how much the gradient changes between ``x`` and neighbouring float64 points.
  Below it no test on the gradient can resolve anything, so a run stalled there has
  converged as far as float64 allows.
"""

from __future__ import annotations

import math

import numpy as np

from ..exceptions import NonFiniteError

__all__ = [
    "FloorWatch",
    "NonFiniteError",
    "RisingObjective",
    "directional_slope",
    "gradient_floor",
    "metric_overflow",
]

#: |coordinates| and |metric diagonal entries| beyond which a failed solve is put down
#: to the iterate running off (squares of 1e±154 leave float64's normal range).
_HUGE = 1e150


def metric_overflow(manifold, x) -> str | None:
    """Why the metric at ``x`` is out of float64's range, or ``None`` if it is not.

    Called only where solving with ``G(x)`` failed. Returns a short reason when the
    coordinates of ``x`` are non-finite or larger than 1e150 in magnitude, or the
    diagonal of ``G(x)`` non-finite, above 1e150 or nonzero below 1e-150 (the metric then
    under- or overflows: a diverged iterate, not a singular model). ``None`` means the
    point and its metric are ordinary numbers, so a failing solve there is a genuine
    singularity (or ``manifold`` has no ``metric`` to inspect).
    """
    x = np.asarray(x, dtype=float)
    if not np.all(np.isfinite(x)):
        return "the iterate has non-finite coordinates"
    big = float(np.max(np.abs(x))) if x.size else 0.0
    if big > _HUGE:
        return f"the iterate has a coordinate of size {big:.3g}, where float64 overflows"
    metric = getattr(manifold, "metric", None)
    if not callable(metric):
        return None
    try:
        with np.errstate(all="ignore"):
            G = np.asarray(metric(x), dtype=float)
    except OverflowError as exc:  # a family that names its own float64 limit
        return str(exc)
    except Exception:  # the metric itself cannot be evaluated there: not our diagnosis
        return None
    if G.shape != (x.size, x.size):
        return None
    if not np.all(np.isfinite(G)):
        return "the metric has non-finite entries there"
    diag = np.abs(np.diag(G))
    nonzero = diag[diag > 0]  # an exact 0 is a genuine singularity, not an underflow
    if diag.size and (diag.max() > _HUGE or (nonzero.size and nonzero.min() < 1 / _HUGE)):
        return (
            f"the metric's diagonal spans {diag.min():.3g} … {diag.max():.3g}, beyond "
            "float64's range"
        )
    return None


def directional_slope(manifold, x, egrad, d, damping: float = 0.0, inner=None) -> float:
    """``∇fᵀd`` for ``d = (G + λI)⁻¹∇f``: the squared Riemannian gradient norm.

    Computed as ``∇fᵀd``, unless that sum cancels: on an embedded manifold whose
    Riemannian gradient is the projection of a large Euclidean one (a Rayleigh quotient
    of scale 1e10 on the sphere: ‖∇f‖ ≈ 1e11, ‖d‖ ≈ 1e-3), ``∇fᵀd`` carries the rounding
    error of ``‖∇f‖²``, ε‖∇f‖² ≈ 1e6, and the gradient norm would look stuck at 1e3.
    When ``∇fᵀd < 1e-3 ‖∇f‖‖d‖`` the same number is taken as ``⟨d, d⟩_G + λ dᵀd``
    (equal in exact arithmetic), whose error is relative to ``‖d‖²``. ``inner`` is
    ``manifold.inner`` unless given (the solvers pass its unchecked twin).
    """
    slope = float(np.dot(egrad, d))
    dd = float(np.dot(d, d))
    # slope² < 1e-6 ‖∇f‖²‖d‖², with two dot products (this runs every iteration)
    if not slope * slope < 1e-6 * float(np.dot(egrad, egrad)) * dd:
        return slope  # no cancellation (or NaN/inf, judged by the caller)
    if inner is None:
        inner = getattr(manifold, "inner", None)
    if not callable(inner):
        return slope
    try:
        again = float(inner(x, d, d)) + damping * dd
    except (ValueError, ArithmeticError, TypeError):
        return slope
    return again if math.isfinite(again) and again >= 0 else slope


class RisingObjective:
    """Divergence of a run whose steps are not safeguarded: ``fun`` rose above its start
    value and kept rising for ``patience`` consecutive accepted steps."""

    def __init__(self, fun0: float, patience: int = 10):
        self.fun0 = float(fun0)
        self.patience = int(patience)
        self._rises = 0

    def update(self, fun_prev: float, fun: float) -> str | None:
        """Record one accepted step; the reason to stop, or ``None``."""
        self._rises = self._rises + 1 if fun > fun_prev else 0
        if self._rises >= self.patience and fun > self.fun0:
            return (
                f"fun rose in {self._rises} consecutive steps, from {self.fun0:.6g} at the "
                f"start to {fun:.6g}: the iterates are running away (the step is too long; "
                "use line_search='armijo' or a smaller step_size)"
            )
        return None


def gradient_floor(gradient, riemannian_gradient, x, egrad, damping: float = 0.0) -> float:
    """Rounding floor of the Riemannian gradient norm at ``x``.

    ``‖Δg‖ = √(Δgᵀ(G + λI)⁻¹Δg)`` with ``Δg = ∇f(x′) − ∇f(x)`` and ``x′`` the point
    ``x`` moved by 4 units in the last place of each coordinate (alternating signs).
    The true gradient changes by ``H·(x′ − x)`` there, which no float64 iterate can
    resolve, and the rounding noise of ``∇f`` shows up in full; a gradient norm not
    clearly above this floor cannot be driven lower by moving ``x``.

    Parameters
    ----------
    gradient
        ``x -> ∇f(x)``.
    riemannian_gradient
        ``(x, egrad, damping) -> (G + λI)⁻¹ egrad``.
    x, egrad
        The point and ``∇f(x)``.
    """
    x = np.asarray(x, dtype=float)
    signs = np.where(np.arange(x.size) % 2 == 0, 1.0, -1.0)
    x_near = x + 4.0 * signs * np.spacing(np.maximum(np.abs(x), np.finfo(float).tiny))
    try:
        dg = np.asarray(gradient(x_near), dtype=float) - egrad
        d = np.asarray(riemannian_gradient(x, dg, damping=damping), dtype=float)
    except (ValueError, ArithmeticError):
        return 0.0
    value = float(np.dot(dg, d))
    return float(np.sqrt(value)) if np.isfinite(value) and value > 0 else 0.0


class FloorWatch:
    """When to measure the gradient's rounding floor: after ``every`` iterations in
    which the gradient norm has not at least halved (a stalled run); the interval then
    doubles, so a long, slowly converging run pays for O(log nit) measurements."""

    def __init__(self, every: int = 10):
        self.every = int(every)
        self._ref = None
        self._since = 0

    def due(self, grad_norm: float) -> bool:
        """Record one iteration's gradient norm; whether to measure the floor now."""
        self._since += 1
        if self._ref is None:
            self._ref, self._since = grad_norm, 0
            return False
        if self._since < self.every:
            return False
        stalled = grad_norm > 0.5 * self._ref
        self._ref, self._since = grad_norm, 0
        if stalled:
            self.every *= 2
        return stalled

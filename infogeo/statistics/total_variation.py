"""Total variation distance ``TV(p₁, p₂) = ½∫|p₁ − p₂| = sup_A |P₁(A) − P₂(A)|``.

For two members of an exponential family the supremum is attained at
``A* = {x : p₁(x) > p₂(x)} = {x : ⟨ϑ₁ − ϑ₂, t(x)⟩ > ψ(ϑ₁) − ψ(ϑ₂)}``. On the line the
log-likelihood ratio ``r(x)`` changes sign at a few *crossing points* ``c₁ < c₂`` (one for
the Poisson, Binomial, Geometric and Exponential families, at most two for the Normal,
Gamma and Beta ones), and with ``D(c) = F₁(c) − F₂(c)`` (distribution functions)

    ``TV = ½ (|D(c₁)| + |D(c₂) − D(c₁)| + |D(c₂)|)``

(a missing crossing has ``D = 0``), a closed form in the distribution functions: no
quadrature, no truncation. :func:`tv_from_crossings` evaluates it; the families supply
the crossings and ``D``.

Where no closed form exists (``MultivariateNormal`` with unequal covariances,
``Dirichlet`` with ``k ≥ 3``), :class:`TotalVariationBracket` holds certified bounds
``lower ≤ TV ≤ upper`` from

* the Bhattacharyya coefficient ``ρ = ∫√(p₁p₂)``: ``1 − ρ ≤ TV ≤ √(1 − ρ²)``;
* Pinsker and Bretagnolle–Huber: ``TV ≤ √(KL/2)``, ``TV ≤ √(1 − e^{−KL})`` (either
  direction of KL);
* the data-processing inequality ``TV(p₁∘f⁻¹, p₂∘f⁻¹) ≤ TV(p₁, p₂)`` for any map ``f``:
  the exact TV of one-dimensional images (marginals, projections) bounds it below;
* for product measures, the product coupling: ``TV ≤ 1 − Πⱼ(1 − TVⱼ)``.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy.special import erfc

__all__ = [
    "TotalVariationBracket",
    "bisect_crossing",
    "divergence_bounds",
    "normal_interval",
    "require_crossing",
    "tv_from_crossings",
]

_GL16 = np.polynomial.legendre.leggauss(16)
_SQRT1_2 = np.sqrt(0.5)


class TotalVariationBracket(NamedTuple):
    """Certified bounds ``lower ≤ TV(p₁, p₂) ≤ upper`` (arrays of the batch shape)."""

    lower: np.ndarray
    upper: np.ndarray


def normal_interval(a, b) -> np.ndarray:
    """Signed standard-normal mass ``Φ(b) − Φ(a)`` to full relative precision.

    Short intervals (``|b − a|·(max(|a|, |b|) + 1) ≤ 1``, where ``φ`` varies by less than
    a factor ``e`` across them) by 16-point Gauss–Legendre quadrature of ``φ`` (no
    cancellation for nearby ``a``, ``b``); others as a difference of upper tails
    ``½ erfc(x/√2)`` on the side where both tails are small.
    """
    a, b = np.broadcast_arrays(np.asarray(a, dtype=float), np.asarray(b, dtype=float))
    sign = np.where(b >= a, 1.0, -1.0)
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    flip = lo + hi < 0  # reflect so that the interval leans right: tails on the right
    lo, hi = np.where(flip, -hi, lo), np.where(flip, -lo, hi)
    with np.errstate(invalid="ignore"):
        width = hi - lo
        short = width * (np.maximum(np.abs(lo), np.abs(hi)) + 1.0) <= 1.0
        far = 0.5 * (erfc(lo * _SQRT1_2) - erfc(hi * _SQRT1_2))
        x, w = _GL16
        half, mid = 0.5 * width, 0.5 * (lo + hi)
        nodes = mid[..., None] + half[..., None] * x
        near = half * np.sum(w * np.exp(-0.5 * nodes**2), -1) / np.sqrt(2.0 * np.pi)
    out = np.where(short, near, far)
    out = np.where(width == 0, 0.0, out)  # also lo = hi = ±inf
    return sign * out


def tv_from_crossings(D1, D2) -> np.ndarray:
    """``½(|D₁| + |D₂ − D₁| + |D₂|)`` with ``Dᵢ = F₁(cᵢ) − F₂(cᵢ)`` at the crossings of the
    densities (NaN, a missing crossing, counts as 0); clipped to [0, 1]."""
    D1 = np.nan_to_num(np.asarray(D1, dtype=float), nan=0.0)
    D2 = np.nan_to_num(np.asarray(D2, dtype=float), nan=0.0)
    return np.clip(0.5 * (np.abs(D1) + np.abs(D2 - D1) + np.abs(D2)), 0.0, 1.0)


def cdf_difference(cdf1, cdf2, sf1, sf2) -> np.ndarray:
    """``F₁ − F₂`` from the lower or the upper tails, whichever are smaller (so that the
    absolute error is a few ulp of the smaller tail)."""
    lower = cdf1 + cdf2 <= sf1 + sf2
    return np.where(lower, cdf1 - cdf2, sf2 - sf1)


def bisect_crossing(r, split, side: int, *, max_expand: int = 40, iters: int = 300):
    """The root of ``r(u)`` on one side of ``split`` (``side`` = −1: left, +1: right), NaN
    where ``r`` keeps the sign of ``r(split)`` out to ``|u − split| = 2^max_expand``.

    ``r`` is evaluated on whole batches; it must change sign at most once on each side
    of ``split`` (true for the log-likelihood ratios here, which are monotone on each
    side of their one stationary point). The bracket is found by doubling the distance
    from ``split`` (``[split ± 2^(k−1), split ± 2^k]``), then narrowed by the Illinois
    variant of false position with a bisection every third step (the bracket at least
    halves every three steps; superlinear near the root) until it is below
    ``1e-14 (1 + |u|)`` or collapses to adjacent floats.
    """
    split = np.asarray(split, dtype=float)
    with np.errstate(all="ignore"):
        f0 = r(split)
        s0 = np.sign(f0)
        far = np.full(split.shape, np.nan)
        ffar = np.full(split.shape, np.nan)
        near, fnear = split.copy(), f0
        step = np.ones(split.shape)
        for _ in range(max_expand + 1):
            u = split + side * step
            fu = r(u)
            found = np.isnan(far) & (np.sign(fu) * s0 < 0)
            far, ffar = np.where(found, u, far), np.where(found, fu, ffar)
            pending = np.isnan(far)
            near, fnear = np.where(pending, u, near), np.where(pending, fu, fnear)
            if not np.any(pending & (s0 != 0)):
                break
            step = 2.0 * step
        ok = ~np.isnan(far) & (s0 != 0)
        a, fa = np.where(ok, near, 0.0), np.where(ok, fnear, 1.0)
        b, fb = np.where(ok, far, 1.0), np.where(ok, ffar, -1.0)
        kept = np.zeros(split.shape, dtype=int)  # +1: a kept last step, −1: b kept
        for i in range(iters):
            width = np.abs(b - a)
            mid = 0.5 * (a + b)
            done = ~ok | (width <= 1e-14 * (1.0 + np.abs(mid))) | (mid == a) | (mid == b)
            if np.all(done):
                break
            x = (a * fb - b * fa) / (fb - fa)
            inside = np.isfinite(x) & ((x - a) * (x - b) < 0)
            x = np.where(inside & (i % 3 != 2), x, mid)
            fx = r(x)
            with_a = np.sign(fx) == np.sign(fa)  # the root lies between x and b
            # Illinois: an end kept twice in a row has its value halved
            fb = np.where(with_a & (kept == -1), 0.5 * fb, fb)
            fa = np.where(~with_a & (kept == 1), 0.5 * fa, fa)
            a, fa = np.where(with_a, x, a), np.where(with_a, fx, fa)
            b, fb = np.where(with_a, b, x), np.where(with_a, fb, fx)
            kept = np.where(with_a, -1, 1)
            zero = fx == 0
            a, b = np.where(zero, x, a), np.where(zero, x, b)
    return np.where(ok, 0.5 * (a + b), np.where(s0 == 0, split, np.nan))


def require_crossing(roots, distinct, family: str) -> None:
    """Two distinct densities cross at least once: if no crossing was found for some
    pair, say so instead of returning TV = 0."""
    from ..exceptions import ConvergenceError

    missing = distinct & np.isnan(roots[0]) & np.isnan(roots[1])
    if np.any(missing):
        raise ConvergenceError(
            f"total variation of {family} pairs: no crossing of the two densities was found "
            f"within 2^40 of the starting point (for {int(np.sum(missing))} pair(s))"
        )


def divergence_bounds(family, t1, t2) -> TotalVariationBracket:
    """Bounds on TV from the Bhattacharyya coefficient and both KL divergences (see
    the module notes)."""
    rho = np.exp(-family.divergence(t1, t2, "bhattacharyya"))
    kl = np.maximum(np.minimum(family.kl(t1, t2), family.kl(t2, t1)), 0.0)
    upper = np.minimum.reduce(
        [
            np.sqrt(np.maximum(1.0 - rho * rho, 0.0)),
            np.sqrt(0.5 * kl),
            np.sqrt(-np.expm1(-kl)),
            np.ones_like(rho),
        ]
    )
    lower = np.clip(1.0 - rho, 0.0, 1.0)
    return TotalVariationBracket(lower, upper)

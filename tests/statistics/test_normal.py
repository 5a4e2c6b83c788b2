"""The Normal family's closed-form half-plane distance at every float64 scale."""

from __future__ import annotations

import numpy as np
import pytest


def test_halfplane_distance_over_the_float64_range_against_40_digits():
    """The half-plane distance behind Normal.dist, on a batch mixing ordinary pairs
    (the fast formula 2 arsinh √(|Δ|²/4y₁y₂)) with pairs at scales 1e±300 (the
    overflow-safe form in halves and logarithms), against 40-digit arithmetic."""
    mp = pytest.importorskip("mpmath")
    from infogeo.statistics.families._hyperbolic import halfplane_dist

    mp.mp.dps = 40
    rng = np.random.default_rng(11)
    n = 400
    x1 = rng.normal(size=n) * 10.0 ** rng.uniform(-300, 300, n)
    y1 = 10.0 ** rng.uniform(-300, 300, n)
    x2 = x1 + rng.normal(size=n) * y1 * 10.0 ** rng.uniform(-8, 3, n)
    y2 = y1 * 10.0 ** rng.uniform(-3, 3, n)
    far = rng.uniform(size=n) < 0.3  # some pairs at unrelated scales
    x2[far] = rng.normal(size=far.sum()) * 10.0 ** rng.uniform(-300, 300, far.sum())
    y2[far] = 10.0 ** rng.uniform(-300, 300, far.sum())
    d = halfplane_dist(x1, y1, x2, y2)
    ref = [
        float(2 * mp.asinh(mp.sqrt(((mp.mpf(a) - mp.mpf(c)) ** 2 + (mp.mpf(b) - mp.mpf(e)) ** 2)
                                   / (4 * mp.mpf(b) * mp.mpf(e)))))
        for a, b, c, e in zip(x1, y1, x2, y2)
    ]  # fmt: skip
    np.testing.assert_allclose(d, ref, rtol=2e-15)
    ordinary = halfplane_dist(x1[:5] * 0 + 0.3, np.ones(5), np.arange(5.0), np.full(5, 2.0))
    np.testing.assert_allclose(ordinary, [halfplane_dist(0.3, 1.0, k, 2.0) for k in range(5)])


def test_fisher_overflow_edge_is_an_error_not_inf():
    """2/σ² overflows before 1/σ² does: between σ ≈ 7.5e-155 and 1.05e-154 the metric's
    second entry used to come back as inf. Now each σ gives the finite metric or an
    OverflowError, as 2/σ² in 30-digit arithmetic falls below or above float64's
    largest number (either is accepted within 1e-12 of that limit)."""
    mp = pytest.importorskip("mpmath")
    import infogeo as ig

    mp.mp.dps = 30
    big = mp.mpf(np.finfo(float).max)
    N = ig.Normal()
    for sigma in (7.6e-155, 9e-155, 1.0e-154, 1.05e-154, 1.06e-154, 1.2e-154, 1e-100):
        ref = 2 / mp.mpf(sigma) ** 2
        try:
            F = N.fisher([0.0, sigma])
        except OverflowError:
            assert ref > big * (1 - mp.mpf("1e-12")), sigma
        else:
            assert ref < big * (1 + mp.mpf("1e-12")), sigma
            assert np.all(np.isfinite(F))
            assert F[1, 1] == pytest.approx(float(ref), rel=1e-15)
            assert F[0, 0] == pytest.approx(float(ref / 2), rel=1e-15)

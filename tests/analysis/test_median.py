"""The geodesic median against independent minimizers."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.optimize

import infogeo as ig


def test_euclidean_median_matches_a_direct_minimization():
    rng = np.random.default_rng(0)
    P = rng.normal(size=(25, 3))
    w = rng.uniform(0.5, 2.0, 25)
    res = ig.geometric_median(ig.Euclidean(3), P, w)
    ref = scipy.optimize.minimize(
        lambda x: w @ np.linalg.norm(P - x, axis=1),
        P.mean(axis=0),
        method="Nelder-Mead",
        options={"xatol": 1e-12, "fatol": 1e-14, "maxiter": 20000},
    )
    assert res.success
    np.testing.assert_allclose(res.x, ref.x, atol=1e-7)
    assert res.fun <= ref.fun + 1e-12


def test_poisson_median_is_the_middle_point_in_arc_length():
    """On a line the median of an odd number of points is the middle one (Vardi–Zhang
    stops exactly there)."""
    lam = np.array([0.2, 9.0, 1.5, 40.0, 4.0])
    res = ig.geometric_median(ig.Poisson(), lam[:, None])
    assert res.success
    np.testing.assert_allclose(res.x[0], 4.0, rtol=1e-10)


def test_median_is_robust_where_the_mean_is_not():
    N = ig.Normal()
    rng = np.random.default_rng(1)
    P = np.column_stack([rng.normal(0, 0.1, 20), rng.uniform(0.9, 1.1, 20)])
    bad = np.vstack([P, [[500.0, 1.0], [-400.0, 1.0]] * 2])
    med = ig.geometric_median(N, bad).x
    mean = ig.frechet_mean(N, bad).x
    assert N.dist(med, ig.geometric_median(N, P).x) < 0.5
    assert N.dist(mean, ig.frechet_mean(N, P).x) > 2.0


def test_bad_input():
    with pytest.raises(ValueError, match="sigma > 0"):
        ig.geometric_median(ig.Normal(), [[0.0, 0.0]])

"""pairwise_dist: scipy layouts, batched against pair-by-pair, Gamma against the generic
solver."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.spatial.distance

import infogeo as ig


def test_euclidean_matches_scipy_pdist_and_cdist():
    rng = np.random.default_rng(0)
    A, B = rng.normal(size=(30, 4)), rng.normal(size=(7, 4))
    E = ig.Euclidean(4)
    np.testing.assert_allclose(
        ig.pairwise_dist(E, A, condensed=True), scipy.spatial.distance.pdist(A), rtol=1e-14
    )
    np.testing.assert_allclose(
        ig.pairwise_dist(E, A), scipy.spatial.distance.squareform(scipy.spatial.distance.pdist(A))
    )
    np.testing.assert_allclose(
        ig.pairwise_dist(E, A, B, chunk_size=5), scipy.spatial.distance.cdist(A, B), rtol=1e-14
    )


def test_normal_closed_form_in_two_processes():
    rng = np.random.default_rng(1)
    P = np.column_stack([rng.normal(size=40), rng.uniform(0.1, 3, 40)])
    N = ig.Normal()
    D = ig.pairwise_dist(N, P, n_jobs=2, chunk_size=100)
    i, j = 3, 17
    assert D[i, j] == pytest.approx(float(N.dist(P[i], P[j])), rel=1e-14)
    np.testing.assert_allclose(D, D.T)
    np.testing.assert_array_equal(np.diag(D), 0.0)


def test_gamma_uses_accurate_geodesics():
    """The Gamma route (Clairaut quadrature) against the generic boundary-value solver."""
    rng = np.random.default_rng(2)
    P = np.column_stack([rng.uniform(0.5, 8, 6), rng.uniform(0.2, 4, 6)])
    d = ig.pairwise_dist(ig.Gamma(), P, condensed=True)
    i, j = np.triu_indices(6, 1)
    ref = ig.Gamma().dist(P[i], P[j])
    np.testing.assert_allclose(d, ref, rtol=1e-9)


@pytest.mark.parametrize(
    "kwargs, exc, match",
    [
        ({"condensed": "yes"}, TypeError, "condensed"),
        ({"n_jobs": 0}, ValueError, "n_jobs"),
        ({"n_jobs": 1.5}, TypeError, "n_jobs"),
        ({"chunk_size": 0}, ValueError, "chunk_size"),
    ],
)
def test_bad_options(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        ig.pairwise_dist(ig.Normal(), [[0.0, 1.0], [1.0, 1.0]], **kwargs)


def test_condensed_needs_one_set():
    with pytest.raises(ValueError, match="condensed"):
        ig.pairwise_dist(ig.Normal(), [[0.0, 1.0]], [[1.0, 1.0]], condensed=True)

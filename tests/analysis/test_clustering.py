"""Geodesic k-means and k-medoids."""

from __future__ import annotations

import numpy as np
import pytest

import infogeo as ig


def _blobs(rng):
    centres = np.array([[-5.0, 0.5], [0.0, 3.0], [6.0, 1.0]])
    truth = np.repeat(np.arange(3), 30)
    P = centres[truth] * [1.0, 1.0] + np.column_stack([rng.normal(0, 0.3, 90), np.zeros(90)])
    P[:, 1] = centres[truth, 1] * np.exp(rng.normal(0, 0.1, 90))
    return P, truth


def _same_partition(a, b):
    return all(len(set(b[a == c])) == 1 for c in np.unique(a)) and len(set(a)) == len(set(b))


def test_kmeans_recovers_separated_clusters_and_centres_are_frechet_means():
    rng = np.random.default_rng(0)
    P, truth = _blobs(rng)
    N = ig.Normal()
    labels, centres = ig.kmeans(N, P, 3, rng=1)
    assert _same_partition(labels, truth)
    for c in range(3):
        ref = ig.frechet_mean(N, P[labels == c]).x
        np.testing.assert_allclose(centres[c], ref, atol=1e-9)


def test_kmedoids_recovers_clusters_with_data_points_as_centres():
    rng = np.random.default_rng(2)
    P, truth = _blobs(rng)
    labels, medoids = ig.kmedoids(ig.Normal(), P, 3, rng=0)
    assert _same_partition(labels, truth)
    D = ig.pairwise_dist(ig.Normal(), P)
    for c in range(3):
        members = np.flatnonzero(labels == c)
        best = members[np.argmin(D[np.ix_(members, members)].sum(axis=1))]
        np.testing.assert_array_equal(medoids[c], P[best])


def test_k_equal_n_and_bad_k():
    P = np.array([[0.0, 1.0], [1.0, 1.0], [2.0, 2.0]])
    labels, _ = ig.kmeans(ig.Normal(), P, 3, rng=0)
    assert sorted(labels) == [0, 1, 2]
    with pytest.raises(ValueError, match="k must be between 1"):
        ig.kmeans(ig.Normal(), P, 4)
    with pytest.raises(TypeError, match="k must be an integer"):
        ig.kmedoids(ig.Normal(), P, 2.0)

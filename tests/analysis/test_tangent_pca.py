"""Tangent PCA: Euclidean case against numpy's PCA, and on a curved family."""

from __future__ import annotations

import numpy as np
import pytest

import infogeo as ig


def test_euclidean_tangent_pca_is_ordinary_pca():
    rng = np.random.default_rng(0)
    P = rng.normal(size=(200, 3)) @ np.diag([3.0, 1.0, 0.2])
    t = ig.tangent_pca(ig.Euclidean(3), P)
    C = np.cov(P.T, bias=True)
    var, vec = np.linalg.eigh(C)
    np.testing.assert_allclose(t.explained_variance, var[::-1], rtol=1e-10)
    for k in range(3):
        assert abs(abs(t.components[k] @ vec[:, 2 - k]) - 1) < 1e-10
    np.testing.assert_allclose(t.inverse_transform(t.scores), P, atol=1e-10)


def test_normal_components_are_orthonormal_in_the_fisher_metric():
    N = ig.Normal()
    rng = np.random.default_rng(1)
    P = np.column_stack([rng.normal(0, 2, 50), np.exp(rng.normal(0, 0.3, 50))])
    t = ig.tangent_pca(N, P, n_components=2)
    G = N.metric(t.mean)
    np.testing.assert_allclose(t.components @ G @ t.components.T, np.eye(2), atol=1e-10)
    # the explained variances add up to Σ d²(mean, pᵢ)/n
    total = np.mean(N.dist(np.broadcast_to(t.mean, P.shape), P) ** 2)
    assert t.explained_variance.sum() == pytest.approx(total, rel=1e-9)
    np.testing.assert_allclose(t.transform(P), t.scores, atol=1e-10)
    np.testing.assert_allclose(t.inverse_transform(t.scores), P, rtol=1e-9)


def test_bad_n_components():
    with pytest.raises(ValueError, match="n_components"):
        ig.tangent_pca(ig.Normal(), [[0.0, 1.0], [1.0, 2.0]], n_components=3)

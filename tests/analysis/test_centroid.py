"""KL centroids: the numerical route against closed forms worked out by hand for
exponential families (right: moment matching; left: natural-parameter average)."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.optimize
from scipy.special import digamma

import infogeo as ig


def _normal_points():
    rng = np.random.default_rng(0)
    return np.column_stack([rng.normal(0, 1, 12), rng.uniform(0.5, 2, 12)]), rng.uniform(0.2, 1, 12)


def test_normal_sided_centroids():
    P, w = _normal_points()
    w = w / w.sum()
    mu = w @ P[:, 0]
    right = [mu, np.sqrt(w @ (P[:, 1] ** 2 + P[:, 0] ** 2) - mu**2)]
    t1, t2 = w @ (P[:, 0] / P[:, 1] ** 2), w @ (-0.5 / P[:, 1] ** 2)
    left = [-t1 / (2 * t2), np.sqrt(-0.5 / t2)]
    N = ig.Normal()
    np.testing.assert_allclose(N.kl_centroid(P, w, side="right"), right, rtol=1e-7)
    np.testing.assert_allclose(N.kl_centroid(P, w, side="left"), left, rtol=1e-7)


def test_poisson_sided_centroids_are_arithmetic_and_geometric_means():
    lam = np.array([0.5, 2.0, 8.0, 3.0])
    Po = ig.Poisson()
    assert ig.kl_centroid(Po, lam[:, None], side="right")[0] == pytest.approx(lam.mean(), 1e-8)
    left = ig.kl_centroid(Po, lam[:, None], side="left")[0]
    assert left == pytest.approx(np.exp(np.mean(np.log(lam))), rel=1e-8)


def test_gamma_right_centroid_matches_moments():
    """η = (E log x, E x) = (ψ(α) − log β, α/β) averaged, inverted by a bracketed root."""
    P = np.array([[2.0, 1.0], [5.0, 0.5], [1.2, 3.0]])
    eta = np.mean(np.column_stack([digamma(P[:, 0]) - np.log(P[:, 1]), P[:, 0] / P[:, 1]]), 0)
    target = eta[0] - np.log(eta[1])  # ψ(a) − log a increases from −∞ to 0
    a = scipy.optimize.brentq(lambda a: digamma(a) - np.log(a) - target, 1e-6, 1e6, xtol=1e-15)
    c = ig.kl_centroid(ig.Gamma(), P, side="right")
    np.testing.assert_allclose(c, [a, a / eta[1]], rtol=1e-7)


def test_symmetric_centroid_lies_between_and_minimizes():
    P, w = _normal_points()
    N = ig.Normal()
    c = N.kl_centroid(P, w, side="symmetric")
    w = w / w.sum()

    def J(x):
        xb = np.broadcast_to(x, P.shape)
        return w @ (N.kl(P, xb) + N.kl(xb, P)) / 2

    for dx in ([1e-4, 0], [0, 1e-4], [-1e-4, 0], [0, -1e-4]):
        assert J(c) <= J(c + np.array(dx))


def test_bad_side():
    with pytest.raises(ValueError, match="side"):
        ig.Normal().kl_centroid([[0.0, 1.0]], side="middle")

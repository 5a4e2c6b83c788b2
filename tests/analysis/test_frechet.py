"""Fréchet means against closed forms and against geomstats on the sphere."""

from __future__ import annotations

import os

import numpy as np
import pytest

import infogeo as ig

os.environ.setdefault("GEOMSTATS_BACKEND", "numpy")


def test_euclidean_weighted_mean_is_the_coordinate_mean():
    rng = np.random.default_rng(0)
    P = rng.normal(size=(40, 5)) * 1e3
    w = rng.uniform(size=40)
    res = ig.frechet_mean(ig.Euclidean(5), P, w)
    assert res.success and res.nit <= 1
    np.testing.assert_allclose(res.x, w @ P / w.sum(), rtol=1e-14, atol=1e-11)


@pytest.mark.parametrize("t", [0.5, 0.2, 0.9])
def test_normal_two_point_mean_is_the_geodesic_point(t):
    """Weights (1 − t, t) on two points: the minimizer of (1−t)d²(x,p) + t d²(x,q) is γ(t)
    on the geodesic (closed-form half-plane geodesic)."""
    N = ig.Normal()
    p, q = np.array([-2.0, 0.3]), np.array([4.0, 2.5])
    res = ig.frechet_mean(N, np.array([p, q]), [1 - t, t])
    assert res.success and res.grad_norm <= 1e-10
    np.testing.assert_allclose(res.x, N.geodesic(p, q)(t), rtol=1e-10, atol=1e-12)


def test_normal_wide_spread_converges():
    rng = np.random.default_rng(3)
    P = np.column_stack([rng.normal(0, 30, 60), np.exp(rng.normal(0, 2, 60))])
    res = ig.frechet_mean(ig.Normal(), P)
    assert res.success and res.grad_norm <= 1e-10 * max(1.0, np.sqrt(2 * res.fun))
    # first-order condition checked independently: Σ log_x pᵢ = 0 (closed-form log)
    g = ig.Normal().log(np.broadcast_to(res.x, P.shape), P).mean(axis=0)
    assert ig.Normal().norm(res.x, g) <= 1e-9


def test_poisson_mean_is_the_mean_in_arc_length():
    """One parameter: φ = 2√λ is arc length, so the mean has φ̄ = Σ wᵢ φᵢ."""
    lam = np.array([0.1, 3.0, 50.0, 7.5])
    w = np.array([1.0, 2.0, 0.5, 1.5])
    res = ig.frechet_mean(ig.Poisson(), lam[:, None], w)
    phi = np.sum(w * 2 * np.sqrt(lam)) / w.sum()
    assert res.success
    np.testing.assert_allclose(res.x[0], (phi / 2) ** 2, rtol=1e-12)


def test_spd_commuting_matrices_mean_is_the_log_euclidean_mean():
    """Affine-invariant SPD metric: for commuting matrices Q diag(λᵢ) Qᵀ the Fréchet mean
    is Q diag(exp Σ wᵢ log λᵢ) Qᵀ."""
    from geomstats.geometry.spd_matrices import SPDMatrices

    M = ig.from_geomstats(SPDMatrices(3))
    rng = np.random.default_rng(1)
    Q, _ = np.linalg.qr(rng.normal(size=(3, 3)))
    lam = np.exp(rng.normal(0, 1.5, size=(6, 3)))
    mats = np.einsum("ij,nj,kj->nik", Q, lam, Q)
    w = rng.uniform(0.2, 1.0, 6)
    res = ig.frechet_mean(M, mats.reshape(6, 9), w)
    expected = Q @ np.diag(np.exp(w @ np.log(lam) / w.sum())) @ Q.T
    assert res.success and res.grad_norm <= 1e-10
    np.testing.assert_allclose(res.x.reshape(3, 3), expected, rtol=1e-10, atol=1e-12)


def _sphere_log(x, P):
    """log_x(p) on the unit sphere by atan2 (accurate at all angles), independent of
    geomstats' arccos-based log."""
    c = P @ x
    perp = P - c[:, None] * x
    s = np.linalg.norm(perp, axis=1)
    theta = np.arctan2(s, c)
    return perp * (theta / np.where(s > 0, s, 1.0))[:, None]


def test_sphere_mean_is_tighter_than_geomstats():
    from geomstats.geometry.hypersphere import Hypersphere
    from geomstats.learning.frechet_mean import FrechetMean

    space = Hypersphere(2)
    rng = np.random.default_rng(2)
    X = rng.normal(size=(50, 3)) * 0.5 + np.array([0.0, 0.0, 1.0])
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    ours = ig.frechet_mean(ig.from_geomstats(space), X)
    theirs = FrechetMean(space).fit(X).estimate_
    g_ours = np.linalg.norm(_sphere_log(ours.x, X).mean(axis=0))
    g_theirs = np.linalg.norm(_sphere_log(theirs, X).mean(axis=0))
    assert ours.success and g_ours <= 1e-10
    assert g_ours < g_theirs  # geomstats stops at its default tolerance
    np.testing.assert_allclose(ours.x, theirs, atol=10 * g_theirs + 1e-12)


def test_gamma_mean_satisfies_the_first_order_condition_with_the_generic_log():
    """The mean uses the Clairaut geodesics; the gradient at the result is recomputed with
    the family's numerical boundary-value log."""
    G = ig.Gamma()
    rng = np.random.default_rng(4)
    P = np.column_stack([rng.uniform(1, 6, 8), rng.uniform(0.5, 3, 8)])
    res = ig.frechet_mean(G, P)
    assert res.success
    g = G.log(np.broadcast_to(res.x, P.shape), P).mean(axis=0)
    assert G.norm(res.x, g) <= 1e-9


def test_single_point_and_history():
    res = ig.frechet_mean(ig.Normal(), [[1.0, 2.0]])
    assert res.success and res.nit == 0
    np.testing.assert_allclose(res.x, [1.0, 2.0])
    res = ig.frechet_mean(ig.Normal(), [[0.0, 1.0], [5.0, 1.0]])
    assert len(res.history["fun"]) == res.nit + 1
    assert np.all(np.diff(res.history["fun"]) <= 1e-15)


def test_max_iter_reports_failure():
    res = ig.frechet_mean(ig.Normal(), [[0.0, 1.0], [50.0, 0.1]], max_iter=1)
    assert not res.success and res.status == 1 and "max_iter" in res.message


@pytest.mark.parametrize(
    "points, weights, match",
    [
        ([[0.0, -1.0]], None, "sigma > 0"),
        ([[0.0, 1.0, 2.0]], None, r"shape \(n, 2\)"),
        ([[0.0, 1.0], [1.0, 1.0]], [1.0], r"shape \(2,\)"),
        ([[0.0, 1.0], [1.0, 1.0]], [1.0, -1.0], ">= 0"),
        ([[0.0, 1.0], [1.0, 1.0]], [0.0, 0.0], "positive sum"),
        ([[0.0, np.nan]], None, "finite"),
    ],
)
def test_bad_input(points, weights, match):
    with pytest.raises(ValueError, match=match):
        ig.frechet_mean(ig.Normal(), points, weights)


def test_not_a_manifold():
    with pytest.raises(TypeError, match="Riemannian manifold"):
        ig.frechet_mean(object(), [[0.0]])
    with pytest.raises(ValueError, match="gtol"):
        ig.frechet_mean(ig.Normal(), [[0.0, 1.0]], gtol=-1.0)

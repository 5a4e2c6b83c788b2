"""Dirichlet geodesics in O(k) per node: closed-form contractions, Woodbury collocation."""

import numpy as np
import pytest

import infogeo as ig
from infogeo.geometry import collocation
from infogeo.geometry.manifold import dense_geodesic_jacobians
from infogeo.geometry.shooting import solve_log
from infogeo.statistics.families._dirichlet_metric import (
    DiagonalPlusRankOne,
    dirichlet_metric,
)


def rel(a, b):
    return np.max(np.abs(a - b)) / np.max(np.abs(b))


@pytest.mark.parametrize("k", [2, 3, 7])
def test_closed_form_contractions_match_dense_christoffel(k):
    D = ig.Dirichlet(k)
    rng = np.random.default_rng(k)
    p = rng.uniform(0.2, 30.0, (4, k))
    v = rng.normal(size=(4, k))
    got = D.geodesic_jacobians(p, v)
    ref = dense_geodesic_jacobians(*D.christoffel_and_derivative(p), v)
    for a, b in zip(got, ref):
        assert rel(a, b) < 1e-12
    np.testing.assert_allclose(D.geodesic_acceleration(p, v), ref[0], rtol=1e-12, atol=1e-14)
    acc, dp, dv = D._geodesic_jacobians_lowrank(p, v)
    np.testing.assert_allclose(acc, ref[0], rtol=1e-12, atol=1e-14)
    for (diag, U, W), dense in ((dp, got[1]), (dv, got[2])):
        rebuilt = U @ np.swapaxes(W, -1, -2) + diag[..., None] * np.eye(k)
        assert rel(rebuilt, dense) < 1e-12


def test_sherman_morrison_solve_matches_dense_solve():
    rng = np.random.default_rng(0)
    alpha = rng.uniform(0.01, 1e4, (3, 9))
    G = dirichlet_metric(alpha)
    from scipy.special import polygamma

    S = DiagonalPlusRankOne(polygamma(1, alpha), polygamma(1, alpha.sum(-1)))
    x = rng.normal(size=(3, 9))
    ref = np.linalg.solve(G, x[..., None])[..., 0]
    np.testing.assert_allclose(S.solve(x), ref, rtol=1e-9)


def test_woodbury_newton_step_matches_dense_solve():
    """collocation._solve_lowrank against the dense Jacobian of the same blocks."""
    rng = np.random.default_rng(1)
    B, N, d, r = 2, 10, 9, 2
    n = N - 1
    packed = []
    dense = []
    for _ in range(2):
        diag = rng.normal(size=(B, n, d))
        U = 0.3 * rng.normal(size=(B, n, d, r))
        W = 0.3 * rng.normal(size=(B, n, d, r))
        packed.append(np.concatenate([diag[..., None], U, W], axis=-1))
        dense.append(U @ np.swapaxes(W, -1, -2) + diag[..., None] * np.eye(d))
    R = rng.normal(size=(B, n * d))
    got = collocation._solve_lowrank(packed[0], packed[1], R, N)
    base, Dint, diag_idx = collocation._jacobian_layout(N, d)
    J = (Dint * dense[0][:, :, :, None, :] + base).reshape(B, -1)
    J[:, diag_idx] += dense[1].reshape(B, -1)
    ref = collocation._solve(J.reshape(B, n * d, n * d), R)
    assert rel(got, ref) < 1e-10


class _AutogradDirichlet(ig.RiemannianManifold):
    """The Dirichlet metric alone: connection by autograd, no closed forms."""

    def __init__(self, k):
        super().__init__(k, bounds=[(0, None)] * k)

    def metric(self, p):
        return dirichlet_metric(p)


@pytest.mark.parametrize("k", [3, 9])
def test_distance_matches_generic_autograd_solver_and_batch_equals_single(k):
    rng = np.random.default_rng(10 + k)
    P = rng.uniform(0.5, 6.0, (3, k))
    Q = rng.uniform(0.5, 6.0, (3, k))
    Q[0] *= 20.0  # a far pair
    D = ig.Dirichlet(k)
    d = D.dist(P, Q)
    ref = _AutogradDirichlet(k).dist(P, Q)
    np.testing.assert_allclose(d, ref, rtol=1e-9)
    single = np.array([D.dist(p, q) for p, q in zip(P, Q)])
    np.testing.assert_allclose(d, single, rtol=1e-10)


def test_large_k_collocation_agrees_with_shooting():
    """k = 40 takes the Woodbury collocation; Newton shooting (Jacobi fields from the
    dense-free contractions) is an independent solve of the same problem."""
    k = 40
    rng = np.random.default_rng(5)
    p = rng.uniform(1.0, 4.0, k)
    q = rng.uniform(1.0, 4.0, k)
    D = ig.Dirichlet(k)
    v = D.log(p, q)
    v_shoot = solve_log(D, p, q, collocation=False)
    np.testing.assert_allclose(v, v_shoot, rtol=1e-8, atol=1e-9 * np.abs(v).max())
    np.testing.assert_allclose(D.exp(p, v), q, rtol=1e-9)


def test_riemannian_gradient_by_sherman_morrison_matches_dense_solve():
    D = ig.Dirichlet(6)
    rng = np.random.default_rng(2)
    p = rng.uniform(0.05, 50.0, (3, 6))
    g = rng.normal(size=(3, 6))
    for lam in (0.0, 0.7):
        G = D.fisher(p) + lam * np.eye(6)
        ref = np.linalg.solve(G, g[..., None])[..., 0]
        np.testing.assert_allclose(D.riemannian_gradient(p, g, damping=lam), ref, rtol=1e-10)
    single = np.linalg.solve(D.fisher(p[0]), g[0])
    np.testing.assert_allclose(D.riemannian_gradient(p[0], g[0]), single, rtol=1e-10)
    with pytest.raises(ValueError, match="damping"):
        D.riemannian_gradient(p, g, damping=-1.0)
    with pytest.raises(ValueError, match="alpha"):
        D.riemannian_gradient(-p, g)

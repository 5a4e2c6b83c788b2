"""MultivariateNormal: the full Fisher metric (not a product metric), KL, sampling."""

import autograd
import numpy as np
import pytest
from scipy.stats import multivariate_normal

import infogeo as ig

from .statistics_cases import rel_err


def gauss_hermite_outer_scores(fam, theta, n=12):
    """E[s sᵀ] by a tensor Gauss–Hermite rule in whitened coordinates (exact for the
    polynomial scores of a normal up to degree 2n − 1)."""
    mean, cov = fam.unpack(theta)
    L = np.linalg.cholesky(cov)
    z, w = np.polynomial.hermite_e.hermegauss(n)
    w = w / w.sum()
    grids = np.meshgrid(*([z] * fam.d), indexing="ij")
    Z = np.stack([g.ravel() for g in grids], -1)
    W = np.prod(np.meshgrid(*([w] * fam.d), indexing="ij"), axis=0).ravel()
    X = mean + Z @ L.T
    S = autograd.jacobian(lambda t: fam._log_prob(X, t))(theta)
    return np.einsum("n,na,nb->ab", W, S, S)


@pytest.mark.parametrize("d", [1, 2, 3])
def test_fisher_against_outer_product_of_scores(d):
    fam = ig.MultivariateNormal(d)
    theta = fam.random_point(rng=d)
    assert rel_err(fam.fisher(theta), gauss_hermite_outer_scores(fam, theta, n=8)) < 1e-10


def test_fisher_is_not_a_product_metric_in_the_covariance_block():
    fam = ig.MultivariateNormal(2)
    theta = fam.pack([0.0, 0.0], [[2.0, 0.5], [0.5, 1.0]])
    G = fam.fisher(theta)
    P = np.linalg.inv([[2.0, 0.5], [0.5, 1.0]])
    np.testing.assert_allclose(G[:2, :2], P, rtol=1e-13)
    assert np.all(G[:2, 2:] == 0)
    # ½ tr(P E₀₀ P E₀₀) = ½ P₀₀²
    assert G[2, 2] == pytest.approx(0.5 * P[0, 0] ** 2, rel=1e-13)


def test_one_dimensional_matches_parametric_family():
    fam = ig.MultivariateNormal(1)
    pf = ig.ParametricFamily(
        lambda x, t: fam._log_prob(x[:, None], t), 2, "real", bounds=[(None, None), (0, None)]
    )
    theta = np.array([0.7, 2.5])
    assert rel_err(fam.fisher(theta), pf.fisher(theta)) < 1e-8


def test_log_prob_kl_and_sample():
    fam = ig.MultivariateNormal(2)
    t1, t2 = fam.random_point(2, rng=4)
    m1, S1 = fam.unpack(t1)
    x = fam.sample(t1, 300_000, rng=5)
    np.testing.assert_allclose(
        fam.log_prob(x[:10], t1), multivariate_normal(m1, S1).logpdf(x[:10]), rtol=1e-12
    )
    lr = fam.log_prob(x, t1) - fam.log_prob(x, t2)
    assert abs(fam.kl(t1, t2) - lr.mean()) < 5 * lr.std() / np.sqrt(lr.size)
    np.testing.assert_allclose(x.mean(0), m1, atol=0.02)
    np.testing.assert_allclose(np.cov(x, rowvar=False), S1, atol=0.03)
    start = fam.initial_point(x)
    np.testing.assert_allclose(start, t1, atol=0.03)


def test_kl_is_half_fisher_quadratic_form_locally():
    fam = ig.MultivariateNormal(2)
    theta = fam.random_point(rng=6)
    d = np.random.default_rng(0).standard_normal(fam.dim)
    d *= 1e-4 / fam.norm(theta, d)
    assert fam.kl(theta, theta + d) / (0.5 * d @ fam.fisher(theta) @ d) == pytest.approx(
        1.0, abs=1e-3
    )


def test_retract_stays_positive_definite_and_pack_roundtrip():
    fam = ig.MultivariateNormal(2)
    theta = fam.random_point(4, rng=7)
    v = 5.0 * np.random.default_rng(1).standard_normal(theta.shape)
    assert np.all(fam.belongs(fam.retract(theta, v)))
    mean, cov = fam.unpack(theta)
    np.testing.assert_allclose(fam.pack(mean, cov), theta)
    assert fam.param_names == ("mean_1", "mean_2", "cov_11", "cov_21", "cov_22")


def test_exp_log_round_trip():
    fam = ig.MultivariateNormal(2)
    p = fam.pack([0.0, 1.0], [[1.0, 0.3], [0.3, 0.7]])
    q = fam.pack([0.5, 0.2], [[1.5, -0.2], [-0.2, 0.5]])
    v = fam.log(p, q)
    np.testing.assert_allclose(fam.exp(p, v), q, rtol=1e-9, atol=1e-12)
    assert fam.dist(p, q) == pytest.approx(float(fam.dist(q, p)), rel=1e-9)

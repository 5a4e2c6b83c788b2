"""Inference attached to fits: closed forms, statsmodels' bse for the GLMs, regions."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.stats

import infogeo as ig


def test_poisson_rate_stderr_is_sqrt_rate_over_n():
    rng = np.random.default_rng(0)
    x = rng.poisson(3.0, 250)
    res = ig.fit(ig.Poisson(), x)
    lam = x.mean()
    assert res.x[0] == pytest.approx(lam, rel=1e-12)
    assert res.n_obs == 250
    np.testing.assert_allclose(res.stderr, [np.sqrt(lam / 250)], rtol=1e-12)
    np.testing.assert_allclose(res.observed_information, res.fisher_information, rtol=1e-8)
    z = scipy.stats.norm.ppf(0.975)
    np.testing.assert_allclose(
        res.conf_int(), [[lam - z * np.sqrt(lam / 250), lam + z * np.sqrt(lam / 250)]]
    )


def test_normal_stderr_closed_forms_and_observed_information():
    rng = np.random.default_rng(1)
    x = rng.normal(2.0, 3.0, 400)
    res = ig.fit(ig.Normal(), x)
    s = x.std()
    np.testing.assert_allclose(res.stderr, [s / 20, s / np.sqrt(800)], rtol=1e-9)
    np.testing.assert_allclose(res.covariance("observed"), res.cov, rtol=1e-7, atol=1e-14)
    lo, hi = res.conf_int(0.9)[1]
    assert lo < s < hi


def test_gamma_observed_information_matches_finite_differences():
    rng = np.random.default_rng(2)
    x = rng.gamma(2.5, 1 / 1.5, 300)
    G = ig.Gamma()
    res = ig.fit(G, x)
    h = 1e-5
    H = np.empty((2, 2))
    for j in range(2):
        e = np.zeros(2)
        e[j] = h
        H[:, j] = (G.nll_grad(res.x + e, x) - G.nll_grad(res.x - e, x)) / (2 * h)
    np.testing.assert_allclose(res.observed_information, 300 * H, rtol=1e-6)


def _design(rng, n=300):
    return np.column_stack([np.ones(n), rng.normal(size=(n, 2))])


def test_logistic_regression_bse_matches_statsmodels():
    sm = pytest.importorskip("statsmodels.api")
    rng = np.random.default_rng(3)
    X = _design(rng)
    y = (rng.uniform(size=300) < 1 / (1 + np.exp(-X @ [0.3, 1.0, -0.7]))).astype(float)
    res = ig.NaturalGradientDescent(ig.models.logistic_regression(X, y), gtol=1e-12).minimize()
    ref = sm.GLM(y, X, family=sm.families.Binomial()).fit(tol=1e-14)
    np.testing.assert_allclose(res.x, ref.params, rtol=1e-8)
    np.testing.assert_allclose(res.stderr, ref.bse, rtol=1e-7)
    np.testing.assert_allclose(res.conf_int(), ref.conf_int(), rtol=1e-7)


def test_poisson_regression_bse_matches_statsmodels():
    sm = pytest.importorskip("statsmodels.api")
    rng = np.random.default_rng(4)
    X = _design(rng)
    y = rng.poisson(np.exp(X @ [0.5, 0.3, -0.2])).astype(float)
    res = ig.NaturalGradientDescent(ig.models.poisson_regression(X, y), gtol=1e-12).minimize()
    ref = sm.GLM(y, X, family=sm.families.Poisson()).fit(tol=1e-14)
    np.testing.assert_allclose(res.stderr, ref.bse, rtol=1e-7)


def test_linear_regression_bse_matches_statsmodels_at_the_mle_scale():
    """With σ estimated, infogeo's information uses the MLE σ̂² = RSS/n; statsmodels' GLM
    given that scale has the same bse for w; se(σ̂) = σ̂/√(2n)."""
    sm = pytest.importorskip("statsmodels.api")
    rng = np.random.default_rng(5)
    X = _design(rng)
    y = X @ [1.0, 2.0, -1.0] + rng.normal(0, 0.7, 300)
    res = ig.NaturalGradientDescent(ig.models.linear_regression(X, y), gtol=1e-12).minimize()
    ols = sm.OLS(y, X).fit()
    scale = float(np.sum(ols.resid**2) / 300)
    ref = sm.GLM(y, X, family=sm.families.Gaussian()).fit(scale=scale)
    np.testing.assert_allclose(res.stderr[:3], ref.bse, rtol=1e-7)
    assert res.stderr[3] == pytest.approx(np.sqrt(scale) / np.sqrt(600), rel=1e-7)


def test_regions():
    rng = np.random.default_rng(6)
    x = rng.normal(0.0, 1.0, 80)
    N = ig.Normal()
    res = ig.fit(N, x)
    ball = res.confidence_ball(0.95)
    assert ball.radius == pytest.approx(np.sqrt(scipy.stats.chi2.ppf(0.95, 2) / 80))
    edge = ball.boundary(40)
    np.testing.assert_allclose(N.dist(np.broadcast_to(res.x, edge.shape), edge), ball.radius)
    assert ball.contains(res.x) and not ball.contains(res.x + np.array([0.0, 2 * ball.radius]))
    ell = res.confidence_ellipsoid(0.95)
    rim = ell.boundary(40)
    q = np.einsum("ni,ij,nj->n", rim - res.x, res.fisher_information, rim - res.x)
    np.testing.assert_allclose(q, scipy.stats.chi2.ppf(0.95, 2), rtol=1e-10)
    assert ell.contains(res.x) and not ell.contains(res.x + 3 * np.sqrt(ell.chi2) * res.stderr)


def test_jeffreys_prior_closed_forms():
    np.testing.assert_allclose(
        ig.Normal().jeffreys_prior([[0.0, 0.5], [3.0, 2.0]]), np.sqrt(2) / np.array([0.25, 4.0])
    )
    p = np.array([[0.1], [0.5]])
    np.testing.assert_allclose(ig.Bernoulli().jeffreys_prior(p), 1 / np.sqrt(p * (1 - p))[:, 0])
    assert ig.Poisson().jeffreys_prior([4.0]) == pytest.approx(0.5)


def test_bad_level_and_kind():
    res = ig.fit(ig.Poisson(), [1, 2, 3])
    with pytest.raises(ValueError, match="level"):
        res.conf_int(1.5)
    with pytest.raises(ValueError, match="kind"):
        res.covariance("sandwich")


def test_unidentifiable_information_is_reported():
    from infogeo.inference import covariance_from_information

    with pytest.raises(ValueError, match="not positive definite"):
        covariance_from_information(np.array([[1.0, 1.0], [1.0, 1.0]]))

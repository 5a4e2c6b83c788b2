"""ig.fit: maximum-likelihood estimates against closed forms, scipy.stats and Minka."""

import numpy as np
import pytest
import scipy.special
import scipy.stats

import infogeo as ig
from infogeo.optim import KLTrustRegion
from infogeo.statistics import (
    Bernoulli,
    Beta,
    Categorical,
    Dirichlet,
    Exponential,
    Gamma,
    Normal,
    Poisson,
)

RNG = np.random.default_rng(20261125)


def test_normal_closed_form():
    data = RNG.normal(1.5, 0.7, size=500)
    res = ig.fit(Normal(), data)
    assert res.success, res.message
    np.testing.assert_allclose(res.x, [data.mean(), data.std()], rtol=1e-10)


def test_poisson_closed_form():
    data = RNG.poisson(3.2, size=400)
    res = ig.fit(Poisson(), data)
    assert res.success
    np.testing.assert_allclose(res.x, [data.mean()], rtol=1e-10)


def test_exponential_closed_form():
    data = RNG.exponential(1 / 2.5, size=400)
    res = ig.fit(Exponential(), data)
    assert res.success
    np.testing.assert_allclose(res.x, [1 / data.mean()], rtol=1e-10)


def test_bernoulli_closed_form():
    data = (RNG.uniform(size=300) < 0.3).astype(float)
    res = ig.fit(Bernoulli(), data)
    assert res.success
    np.testing.assert_allclose(res.x, [data.mean()], rtol=1e-10)


def test_categorical_closed_form():
    data = RNG.choice(4, size=600, p=[0.1, 0.2, 0.3, 0.4])
    freq = np.bincount(data, minlength=4) / data.size
    res = ig.fit(Categorical(4), data)
    assert res.success
    np.testing.assert_allclose(res.x, freq[:-1], rtol=1e-10)


def test_gamma_matches_scipy_stats():
    data = RNG.gamma(0.8, 1 / 3.0, size=800)
    shape, _, scale = scipy.stats.gamma.fit(data, floc=0)
    res = ig.fit(Gamma(), data)
    assert res.success and res.nit <= 15
    np.testing.assert_allclose(res.x, [shape, 1 / scale], rtol=1e-7)


def test_beta_matches_scipy_stats():
    data = RNG.beta(0.6, 2.5, size=800)
    a, b, _, _ = scipy.stats.beta.fit(data, floc=0, fscale=1)
    res = ig.fit(Beta(), data)
    assert res.success and res.nit <= 15
    np.testing.assert_allclose(res.x, [a, b], rtol=1e-7)


def _inverse_digamma(y):
    """ψ⁻¹(y) by Newton's method from Minka's initialization (Minka 2000, appendix C)."""
    x = np.where(y >= -2.22, np.exp(y) + 0.5, -1.0 / (y + scipy.special.digamma(1.0)))
    for _ in range(50):
        x = x - (scipy.special.digamma(x) - y) / scipy.special.polygamma(1, x)
    return x


def minka_dirichlet_mle(data, tol=1e-14):
    """Minka's fixed point α ← ψ⁻¹(ψ(Σα) + mean log x), from the moment estimate."""
    mean_log = np.log(data).mean(axis=0)
    m, m2 = data.mean(axis=0), (data**2).mean(axis=0)
    alpha = m * (m[0] - m2[0]) / (m2[0] - m[0] ** 2)
    for _ in range(100_000):
        new = _inverse_digamma(scipy.special.digamma(alpha.sum()) + mean_log)
        if np.max(np.abs(new - alpha)) <= tol * np.max(alpha):
            return new
        alpha = new
    raise AssertionError("Minka's fixed point did not converge")


def test_dirichlet_matches_minka_fixed_point():
    data = RNG.dirichlet([0.5, 1.5, 3.0], size=600)
    ref = minka_dirichlet_mle(data)
    res = ig.fit(Dirichlet(3), data)
    assert res.success and res.nit <= 15
    np.testing.assert_allclose(res.x, ref, rtol=1e-8)


def test_fit_accepts_start_point_and_options():
    data = RNG.gamma(2.0, 1.0, size=200)
    res = ig.fit(
        Gamma(),
        data,
        x0=[0.1, 5.0],
        gtol=1e-12,
        max_iter=2000,
        line_search=KLTrustRegion(0.5, max_step=1.0),
    )
    shape, _, scale = scipy.stats.gamma.fit(data, floc=0)
    assert res.success
    np.testing.assert_allclose(res.x, [shape, 1 / scale], rtol=1e-7)


@pytest.mark.parametrize(
    ("family", "data"),
    [
        (Poisson(), [1.0, -2.0, 3.0]),
        (Bernoulli(), [0.0, 0.5, 1.0]),
        (Exponential(), [1.0, -0.1]),
        (Beta(), [0.2, 1.5]),
    ],
)
def test_data_outside_support(family, data):
    with pytest.raises(ValueError, match="data"):
        ig.fit(family, data)


def test_fit_bad_options():
    with pytest.raises(TypeError, match="unknown option"):
        ig.fit(Normal(), [1.0, 2.0], tolerance=1e-3)
    with pytest.raises(ValueError, match="x0"):
        ig.fit(Normal(), [1.0, 2.0], x0=[0.0, -1.0])

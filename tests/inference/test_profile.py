"""Profile likelihoods against closed-form profiles."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.optimize
from scipy.special import gammaln

import infogeo as ig


def test_normal_profile_of_the_mean():
    rng = np.random.default_rng(0)
    x = rng.normal(1.0, 2.0, 100)
    values = np.linspace(0.0, 2.0, 9)
    prof = ig.profile_likelihood(ig.Normal(), x, 0, values)
    s2 = np.mean((x[None] - values[:, None]) ** 2, axis=1)  # σ̂²(μ)
    np.testing.assert_allclose(prof.loglik, -50 * np.log(2 * np.pi * s2) - 50, rtol=1e-10)
    np.testing.assert_allclose(prof.params[:, 1], np.sqrt(s2), rtol=1e-8)


def test_gamma_profile_of_the_shape():
    """With α fixed the rate's maximizer is β̂ = α / x̄."""
    rng = np.random.default_rng(1)
    x = rng.gamma(3.0, 0.5, 200)
    values = np.array([1.5, 2.0, 2.5, 3.5, 4.5])
    prof = ig.profile_likelihood(ig.Gamma(), x, 0, values)
    b = values / x.mean()
    ll = np.array(
        [
            np.sum(a * np.log(bb) - gammaln(a) + (a - 1) * np.log(x) - bb * x)
            for a, bb in zip(values, b)
        ]
    )
    np.testing.assert_allclose(prof.params[:, 1], b, rtol=1e-8)
    np.testing.assert_allclose(prof.loglik, ll, rtol=1e-10)
    assert np.all(prof.statistic >= 0)


def test_poisson_likelihood_ratio_interval():
    rng = np.random.default_rng(2)
    x = rng.poisson(2.0, 50)
    m, n = x.mean(), 50
    prof = ig.profile_likelihood(ig.Poisson(), x, 0, np.linspace(1.0, 3.5, 2001))

    cut = 3.841458820694124  # χ²₁ at 0.95
    lo = scipy.optimize.brentq(lambda l: 2 * n * (m * np.log(m / l) - m + l) - cut, 0.5, m)
    hi = scipy.optimize.brentq(lambda l: 2 * n * (m * np.log(m / l) - m + l) - cut, m, 10)
    np.testing.assert_allclose(prof.conf_int(0.95), (lo, hi), atol=1e-5)


def test_bad_input():
    with pytest.raises(ValueError, match="index"):
        ig.profile_likelihood(ig.Normal(), [0.0, 1.0], 2, [0.0])
    with pytest.raises(ValueError, match="sigma > 0"):
        ig.profile_likelihood(ig.Normal(), [0.0, 1.0, 3.0], 1, [-1.0, 1.0])
    prof = ig.profile_likelihood(ig.Poisson(), [1, 2, 3], 0, [1.9, 2.1])
    with pytest.raises(ValueError, match="widen"):
        prof.conf_int()

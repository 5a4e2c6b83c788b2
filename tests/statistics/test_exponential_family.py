"""Exponential-family structure of the built-in families, checked against the
families' own closed forms (log-density, Fisher metric, KL), autograd, scipy."""

from __future__ import annotations

import autograd
import autograd.numpy as anp
import numpy as np
import pytest
import scipy.stats as st
from scipy.special import gammaln

import infogeo as ig
from infogeo.statistics.families._expfam import (
    dirichlet_from_mean_log,
    gamma_shape_from_gap,
    mean_log,
)

CASES = {
    "normal": (ig.Normal(), [[0.3, 1.5], [-40.0, 0.02]]),
    "mvn": (ig.MultivariateNormal(3), None),
    "bernoulli": (ig.Bernoulli(), [[0.3], [1e-6]]),
    "binomial": (ig.Binomial(7), [[0.3], [0.999]]),
    "categorical": (ig.Categorical(4), [[0.1, 0.2, 0.3], [1e-5, 0.5, 0.25]]),
    "poisson": (ig.Poisson(), [[2.5], [300.0]]),
    "exponential": (ig.Exponential(), [[2.5], [1e-4]]),
    "geometric": (ig.Geometric(), [[0.3], [0.999]]),
    "gamma": (ig.Gamma(), [[2.5, 1.3], [0.05, 50.0]]),
    "beta": (ig.Beta(), [[2.5, 1.3], [0.2, 400.0]]),
    "dirichlet": (ig.Dirichlet(3), [[2.5, 1.3, 0.4], [0.07, 30.0, 5.0]]),
}


def case(name):
    F, th = CASES[name]
    th = F.random_point(2, rng=3) if th is None else np.array(th, dtype=float)
    return F, th


@pytest.fixture(params=sorted(CASES))
def fam(request):
    return case(request.param)


def test_every_family_is_exponential(fam):
    F, _ = fam
    assert F.is_exponential_family
    assert not ig.ParametricFamily(
        lambda x, t: -0.5 * (x - t[0]) ** 2, 1, "real"
    ).is_exponential_family


def test_round_trips(fam):
    F, th = fam
    np.testing.assert_allclose(F.from_natural(F.natural(th)), th, rtol=1e-12)
    np.testing.assert_allclose(F.from_expectation(F.expectation(th)), th, rtol=1e-9)


def test_log_density_is_the_exponential_form(fam):
    """log p(x|θ) = ⟨ϑ, t(x)⟩ − ψ(ϑ) + log h(x) against the family's own log_prob."""
    F, th = fam
    x = F.sample(th, size=7, rng=0)
    nat = F.natural(th)
    lp = np.sum(nat * F.sufficient_statistic(x), -1) - F.log_partition(nat) + F.log_base_measure(x)
    np.testing.assert_allclose(lp, F.log_prob(x, th), rtol=1e-10, atol=1e-10)


def test_expectation_is_gradient_of_log_partition(fam):
    F, th = fam
    nat = F.natural(th)
    grad = np.stack([autograd.grad(lambda v: F._log_partition(v))(n) for n in nat])
    np.testing.assert_allclose(F.expectation(th), grad, rtol=1e-9, atol=1e-12)


def test_fisher_is_hessian_of_log_partition(fam):
    """Jᵀ ∇²ψ J against the closed-form Fisher metric of the family."""
    F, th = fam
    J = F.natural_jacobian(th)
    H = F.natural_fisher(F.natural(th))
    G = np.einsum("...ia,...ij,...jb->...ab", J, H, J)
    ref = F.metric(th)
    np.testing.assert_allclose(G, ref, rtol=1e-9, atol=1e-12 * np.max(np.abs(ref)))


def test_bregman_is_kl(fam):
    F, th = fam
    np.testing.assert_allclose(F.bregman(th[0], th[1]), F.kl(th[0], th[1]), rtol=1e-9)
    np.testing.assert_allclose(F.bregman(th[1], th[0]), F.kl(th[1], th[0]), rtol=1e-9)
    np.testing.assert_allclose(F.bregman(th, th), 0.0, atol=1e-12)


def _scipy_entropy(name, F, t):
    if name == "normal":
        return st.norm(t[0], t[1]).entropy(), 0.0
    if name == "mvn":
        m, S = F.unpack(t)
        return st.multivariate_normal(m, S).entropy(), 0.0
    if name in ("bernoulli", "binomial"):
        x = np.arange(F.n + 1)
        pmf = st.binom(F.n, t[0]).pmf(x)
        logh = gammaln(F.n + 1) - gammaln(x + 1) - gammaln(F.n - x + 1)
        return st.binom(F.n, t[0]).entropy(), np.sum(pmf * logh)
    if name == "categorical":
        return st.entropy(F.unpack(t)), 0.0
    if name == "poisson":
        x = np.arange(2000)
        pmf = st.poisson(t[0]).pmf(x)
        return st.poisson(t[0]).entropy(), -np.sum(pmf * gammaln(x + 1))
    if name == "exponential":
        return st.expon(scale=1 / t[0]).entropy(), 0.0
    if name == "geometric":
        return st.geom(t[0], loc=-1).entropy(), 0.0
    if name == "gamma":
        return st.gamma(t[0], scale=1 / t[1]).entropy(), 0.0
    if name == "beta":
        return st.beta(t[0], t[1]).entropy(), 0.0
    return st.dirichlet(t).entropy(), 0.0


@pytest.mark.parametrize("name", sorted(CASES))
def test_neg_entropy_against_scipy(name):
    """φ(η) = −H − E[log h] (scipy's entropy; E log h by exact sums)."""
    F, th = case(name)
    t = th[0]
    H, elogh = _scipy_entropy(name, F, t)
    np.testing.assert_allclose(F.neg_entropy(F.expectation(t)), -H - elogh, rtol=1e-9, atol=1e-12)


def test_bad_natural_and_expectation_parameters():
    with pytest.raises(ValueError, match="natural parameter space"):
        ig.Normal().from_natural([0.0, 1.0])
    with pytest.raises(ValueError, match="natural parameter space"):
        ig.Gamma().log_partition([-2.0, -1.0])
    with pytest.raises(ValueError, match="eta_2 > eta_1"):
        ig.Normal().from_expectation([1.0, 0.5])
    with pytest.raises(ValueError, match="Jensen"):
        ig.Gamma().from_expectation([1.0, 1.0])  # E log x = log E x: not a Gamma
    with pytest.raises(ValueError, match="Jensen"):
        ig.Dirichlet(3).from_expectation([-1.0, -1.0, -1.0])  # Σ e^η > 1
    with pytest.raises(ValueError, match="shape"):
        ig.Beta().from_natural([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="finite"):
        ig.Poisson().from_expectation([np.nan])


def test_gamma_shape_solve_over_many_scales():
    from scipy.special import digamma

    from infogeo.statistics.families._expfam import _log_minus_digamma

    a = np.logspace(1.5, 4, 50)  # the series against the (cancelling) direct difference
    ref = np.log(a) - digamma(a)
    assert np.all(np.abs(_log_minus_digamma(a) - ref) <= 4e-15 * np.log(a))
    a = np.logspace(-8, 10, 200)  # the solve inverts log a − ψ(a) at every scale
    np.testing.assert_allclose(gamma_shape_from_gap(_log_minus_digamma(a)), a, rtol=1e-10)
    with pytest.raises(ig.ConvergenceError):
        gamma_shape_from_gap(np.array([0.3]), max_iter=1)


def test_dirichlet_solve_small_and_large_concentrations():
    F = ig.Dirichlet(4)
    alpha = np.array([[1e-3, 0.5, 2.0, 1e4], [50.0, 50.0, 50.0, 50.0], [0.02, 0.03, 0.01, 0.05]])
    np.testing.assert_allclose(dirichlet_from_mean_log(F.expectation(alpha)), alpha, rtol=1e-8)


def test_mean_log_matches_plain_mean():
    rng = np.random.default_rng(0)
    for x in (rng.gamma(0.5, 3.0, 100_003), rng.beta(0.3, 2.0, 5000), np.array([1e-30, 2.0] * 600)):
        assert abs(mean_log(x) - np.mean(np.log(x))) < 1e-13 * max(1.0, abs(np.mean(np.log(x))))


# ---------------------------------------------------------------------- fit (issue 15.4)
@pytest.mark.parametrize("name", sorted(CASES))
def test_fit_by_sufficient_statistic_equals_descent(name):
    """The closed/Newton MLE from t̄ against natural gradient descent on the full nll."""
    F, th = case(name)
    x = F.sample(th[0], size=4000, rng=5)
    fast = ig.fit(F, x)
    slow = ig.fit(F, x, gtol=1e-11)  # any option keeps the iterative path
    assert fast.success and fast.message.startswith("maximum likelihood by the sufficient")
    assert not slow.message.startswith("maximum likelihood by the sufficient")
    np.testing.assert_allclose(fast.x, slow.x, rtol=1e-7, atol=1e-9)
    assert fast.fun <= slow.fun + 1e-12
    np.testing.assert_allclose(fast.fun, F.nll(fast.x, x), rtol=1e-12)
    assert fast.grad_norm < 1e-8
    assert set(slow) <= set(fast) and fast.history["fun"].shape == (1,)


def test_fit_against_scipy():
    rng = np.random.default_rng(1)
    x = rng.gamma(2.5, 1 / 1.3, 20000)
    a, _, scale = st.gamma.fit(x, floc=0)
    r = ig.fit(ig.Gamma(), x)
    np.testing.assert_allclose(r.x, [a, 1 / scale], rtol=1e-5)
    assert r.fun <= ig.Gamma().nll(np.array([a, 1 / scale]), x) + 1e-13
    y = rng.beta(0.4, 3.0, 20000)
    a, b, _, _ = st.beta.fit(y, floc=0, fscale=1)
    r = ig.fit(ig.Beta(), y)
    np.testing.assert_allclose(r.x, [a, b], rtol=1e-4)
    assert r.fun <= ig.Beta().nll(np.array([a, b]), y) + 1e-13


def test_fit_on_boundary_falls_back():
    """All observations equal: no MLE in the open family, the iterative path reports."""
    r = ig.fit(ig.Poisson(), np.zeros(10))
    assert not r.message.startswith("maximum likelihood by the sufficient")


def test_log_partition_third_derivative_for_categorical_is_exact():
    F = ig.Categorical(3)
    nat = F.natural(np.array([0.2, 0.5]))
    p = np.array([0.2, 0.5])
    T = F._natural_third(nat)
    ref = (
        np.einsum("i,ij,ik->ijk", p, np.eye(2), np.eye(2))
        - (
            np.einsum("i,j,ik->ijk", p, p, np.eye(2))
            + np.einsum("i,j,jk->ijk", p, p, np.eye(2))
            + np.einsum("i,k,ij->ijk", p, p, np.eye(2))
        )
        + 2 * np.einsum("i,j,k->ijk", p, p, p)
    )
    np.testing.assert_allclose(T, ref, atol=1e-14)
    assert anp is not None

"""NaturalGradientDescent: the same loop on a statistical manifold or predictive model."""

import autograd.numpy as anp
import numpy as np
import pytest
import statsmodels.api as sm

import infogeo as ig
from infogeo.optim import NaturalGradientDescent, RiemannianGradientDescent
from infogeo.statistics import Gamma, Normal


def test_one_step_of_size_one_on_normal_mean_with_known_sigma_is_sample_mean():
    """With σ known the Fisher information of μ is 1/σ² and ∇L = −(x̄ − μ)/σ², so
    μ − F⁻¹∇L = x̄ exactly."""
    family, sigma = Normal(), 2.0
    data = np.random.default_rng(3).normal(0.4, sigma, size=250)
    np.testing.assert_allclose(family.fisher([0.0, sigma])[0, 0], 1 / sigma**2)
    mean_only = ig.MetricManifold(lambda m: anp.eye(1) / sigma**2, 1)
    nll = lambda m: family.nll(anp.concatenate([m, anp.array([sigma])]), data)  # noqa: E731
    res = ig.minimize(nll, [-3.0], mean_only, line_search=None, step_size=1.0, max_iter=1)
    np.testing.assert_allclose(res.x, [data.mean()], rtol=1e-13)


def test_first_fisher_scoring_step_on_normal_lands_mu_on_sample_mean():
    """F = diag(1/σ², 2/σ²) is diagonal, so the μ-component of one step is x̄ − μ whatever σ."""
    data = np.random.default_rng(4).normal(-1.0, 0.5, size=100)
    res = NaturalGradientDescent(Normal(), data, line_search=None, max_iter=1).minimize(
        x0=[2.0, 3.0]
    )
    np.testing.assert_allclose(res.x[0], data.mean(), rtol=1e-13)


def test_same_loop_as_riemannian_gradient_descent():
    family = Gamma()
    data = family.sample([1.5, 2.0], size=200, rng=5)
    ngd = NaturalGradientDescent(family, data, gtol=1e-10).minimize()
    rgd = RiemannianGradientDescent(family, gtol=1e-10).minimize(
        lambda t: family.nll(t, data),
        family.initial_point(data),
        lambda t: family.nll_grad(t, data),
    )
    assert isinstance(ngd, ig.OptimizeResult)
    np.testing.assert_array_equal(ngd.x, rgd.x)
    for key in ngd.history:
        np.testing.assert_array_equal(ngd.history[key], rgd.history[key])


def test_reparametrization_changes_plain_gd_but_not_natural_gradient():
    """Gamma in (shape, rate) and (log shape, log rate): natural gradient is invariant to
    first order, so its iteration counts stay close; plain gradient descent's do not."""
    family = Gamma()
    logs = family.reparametrize(anp.log, anp.exp)
    data = family.sample([2.0, 0.5], size=300, rng=1)
    counts = {}
    for name, fam in (("natural", family), ("log", logs)):
        x0 = np.ones(2) if fam is family else np.zeros(2)  # both start at shape = rate = 1
        ng = ig.fit(fam, data, x0=x0)
        gd = ig.minimize(
            lambda t, f=fam: f.nll(t, data),
            x0,
            _EuclideanOn(fam),
            grad=lambda t, f=fam: f.nll_grad(t, data),
            gtol=1e-6,
            max_iter=20000,
        )
        assert ng.success and gd.success
        counts[name] = (ng.nit, gd.nit)
    (ng_a, gd_a), (ng_b, gd_b) = counts["natural"], counts["log"]
    assert abs(ng_a - ng_b) <= 2
    # plain GD: 161 against 59 iterations (Barzilai-Borwein first trials; 339 against 64
    # with the exact line minimum): a factor well beyond natural gradient's ±2
    assert max(gd_a, gd_b) >= 2 * min(gd_a, gd_b)


class _EuclideanOn(ig.Euclidean):
    """The identity metric on a family's domain (plain gradient descent)."""

    def __init__(self, family):
        super().__init__(family.dim)
        self.family = family

    def belongs(self, p):
        return self.family.belongs(p)

    def check_point(self, p, name="p"):
        return self.family.check_point(p, name)


def test_predictive_model_logistic_regression_matches_statsmodels():
    rng = np.random.default_rng(0)
    X = np.column_stack([np.ones(200), rng.standard_normal((200, 2))])
    y = (rng.uniform(size=200) < 1 / (1 + np.exp(-X @ [0.3, -1.0, 2.0]))).astype(float)
    model = ig.models.logistic_regression(X, y)
    res = NaturalGradientDescent(model, gtol=1e-10).minimize()
    ref = sm.Logit(y, X).fit(disp=0, tol=1e-12)
    assert res.success and res.nit <= 15
    np.testing.assert_allclose(res.x, ref.params, rtol=1e-8)


def test_model_without_nll_or_data():
    with pytest.raises(TypeError, match="nll"):
        NaturalGradientDescent(ig.Euclidean(2))
    with pytest.raises(TypeError, match="needs data"):
        NaturalGradientDescent(Normal())


def test_model_options_are_checked():
    with pytest.raises(TypeError, match="did you mean 'max_iter'"):
        NaturalGradientDescent(Normal(), [1.0, 2.0], maxiter=3)


def test_kl_trust_region_step_moves_the_distribution_by_kl_eps():
    """½dᵀFd = ε is the second-order KL: the closed-form KL of one step is ε(1 + O(√ε))."""
    family = Gamma()
    data = family.sample([3.0, 1.0], size=300, rng=6)
    for eps in (1e-4, 1e-6):
        res = NaturalGradientDescent(family, data, trust_region=eps, max_iter=1).minimize(
            x0=[1.0, 2.0]
        )
        kl = family.kl(np.array([1.0, 2.0]), res.x)
        assert abs(kl / eps - 1.0) < 3 * np.sqrt(eps)


def test_fit_with_exponential_map_agrees_with_retraction():
    """Normal has a closed-form exp (hyperbolic geodesics); both updates reach the MLE."""
    data = np.random.default_rng(7).normal(2.0, 0.3, size=200)
    mle = [data.mean(), data.std()]
    for retraction in ("exp", "retract"):
        res = ig.fit(Normal(), data, x0=[0.0, 1.0], retraction=retraction)
        assert res.success, res.message
        np.testing.assert_allclose(res.x, mle, rtol=1e-10)

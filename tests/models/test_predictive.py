"""The generic PredictiveModel: pull-back metric from a family and a predictor."""

from __future__ import annotations

import autograd.numpy as anp
import numpy as np
import pytest

from infogeo.models import PredictiveModel, logistic_regression


def _sigmoid_predict(w, X):
    return 1.0 / (1.0 + anp.exp(-(X @ w)))


def test_generic_model_fisher_scoring_matches_closed_form(logistic_data, local_bernoulli):
    X, y = logistic_data
    model = PredictiveModel(local_bernoulli, _sigmoid_predict, X, y, w0=np.zeros(4))
    closed = logistic_regression(X, y)
    w, wc = model.initial_point(), closed.initial_point()
    for _ in range(6):
        w = w - model.riemannian_gradient(w, model.nll_grad(w))
        wc = wc - closed.riemannian_gradient(wc, closed.nll_grad(wc))
    np.testing.assert_allclose(w, wc, rtol=1e-9)
    assert repr(model) == "PredictiveModel(n=400, dim=4)"
    assert model.n_samples == 400


def test_generic_metric_batches_and_is_psd(logistic_data, local_bernoulli):
    X, y = logistic_data
    model = PredictiveModel(local_bernoulli, _sigmoid_predict, X, y, dim=4)
    W = np.random.default_rng(0).standard_normal((2, 3, 4)) * 0.2
    G = model.metric(W)
    assert G.shape == (2, 3, 4, 4)
    np.testing.assert_allclose(G[1, 2], model.metric(W[1, 2]), rtol=1e-13)
    assert np.all(np.linalg.eigvalsh(G) > 0)
    D = model.riemannian_gradient(W, np.ones((2, 3, 4)))
    np.testing.assert_allclose(np.einsum("...ij,...j->...i", G, D), 1.0, rtol=1e-10)


def test_subset_is_a_minibatch(logistic_data, local_bernoulli):
    X, y = logistic_data
    model = PredictiveModel(local_bernoulli, _sigmoid_predict, X, y, dim=4)
    sub = model.subset(np.arange(10, 60))
    direct = PredictiveModel(local_bernoulli, _sigmoid_predict, X[10:60], y[10:60], dim=4)
    w = np.full(4, 0.1)
    assert sub.n_samples == 50 and model.n_samples == 400
    assert sub.nll(w) == direct.nll(w)
    np.testing.assert_allclose(sub.metric(w), direct.metric(w), rtol=1e-14)
    with pytest.raises(ValueError, match="no examples"):
        model.subset(np.arange(0))


def test_singular_metric_asks_for_damping(local_bernoulli):
    X = np.column_stack([np.ones(5), np.ones(5)])  # two identical columns
    y = np.array([0, 1, 0, 1, 1.0])
    model = PredictiveModel(local_bernoulli, _sigmoid_predict, X, y, dim=2)
    w = model.initial_point()
    with pytest.raises(ValueError, match="damping"):
        model.riemannian_gradient(w, model.nll_grad(w))
    d = model.riemannian_gradient(w, model.nll_grad(w), damping=1e-8)
    assert np.all(np.isfinite(d))


def test_generic_bad_input(logistic_data, local_bernoulli):
    X, y = logistic_data
    with pytest.raises(TypeError, match=r"w0=.*dim="):
        PredictiveModel(local_bernoulli, _sigmoid_predict, X, y)
    with pytest.raises(TypeError, match="callable"):
        PredictiveModel(local_bernoulli, "sigmoid", X, y, dim=4)
    with pytest.raises(ValueError, match="same number of rows"):
        PredictiveModel(local_bernoulli, _sigmoid_predict, X, y[:10], dim=4)
    with pytest.raises(ValueError, match="disagrees"):
        PredictiveModel(local_bernoulli, _sigmoid_predict, X, y, dim=3, w0=np.zeros(4))
    with pytest.raises(ValueError, match="finite"):
        PredictiveModel(local_bernoulli, _sigmoid_predict, X, np.where(y > 0, np.nan, y), dim=4)


@pytest.mark.parametrize("label", [2.0, -1.0, 0.5])
def test_labels_outside_support(logistic_data, local_bernoulli, checking_bernoulli, label):
    X, y = logistic_data
    y_bad = y.copy()
    y_bad[7] = label
    # no data check on the family: found from a zero probability at the start weights
    with pytest.raises(ValueError, match=r"y\[7\] = .* zero probability"):
        PredictiveModel(local_bernoulli, _sigmoid_predict, X, y_bad, dim=4)
    # the family's own check_data is used when it has one
    with pytest.raises(ValueError, match=r"outside the support.*0 or 1"):
        PredictiveModel(checking_bernoulli, _sigmoid_predict, X, y_bad, dim=4)


# ------------------------------------------------ with infogeo.statistics families
def test_bernoulli_family_pullback_equals_logistic_closed_form(logistic_data):
    import infogeo as ig

    X, y = logistic_data
    generic = PredictiveModel(ig.Bernoulli(), _sigmoid_predict, X, y, dim=4)
    closed = logistic_regression(X, y)
    assert isinstance(closed.family, ig.Bernoulli)
    w = np.array([0.2, -0.1, 0.3, 0.1])
    np.testing.assert_allclose(generic.metric(w), closed.metric(w), rtol=1e-10)
    assert generic.nll(w) == pytest.approx(closed.nll(w), rel=1e-12)
    np.testing.assert_allclose(generic.nll_grad(w), closed.nll_grad(w), rtol=1e-10, atol=1e-15)
    v = np.arange(4.0)
    fvp = generic.fisher_vector_product(w, v)
    np.testing.assert_allclose(fvp, closed.metric(w) @ v, rtol=1e-10)
    with pytest.raises(ValueError, match="outside the support"):
        PredictiveModel(ig.Bernoulli(), _sigmoid_predict, X, np.where(y > 0, 2.0, y), dim=4)


def test_poisson_family_pullback_equals_closed_form(poisson_data):
    import infogeo as ig
    from infogeo.models import poisson_regression

    X, y = poisson_data
    generic = PredictiveModel(ig.Poisson(), lambda w, X: anp.exp(X @ w), X, y, dim=3)
    closed = poisson_regression(X, y)
    w = np.array([0.4, 0.2, -0.3])
    np.testing.assert_allclose(generic.metric(w), closed.metric(w), rtol=1e-10)
    assert generic.nll(w) == pytest.approx(closed.nll(w), rel=1e-12)
    with pytest.raises(ValueError, match="outside the support"):
        PredictiveModel(ig.Poisson(), lambda w, X: anp.exp(X @ w), X, -y - 1, dim=3)


def test_normal_family_pullback_equals_linear_regression():
    import infogeo as ig
    from infogeo.models import linear_regression

    rng = np.random.default_rng(2)
    X = rng.standard_normal((60, 2))
    y = X @ [1.0, -1.0] + rng.standard_normal(60)

    def predict(theta, X):
        mu = X @ theta[:2]
        return anp.stack([mu, theta[2] + 0.0 * mu], axis=1)

    generic = PredictiveModel(ig.Normal(), predict, X, y, w0=np.array([0.0, 0.0, 1.0]))
    closed = linear_regression(X, y)
    theta = np.array([0.5, -0.2, 1.3])
    np.testing.assert_allclose(generic.metric(theta), closed.metric(theta), rtol=1e-10)
    assert generic.nll(theta) == pytest.approx(closed.nll(theta), rel=1e-12)


def test_categorical_family_pullback_equals_softmax_closed_form(softmax_data):
    import infogeo as ig
    from infogeo.models import softmax_regression

    X, y = softmax_data
    closed = softmax_regression(X, y)
    generic = PredictiveModel(ig.Categorical(3), closed._predict, X, y, dim=closed.dim)
    w = np.linspace(-0.4, 0.4, closed.dim)
    np.testing.assert_allclose(generic.metric(w), closed.metric(w), rtol=1e-9)
    assert generic.nll(w) == pytest.approx(closed.nll(w), rel=1e-12)
    np.testing.assert_allclose(generic.nll_grad(w), closed.nll_grad(w), atol=1e-13)


def test_identity_link_poisson_outside_domain_is_infinite_and_fit_works():
    import infogeo as ig
    from infogeo.optim import NaturalGradientDescent

    rng = np.random.default_rng(8)
    X = np.column_stack([np.ones(300), rng.uniform(0, 2, 300)])
    y = rng.poisson(X @ [1.0, 2.0]).astype(float)

    def predict(w, X):
        return X @ w  # identity link: the rate must stay positive

    model = PredictiveModel(ig.Poisson(), predict, X, y, w0=np.array([1.0, 1.0]))
    assert model.nll(np.array([-1.0, 0.0])) == np.inf
    res = NaturalGradientDescent(model, gtol=1e-10).minimize()
    assert res.success, res.message
    # independent: the identity-link Poisson MLE by statsmodels
    import warnings

    import statsmodels.api as sm

    with warnings.catch_warnings():  # statsmodels warns that the link may leave the domain
        warnings.simplefilter("ignore")
        family = sm.families.Poisson(sm.families.links.Identity())
        ref = sm.GLM(y, X, family=family).fit(tol=1e-13)
    np.testing.assert_allclose(res.x, ref.params, atol=1e-7)

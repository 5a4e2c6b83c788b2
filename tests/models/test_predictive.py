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

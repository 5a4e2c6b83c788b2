"""Hand-written network passes against autograd: per-example Jacobians, J v, Jᵀ U, G v."""

from __future__ import annotations

import autograd
import numpy as np
import pytest

from infogeo.models import mlp_classifier
from infogeo.models.fisher_vector import dense_pullback_metric


@pytest.fixture(params=[("tanh", (5, 4)), ("relu", (6,))])
def model(request):
    activation, hidden = request.param
    rng = np.random.default_rng(3)
    X = rng.standard_normal((40, 3))
    y = rng.integers(0, 4, size=40)
    m = mlp_classifier(X, y, hidden=hidden, activation=activation, l2=0.01, seed=2)
    m.w = m.initial_point() + 0.1 * rng.standard_normal(m.dim)
    return m


def _autograd_jacobian(model, w):
    return autograd.jacobian(lambda v: model._logits(v, model.X))(w)  # (n, K, dim)


def test_per_example_jacobians_match_autograd(model):
    J = model.per_example_jacobians(model.w)
    np.testing.assert_allclose(J, _autograd_jacobian(model, model.w), rtol=1e-12, atol=1e-13)
    # a subset of rows gives those rows' Jacobians
    np.testing.assert_allclose(model.per_example_jacobians(model.w, rows=[4, 7]), J[[4, 7]])


def test_jvp_and_vjp_match_autograd_products(model):
    rng = np.random.default_rng(0)
    J = _autograd_jacobian(model, model.w)
    fp = model.network.forward(model.w, model.X)
    np.testing.assert_allclose(fp.logits, model._logits(model.w, model.X), rtol=1e-14)
    v = rng.standard_normal(model.dim)
    np.testing.assert_allclose(model.network.jvp(fp, v), J @ v, rtol=1e-11, atol=1e-13)
    U = rng.standard_normal(fp.logits.shape)
    np.testing.assert_allclose(
        model.network.vjp(fp, U), np.einsum("nka,nk->a", J, U), rtol=1e-11, atol=1e-13
    )
    # gradient by backpropagation against autograd of the autograd-traceable loss
    np.testing.assert_allclose(
        model.nll_grad(model.w), autograd.grad(model._nll)(model.w), rtol=1e-11, atol=1e-14
    )
    assert model.nll(model.w) == pytest.approx(float(model._nll(model.w)), rel=1e-13)


def test_fisher_vector_products_match_the_dense_pullback_metric(model):
    # independent reference: the generic forward-mode autograd metric of PredictiveModel
    G = dense_pullback_metric(model._outputs, model._output_metric, model.w)
    G[np.diag_indices(model.dim)] += model.l2
    np.testing.assert_allclose(model.metric(model.w), G, rtol=1e-10, atol=1e-13)
    V = np.random.default_rng(1).standard_normal((3, model.dim))
    np.testing.assert_allclose(
        model.fisher_vector_product(model.w, V), V @ G, rtol=1e-10, atol=1e-13
    )
    np.testing.assert_allclose(model._metric_gram(model.w)(V), V @ G @ V.T, rtol=1e-10)


def test_dense_metric_in_row_chunks_is_the_same(model, monkeypatch):
    G = model.metric(model.w)
    monkeypatch.setattr(type(model), "_JACOBIAN_CHUNK", 7 * model.n_classes * model.dim)
    np.testing.assert_allclose(model.metric(model.w), G, rtol=1e-12, atol=1e-15)

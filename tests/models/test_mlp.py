"""The multilayer perceptron classifier and its generalized Gauss–Newton metric."""

from __future__ import annotations

import autograd
import numpy as np
import pytest

from infogeo.models import MLPClassifier, mlp_classifier


@pytest.fixture
def mlp_data():
    rng = np.random.default_rng(9)
    X = rng.standard_normal((150, 3))
    y = (X[:, 0] * X[:, 1] > 0).astype(int) + (X[:, 2] > 0.8)
    return X, y


def test_mlp_metric_symmetric_psd_and_equal_to_ggn(mlp_data):
    X, y = mlp_data
    model = mlp_classifier(X, y, hidden=(6,))
    assert isinstance(model, MLPClassifier)
    assert model.dim == 3 * 6 + 6 + 6 * 3 + 3
    w = model.initial_point()
    G = model.metric(w)
    np.testing.assert_array_equal(G, G.T)
    eig = np.linalg.eigvalsh(G)
    assert eig.min() > -1e-12 * eig.max()
    # singular along "shift every logit": the output-bias direction (1, 1, 1)
    shift = np.zeros(model.dim)
    shift[-3:] = 1.0
    assert np.linalg.norm(G @ shift) < 1e-12
    # independent GGN: Jacobian of the logits by reverse mode, softmax Hessian
    J = autograd.jacobian(lambda v: model._logits(v, X))(w)  # (n, K, dim)
    P = model.predict_proba(w)
    H = np.einsum("nk,kl->nkl", P, np.eye(3)) - P[:, :, None] * P[:, None, :]
    np.testing.assert_allclose(G, np.einsum("nka,nkl,nlb->ab", J, H, J) / 150, atol=1e-13)
    # at a point the GGN is also the Hessian of the loss w.r.t. the logits, pulled back
    Hz = autograd.hessian(lambda Z: _ce(Z, y))(model._logits(w, X))
    Hz_rows = np.einsum("nknl->nkl", Hz.reshape(150, 3, 150, 3)) * 150
    np.testing.assert_allclose(Hz_rows, H, atol=1e-12)


def _ce(Z, y):
    import autograd.numpy as anp

    m = anp.max(Z, axis=1, keepdims=True)
    lse = m[:, 0] + anp.log(anp.sum(anp.exp(Z - m), axis=1))
    return anp.mean(lse - Z[np.arange(len(y)), y])


def test_mlp_damped_natural_gradient_step_decreases_loss(mlp_data):
    X, y = mlp_data
    model = mlp_classifier(X, y, hidden=(8,), seed=1)
    w = model.initial_point()
    f0 = model.nll(w)
    g = model.nll_grad(w)
    np.testing.assert_allclose(g, autograd.grad(model._nll)(w), atol=1e-14)
    for damping in (1e-1, 1.0):
        d = model.riemannian_gradient(w, g, damping=damping)
        assert g @ d > 0
        assert model.nll(w - d) < f0
    # several damped steps keep decreasing and beat the start clearly
    for _ in range(15):
        w = w - model.riemannian_gradient(w, model.nll_grad(w), damping=0.1)
    assert model.nll(w) < 0.5 * f0


def test_mlp_relu_l2_and_nll_value(mlp_data):
    X, y = mlp_data
    model = mlp_classifier(X, y, hidden=(4, 3), activation="relu", l2=0.01)
    w = model.initial_point()
    Z = np.asarray(model._logits(w, X))
    ref = _ce(Z, y) + 0.005 * w @ w
    assert model.nll(w) == pytest.approx(ref, rel=1e-13)
    G = model.metric(w)
    assert np.linalg.eigvalsh(G).min() >= 0.01 - 1e-12
    # reproducible initial point
    np.testing.assert_array_equal(w, mlp_classifier(X, y, hidden=(4, 3), l2=0.01).initial_point())


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"activation": "sigmoid"}, "activation"),
        ({"n_classes": 1}, "n_classes"),
        ({"hidden": (0,)}, "hidden width"),
    ],
)
def test_mlp_bad_options(mlp_data, kwargs, match):
    X, y = mlp_data
    with pytest.raises(ValueError, match=match):
        mlp_classifier(X, y, **kwargs)


def test_mlp_bad_labels(mlp_data):
    X, y = mlp_data
    with pytest.raises(ValueError, match="class labels"):
        mlp_classifier(X, y, n_classes=2)
    with pytest.raises(ValueError, match="same number of rows"):
        mlp_classifier(X[:-1], y)


def test_mlp_through_natural_gradient_descent(mlp_data):
    from infogeo.optim import NaturalGradientDescent

    X, y = mlp_data
    model = mlp_classifier(X, y, hidden=(6,), solver="cg")
    f0 = model.nll(model.initial_point())
    res = NaturalGradientDescent(model, damping=1e-2, max_iter=25).minimize()
    assert res.fun < 0.6 * f0
    assert np.all(np.diff(res.history["fun"]) <= 1e-15)  # monotone with Armijo
    with pytest.raises(NotImplementedError, match="retract"):
        model.christoffel(res.x)

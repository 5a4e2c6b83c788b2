"""Ready-made GLMs against independent fits (IRLS written here, statsmodels, lstsq)."""

from __future__ import annotations

import autograd
import numpy as np
import pytest
import scipy.optimize
import statsmodels.api as sm

import infogeo as ig
from infogeo.models import (
    PredictiveModel,
    linear_regression,
    logistic_regression,
    poisson_regression,
    softmax_regression,
)
from infogeo.optim import NaturalGradientDescent


def irls_logistic(X, y, n_iter):
    """Textbook iteratively reweighted least squares for the logit model."""
    w = np.zeros(X.shape[1])
    iterates = [w]
    for _ in range(n_iter):
        z = X @ w
        p = 1.0 / (1.0 + np.exp(-z))
        W = p * (1.0 - p)
        working = z + (y - p) / W
        w = np.linalg.lstsq(np.sqrt(W)[:, None] * X, np.sqrt(W) * working, rcond=None)[0]
        iterates.append(w)
    return iterates


def natural_gradient_iterates(model, n_iter, step=1.0, damping=0.0):
    w = model.initial_point()
    out = [w]
    for _ in range(n_iter):
        w = w - step * model.riemannian_gradient(w, model.nll_grad(w), damping=damping)
        out.append(w)
    return out


# ---------------------------------------------------------------- logistic
def test_logistic_step_one_reproduces_irls_iterates(logistic_data):
    X, y = logistic_data
    model = logistic_regression(X, y)
    ours = natural_gradient_iterates(model, 8)
    theirs = irls_logistic(X, y, 8)
    for k, (a, b) in enumerate(zip(ours, theirs)):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12, err_msg=f"iterate {k}")


def test_logistic_reaches_statsmodels_logit(logistic_data):
    X, y = logistic_data
    ref = sm.Logit(y, X).fit(disp=0, method="newton", tol=1e-14, maxiter=100).params
    w = natural_gradient_iterates(logistic_regression(X, y), 12)[-1]
    np.testing.assert_allclose(w, ref, rtol=0, atol=1e-8)


def test_logistic_through_natural_gradient_descent(logistic_data):
    X, y = logistic_data
    ref = sm.Logit(y, X).fit(disp=0, method="newton", tol=1e-14, maxiter=100).params
    model = logistic_regression(X, y)
    res = NaturalGradientDescent(model, gtol=1e-10).minimize()
    assert res.success, res.message
    assert res.nit <= 10
    np.testing.assert_allclose(res.x, ref, rtol=0, atol=1e-8)
    # with a fixed step 1 every iterate of the optimizer is the IRLS iterate
    seen = []
    NaturalGradientDescent(
        model, line_search=None, max_iter=6, gtol=1e-300, callback=lambda r: seen.append(r.x)
    ).minimize()
    assert len(seen) == 6
    for k, (a, b) in enumerate(zip(seen, irls_logistic(X, y, 6)[1:])):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12, err_msg=f"iterate {k + 1}")


def test_logistic_metric_is_hessian_and_gradient_matches_autograd(logistic_data):
    # For the canonical link the Fisher metric equals the Hessian of the mean NLL.
    X, y = logistic_data
    model = logistic_regression(X, y)
    w = np.array([0.1, -0.3, 0.2, 0.5])
    H = autograd.hessian(model._nll)(w)
    np.testing.assert_allclose(model.metric(w), H, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(model.nll_grad(w), autograd.grad(model._nll)(w), atol=1e-14)
    # nll against the log-likelihood statsmodels computes
    assert model.nll(w) == pytest.approx(-sm.Logit(y, X).loglike(w) / len(y), rel=1e-12)
    # batched metric
    G = model.metric(np.stack([w, 2 * w]))
    np.testing.assert_allclose(G[1], model.metric(2 * w), rtol=1e-12)


def test_logistic_matches_generic_pullback(logistic_data, local_bernoulli):
    X, y = logistic_data
    closed = logistic_regression(X, y)
    generic = PredictiveModel(
        local_bernoulli, lambda w, X: 1 / (1 + autograd.numpy.exp(-X @ w)), X, y, dim=4
    )
    w = np.array([0.3, 0.2, -0.1, 0.4])
    np.testing.assert_allclose(generic.metric(w), closed.metric(w), rtol=1e-10)
    np.testing.assert_allclose(generic.nll(w), closed.nll(w), rtol=1e-12)
    np.testing.assert_allclose(generic.nll_grad(w), closed.nll_grad(w), rtol=1e-10, atol=1e-14)


def test_logistic_intercept_option(logistic_data):
    X, y = logistic_data
    a = logistic_regression(X, y)
    b = logistic_regression(X[:, 1:], y, intercept=True)
    w = np.array([0.1, 0.2, 0.3, 0.4])
    assert a.nll(w) == b.nll(w)


def test_separable_data_raises_instead_of_diverging():
    X = np.column_stack([np.ones(6), [-3.0, -2.0, -1.0, 1.0, 2.0, 3.0]])
    y = np.array([0, 0, 0, 1, 1, 1.0])
    model = logistic_regression(X, y)
    with pytest.raises(ig.ConvergenceError, match="perfectly separated"):
        NaturalGradientDescent(model).minimize()
    # the weights had not overflowed when it stopped
    with pytest.raises(ig.ConvergenceError):
        natural_gradient_iterates(model, 50)


def test_separable_data_with_l2_converges_to_penalized_optimum():
    X = np.column_stack([np.ones(6), [-3.0, -2.0, -1.0, 1.0, 2.0, 3.0]])
    y = np.array([0, 0, 0, 1, 1, 1.0])
    l2 = 0.05
    model = logistic_regression(X, y, l2=l2)
    res = NaturalGradientDescent(model, gtol=1e-12).minimize()
    assert res.success, res.message

    def penalized(w):
        z = X @ w
        return np.mean(np.logaddexp(0, z) - y * z) + 0.5 * l2 * w @ w

    ref = scipy.optimize.minimize(penalized, np.zeros(2), method="BFGS", options={"gtol": 1e-12}).x
    np.testing.assert_allclose(res.x, ref, atol=1e-6)


def test_separable_data_with_damping_is_still_refused():
    """Damping only slows the weights' growth: the error names separation and l2."""
    X = np.column_stack([np.ones(6), [-3.0, -2.0, -1.0, 1.0, 2.0, 3.0]])
    y = np.array([0, 0, 0, 1, 1, 1.0])
    with pytest.raises(ig.ConvergenceError, match="perfectly separated") as info:
        NaturalGradientDescent(logistic_regression(X, y), damping=1e-3, max_iter=200).minimize()
    assert "l2=" in str(info.value) and "damping does not help" in str(info.value)


def test_l2_does_not_penalize_the_intercept():
    """Reference: scipy BFGS on the mean nll + ½ l2 Σ_{j≥1} w_j² (intercept w_0 free)."""
    rng = np.random.default_rng(4)
    Z = rng.normal(size=(200, 2))
    y = (rng.random(200) < 1 / (1 + np.exp(-(2.0 + Z @ [1.0, -1.0])))).astype(float)
    l2 = 0.1
    res = NaturalGradientDescent(
        logistic_regression(Z, y, intercept=True, l2=l2), gtol=1e-12
    ).minimize()
    X = np.column_stack([np.ones(200), Z])

    def penalized(w):
        z = X @ w
        return np.mean(np.logaddexp(0, z) - y * z) + 0.5 * l2 * w[1:] @ w[1:]

    ref = scipy.optimize.minimize(penalized, np.zeros(3), method="BFGS", options={"gtol": 1e-12}).x
    assert res.success
    np.testing.assert_allclose(res.x, ref, atol=1e-6)


def test_one_class_with_an_unpenalized_intercept_is_refused_even_with_l2():
    Z = np.random.default_rng(5).normal(size=(20, 2))
    model = logistic_regression(Z, np.ones(20), intercept=True, l2=0.1)
    with pytest.raises(ig.ConvergenceError, match="same class"):
        NaturalGradientDescent(model).minimize()


# ---------------------------------------------------------------- poisson
def test_poisson_matches_statsmodels_glm(poisson_data):
    X, y = poisson_data
    ref = sm.GLM(y, X, family=sm.families.Poisson()).fit(tol=1e-14, maxiter=100)
    model = poisson_regression(X, y)
    res = NaturalGradientDescent(model, gtol=1e-11).minimize()
    assert res.success, res.message
    np.testing.assert_allclose(res.x, ref.params, atol=1e-8)
    assert model.nll(res.x) == pytest.approx(-ref.llf / len(y), rel=1e-12)
    w = ref.params + 0.1
    np.testing.assert_allclose(model.metric(w), autograd.hessian(model._nll)(w), rtol=1e-10)


def test_poisson_intercept_start(poisson_data):
    X, y = poisson_data
    model = poisson_regression(X[:, 1:], y, intercept=True)
    assert model.initial_point()[0] == pytest.approx(np.log(np.mean(y)))
    w = natural_gradient_iterates(model, 10)[-1]
    ref = sm.GLM(y, X, family=sm.families.Poisson()).fit(tol=1e-14).params
    np.testing.assert_allclose(w, ref, atol=1e-8)


# ---------------------------------------------------------------- linear
def test_linear_regression_known_sigma_is_least_squares_in_one_step():
    rng = np.random.default_rng(3)
    X = rng.standard_normal((120, 4))
    y = X @ [1.0, -2.0, 0.5, 3.0] + rng.standard_normal(120)
    model = linear_regression(X, y, sigma=2.0)
    w = natural_gradient_iterates(model, 1)[-1]
    np.testing.assert_allclose(w, np.linalg.lstsq(X, y, rcond=None)[0], rtol=1e-11)
    np.testing.assert_allclose(model.metric(w), X.T @ X / (120 * 4.0), rtol=1e-12)
    ref_nll = -np.mean(-0.5 * np.log(2 * np.pi * 4.0) - (y - X @ w) ** 2 / 8.0)
    assert model.nll(w) == pytest.approx(ref_nll, rel=1e-12)


def test_linear_regression_estimated_sigma():
    rng = np.random.default_rng(4)
    X = np.column_stack([np.ones(200), rng.standard_normal((200, 2))])
    y = X @ [1.0, -2.0, 0.5] + 0.7 * rng.standard_normal(200)
    model = linear_regression(X, y)
    assert model.dim == 4
    assert model.coordinate_names[-1] == "sigma"
    res = NaturalGradientDescent(model, gtol=1e-12).minimize()
    assert res.success, res.message
    beta = np.linalg.lstsq(X, y, rcond=None)[0]
    np.testing.assert_allclose(res.x[:-1], beta, atol=1e-9)
    assert res.x[-1] == pytest.approx(np.sqrt(np.mean((y - X @ beta) ** 2)), rel=1e-9)
    theta = res.x + 0.05
    np.testing.assert_allclose(model.nll_grad(theta), autograd.grad(model._nll)(theta), atol=1e-13)
    # Fisher in (w, σ) from the Normal family: expectation of the Hessian, block diagonal
    G = model.metric(theta)
    s = theta[-1]
    np.testing.assert_allclose(G[:-1, :-1], X.T @ X / (200 * s**2), rtol=1e-12)
    assert G[-1, -1] == pytest.approx(2 / s**2)
    with pytest.raises(ValueError, match="sigma"):
        model.nll(np.array([0.0, 0.0, 0.0, -1.0]))


# ---------------------------------------------------------------- softmax
def test_softmax_matches_statsmodels_mnlogit(softmax_data):
    X, y = softmax_data
    ref = sm.MNLogit(y, X).fit(disp=0, method="newton", tol=1e-14, maxiter=100).params
    # statsmodels uses class 0 as reference; ours is the last class.
    B = np.column_stack([np.zeros(X.shape[1]), ref])  # logits relative to class 0
    expected = B[:, :2] - B[:, [2]]
    model = softmax_regression(X, y)
    res = NaturalGradientDescent(model, gtol=1e-11).minimize()
    assert res.success, res.message
    np.testing.assert_allclose(model.weight_matrix(res.x), expected, atol=1e-8)


def test_softmax_metric_is_hessian(softmax_data):
    X, y = softmax_data
    model = softmax_regression(X, y)
    w = np.linspace(-0.5, 0.5, model.dim)
    np.testing.assert_allclose(model.metric(w), autograd.hessian(model._nll)(w), atol=1e-13)
    np.testing.assert_allclose(model.nll_grad(w), autograd.grad(model._nll)(w), atol=1e-14)


def test_softmax_without_reference_needs_damping(softmax_data):
    X, y = softmax_data
    model = softmax_regression(X, y, reference=False)
    assert model.dim == 9
    w = model.initial_point()
    g = model.nll_grad(w)
    with pytest.raises(ValueError, match="damping"):
        model.riemannian_gradient(w, g)
    d = model.riemannian_gradient(w, g, damping=1e-6)
    assert model.nll(w - d) < model.nll(w)


# ---------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    ("build", "match"),
    [
        (lambda X, y: logistic_regression(X, y[:-1]), "same number of rows"),
        (lambda X, y: logistic_regression(np.where(X == X[3, 1], np.nan, X), y), "finite"),
        (lambda X, y: logistic_regression(X, np.where(np.arange(len(y)) == 5, 2.0, y)), "0 or 1"),
        (lambda X, y: poisson_regression(X, -y), "non-negative integer"),
        (lambda X, y: poisson_regression(X, y + 0.5), "non-negative integer"),
        (lambda X, y: softmax_regression(X, y + 0.5), "integer class labels"),
        (lambda X, y: softmax_regression(X, y, n_classes=1), "n_classes"),
        (lambda X, y: softmax_regression(X, y * 3, n_classes=2), "class labels"),
        (lambda X, y: logistic_regression(X[None], y), "2-d"),
        (lambda X, y: logistic_regression(X, y, l2=-1.0), "l2"),
        (lambda X, y: logistic_regression(X, y, solver="magic"), "solver"),
        (lambda X, y: linear_regression(X, y, sigma=0.0), "sigma"),
    ],
)
def test_bad_input(logistic_data, build, match):
    X, y = logistic_data
    with pytest.raises(ValueError, match=match):
        build(X, y)


def test_bad_weights(logistic_data):
    X, y = logistic_data
    model = logistic_regression(X, y)
    with pytest.raises(ValueError, match="shape"):
        model.nll(np.zeros(3))
    with pytest.raises(ValueError, match="finite"):
        model.nll_grad(np.array([0.0, np.nan, 0.0, 0.0]))
    with pytest.raises(ValueError, match="damping"):
        model.riemannian_gradient(np.zeros(4), np.ones(4), damping=-1.0)


def test_glm_christoffel_from_closed_form_metric(logistic_data):
    # Γ from autograd of the closed-form metric; check Γ_kij against its definition
    # using a finite-difference derivative of the metric (independent of autograd).
    X, y = logistic_data
    model = logistic_regression(X[:50, :2], y[:50])
    w = np.array([0.2, -0.3])
    h = 1e-5
    dG = np.stack(
        [(model.metric(w + h * e) - model.metric(w - h * e)) / (2 * h) for e in np.eye(2)],
        axis=-1,
    )  # dG[a, b, c] = ∂G_ab/∂w_c
    first = 0.5 * (np.swapaxes(dG, -1, -2) + dG - np.moveaxis(dG, -1, -3))
    expected = np.linalg.solve(model.metric(w), first.reshape(2, 4)).reshape(2, 2, 2)
    np.testing.assert_allclose(model.christoffel(w), expected, rtol=1e-6, atol=1e-9)


def test_softmax_separable_data_raises_and_l2_fits():
    X = np.column_stack([np.ones(9), np.repeat([-3.0, 0.0, 3.0], 3) + np.tile([-0.1, 0, 0.1], 3)])
    y = np.repeat([0, 1, 2], 3)
    with pytest.raises(ig.ConvergenceError, match="perfectly separated"):
        NaturalGradientDescent(softmax_regression(X, y)).minimize()
    res = NaturalGradientDescent(softmax_regression(X, y, l2=0.01), gtol=1e-10).minimize()
    assert res.success, res.message
    assert np.all(np.isfinite(res.x))

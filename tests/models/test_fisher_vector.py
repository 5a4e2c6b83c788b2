"""Matrix-free Fisher-vector products and the conjugate-gradient natural gradient."""

from __future__ import annotations

import autograd
import autograd.numpy as anp
import numpy as np
import pytest

import infogeo as ig
from infogeo.models import (
    PredictiveModel,
    conjugate_gradient,
    logistic_regression,
    mlp_classifier,
    poisson_regression,
    softmax_regression,
)
from infogeo.models.fisher_vector import dense_pullback_metric, pullback_fvp


def test_conjugate_gradient_solves_spd_system():
    rng = np.random.default_rng(0)
    A = rng.standard_normal((30, 30))
    A = A @ A.T + 0.5 * np.eye(30)
    b = rng.standard_normal(30)
    x, its = conjugate_gradient(lambda v: A @ v, b, tol=1e-12)
    np.testing.assert_allclose(x, np.linalg.solve(A, b), rtol=1e-9)
    assert 0 < its <= 300
    xp, _ = conjugate_gradient(lambda v: A @ v, b, tol=1e-12, preconditioner=np.diag(A))
    np.testing.assert_allclose(xp, x, rtol=1e-9)
    assert conjugate_gradient(lambda v: A @ v, np.zeros(30))[1] == 0


def test_conjugate_gradient_reports_non_convergence():
    A = np.diag(np.logspace(0, 8, 50))
    with pytest.raises(ig.ConvergenceError, match="did not reach") as info:
        conjugate_gradient(lambda v: A @ v, np.ones(50), tol=1e-12, maxiter=5)
    assert info.value.residual > 1e-12
    assert info.value.tolerance == 1e-12
    with pytest.raises(ig.ConvergenceError, match="non-positive curvature"):
        conjugate_gradient(lambda v: -v, np.ones(3))
    with pytest.raises(ValueError, match="preconditioner"):
        conjugate_gradient(lambda v: v, np.ones(3), preconditioner=np.array([1.0, -1.0, 1.0]))


def test_pullback_products_match_explicit_jacobian():
    # J from autograd.jacobian (reverse mode, row by row) as the independent reference.
    rng = np.random.default_rng(1)
    X = rng.standard_normal((20, 3))

    def outputs(w):
        return anp.stack([anp.tanh(X @ w[:3]), anp.exp(0.1 * X @ w[3:])], axis=1)

    def F(eta):  # a per-row SPD 2x2 that depends on eta
        a = 1.0 + eta[:, 0] ** 2
        return np.stack([np.stack([a, 0.3 * a], -1), np.stack([0.3 * a, eta[:, 1]], -1)], 1)

    w = rng.standard_normal(6)
    J = autograd.jacobian(outputs)(w)  # (n, 2, 6)
    Fe = F(outputs(w))
    G_ref = np.einsum("npa,npq,nqb->ab", J, Fe, J) / 20
    np.testing.assert_allclose(dense_pullback_metric(outputs, F, w), G_ref, rtol=1e-12)
    v = rng.standard_normal(6)
    fvp = pullback_fvp(outputs, lambda eta, u: np.einsum("npq,nq->np", F(eta), u), w)
    np.testing.assert_allclose(fvp(v), G_ref @ v, rtol=1e-12)


@pytest.mark.parametrize("kind", ["logistic", "poisson", "softmax", "mlp", "generic"])
def test_fisher_vector_product_equals_dense_metric_times_v(kind, logistic_data, local_bernoulli):
    X, y = logistic_data
    rng = np.random.default_rng(2)
    if kind == "logistic":
        model = logistic_regression(X, y)
    elif kind == "poisson":
        model = poisson_regression(X, y * 3)
    elif kind == "softmax":
        model = softmax_regression(X, y + (X[:, 1] > 0.5), n_classes=3)
    elif kind == "mlp":
        model = mlp_classifier(X[:, 1:], y, hidden=(5,))
    else:
        model = PredictiveModel(
            local_bernoulli, lambda w, X: 1 / (1 + anp.exp(-X @ w)), X, y, dim=4
        )
    w = model.initial_point() + 0.1 * rng.standard_normal(model.dim)
    V = rng.standard_normal((3, model.dim))
    G = model.metric(w)
    np.testing.assert_allclose(model.fisher_vector_product(w, V[0]), G @ V[0], rtol=1e-10)
    np.testing.assert_allclose(model.fisher_vector_product(w, V), V @ G, rtol=1e-10)


@pytest.mark.parametrize("kind", ["logistic", "softmax", "mlp"])
def test_cg_natural_gradient_equals_dense_solve(kind, logistic_data):
    X, y = logistic_data
    damping = 0.0
    if kind == "logistic":
        model = logistic_regression(X, y)
    elif kind == "softmax":
        model = softmax_regression(X, y + (X[:, 1] > 0.5), n_classes=3)
    else:
        model = mlp_classifier(X[:, 1:], y, hidden=(4,))
        damping = 1e-2
    w = model.initial_point() + 0.05
    g = model.nll_grad(w)
    dense = model.riemannian_gradient(w, g, damping=damping, solver="dense")
    cg = model.riemannian_gradient(w, g, damping=damping, solver="cg")
    np.testing.assert_allclose(cg, dense, rtol=0, atol=1e-8 * max(1.0, np.abs(dense).max()))
    assert model.last_cg_iterations > 0


def test_auto_solver_switches_to_cg_above_threshold(softmax_data):
    X, y = softmax_data
    model = softmax_regression(X, y, max_dense_dim=4)
    assert model.dim == 6
    assert model.resolved_solver() == "cg"
    assert softmax_regression(X, y).resolved_solver() == "dense"
    w = model.initial_point()
    d = model.riemannian_gradient(w, model.nll_grad(w))
    assert model.last_cg_iterations is not None
    np.testing.assert_allclose(d, model.riemannian_gradient(w, model.nll_grad(w), solver="dense"))


def test_cg_failure_is_reported(logistic_data):
    X, y = logistic_data
    Xs = X * np.array([1.0, 1.0, 1e3, 1e-3])
    model = logistic_regression(Xs, y, solver="cg", cg_maxiter=1, cg_tol=1e-14)
    w = model.initial_point()
    with pytest.raises(ig.ConvergenceError, match="conjugate gradient"):
        model.riemannian_gradient(w, model.nll_grad(w))

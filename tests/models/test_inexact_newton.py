"""Natural gradient by inexact (truncated) Newton-CG and the structured softmax metric:
against the dense metric, autograd, finite differences and scipy's optimum."""

from __future__ import annotations

import autograd
import numpy as np
import pytest
import scipy.optimize

import infogeo as ig
from infogeo.models import glm, mlp_classifier, softmax_regression
from infogeo.models.fisher_vector import dense_pullback_metric


@pytest.fixture
def wide_softmax():
    """d = 6, K = 5: 24 weights, above the dense threshold (CG by default)."""
    rng = np.random.default_rng(11)
    n, d, K = 400, 6, 5
    X = rng.standard_normal((n, d))
    Z = X @ rng.standard_normal((d, K))
    P = np.exp(Z - Z.max(axis=1, keepdims=True))
    P /= P.sum(axis=1, keepdims=True)
    y = (P.cumsum(axis=1) < rng.random((n, 1))).sum(axis=1)
    return X, np.minimum(y, K - 1)


def _scipy_optimum(model):
    res = scipy.optimize.minimize(
        lambda w: (model.nll(w), model.nll_grad(w)),
        model.initial_point(),
        jac=True,
        method="L-BFGS-B",
        options={"gtol": 1e-12, "ftol": 0.0, "maxiter": 10_000},
    )
    return res.x


def test_softmax_structured_metric_in_row_chunks_equals_autograd(wide_softmax, monkeypatch):
    X, y = wide_softmax
    model = softmax_regression(X, y, l2=1e-3)
    w = np.linspace(-0.4, 0.3, model.dim)
    whole = model._metric_single(w)
    monkeypatch.setattr(glm, "_METRIC_CHUNK", 7 * model.dim)  # 7 rows per chunk
    chunked = model._metric_single(w)
    np.testing.assert_allclose(chunked, whole, rtol=1e-13, atol=1e-15)
    # canonical link: the metric is the Hessian of nll (autograd, an independent route)
    np.testing.assert_allclose(whole, autograd.hessian(model._nll)(w), rtol=1e-10, atol=1e-13)
    generic = dense_pullback_metric(model._outputs, model._output_metric, w)  # Categorical F
    np.testing.assert_allclose(whole - 1e-3 * np.eye(model.dim), generic, atol=1e-12)


def test_softmax_auto_solver_threshold(wide_softmax):
    X, y = wide_softmax
    assert softmax_regression(X, y).resolved_solver() == "cg"  # 24 > 12 weights
    assert softmax_regression(X[:, :3], y).resolved_solver() == "dense"  # 12 weights
    assert softmax_regression(X, y, max_dense_dim=500).resolved_solver() == "dense"


def test_forcing_sequence():
    X = np.random.default_rng(0).standard_normal((20, 2))
    y = np.arange(20) % 3
    model = softmax_regression(X, y)
    assert model.cg_tol is None and not model.cg_forcing
    g = np.array([3e-4, 4e-4])  # ‖g‖ = 5e-4
    assert model._cg_tolerance(g) == 1e-10  # a direct solve is exact
    inexact = model.with_metric("fvp", cg_forcing=True)
    assert inexact.cg_forcing and not model.cg_forcing
    assert inexact._cg_tolerance(g) == pytest.approx(np.sqrt(5e-4), rel=1e-15)
    assert inexact._cg_tolerance(np.array([10.0, 0.0])) == 0.5
    assert inexact._cg_tolerance(np.array([1e-30, 0.0])) == 1e-10
    fixed = softmax_regression(X, y, cg_tol=1e-6).with_metric("fvp", cg_forcing=True)
    assert fixed._cg_tolerance(g) == 1e-6  # an explicit cg_tol wins
    with pytest.raises(ValueError, match="cg_tol"):
        softmax_regression(X, y, cg_tol=-1.0)


def test_direct_natural_gradient_stays_exact(wide_softmax):
    X, y = wide_softmax
    model = softmax_regression(X, y, l2=1e-3)
    w = np.linspace(-0.4, 0.3, model.dim)
    g = model.nll_grad(w)
    d = model.riemannian_gradient(w, g)  # default: CG, to 1e-10
    np.testing.assert_allclose(d, np.linalg.solve(model.metric(w), g), rtol=1e-8)
    loose = model.with_metric("fvp", cg_forcing=True).riemannian_gradient(w, g)
    residual = np.linalg.norm(model.metric(w) @ loose - g) / np.linalg.norm(g)
    assert residual <= min(0.5, np.sqrt(np.linalg.norm(g)))


def test_default_natural_gradient_is_inexact_newton_and_converges(wide_softmax):
    X, y = wide_softmax
    model = softmax_regression(X, y, l2=1e-3)
    reference = _scipy_optimum(model)
    used, forcing = [], []

    def callback(r):
        used.append(model.last_cg_iterations)
        forcing.append(model.cg_forcing)

    opt = ig.NaturalGradientDescent(model, gtol=1e-10, callback=callback)
    assert opt.model is model and model.resolved_solver() == "cg"
    res = opt.minimize()
    assert res.success, res.message
    assert all(forcing) and not model.cg_forcing  # inexact during the run only
    np.testing.assert_allclose(res.x, reference, atol=1e-8)
    assert res.nit <= 8  # Newton's local convergence survives the truncation
    exact = ig.NaturalGradientDescent(model, gtol=1e-10, metric_options={"cg_forcing": False})
    assert not exact.model.cg_forcing
    res_exact = exact.minimize()
    np.testing.assert_allclose(res_exact.x, reference, atol=1e-8)
    # far from the optimum the truncated solve stops well before the 1e-10 one
    w0 = model.initial_point()
    g0 = model.nll_grad(w0)
    inexact, tight = model.with_metric("fvp", cg_forcing=True), model.with_metric("fvp")
    inexact.riemannian_gradient(w0, g0)
    tight.riemannian_gradient(w0, g0)
    assert inexact.last_cg_iterations < tight.last_cg_iterations
    assert len(used) == res.nit and all(k >= 1 for k in used)


def test_explicit_cg_tol_turns_forcing_off_in_effect(wide_softmax):
    X, y = wide_softmax
    model = softmax_regression(X, y, l2=1e-3, cg_tol=1e-12)
    seen = []
    opt = ig.NaturalGradientDescent(
        model, gtol=1e-10, callback=lambda r: seen.append(model.cg_forcing)
    )
    res = opt.minimize()
    assert seen and not any(seen)  # cg_tol given: solves to it at every step
    np.testing.assert_allclose(res.x, _scipy_optimum(model), atol=1e-8)


def test_mlp_fvp_natural_gradient_with_forcing_reaches_a_stationary_point():
    rng = np.random.default_rng(3)
    X = rng.standard_normal((80, 3))
    y = (X[:, 0] + 0.5 * rng.standard_normal(80) > 0).astype(int) + (X[:, 1] > 0.8)
    model = mlp_classifier(X, y, hidden=(4,), l2=1e-2, seed=0)
    res = ig.NaturalGradientDescent(
        model, metric="fvp", line_search="levenberg-marquardt", damping=1e-2, gtol=1e-9
    ).minimize()
    assert res.success, res.message
    assert np.linalg.norm(model.nll_grad(res.x)) < 1e-7


def test_forcing_is_reset_when_the_run_raises():
    X = np.column_stack([np.ones(9), np.repeat([-3.0, 0.0, 3.0], 3) + np.tile([-0.1, 0, 0.1], 3)])
    y = np.repeat([0, 1, 2], 3)
    model = softmax_regression(X, y)
    with pytest.raises(ig.ConvergenceError, match="perfectly separated"):
        ig.NaturalGradientDescent(model).minimize()
    assert not model.cg_forcing

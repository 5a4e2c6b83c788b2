"""The solver suite: ``minimize(method=...)`` with CG, L-BFGS, trust region, momentum, Adam.

Expected values come from independent sources: ``numpy.linalg.solve`` / ``lstsq`` for
quadratics and consistent least squares, ``numpy.linalg.eigh`` for the Rayleigh quotient,
the Gamma likelihood equations solved by ``scipy.optimize.brentq``, the known minimum of
Rosenbrock's function, and the textbook strong Wolfe conditions.
"""

from __future__ import annotations

import os

import autograd.numpy as anp
import numpy as np
import pytest
from scipy.optimize import brentq
from scipy.special import digamma

os.environ.setdefault("GEOMSTATS_BACKEND", "numpy")

import infogeo as ig
from infogeo.optim import SOLVERS, StrongWolfe, register_solver
from infogeo.optim.step_size import StepContext

ALL = ["gd", "cg", "lbfgs", "trust-region", "momentum", "adam"]
# learning rates of the first-order methods on each test problem
RATES = {"quadratic": {"momentum": 0.05, "adam": 0.1}, "gamma": {"momentum": 0.5, "adam": 0.05}}


def _quadratic(n=6, cond=100.0, seed=0):
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    A = Q @ np.diag(np.geomspace(1.0, cond, n)) @ Q.T
    b = rng.standard_normal(n)
    return A, b


@pytest.mark.parametrize("method", ALL[1:])
def test_quadratic_on_euclidean_space(method):
    A, b = _quadratic()
    opts = {"max_iter": 5000}
    if method in RATES["quadratic"]:
        opts["step_size"] = RATES["quadratic"][method] / (1 if method == "adam" else 10)
        opts["momentum" if method == "momentum" else "betas"] = (
            0.9 if method == "momentum" else (0.9, 0.999)
        )
    res = ig.minimize(
        lambda x: 0.5 * anp.dot(x, anp.dot(A, x)) - anp.dot(b, x),
        np.zeros(6),
        ig.Euclidean(6),
        method=method,
        gtol=1e-9,
        **opts,
    )
    assert res.success, res.message
    np.testing.assert_allclose(res.x, np.linalg.solve(A, b), atol=1e-7)
    assert res.method == method
    assert len(res.history["fun"]) == res.nit + 1


def _gamma_mle(data):
    """Likelihood equations: log a − ψ(a) = log x̄ − mean(log x), rate = a / x̄."""
    c = np.log(np.mean(data)) - np.mean(np.log(data))
    a = brentq(lambda a: np.log(a) - digamma(a) - c, 1e-3, 1e3, xtol=1e-14, rtol=1e-15)
    return np.array([a, a / np.mean(data)])


@pytest.mark.parametrize("method", ALL)
def test_natural_versions_reach_the_gamma_mle(method):
    rng = np.random.default_rng(1)
    data = rng.gamma(2.5, 1 / 1.7, size=500)
    G = ig.Gamma()
    opts = {"max_iter": 3000}
    if method in RATES["gamma"]:
        opts["step_size"] = RATES["gamma"][method]
        if method == "momentum":
            opts["momentum"] = 0.5
    res = ig.minimize(lambda t: G.nll(t, data), np.array([1.0, 1.0]), G, method=method, **opts)
    assert res.success, res.message
    np.testing.assert_allclose(res.x, _gamma_mle(data), rtol=1e-7)
    # the reported gradient norm is the Fisher (natural) one
    d = np.linalg.solve(G.metric(res.x), res.jac)
    assert res.grad_norm == pytest.approx(np.sqrt(res.jac @ d), rel=1e-9)


@pytest.mark.parametrize("method", ["cg", "lbfgs", "trust-region"])
def test_rosenbrock(method, rosenbrock):
    f, g = rosenbrock
    fun = lambda x: (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2  # noqa: E731
    res = ig.minimize(fun, np.array([-1.2, 1.0]), ig.Euclidean(2), method=method, max_iter=500)
    assert res.success, res.message
    np.testing.assert_allclose(res.x, [1.0, 1.0], atol=1e-7)
    # with a hand-written gradient the trust region differentiates it numerically
    res2 = ig.minimize(f, np.array([-1.2, 1.0]), ig.Euclidean(2), grad=g, method=method)
    assert res2.success, res2.message
    np.testing.assert_allclose(res2.x, [1.0, 1.0], atol=1e-6)


@pytest.mark.parametrize("beta", ["fletcher-reeves", "polak-ribiere", "hestenes-stiefel", "hz"])
def test_cg_rules_and_armijo(beta):
    A, b = _quadratic(cond=30.0)
    fun = lambda x: 0.5 * anp.dot(x, anp.dot(A, x)) - anp.dot(b, x)  # noqa: E731
    for ls in ("wolfe", "armijo"):
        res = ig.minimize(
            fun, np.zeros(6), ig.Euclidean(6), method="cg", beta=beta, line_search=ls,
            max_iter=2000, gtol=1e-9,
        )  # fmt: skip
        assert res.success, (beta, ls, res.message)
        np.testing.assert_allclose(res.x, np.linalg.solve(A, b), atol=1e-7)


@pytest.fixture(scope="module")
def sphere20():
    from geomstats.geometry.hypersphere import Hypersphere

    return ig.from_geomstats(Hypersphere(19))


@pytest.mark.parametrize("method", ["gd", "cg", "lbfgs", "trust-region"])
def test_rayleigh_quotient_on_the_sphere(method, sphere20):
    rng = np.random.default_rng(2)
    B = rng.standard_normal((20, 20))
    A = B @ B.T / 20
    lam, vecs = np.linalg.eigh(A)
    x0 = sphere20.random_point(rng=rng)
    res = ig.minimize(
        lambda x: -anp.dot(x, anp.dot(A, x)), x0, sphere20, method=method, gtol=1e-8,
        max_iter=3000,
    )  # fmt: skip
    assert res.success, res.message
    assert abs(abs(res.x @ vecs[:, -1]) - 1) < 1e-12
    assert res.fun == pytest.approx(-lam[-1], rel=1e-13)


def test_gd_barzilai_borwein_after_backtracking(sphere20):
    """On the sphere the first trial t = 1 is too long for the Rayleigh quotient: after
    the first backtracking search gradient descent takes Barzilai-Borwein first trials,
    which are accepted at once (one value per iteration from then on), and needs fewer
    iterations than the exact line minimum (step_size small enough never to backtrack
    gives the plain rule: many more iterations)."""
    rng = np.random.default_rng(2)
    B = rng.standard_normal((20, 20))
    A = B @ B.T / 20
    x0 = sphere20.random_point(rng=rng)
    fun = lambda x: -anp.dot(x, anp.dot(A, x))  # noqa: E731
    res = ig.minimize(fun, x0, sphere20, gtol=1e-8, max_iter=3000)
    assert res.success
    backtracked = np.flatnonzero(res.history["step_size"][1:] < 1.0)
    assert backtracked.size and res.nfev <= res.nit + backtracked[0] + 10
    fixed = ig.minimize(fun, x0, sphere20, gtol=1e-8, max_iter=3000, step_size=0.02)
    assert fixed.success and fixed.nit > 2 * res.nit


def test_cg_quad_step_is_the_exact_line_minimum_on_a_quadratic():
    """On a quadratic, QuadStep's first trial is the exact minimizer along η, where
    φ′ = 0: the strong Wolfe test holds at once, one gradient per iteration."""
    A, b = _quadratic(cond=30.0)
    res = ig.minimize(
        lambda x: 0.5 * x @ A @ x - b @ x, np.zeros(6), ig.Euclidean(6), grad=lambda x: A @ x - b,
        method="cg", gtol=1e-9,
    )  # fmt: skip
    assert res.success
    np.testing.assert_allclose(res.x, np.linalg.solve(A, b), atol=1e-8)
    assert res.njev <= res.nit + 2  # the first iteration has no QuadStep
    assert res.nit <= 8  # conjugate directions: n = 6 steps in exact arithmetic


def test_strong_wolfe_conditions_hold(rosenbrock):
    f, g = rosenbrock
    x = np.array([-1.2, 1.0])
    d = g(x)  # steps along −d
    rule = StrongWolfe(initial=1e-3, c1=1e-4, c2=0.1)

    def trial(t):
        return t, x - t * d, f(x - t * d), False

    step = rule(StepContext(x, f(x), g(x), d, float(g(x) @ d), 0.0, trial, g))
    slope0 = -float(g(x) @ d)
    assert step.accepted
    assert step.fun <= f(x) + 1e-4 * step.t * slope0
    assert abs(float(g(step.x) @ d)) <= 0.1 * abs(slope0)


def test_stochastic_adam_and_momentum_solve_consistent_least_squares():
    rng = np.random.default_rng(3)
    X = rng.standard_normal((400, 5))
    w_true = rng.standard_normal(5)
    y = X @ w_true  # consistent: every minibatch gradient vanishes at w_true

    def fun(w, idx):
        r = anp.dot(X[idx], w) - y[idx]
        return 0.5 * anp.mean(r * r)

    for method, lr in (("adam", 0.05), ("momentum", 0.05)):
        res = ig.minimize(
            fun, np.zeros(5), ig.Euclidean(5), method=method, step_size=lr, batch_size=40,
            n_samples=400, max_iter=300, gtol=1e-9, seed=0,
        )  # fmt: skip
        assert res.success, (method, res.message)
        np.testing.assert_allclose(res.x, np.linalg.lstsq(X, y, rcond=None)[0], atol=1e-8)
        again = ig.minimize(
            fun, np.zeros(5), ig.Euclidean(5), method=method, step_size=lr, batch_size=40,
            n_samples=400, max_iter=300, gtol=1e-9, seed=0,
        )  # fmt: skip
        np.testing.assert_array_equal(res.x, again.x)


def test_amsgrad_natural_adam_on_normal():
    rng = np.random.default_rng(4)
    data = rng.normal(1.0, 2.0, 300)
    N = ig.Normal()
    res = ig.minimize(
        lambda t: N.nll(t, data), np.array([0.0, 1.0]), N, method="adam", amsgrad=True,
        step_size=0.05, max_iter=3000, gtol=1e-8,
    )  # fmt: skip
    assert res.success, res.message
    np.testing.assert_allclose(res.x, [np.mean(data), np.std(data)], rtol=1e-7)


def test_failures_are_reported():
    A, b = _quadratic()
    fun = lambda x: 0.5 * anp.dot(x, anp.dot(A, x)) - anp.dot(b, x)  # noqa: E731
    for method in ALL:
        res = ig.minimize(fun, np.zeros(6), ig.Euclidean(6), method=method, max_iter=2)
        assert not res.success and res.status == 1, method
    stops = []
    res = ig.minimize(
        fun, np.zeros(6), ig.Euclidean(6), method="lbfgs",
        callback=lambda r: stops.append(r.nit) or len(stops) == 2,
    )  # fmt: skip
    assert res.status == 3 and stops == [1, 2]


def test_dispatch_and_option_errors():
    E = ig.Euclidean(2)
    fun = lambda x: anp.sum(x**2)  # noqa: E731
    with pytest.raises(ValueError, match="unknown method"):
        ig.minimize(fun, np.ones(2), E, method="newton")
    with pytest.raises(TypeError, match="does not apply"):
        ig.minimize(fun, np.ones(2), E, method="cg", trust_region=0.1)
    with pytest.raises(TypeError, match="did you mean 'memory'"):
        ig.minimize(fun, np.ones(2), E, method="lbfgs", memroy=5)
    with pytest.raises(ValueError, match="beta"):
        ig.minimize(fun, np.ones(2), E, method="cg", beta="dai-yuan")
    with pytest.raises(ValueError, match="both batch_size and n_samples"):
        ig.minimize(fun, np.ones(2), E, method="adam", batch_size=3)
    with pytest.raises(ValueError, match="hessian='exact'"):
        ig.minimize(fun, np.ones(2), E, grad=lambda x: 2 * x, method="tr", hessian="exact")
    assert ig.minimize(fun, np.ones(2), E, method="L-BFGS").success

    class Echo:
        def __init__(self, manifold, **options):
            self.options = options

        def minimize(self, fun, x0, grad):
            return ig.OptimizeResult(x=x0, success=True, options=self.options)

    register_solver("echo", Echo)
    try:
        assert ig.minimize(fun, np.ones(2), E, method="echo", a=1).options == {"a": 1}
    finally:
        del SOLVERS["echo"]


def test_natural_gradient_descent_class_is_unchanged():
    rng = np.random.default_rng(5)
    data = rng.gamma(2.5, 1 / 1.7, size=500)
    res = ig.NaturalGradientDescent(ig.Gamma(), data).minimize()
    assert res.success
    np.testing.assert_allclose(res.x, _gamma_mle(data), rtol=1e-7)


def test_divergence_is_reported_by_the_new_solvers():
    from infogeo.optim.stopping import DIVERGED

    E = ig.Euclidean(2)
    # a learning rate far too large without the safeguard: the iterates run away
    res = ig.minimize(
        lambda x: anp.sum(x**2), np.ones(2), E, method="momentum", restart=False,
        step_size=5.0, max_iter=500,
    )  # fmt: skip
    assert not res.success and res.status == DIVERGED, res.message
    assert np.all(np.isfinite(res.x))

    calls = []

    scale = np.array([1.0, 50.0])

    def grad(x):  # the gradient turns NaN after a few evaluations
        calls.append(1)
        return 2 * scale * x if len(calls) < 4 else np.full(2, np.nan)

    for method in ("cg", "lbfgs", "trust-region", "adam"):
        calls.clear()
        res = ig.minimize(lambda x: float(np.sum(scale * x**2)), np.ones(2) * 3, E, grad=grad,
                          method=method)  # fmt: skip
        assert res.status == DIVERGED and "diverged" in res.message, (method, res.message)
        with pytest.raises(ig.DivergenceError):
            calls.clear()
            ig.minimize(lambda x: float(np.sum(scale * x**2)), np.ones(2) * 3, E, grad=grad,
                        method=method, raise_on_divergence=True)  # fmt: skip


# ---------------------------------------------------------------- ig.fit(method=...)
# options that let the first-order methods reach fit's gtol = 1e-10 within budget
FIT_OPTIONS = {"momentum": {"step_size": 0.5, "max_iter": 3000}, "adam": {"step_size": 0.5}}


@pytest.mark.parametrize("method", ALL)
def test_fit_method_gamma_against_the_likelihood_equations(method):
    """Every solver through ig.fit on Gamma from a poor start, against brentq's root of
    the likelihood equations; a FitResult with inference attached."""
    data = ig.Gamma().sample([2.0, 0.5], size=400, rng=7)
    res = ig.fit(ig.Gamma(), data, method=method, x0=[0.3, 3.0], **FIT_OPTIONS.get(method, {}))
    assert res.success, (method, res.message)
    assert res.nit > 3  # the solver ran (no closed form)
    if method != "gd":
        assert res.method == method
    np.testing.assert_allclose(res.x, _gamma_mle(data), rtol=1e-8)
    assert np.all(np.isfinite(res.stderr))


@pytest.mark.parametrize("method", ["cg", "lbfgs", "trust-region"])
def test_fit_method_normal_against_closed_form(method):
    data = np.random.default_rng(3).normal(1.5, 0.3, size=200)
    res = ig.fit(ig.Normal(), data, method=method, x0=[0.0, 3.0])
    assert res.success
    np.testing.assert_allclose(res.x, [data.mean(), data.std()], rtol=1e-9)


def test_fit_method_errors():
    data = np.ones(3) + np.arange(3.0)
    with pytest.raises(ValueError, match="unknown method"):
        ig.fit(ig.Gamma(), data, method="newton-raphson")
    with pytest.raises(TypeError, match="memory"):
        ig.fit(ig.Gamma(), data, method="cg", memory=5)  # an L-BFGS option


@pytest.mark.parametrize("method", ["gd", "cg", "lbfgs", "trust-region", "momentum", "adam"])
def test_combined_value_and_gradient_matches_separate_calls(method, sphere20):
    """``grad=True`` (fun returns (value, gradient)) runs the same iterates as separate
    fun and grad, and calls fun about once per point where the two were called apart
    (a few more where a rejected step's point is visited between two at the same x)."""
    rng = np.random.default_rng(4)
    B = rng.standard_normal((20, 20))
    A = B @ B.T / 20
    x0 = sphere20.random_point(rng=rng)
    calls = {"fun": 0, "grad": 0, "both": 0}

    def fun(x):
        calls["fun"] += 1
        return -float(x @ (A @ x))

    def grad(x):
        calls["grad"] += 1
        return -2.0 * (A @ x)

    def both(x):
        calls["both"] += 1
        Ax = A @ x
        return -float(x @ Ax), -2.0 * Ax

    opts = {"gtol": 1e-8, "max_iter": 3000}
    if method in ("momentum", "adam"):
        opts["step_size"] = 0.05
    apart = ig.minimize(fun, x0, sphere20, grad=grad, method=method, **opts)
    together = ig.minimize(both, x0, sphere20, grad=True, method=method, **opts)
    assert apart.success and together.success
    np.testing.assert_array_equal(together.x, apart.x)
    assert together.nit == apart.nit
    assert calls["both"] == together.nfev == together.njev
    # one call per point where value and gradient were asked for at the same point
    assert calls["both"] <= max(calls["fun"], calls["grad"]) + 5
    assert calls["both"] < calls["fun"] + calls["grad"] - apart.nit / 2
    assert abs(abs(together.x @ np.linalg.eigh(A)[1][:, -1]) - 1) < 1e-12


def test_combined_value_and_gradient_errors():
    with pytest.raises(TypeError, match=r"\(value, gradient\)"):
        ig.minimize(lambda x: float(x @ x), np.ones(2), ig.Euclidean(2), grad=True)
    with pytest.raises(TypeError, match="grad must be a callable"):
        ig.minimize(lambda x: float(x @ x), np.ones(2), ig.Euclidean(2), grad="yes")


def test_combined_value_and_gradient_on_minibatches():
    rng = np.random.default_rng(3)
    X = rng.standard_normal((400, 5))
    w_true = rng.standard_normal(5)
    y = X @ w_true

    def both(w, idx):
        r = X[idx] @ w - y[idx]
        return 0.5 * float(np.mean(r * r)), X[idx].T @ r / len(idx)

    res = ig.minimize(
        both, np.zeros(5), ig.Euclidean(5), grad=True, method="adam", step_size=0.05,
        batch_size=40, n_samples=400, max_iter=300, gtol=1e-9, seed=0,
    )  # fmt: skip
    assert res.success, res.message
    np.testing.assert_allclose(res.x, np.linalg.lstsq(X, y, rcond=None)[0], atol=1e-8)

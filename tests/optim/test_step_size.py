"""Step-size rules: Armijo monotonicity, the KL trust-region step, Levenberg–Marquardt."""

import autograd.numpy as anp
import numpy as np
import pytest
import scipy.optimize

import infogeo as ig
from infogeo.optim import (
    ArmijoBacktracking,
    FixedStep,
    KLTrustRegion,
    LevenbergMarquardt,
    minimize,
)

F = np.array([[2.0, 0.6, 0.1], [0.6, 1.5, -0.3], [0.1, -0.3, 0.8]])


def _constant_metric():
    return ig.MetricManifold(lambda p: anp.array(F), 3)


def _quadratic_fun(A, b):
    return (lambda x: 0.5 * x @ A @ x - b @ x), (lambda x: A @ x - b)


@pytest.mark.parametrize("eps", [1e-4, 0.01, 0.3])
def test_kl_trust_region_step_has_metric_half_norm_eps(eps):
    """On a constant metric (quadratic KL model), ½dᵀFd = ε and d ∝ −F⁻¹g."""
    A = np.diag([1.0, 3.0, 10.0])
    b = np.array([1.0, -2.0, 0.5])
    f, g = _quadratic_fun(A, b)
    x0 = np.array([0.3, 0.2, -0.4])
    res = minimize(f, x0, _constant_metric(), grad=g, trust_region=eps, max_iter=1)
    d = res.x - x0
    np.testing.assert_allclose(0.5 * d @ F @ d, eps, rtol=1e-10)
    natural = np.linalg.solve(F, g(x0))
    np.testing.assert_allclose(
        d / np.linalg.norm(d), -natural / np.linalg.norm(natural), rtol=1e-12
    )


def test_kl_trust_region_step_solves_the_constrained_problem():
    """Independent check: SLSQP on min gᵀd s.t. ½dᵀFd ≤ ε gives the same d."""
    eps = 0.05
    g0 = np.array([0.4, -1.0, 0.7])
    res = minimize(
        lambda x: g0 @ x,
        np.zeros(3),
        _constant_metric(),
        grad=lambda x: g0,
        trust_region=eps,
        max_iter=1,
    )
    ref = scipy.optimize.minimize(
        lambda d: g0 @ d,
        np.full(3, 0.01),
        jac=lambda d: g0,
        method="SLSQP",
        constraints={
            "type": "ineq",
            "fun": lambda d: eps - 0.5 * d @ F @ d,
            "jac": lambda d: -F @ d,
        },
        options={"ftol": 1e-14, "maxiter": 500},
    )
    np.testing.assert_allclose(res.x, ref.x, rtol=1e-6, atol=1e-8)


def test_trust_region_option_steps_to_the_boundary_every_time():
    """trust_region=ε: fixed KL length, so the run never meets a tight gtol (honestly)."""
    A = F.copy()
    f, g = _quadratic_fun(A, np.zeros(3))
    res = minimize(f, np.ones(3), _constant_metric(), grad=g, trust_region=0.01, max_iter=40)
    assert not res.success
    xs = [np.ones(3)]
    minimize(
        f,
        np.ones(3),
        _constant_metric(),
        grad=g,
        trust_region=0.01,
        max_iter=40,
        callback=lambda r: xs.append(r.x),
    )
    d = np.diff(np.array(xs), axis=0)
    np.testing.assert_allclose(0.5 * np.einsum("ni,ij,nj->n", d, F, d), 0.01, rtol=1e-10)


def test_kl_trust_region_multiplier():
    """t = min(max_step, √(2ε / slope)): the KL radius binds for large gradients only."""
    rule = KLTrustRegion(0.02)
    np.testing.assert_allclose(rule.step_multiplier(4.0), np.sqrt(0.04 / 4.0), rtol=1e-15)
    assert rule.step_multiplier(1e-6) == 1.0
    assert KLTrustRegion(0.02, max_step=None).step_multiplier(1e-6) == np.sqrt(0.04 / 1e-6)


def test_kl_trust_region_converges_where_the_full_step_fits():
    """Far away the steps have KL length ε; near the optimum the full natural step is taken,
    so the run converges (quadratic with G = Hessian: one full step finishes)."""
    A = F.copy()
    f, g = _quadratic_fun(A, np.array([1.0, 2.0, -1.0]))
    res = minimize(
        f,
        10 * np.ones(3),
        _constant_metric(),
        grad=g,
        line_search=KLTrustRegion(0.5, max_step=1.0),
        gtol=1e-12,
    )
    assert res.success
    np.testing.assert_allclose(res.x, np.linalg.solve(A, [1.0, 2.0, -1.0]), rtol=1e-12)
    t = res.history["step_size"][1:]
    assert np.all(t[:-1] < 1.0) and t[-1] == 1.0


def test_armijo_decreases_fun_monotonically(half_plane):
    f = lambda p: (p[0] - 2.0) ** 2 + 5.0 * (anp.log(p[1]) + 1.0) ** 2 + p[0] * p[1]  # noqa: E731
    res = minimize(f, [-1.0, 3.0], half_plane, max_iter=200)
    fun = res.history["fun"]
    # below rounding the approximate Armijo test lets f rise by at most 16 ε |f|
    assert np.all(np.diff(fun) <= 16 * np.finfo(float).eps * np.abs(fun[:-1]))
    assert fun[-1] < fun[0]


def test_armijo_condition_holds_for_every_accepted_step(rosenbrock):
    f, g = rosenbrock
    xs = []
    minimize(
        f, [-1.2, 1.0], ig.Euclidean(2), grad=g, max_iter=100, callback=lambda r: xs.append(r.x)
    )
    x_prev = np.array([-1.2, 1.0])
    for x in xs:
        t = np.linalg.norm(x - x_prev) / np.linalg.norm(g(x_prev))
        assert f(x) <= f(x_prev) - 1e-4 * t * g(x_prev) @ g(x_prev) + 1e-15
        x_prev = x


def test_armijo_failure_is_reported_honestly():
    """A 'gradient' pointing uphill: no step decreases fun, so success=False."""
    res = minimize(lambda x: x[0] ** 2, [1.0], ig.Euclidean(1), grad=lambda x: -2.0 * x)
    assert not res.success and res.status == 4
    assert "could not decrease" in res.message


def test_fixed_step_does_not_backtrack():
    res = minimize(
        lambda x: x[0] ** 2,
        [1.0],
        ig.Euclidean(1),
        grad=lambda x: 2.0 * x,
        line_search=None,
        step_size=1.5,
        max_iter=3,
    )
    np.testing.assert_allclose(res.history["fun"], [1.0, 4.0, 16.0, 64.0])


def test_levenberg_marquardt_divides_damping_by_three_when_model_is_exact():
    """With G equal to the Hessian of a quadratic, ρ = 1 and λ ← λ·max(1/3, 1 − 1) = λ/3."""
    A = F.copy()
    f, g = _quadratic_fun(A, np.array([1.0, 0.0, -1.0]))
    res = minimize(
        f,
        np.ones(3),
        _constant_metric(),
        grad=g,
        line_search=LevenbergMarquardt(damping=1.0),
        max_iter=5,
        gtol=1e-300,
    )
    lam = res.history["damping"]
    np.testing.assert_allclose(lam[1:] / lam[:-1], 1.0 / 3.0, rtol=1e-12)
    assert np.all(res.history["accepted"])


def test_levenberg_marquardt_rejects_bad_steps_and_raises_damping():
    """Metric far too small for the curvature: the undamped step overshoots, is rejected,
    and λ grows (×2, ×4, ...) until steps are accepted; the run still converges."""
    f, g = _quadratic_fun(100.0 * np.eye(1), np.zeros(1))
    res = minimize(
        f, [1.0], ig.Euclidean(1), grad=g, line_search=LevenbergMarquardt(damping=1e-3), gtol=1e-10
    )
    h = res.history
    assert not h["accepted"][1]
    assert h["damping"][1] > h["damping"][0]
    assert res.success and abs(res.x[0]) < 1e-10
    assert np.all(np.diff(h["fun"]) <= 0)


def test_damping_solves_with_g_plus_lambda_identity():
    A = np.diag([1.0, 4.0, 9.0])
    f, g = _quadratic_fun(A, np.zeros(3))
    x0 = np.array([1.0, 1.0, 1.0])
    lam = 0.5
    res = minimize(f, x0, _constant_metric(), grad=g, line_search=None, damping=lam, max_iter=1)
    np.testing.assert_allclose(res.x, x0 - np.linalg.solve(F + lam * np.eye(3), g(x0)), rtol=1e-13)
    assert np.all(res.history["damping"] == lam)


def test_step_rule_instances_can_be_passed():
    f, g = _quadratic_fun(np.eye(2), np.ones(2))
    res = minimize(
        f,
        np.zeros(2),
        ig.Euclidean(2),
        grad=g,
        line_search=ArmijoBacktracking(initial=0.25, c1=0.5),
        max_iter=1,
    )
    np.testing.assert_allclose(res.x, 0.25 * np.ones(2))
    res = minimize(f, np.zeros(2), ig.Euclidean(2), grad=g, line_search=FixedStep(0.1), max_iter=1)
    np.testing.assert_allclose(res.x, 0.1 * np.ones(2))


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: FixedStep(0.0), "step_size"),
        (lambda: FixedStep(-1.0), "step_size"),
        (lambda: KLTrustRegion(0.0), "trust_region"),
        (lambda: ArmijoBacktracking(c1=1.5), "c1"),
        (lambda: ArmijoBacktracking(shrink=1.0), "shrink"),
        (lambda: LevenbergMarquardt(damping=0.0), "damping"),
        (lambda: FixedStep(1.0, damping=-1.0), "damping"),
    ],
)
def test_bad_rule_parameters(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_armijo_reaches_tight_gtol_below_rounding_of_fun():
    """f = 10⁶ + ½xᵀAx + ~1 ulp of evaluation noise: once the promised decrease is below
    the rounding of f, values cannot decide Armijo's test (a values-only search fails with
    'could not decrease' near ‖∇f‖ ≈ 1e-6); the slope-based test carries on to gtol."""
    A = np.array([[1.0, 0.3], [0.3, 3.0]])
    res = minimize(
        lambda x: 1e6 + 0.5 * x @ A @ x + 3e-10 * np.sin(1e7 * x[0] + 1.0),
        np.array([1.0, -0.7]),
        ig.Euclidean(2),
        grad=lambda x: A @ x,
        gtol=1e-10,
        max_iter=500,
    )
    assert res.success, res.message
    assert np.max(np.abs(res.x)) <= 1e-10


def test_first_armijo_trial_is_bounded_in_fisher_rao_length():
    """Normal from (5, 0.5) for data ~ N(0, 0.1): the full Fisher-scoring step with the
    box retraction once sent σ to 1.6e21 and took 107 iterations."""
    M = ig.Normal()
    x = np.random.default_rng(0).normal(0, 0.1, size=100)
    res = ig.minimize(lambda th: M.nll(th, x), [5.0, 0.5], M)
    h = res.history
    first = h["step_size"][1] * h["grad_norm"][0]
    assert first <= 2.0 * (1 + 1e-12)  # Fisher–Rao length of the first step (auto: 2)
    assert res.success and res.nit <= 20
    np.testing.assert_allclose(res.x, [x.mean(), x.std()], rtol=1e-9)
    unbounded = ig.minimize(lambda th: M.nll(th, x), [5.0, 0.5], M, max_step_length=None)
    assert unbounded.history["step_size"][1] * unbounded.history["grad_norm"][0] > 10
    assert unbounded.nit > 2 * res.nit


@pytest.mark.parametrize("scale", [1.0, 1e-20])
def test_levenberg_marquardt_relative_floor_follows_a_shrinking_metric(scale):
    """A quadratic whose metric and values are scaled by ``s``: the natural-gradient
    direction does not depend on ``s``. At s = 1e-20 the absolute floor λ ≥ 1e-12 is
    1e8 times the metric and the damped steps crawl (no convergence in 300
    iterations); the relative floor ``min(1e-12, 0.1 κ)`` follows the metric down and
    converges as at s = 1 (minimizer in closed form)."""
    A = np.array([[3.0, 1.0], [1.0, 2.0]])
    x_star = np.array([1.0, -2.0])
    manifold = ig.MetricManifold(lambda p: scale * anp.array(A) + 0.0 * p[0], 2)

    def run(relative_floor):
        return minimize(
            lambda x: 0.5 * scale * anp.dot(x - x_star, anp.dot(A, x - x_star)),
            np.zeros(2),
            manifold,
            line_search=LevenbergMarquardt(damping=1e-2 * scale, relative_floor=relative_floor),
            gtol=1e-10,
            max_iter=300,
        )

    res = run(0.1)
    assert res.success and res.nit <= 12
    np.testing.assert_allclose(res.x, x_star, atol=1e-9)
    # after the start value, λ ≥ min(1e-12, 0.1 κ) with κ ≥ the least eigenvalue of sA
    floor = min(1e-12, 0.1 * scale * np.linalg.eigvalsh(A)[0])
    assert np.min(res.history["damping"][1:]) >= floor * (1 - 1e-12)
    absolute = run(0.0)
    if scale == 1.0:  # the floor never binds: the same run
        np.testing.assert_array_equal(absolute.x, res.x)
    else:
        assert not absolute.success


def test_levenberg_marquardt_relative_floor_validation():
    with pytest.raises(ValueError, match="relative_floor"):
        LevenbergMarquardt(relative_floor=1.5)
    assert "relative_floor=0.1" in repr(LevenbergMarquardt(relative_floor=0.1))

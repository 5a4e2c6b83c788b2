"""The loop: reduction to plain gradient descent, Riemannian steps, domain safety,
callbacks, progress bar and results."""

import sys

import autograd
import autograd.numpy as anp
import numpy as np
import pytest
import scipy.optimize

import infogeo as ig
from infogeo.optim import OptimizeResult, RiemannianGradientDescent, minimize

from .conftest import PositiveLine, half_plane_dist


def _quadratic(dim=4, seed=0):
    rng = np.random.default_rng(seed)
    M = rng.standard_normal((dim, dim))
    A = M @ M.T + dim * np.eye(dim)
    b = rng.standard_normal(dim)
    return A, b, (lambda x: 0.5 * x @ A @ x - b @ x), (lambda x: A @ x - b)


def test_euclidean_fixed_step_is_plain_gradient_descent_step_for_step():
    A, _, f, g = _quadratic()
    eta = 1.0 / np.linalg.eigvalsh(A)[-1]
    x = np.ones(4)
    xs, fs = [x], [f(x)]
    for _ in range(30):
        x = x - eta * g(x)
        xs.append(x)
        fs.append(f(x))
    res = minimize(
        f,
        np.ones(4),
        ig.Euclidean(4),
        grad=g,
        line_search=None,
        step_size=eta,
        max_iter=30,
        gtol=1e-300,
    )
    assert res.nit == 30 and not res.success
    np.testing.assert_array_equal(res.history["fun"], fs)
    np.testing.assert_array_equal(res.x, xs[-1])
    np.testing.assert_array_equal(res.history["step_size"][1:], eta)


def test_identity_metric_manifold_matches_plain_gradient_descent():
    """The general path (metric solve, bounds-free retraction) with G = I."""
    A, _, f, g = _quadratic()
    eta = 0.5 / np.linalg.eigvalsh(A)[-1]
    x = np.ones(4)
    for _ in range(20):
        x = x - eta * g(x)
    M = ig.MetricManifold(lambda p: anp.eye(4), 4)
    res = minimize(
        f, np.ones(4), M, grad=g, line_search=None, step_size=eta, max_iter=20, gtol=1e-300
    )
    np.testing.assert_allclose(res.x, x, rtol=1e-13, atol=1e-15)


def test_euclidean_armijo_matches_textbook_backtracking(rosenbrock):
    """Backtracking by safeguarded quadratic interpolation (Nocedal & Wright §3.5):
    t ← max(t² φ′ / (2(φ(t) − φ(0) + t φ′)), 0.2 t) with φ′ = |∇f|², or t/2 when that
    minimizer is not below 0.45 t, from the
    first trial 1 until a search backtracks, then from min(1, sᵀy / yᵀy) (the
    Barzilai–Borwein step, s = x₊ − x, y = ∇f(x₊) − ∇f(x))."""
    f, g = rosenbrock
    x = np.array([-1.2, 1.0])
    ref = [f(x)]
    t0, bb = 1.0, False
    for _ in range(40):
        t, gx, fx = t0, g(x), f(x)
        slope = gx @ gx
        while (ft := f(x - t * gx)) > fx - 1e-4 * t * slope:
            guess = slope * t * t / (2 * (ft - fx + slope * t))
            t = 0.5 * t if guess >= 0.45 * t else max(guess, 0.2 * t)
            bb = True
        s, y = -t * gx, g(x - t * gx) - gx
        x = x + s
        t0 = min(1.0, (s @ y) / (y @ y)) if bb and s @ y > 0 else 1.0
        ref.append(f(x))
    res = minimize(f, [-1.2, 1.0], ig.Euclidean(2), grad=g, max_iter=40, gtol=1e-300)
    # the solver forms sᵀy and yᵀy from t, ∇fᵀd and dᵀ∇f₊ (no metric): same rule,
    # other rounding
    np.testing.assert_allclose(res.history["fun"], ref, rtol=1e-10)


def test_levenberg_marquardt_on_gauss_newton_metric_solves_rosenbrock(rosenbrock):
    """Rosenbrock = |r|², r = (1 − x, 10(y − x²)); with the Gauss–Newton metric 2JᵀJ the
    damped loop is the Levenberg–Marquardt algorithm. Minimum (1, 1); autograd gradient."""
    f, _ = rosenbrock

    def gauss_newton(p):
        J = anp.array([[-1.0, 0.0], [-20.0 * p[0], 10.0]])
        return 2.0 * anp.dot(J.T, J)

    M = ig.MetricManifold(gauss_newton, 2)
    res = minimize(f, [-1.2, 1.0], M, line_search="levenberg-marquardt", gtol=1e-12)
    assert res.success, res.message
    assert res.nit < 50
    np.testing.assert_allclose(res.x, [1.0, 1.0], atol=1e-10)


def test_half_plane_minimizes_distance(half_plane):
    q = np.array([0.7, 2.5])
    # cosh d(p, q) − 1 = |p − q|² / (2 y_p y_q): increasing in d, smooth at p = q
    f = lambda p: ((p[0] - q[0]) ** 2 + (p[1] - q[1]) ** 2) / (2 * p[1] * q[1])  # noqa: E731
    res = minimize(f, [-1.0, 0.3], half_plane, gtol=1e-10)
    assert res.success, res.message
    np.testing.assert_allclose(res.x, q, rtol=1e-9)
    assert np.all(half_plane.belongs(res.x))


def test_exp_step_of_half_squared_distance_lands_on_target(half_plane):
    """grad ½d(p, q)² = −log_p q, so exp_p(−grad) = q: one Riemannian step, step size 1."""
    q = np.array([0.5, 1.5])
    f = lambda p: 0.5 * half_plane_dist(p, q) ** 2  # noqa: E731
    df = autograd.grad(f)
    # d(p, q)² is smooth at p = q with gradient 0, but arccosh's derivative there is 0/0
    grad = lambda p: np.zeros(2) if np.allclose(p, q, rtol=1e-6) else df(p)  # noqa: E731
    res = minimize(
        f,
        [-0.5, 0.8],
        half_plane,
        grad=grad,
        retraction="exp",
        line_search=None,
        step_size=1.0,
        max_iter=1,
    )
    np.testing.assert_allclose(res.x, q, rtol=1e-8)


@pytest.mark.parametrize("raise_outside", [False, True])
def test_steps_leaving_the_domain_are_shortened(raise_outside):
    M = PositiveLine(raise_outside)
    res = minimize(
        lambda x: (x[0] + 1.0) ** 2,
        [1.0],
        M,
        grad=lambda x: 2 * (x + 1.0),
        line_search=None,
        step_size=1.0,
        retraction="exp",
        max_iter=5,
    )
    h = res.history
    assert h["shortened"][1]
    assert h["step_size"][1] == 0.125  # 1 → 0.5 → 0.25 (lands on 0) → 0.125
    assert np.all(h["fun"] > 1.0)  # every iterate stayed in x > 0
    assert res.x[0] > 0 and not res.success


def test_infinite_fun_counts_as_outside():
    """fun = +inf at a trial point (its effective domain) shortens the step."""
    f = lambda x: np.inf if x[0] > 2 else (x[0] - 3.0) ** 2  # noqa: E731
    res = minimize(
        f,
        [0.0],
        ig.Euclidean(1),
        grad=lambda x: 2 * (x - 3.0),
        line_search=None,
        step_size=1.0,
        max_iter=1,
    )
    assert res.history["shortened"][1]
    assert res.x[0] <= 2


def test_callback_receives_results_and_can_stop(rosenbrock):
    f, g = rosenbrock
    seen = []

    def cb(r):
        assert isinstance(r, OptimizeResult)
        seen.append((r.nit, r.fun))
        return r.nit == 3

    res = minimize(f, [-1.2, 1.0], ig.Euclidean(2), grad=g, callback=cb)
    assert [s[0] for s in seen] == [1, 2, 3]
    assert res.nit == 3 and res.status == 3 and not res.success
    assert "callback" in res.message
    assert seen[-1][1] == res.fun


def test_result_fields_and_history(rosenbrock):
    f, g = rosenbrock
    res = RiemannianGradientDescent(ig.Euclidean(2), max_iter=50).minimize(f, [-1.2, 1.0], g)
    assert isinstance(res, scipy.optimize.OptimizeResult)
    for key in (
        "x",
        "fun",
        "jac",
        "grad_norm",
        "nit",
        "nfev",
        "njev",
        "success",
        "message",
        "history",
        "wall_time",
        "status",
    ):
        assert key in res
    n = res.nit + 1
    for key in ("fun", "grad_norm", "step_size", "shortened", "damping", "accepted"):
        assert res.history[key].shape == (n,)
    np.testing.assert_allclose(res.grad_norm, np.linalg.norm(g(res.x)), rtol=1e-12)
    np.testing.assert_allclose(res.fun, f(res.x), rtol=1e-15)
    assert res.njev == n and res.nfev >= n


def test_riemannian_grad_norm_is_metric_norm(half_plane):
    """grad_norm = √(gᵀG⁻¹g) = y‖g‖ on the half-plane."""
    f = lambda p: p[0] ** 2 + p[1]  # noqa: E731
    res = minimize(f, [1.0, 2.0], half_plane, max_iter=1)
    g0 = np.array([2.0, 1.0])
    np.testing.assert_allclose(res.history["grad_norm"][0], 2.0 * np.linalg.norm(g0), rtol=1e-14)


def test_progress_bar_runs(rosenbrock, capsys):
    f, g = rosenbrock
    res = minimize(f, [-1.2, 1.0], ig.Euclidean(2), grad=g, max_iter=5, progress=True)
    assert res.nit == 5
    assert "minimize" in capsys.readouterr().err


def test_progress_without_tqdm_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "tqdm", None)
    with pytest.raises(ImportError, match="tqdm"):
        RiemannianGradientDescent(ig.Euclidean(2), progress=True)


def test_callback_sees_the_last_iteration():
    seen = []
    res = minimize(
        lambda x: x @ x,
        np.ones(2),
        ig.Euclidean(2),
        grad=lambda x: 2 * x,
        line_search=None,
        step_size=0.25,
        callback=lambda r: seen.append(r.nit),
    )
    assert res.success and seen == list(range(1, res.nit + 1))

"""Fault injection: every way a run can break ends with an honest, documented outcome.

Each test plants one fault (NaN/inf values, overflowing gradients, a raising callback, a
metric singular at one iterate, …) and checks the status, the message, and that ``x`` is
the last iterate at which everything was finite.
"""

import numpy as np
import pytest

import infogeo as ig
from infogeo.optim.stopping import (
    CALLBACK,
    CONVERGED,
    DIVERGED,
    MAX_ITER,
    NO_DECREASE,
    SINGULAR_METRIC,
)


def quadratic(p):
    return float(np.sum((p - 3.0) ** 2))


def quadratic_grad(p):
    return 2.0 * (p - 3.0)


class FaultyGradient:
    """``quadratic_grad`` that returns ``bad`` from its ``at``-th call on."""

    def __init__(self, at, bad):
        self.at, self.bad, self.calls = at, bad, 0

    def __call__(self, p):
        self.calls += 1
        g = quadratic_grad(p)
        return np.full_like(g, self.bad) if self.calls >= self.at else g


@pytest.mark.parametrize("bad", [np.inf, -np.inf, np.nan])
def test_gradient_turning_non_finite_mid_run_is_divergence(bad):
    seen = []
    grad = FaultyGradient(4, bad)
    res = ig.minimize(
        quadratic,
        [0.0, 10.0],
        ig.Euclidean(2),
        grad=grad,
        line_search=None,
        step_size=0.1,
        callback=lambda r: seen.append(r.x.copy()),
    )
    assert not res.success and res.status == DIVERGED
    assert "diverged" in res.message and "gradient not finite" in res.message
    assert "damping" not in res.message
    # x is the last iterate whose gradient was finite: the one before the failing step
    np.testing.assert_array_equal(res.x, seen[-1])
    assert np.all(np.isfinite(res.x)) and np.isfinite(res.fun) and np.isfinite(res.grad_norm)
    # the step that broke it: one fixed step of 0.1 along −∇f from x
    np.testing.assert_allclose(res.failed_x, res.x - 0.1 * quadratic_grad(res.x))


def test_gradient_non_finite_at_the_start_is_an_error_naming_x0():
    with pytest.raises(ValueError, match="x0"):
        ig.minimize(quadratic, [0.0, 1.0], ig.Euclidean(2), grad=FaultyGradient(1, np.nan))


def test_fun_minus_inf_at_a_trial_point_is_divergence():
    fun = lambda p: -np.inf if p[0] > 2.0 else quadratic(p)  # noqa: E731
    res = ig.minimize(fun, [0.0, 0.0], ig.Euclidean(2), grad=quadratic_grad)
    assert res.status == DIVERGED and "unbounded below" in res.message
    assert res.x[0] <= 2.0 and np.isfinite(res.fun)


def test_fun_plus_inf_at_some_iterates_only_shortens_steps():
    """+inf (like NaN) at a trial point is outside the domain: the step is halved."""
    fun = lambda p: np.inf if 1.0 < p[0] < 2.0 else quadratic(p)  # noqa: E731
    res = ig.minimize(fun, [2.5, 2.5], ig.Euclidean(2), grad=quadratic_grad, gtol=1e-10)
    assert res.success and np.allclose(res.x, 3.0)


def test_fixed_step_too_long_is_reported_as_divergence():
    """f = |x − 3|² with step 1.5: x − 3 is multiplied by −2 each step, values stay finite."""
    res = ig.minimize(
        quadratic, [0.0], ig.Euclidean(1), grad=quadratic_grad, line_search=None, step_size=1.5
    )
    assert res.status == DIVERGED and "rose" in res.message and "step" in res.message
    assert res.nit == 10  # the first 10 consecutive rises end it
    assert res.x[0] == pytest.approx(3.0 - 3.0 * (-2.0) ** 10)


def test_raise_on_divergence_raises_with_the_result():
    with pytest.raises(ig.DivergenceError, match="diverged") as info:
        ig.minimize(
            quadratic,
            [0.0],
            ig.Euclidean(1),
            grad=quadratic_grad,
            line_search=None,
            step_size=1.5,
            raise_on_divergence=True,
        )
    assert isinstance(info.value, ig.ConvergenceError)
    assert info.value.result.status == DIVERGED


class SingularAt(ig.Euclidean):
    """ℝⁿ whose metric is singular (a solve fails) at its ``at``-th direction request."""

    def __init__(self, dim, at):
        super().__init__(dim)
        self.at, self.calls = at, 0

    def riemannian_gradient(self, p, egrad, damping=0.0):
        self.calls += 1
        if self.calls == self.at and damping == 0:
            raise ValueError("metric not positive definite")
        return super().riemannian_gradient(p, egrad, damping)


def test_metric_singular_at_one_ordinary_iterate_suggests_damping():
    opts = {"grad": quadratic_grad, "line_search": None, "step_size": 0.1}
    res = ig.minimize(quadratic, [0.0, 0.0], SingularAt(2, 3), **opts)
    assert not res.success and res.status == SINGULAR_METRIC
    assert "damping" in res.message and "diverged" not in res.message
    assert res.nit == 2 and np.all(np.isfinite(res.x))
    # with damping the same manifold never fails, and the run converges
    res = ig.minimize(quadratic, [0.0, 0.0], SingularAt(2, 3), damping=1e-9, **opts)
    assert res.success


def test_metric_underflow_is_divergence_not_a_damping_problem():
    """Normal: after the step of 50 the iterate is σ ≈ 4e267, where 1/σ² underflows."""
    M = ig.Normal()
    x = np.random.default_rng(0).normal(0, 0.1, size=100)
    for retraction in ("retract", "exp"):
        res = ig.minimize(
            lambda th: M.nll(th, x),
            [5.0, 0.5],
            M,
            step_size=50.0,
            line_search=None,
            retraction=retraction,
            max_iter=20,
        )
        assert res.status == DIVERGED and "damping" not in res.message
        np.testing.assert_array_equal(res.x, [5.0, 0.5])  # the last finite iterate
        assert not 1e-100 < res.failed_x[1] < 1e100  # σ ran off to float64's edge
    res = ig.minimize(lambda th: M.nll(th, x), [5.0, 0.5], M, trust_region=1e6, max_iter=20)
    assert res.status == DIVERGED and "damping" not in res.message


def test_callback_raising_propagates_and_closes_the_bar(capsys):
    def callback(r):
        if r.nit == 2:
            raise RuntimeError("user bug")

    with pytest.raises(RuntimeError, match="user bug"):
        ig.minimize(
            quadratic, [0.0], ig.Euclidean(1), grad=quadratic_grad, callback=callback,
            line_search=None, step_size=0.1, progress=True,
        )  # fmt: skip
    last = capsys.readouterr().err.strip().split("\r")[-1]
    assert "2/2 " in last  # the bar was closed at the iterations run


def test_callback_raising_stop_iteration_stops_the_run():
    def callback(r):
        if r.nit == 3:
            raise StopIteration

    res = ig.minimize(
        quadratic,
        [0.0],
        ig.Euclidean(1),
        grad=quadratic_grad,
        callback=callback,
        line_search=None,
        step_size=0.1,
    )
    assert res.status == CALLBACK and res.nit == 3 and not res.success


def test_max_iter_zero_returns_the_start():
    res = ig.minimize(quadratic, [0.0, 1.0], ig.Euclidean(2), grad=quadratic_grad, max_iter=0)
    assert res.status == MAX_ITER and not res.success and res.nit == 0
    np.testing.assert_array_equal(res.x, [0.0, 1.0])
    assert res.grad_norm == pytest.approx(np.hypot(6.0, 4.0))
    res = ig.minimize(quadratic, [3.0, 3.0], ig.Euclidean(2), grad=quadratic_grad, max_iter=0)
    assert res.success and res.status == CONVERGED


def test_nan_region_blocks_the_descent_honestly():
    fun = lambda p: np.nan if p[0] < 2.0 else float(p[0] ** 2)  # noqa: E731
    grad = lambda p: 2.0 * p  # noqa: E731
    res = ig.minimize(fun, [2.5], ig.Euclidean(1), grad=grad)
    assert res.status == NO_DECREASE and res.x[0] >= 2.0 and "NaN" in res.message


def test_progress_bar_completes(capsys):
    res = ig.fit(ig.Gamma(), np.random.default_rng(0).gamma(2.0, size=200), progress=True)
    last = capsys.readouterr().err.strip().split("\r")[-1]
    assert res.success and f"{res.nit}/{res.nit} " in last


def test_model_overflow_in_the_gradient_is_divergence_not_a_crash():
    """Poisson regression after huge fixed steps: exp(Xw) spans e^±500, the metric
    Xᵀdiag(exp(Xw))X/n is 1e217 and numerically singular; the run ran off, it is not a
    case for damping."""
    from infogeo.models import poisson_regression

    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 2))
    y = rng.poisson(np.exp(X @ [0.3, -0.2]))
    model = poisson_regression(X, y)
    w0 = np.zeros(2)
    res = ig.minimize(model.nll, w0, model, grad=model.nll_grad, line_search=None, step_size=1e3)
    assert not res.success and res.status == DIVERGED and "damping" not in res.message
    assert np.all(np.isfinite(res.x)) and np.isfinite(res.fun)


def test_fixed_step_running_off_ends_diverged_not_at_max_iter():
    """The issue's case: Normal from (5, 0.5), fixed step 3 on the natural gradient. The
    iterates grow until σ overflows (once reported as only "maximum number of
    iterations"); the run ends diverged, before max_iter, at a finite iterate."""
    M = ig.Normal()
    x = np.random.default_rng(0).normal(0, 0.1, size=100)
    res = ig.minimize(lambda th: M.nll(th, x), [5.0, 0.5], M, line_search=None, step_size=3)
    assert not res.success and res.status == DIVERGED and res.nit < 1000
    assert "diverged" in res.message and "overflow" in res.message
    assert np.all(np.isfinite(res.x)) and not np.all(
        np.isfinite(res.failed_x) & (abs(res.failed_x) < 1e150)
    )

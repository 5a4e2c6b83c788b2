"""Stopping criteria: each one, their composition, and honest success flags."""

import numpy as np
import pytest

import infogeo as ig
from infogeo.optim import (
    FunctionTolerance,
    GradientTolerance,
    MaxIterations,
    MaxTime,
    MinStepSize,
    minimize,
)
from infogeo.optim.stopping import IterationState


def _state(**kw):
    base = dict(
        nit=3, fun=1.0, fun_prev=2.0, grad_norm=0.5, step_length=0.1, accepted=True, elapsed=0.0
    )
    return IterationState(**{**base, **kw})


def test_gradient_tolerance():
    assert GradientTolerance(1.0)(_state()).success
    assert GradientTolerance(0.1)(_state()) is None


def test_function_tolerance_is_relative_and_ignores_rejected_steps():
    assert FunctionTolerance(1e-3)(_state(fun=1000.0, fun_prev=1000.5)).success
    assert FunctionTolerance(1e-3)(_state(fun=1.0, fun_prev=1.01)) is None
    assert FunctionTolerance(1e-3)(_state(fun=1.0, fun_prev=1.0, accepted=False)) is None


def test_max_iterations_and_time_are_failures():
    stop = MaxIterations(3)(_state())
    assert stop is not None and not stop.success and stop.status == 1
    stop = MaxTime(1.0)(_state(elapsed=2.0))
    assert stop is not None and not stop.success and stop.status == 2
    stop = MinStepSize(1.0)(_state())
    assert stop is not None and not stop.success


def test_composition_with_or():
    crit = GradientTolerance(1e-9) | MaxIterations(10) | MaxTime(100.0)
    assert len(crit.criteria) == 3
    assert crit(_state(nit=10)).status == 1
    assert crit(_state(nit=1)) is None
    assert crit(_state(nit=10, grad_norm=1e-12)).success  # convergence listed first wins


def test_max_iter_run_reports_failure(rosenbrock):
    f, g = rosenbrock
    res = minimize(f, [-1.2, 1.0], ig.Euclidean(2), grad=g, max_iter=7)
    assert res.nit == 7 and not res.success and res.status == 1
    assert "maximum number of iterations" in res.message


def test_zero_max_iter_returns_start():
    res = minimize(lambda x: x @ x, np.ones(2), ig.Euclidean(2), max_iter=0)
    assert res.nit == 0 and not res.success
    np.testing.assert_array_equal(res.x, np.ones(2))


def test_ftol_run_reports_success(rosenbrock):
    f, g = rosenbrock
    res = minimize(f, [-1.2, 1.0], ig.Euclidean(2), grad=g, ftol=1e-3, max_iter=10000)
    assert res.success and res.status == 0 and "ftol" in res.message
    h = res.history["fun"]
    assert abs(h[-2] - h[-1]) <= 1e-3 * max(abs(h[-1]), abs(h[-2]), 1.0)


def test_max_time_run_reports_failure(rosenbrock):
    f, g = rosenbrock
    res = minimize(f, [-1.2, 1.0], ig.Euclidean(2), grad=g, max_time=1e-9, max_iter=10**6)
    assert not res.success and res.status == 2 and res.nit == 1


def test_min_step_run_reports_failure(rosenbrock):
    f, g = rosenbrock
    res = minimize(f, [-1.2, 1.0], ig.Euclidean(2), grad=g, min_step=1e-2, max_iter=10**6)
    assert not res.success and "min_step" in res.message


def test_custom_stopping_criterion_is_combined(rosenbrock):
    f, g = rosenbrock

    class FunBelow(GradientTolerance.__mro__[1]):
        def __call__(self, state):
            if state.fun < 1.0:
                from infogeo.optim.stopping import Stop

                return Stop(True, 0, "fun < 1")
            return None

    res = minimize(f, [-1.2, 1.0], ig.Euclidean(2), grad=g, stopping=FunBelow())
    assert res.success and res.message == "fun < 1" and res.fun < 1.0
    assert res.history["fun"][-2] >= 1.0


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: GradientTolerance(0.0), "gtol"),
        (lambda: FunctionTolerance(-1.0), "ftol"),
        (lambda: MaxIterations(-1), "max_iter"),
        (lambda: MaxTime(0), "max_time"),
        (lambda: MinStepSize(-1e-3), "min_step"),
    ],
)
def test_bad_criteria(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_rounding_floor_is_convergence_with_the_closed_form_mle():
    """Data 1e4 + 1e-3·N(0, 1): the gradient's rounding floor (~1e-9) lies above gtol."""
    data = 1e4 + 1e-3 * np.random.default_rng(3).normal(size=1000)
    res = ig.fit(ig.Normal(), data)
    assert res.success and res.status == 0 and "rounding floor" in res.message
    shifted = data - 1e4  # exact: the subtraction of nearby floats is exact
    mle = np.array([1e4 + shifted.mean(), shifted.std()])
    np.testing.assert_allclose(res.x, mle, rtol=1e-7)
    assert res.nit < 30


def test_slow_convergence_is_not_mistaken_for_a_floor():
    """Gradient descent on an ill-conditioned quadratic: slow, not at a rounding floor."""
    scales = np.array([1.0, 1e3])
    res = ig.minimize(
        lambda p: float(np.sum(scales * p**2)),
        [1.0, 1.0],
        ig.Euclidean(2),
        grad=lambda p: 2 * scales * p,
        line_search=None,
        step_size=0.99 / (2 * scales[-1]),  # the slow direction contracts by 0.999 a step
        gtol=1e-12,
        max_iter=60,
    )
    assert not res.success and res.status == 1 and "floor" not in res.message


# ---------------------------------------------------------------- scale of the problem
def test_relative_gradient_tolerance_uses_the_start_gradient_below_one():
    tol = GradientTolerance(1e-8, relative=True)
    assert tol(_state(nit=0, grad_norm=1e-6)) is None  # start: 1e-6 > 1e-8 · 1e-6
    assert tol(_state(nit=5, grad_norm=2e-14)) is None
    stop = tol(_state(nit=6, grad_norm=5e-15))
    assert stop.success and "relative to the start" in stop.message
    tol.reset()
    assert tol(_state(nit=0, grad_norm=50.0)) is None  # above 1: the absolute test
    assert tol(_state(nit=1, grad_norm=9e-9)).success


@pytest.mark.parametrize("scale", [1e-12, 1e-6, 1.0, 1e6])
def test_gtol_on_a_plain_metric_follows_the_scale_of_fun(scale):
    """f = s·½|A(x − c)|²: the minimizer c does not depend on s. An absolute gtol = 1e-8
    would stop at |x − c| ≈ 1e-8/s (1e4 for s = 1e-12); measured against the start's
    gradient, every s reaches c to the same relative accuracy, or the rounding floor."""
    A = np.diag([1.0, 2.0, 3.0])
    c = np.array([1.0, -2.0, 3.0])
    f = lambda x: 0.5 * scale * np.sum((A @ (x - c)) ** 2)  # noqa: E731
    g = lambda x: scale * A.T @ (A @ (x - c))  # noqa: E731
    res = minimize(f, np.zeros(3), ig.Euclidean(3), grad=g, step_size=1.0 / (9 * scale))
    assert res.success, res.message
    np.testing.assert_allclose(res.x, c, rtol=0, atol=1e-6)  # 1e-8 · |∇f(x₀)| / s


def test_a_statistical_manifold_keeps_the_absolute_fisher_tolerance():
    from infogeo.optim.options import has_fisher_metric

    assert has_fisher_metric(ig.Normal())
    assert not has_fisher_metric(ig.Euclidean(2))
    x = np.random.default_rng(0).normal(3.0, 2.0, size=200)
    res = ig.fit(ig.Normal(), x, x0=[0.0, 1.0])
    assert res.success and "relative" not in res.message and res.grad_norm <= 1e-10


def test_scaled_rayleigh_quotient_ends_at_its_rounding_floor():
    """x ↦ xᵀ(sA)x on the sphere with s = 1e10: f ≈ −6e10 resolves no decrease below
    1e-5, the gradient no norm below ≈ 1e-5. The run used to end after 5000 iterations
    (success=False, the gradient norm stuck at 1e3 by slopes measured along d instead of
    along the retraction curve); now it reaches the eigenvector (numpy's eigh) and says
    that float64 stopped it."""
    from geomstats.geometry.hypersphere import Hypersphere

    rng = np.random.default_rng(0)
    B = rng.standard_normal((20, 20))
    A = 1e10 * (B + B.T) / 2
    w, V = np.linalg.eigh(A)
    sphere = ig.from_geomstats(Hypersphere(19))
    x0 = sphere.random_point(rng=np.random.default_rng(1))
    res = minimize(lambda x: x @ A @ x, x0, sphere, grad=lambda x: 2 * A @ x, max_iter=2000)
    assert res.success and "rounding floor" in res.message, res.message
    assert res.nit < 1000
    np.testing.assert_allclose(abs(res.x @ V[:, 0]), 1.0, atol=1e-12)
    assert res.fun == pytest.approx(w[0], rel=1e-14)


def test_a_step_that_cannot_move_x_is_named():
    """f of scale 1e-20: no step of length t·|∇f| ≈ 1e-20 moves x; an absolute gtol
    used to declare the start converged."""
    f = lambda x: 1e-20 * np.sum((x - 3.0) ** 2)  # noqa: E731
    g = lambda x: 2e-20 * (x - 3.0)  # noqa: E731
    res = minimize(f, np.ones(2), ig.Euclidean(2), grad=g)
    assert not res.success and res.status == 4
    assert "does not move x" in res.message and "rescale fun" in res.message


def test_relative_gtol_option():
    """On Euclidean space gtol is relative to the start's gradient norm by default;
    relative_gtol=False stops at the absolute tolerance (as scipy and pymanopt), True
    forces the relative form on a Fisher metric too."""
    A = np.diag([1.0, 10.0])

    def fun(x):
        return 0.5 * float(x @ A @ x)

    def grad(x):
        return A @ x

    x0 = np.array([0.01, 0.01])  # ‖grad‖ ≈ 0.1: the relative test is 10× stricter
    rel = ig.minimize(fun, x0, ig.Euclidean(2), grad=grad, gtol=1e-6, method="cg")
    absolute = ig.minimize(
        fun, x0, ig.Euclidean(2), grad=grad, gtol=1e-6, method="cg", relative_gtol=False
    )
    assert rel.success and absolute.success
    assert "relative" in rel.message and "relative" not in absolute.message
    assert np.linalg.norm(grad(absolute.x)) <= 1e-6
    assert np.linalg.norm(grad(rel.x)) <= 1e-6 * np.linalg.norm(grad(x0))
    data = ig.Gamma().sample([2.0, 1.0], size=200, rng=0)
    forced = ig.fit(ig.Gamma(), data, relative_gtol=True, gtol=1e-6)
    assert forced.success
    with pytest.raises(TypeError, match="relative_gtol"):
        ig.minimize(fun, x0, ig.Euclidean(2), grad=grad, relative_gtol="yes")

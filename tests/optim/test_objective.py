"""Bad input to the loop: start point, fun, gradient, metric."""

import numpy as np
import pytest

import infogeo as ig
from infogeo.geometry.manifold import RiemannianManifold
from infogeo.optim import minimize
from infogeo.optim.objective import Objective

from .conftest import PositiveLine


def test_start_off_the_manifold(half_plane):
    with pytest.raises(ValueError, match=r"x0.*x1 > 0"):
        minimize(lambda p: p[0] ** 2, [0.0, -1.0], half_plane)


@pytest.mark.parametrize("x0", [[1.0, 2.0, 3.0], [[1.0, 2.0]], 1.0])
def test_start_of_wrong_shape(half_plane, x0):
    with pytest.raises(ValueError, match="x0"):
        minimize(lambda p: p[0] ** 2, x0, half_plane)


def test_start_with_nan():
    with pytest.raises(ValueError, match=r"x0.*finite"):
        minimize(lambda p: p @ p, [np.nan, 1.0], ig.Euclidean(2))


def test_fun_returning_nan():
    with pytest.raises(ValueError, match="NaN"):
        minimize(lambda p: np.nan, [1.0, 1.0], ig.Euclidean(2), grad=lambda p: p)


def test_fun_returning_nan_later():
    """NaN at a trial point is treated as outside the domain: steps are shortened, the
    iterates never enter the NaN region, and the run says why it stopped."""
    f = lambda p: np.nan if p[0] < 0.5 else (p[0] - 0.0) ** 2  # noqa: E731
    res = minimize(f, [1.0], ig.Euclidean(1), grad=lambda p: 2 * p)
    assert not res.success
    assert res.x[0] >= 0.5
    assert np.isfinite(res.fun)
    assert "shortened" in res.message and "NaN" in res.message
    assert res.nit < 100


def test_fun_returning_non_scalar():
    with pytest.raises(ValueError, match="scalar"):
        minimize(lambda p: p**2, [1.0, 1.0], ig.Euclidean(2), grad=lambda p: 2 * p)


def test_fun_returning_minus_inf():
    with pytest.raises(ValueError, match="unbounded below"):
        minimize(lambda p: -np.inf, [1.0], ig.Euclidean(1), grad=lambda p: p)


def test_fun_infinite_at_start():
    with pytest.raises(ValueError, match="x0"):
        minimize(lambda p: np.inf, [1.0], ig.Euclidean(1), grad=lambda p: p)


def test_gradient_of_wrong_shape():
    with pytest.raises(ValueError, match=r"shape \(2,\)"):
        minimize(lambda p: p @ p, [1.0, 1.0], ig.Euclidean(2), grad=lambda p: np.ones(3))


def test_gradient_not_finite():
    with pytest.raises(ValueError, match="non-finite"):
        minimize(
            lambda p: p @ p, [1.0, 1.0], ig.Euclidean(2), grad=lambda p: np.array([np.inf, 0.0])
        )


def test_non_callable_fun_and_grad():
    with pytest.raises(TypeError, match="fun"):
        minimize(3.0, [1.0], ig.Euclidean(1))
    with pytest.raises(TypeError, match="grad"):
        minimize(lambda p: p @ p, [1.0], ig.Euclidean(1), grad=3.0)


def test_autograd_failure_suggests_grad():
    def f(p):
        return float(np.sum(np.asarray(p) ** 2))  # float() cannot be traced

    with pytest.raises(TypeError, match="grad="):
        minimize(f, [1.0, 1.0], ig.Euclidean(2))


class SingularMetric(RiemannianManifold):
    """ℝ² with the rank-one metric diag(1, 0)."""

    def __init__(self):
        super().__init__(2)

    def metric(self, p):
        p = self._points(p)
        return np.broadcast_to(np.diag([1.0, 0.0]), (*p.shape[:-1], 2, 2)).copy()

    def retract(self, p, v):
        return np.asarray(p) + np.asarray(v)


def test_singular_metric_suggests_damping():
    with pytest.raises(ValueError, match="damping"):
        minimize(lambda p: p @ p, [1.0, 1.0], SingularMetric())


def test_singular_metric_with_damping_runs():
    res = minimize(lambda p: p @ p, [1.0, 1.0], SingularMetric(), damping=1.0, gtol=1e-10)
    assert res.success
    np.testing.assert_allclose(res.x, 0.0, atol=1e-9)


def test_manifold_without_interface():
    with pytest.raises(TypeError, match="manifold"):
        minimize(lambda p: p @ p, [1.0], object())


def test_objective_counts():
    obj = Objective(lambda x: x @ x, None, 2)
    obj.value(np.ones(2))
    obj.value(np.ones(2))
    np.testing.assert_allclose(obj.gradient(np.array([1.0, 2.0])), [2.0, 4.0])
    assert (obj.nfev, obj.njev) == (2, 1)


def test_iterates_stay_on_manifold_with_exp_leaving():
    res = minimize(
        lambda x: (x[0] + 5.0) ** 2,
        [1.0],
        PositiveLine(True),
        grad=lambda x: 2 * (x + 5.0),
        retraction="exp",
        max_iter=20,
    )
    assert res.x[0] > 0

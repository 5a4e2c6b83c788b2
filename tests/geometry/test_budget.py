"""Time budgets, error reporting and the hard pairs of the geodesic solvers: every
call ends with the answer or a ConvergenceError that names the failed pairs."""

import warnings

import numpy as np
import pytest

import infogeo as ig
from infogeo.exceptions import ConvergenceWarning
from infogeo.geometry import collocation as col
from infogeo.geometry.budget import Budget, resolve_max_time
from infogeo.geometry.internal_chart import internal_chart
from infogeo.geometry.shooting import solve_log

from .geometry_cases import ClosedHalfPlane, halfplane_distance


class _CutHalfPlane(ClosedHalfPlane):
    """The half-plane cut off at y < 0.8: the geodesic between (±0.9, 0.6) rises to
    y ≈ 1.08, outside the domain, so that pair has no solution in the chart."""

    def __init__(self):
        ig.RiemannianManifold.__init__(self, 2, bounds=[(None, None), (0, 0.8)])


def test_far_pair_on_the_halfplane_converges(halfplane):
    # issue 10: "no geodesic inside the domain" at [100, 1] after 11-14 s; the
    # closed form is 2 arsinh(50) (semicircle of radius 50)
    d = halfplane.dist([0.0, 1.0], [100.0, 1.0], max_time=60)
    assert d == pytest.approx(2 * np.arcsinh(50.0), rel=1e-9)


def test_homotopy_solves_a_far_pair_in_internal_coordinates(closed_halfplane):
    # 1000 apart at height 1: Newton from the straight line fails, the homotopy in the
    # connection (λ from ~5e-5 to 1) converges and the result is certified
    chart = internal_chart(closed_halfplane)
    P = chart.to_internal(np.array([[0.0, 1.0]]))
    Q = chart.to_internal(np.array([[1000.0, 1.0]]))
    N = 80
    scale = col._scale(P, Q)
    _, conv = col._newton(chart, P, Q, np.zeros((1, N + 1, 2)), N, scale, 30, 8)
    assert not conv.any()
    _, conv = col._homotopy(chart, P, Q, N, 10, 4)
    assert conv.all()
    V, ok = col.collocation_log(chart, P, Q, tol=1e-10)
    assert ok.all()
    v = chart.velocity_to_external(P, V)
    d = closed_halfplane.norm(np.array([0.0, 1.0]), v[0])
    assert d == pytest.approx(2 * np.arcsinh(500.0), rel=1e-9)


def test_internal_chart_connection_matches_autograd():
    # Γ̃ and ∂Γ̃ of the log/logit chart against autograd on the pulled-back metric
    import autograd.numpy as anp

    def met(p):
        a = 1 / (p[..., 0] * (1 - p[..., 0])) + 0.1 * p[..., 1] ** 2
        b = 0.3 * p[..., 0] * p[..., 1]
        c = 2 / p[..., 1] ** 2 + 1
        return anp.stack([anp.stack([a, b], -1), anp.stack([b, c], -1)], -2)

    class Base(ig.RiemannianManifold):
        def metric(self, p):
            return met(p)

    class Pulled(ig.RiemannianManifold):  # x = (σ(u₀), 3 − e^{u₁})
        def metric(self, u):
            s = 1 / (1 + anp.exp(-u[..., 0]))
            x = anp.stack([s, 3 - anp.exp(u[..., 1])], -1)
            J = anp.stack([s * (1 - s), -anp.exp(u[..., 1])], -1)
            return met(x) * J[..., :, None] * J[..., None, :]

    chart = internal_chart(Base(2, bounds=[(0, 1), (None, 3)]))
    u = np.random.default_rng(0).normal(size=(4, 2))
    g1, d1 = chart.christoffel_and_derivative(u)
    g2, d2 = Pulled(2)._connection_from_metric(u)
    np.testing.assert_allclose(g1, g2, atol=1e-13)
    np.testing.assert_allclose(d1, d2, atol=1e-12)
    x = np.array([[0.3, 2.0], [0.9, -5.0]])
    np.testing.assert_allclose(chart.to_external(chart.to_internal(x)), x, rtol=1e-15)


def test_budget_ends_the_call_with_a_named_error():
    M = _CutHalfPlane()
    P = np.array([[-0.9, 0.6], [0.0, 0.5]])
    Q = np.array([[0.9, 0.6], [0.1, 0.6]])
    with pytest.raises(ig.ConvergenceError) as info:
        M.dist(P, Q, max_time=3.0)
    err = info.value
    assert err.failed == [(0,)]
    assert "collocation" in err.method and "shooting" in err.method
    assert err.residual.shape == (2,) and err.residual[1] <= err.tolerance
    assert "Failed batch indices: (0,)" in str(err) and "max_time" in str(err)
    assert "no proof" in str(err)


def test_errors_nan_returns_the_solved_pairs_and_warns():
    M = _CutHalfPlane()
    P = np.array([[-0.9, 0.6], [0.0, 0.5]])
    Q = np.array([[0.9, 0.6], [0.1, 0.6]])
    with pytest.warns(ConvergenceWarning, match=r"Failed batch indices: \(0,\)"):
        d = M.dist(P, Q, max_time=3.0, errors="nan")
    assert np.isnan(d[0])
    assert d[1] == pytest.approx(halfplane_distance(P[1], Q[1]), rel=1e-9)


def test_an_exhausted_budget_is_reported_as_such(closed_halfplane):
    budget = Budget(0.0)
    assert budget.expired()
    P = np.array([[0.0, 1.0]])
    Q = np.array([[3.0, 1.0]])
    with pytest.raises(ig.ConvergenceError) as info:
        solve_log(closed_halfplane, P, Q, max_time=1e-9)
    assert info.value.timed_out and info.value.failed == [(0,)]
    assert "ran out" in str(info.value)


def test_default_budget_and_bad_arguments(closed_halfplane):
    M = closed_halfplane
    assert resolve_max_time(M, None, 1) == M.max_time
    assert resolve_max_time(M, None, 11) == pytest.approx(M.max_time + 10 * M.max_time_per_pair)
    assert resolve_max_time(M, 0.5, 100) == 0.5
    with pytest.raises(ValueError, match="max_time"):
        M.dist([0.0, 1.0], [1.0, 1.0], max_time=-1)
    with pytest.raises(ValueError, match="errors"):
        M.dist([0.0, 1.0], [1.0, 1.0], errors="ignore")


def test_identical_points_and_geodesic_budget(closed_halfplane):
    M = closed_halfplane
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert M.dist([0.5, 2.0], [0.5, 2.0]) == 0.0
    g = M.geodesic([0.0, 1.0], [2.0, 1.0], max_time=30)
    assert g.length == pytest.approx(halfplane_distance([0.0, 1.0], [2.0, 1.0]), rel=1e-9)


def test_exp_and_transport_by_the_ode_have_a_budget(halfplane):
    """The numerical exp (and parallel transport, on the same integrator) end with a
    timed-out ConvergenceError when the budget passes; within it they answer."""
    p, v = np.array([0.0, 1.0]), np.array([3.0, 0.5])
    with pytest.raises(ig.ConvergenceError, match="max_time") as info:
        halfplane.exp(p, v, max_time=1e-9)
    assert info.value.timed_out
    q = halfplane.exp(p, v, max_time=30)
    assert halfplane_distance(p, q) == pytest.approx(float(halfplane.norm(p, v)), rel=1e-9)
    moved = halfplane.parallel_transport(p, np.array([0.2, -0.7]), q)
    assert float(halfplane.norm(q, moved)) == pytest.approx(
        float(halfplane.norm(p, [0.2, -0.7])), rel=1e-9
    )

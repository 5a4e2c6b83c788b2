"""log / dist by Newton shooting, checked against closed-form distances."""

import autograd.numpy as anp
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import infogeo as ig
from infogeo.geometry.shooting import solve_log

from .geometry_cases import ClosedHalfPlane, halfplane_distance, sphere_distance


def _pairs(rng, n):
    def pts():
        return np.stack([rng.uniform(-2, 2, n), rng.uniform(0.2, 3, n)], -1)

    return pts(), pts()


def test_halfplane_metric_manifold_distance_matches_closed_form(halfplane):
    P, Q = _pairs(np.random.default_rng(0), 4)
    d = halfplane.dist(P, Q)
    np.testing.assert_allclose(d, halfplane_distance(P, Q), rtol=1e-9)


def test_halfplane_closed_connection_batch(closed_halfplane):
    P, Q = _pairs(np.random.default_rng(1), 40)
    d = closed_halfplane.dist(P.reshape(5, 8, 2), Q.reshape(5, 8, 2))
    assert d.shape == (5, 8)
    np.testing.assert_allclose(d.ravel(), halfplane_distance(P, Q), rtol=1e-9)


def test_vertical_geodesic(closed_halfplane):
    p, q = np.array([0.3, 0.5]), np.array([0.3, 4.0])
    assert closed_halfplane.dist(p, q) == pytest.approx(np.log(8.0), rel=1e-10)
    g = closed_halfplane.geodesic(p, q)
    pts = g(np.linspace(0, 1, 7))
    np.testing.assert_allclose(pts[:, 0], 0.3, atol=1e-10)
    # unit-speed in log y: y(t) = y0 · 8^t
    np.testing.assert_allclose(pts[:, 1], 0.5 * 8.0 ** np.linspace(0, 1, 7), rtol=1e-9)


def test_semicircle_geodesic(closed_halfplane):
    # both points on the circle of radius 2 centred at (1, 0)
    a, b = 0.4, 2.6
    p = np.array([1 + 2 * np.cos(a), 2 * np.sin(a)])
    q = np.array([1 + 2 * np.cos(b), 2 * np.sin(b)])
    g = closed_halfplane.geodesic(p, q)
    pts = g(np.linspace(0, 1, 9))
    np.testing.assert_allclose(np.hypot(pts[:, 0] - 1, pts[:, 1]), 2.0, rtol=1e-9)
    exact = np.log(np.tan(b / 2)) - np.log(np.tan(a / 2))
    assert g.length == pytest.approx(exact, rel=1e-9)
    np.testing.assert_allclose(g.end, q, atol=1e-9)


def test_sphere_meridian_distance(sphere):
    d = sphere.dist([np.pi / 4, 1.0], [3 * np.pi / 4, 1.0])
    assert d == pytest.approx(np.pi / 2, rel=1e-10)


def test_sphere_random_pairs_against_great_circle(sphere):
    rng = np.random.default_rng(2)
    P = np.stack([rng.uniform(0.4, 2.7, 4), rng.uniform(-1, 1, 4)], -1)
    Q = np.stack([rng.uniform(0.4, 2.7, 4), rng.uniform(-1, 1, 4)], -1)
    np.testing.assert_allclose(sphere.dist(P, Q), sphere_distance(P, Q), rtol=1e-9)


def test_identity_metric_gives_straight_lines():
    flat = ig.MetricManifold(lambda p: anp.eye(2) * anp.ones_like(p[..., :1, None]), 2)
    p, q = np.array([0.1, -2.0]), np.array([3.0, 1.5])
    np.testing.assert_allclose(flat.log(p, q), q - p, atol=1e-12)
    assert flat.dist(p, q) == pytest.approx(np.linalg.norm(q - p), rel=1e-12)


def test_same_point_gives_zero(closed_halfplane):
    p = np.array([0.5, 1.5])
    np.testing.assert_allclose(closed_halfplane.log(p, p), 0.0, atol=1e-15)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.floats(-2, 2),
    st.floats(0.3, 3),
    st.floats(-2, 2),
    st.floats(0.3, 3),
)
def test_exp_log_round_trip(x1, y1, x2, y2):
    M = ClosedHalfPlane()
    p, q = np.array([x1, y1]), np.array([x2, y2])
    v = M.log(p, q)
    np.testing.assert_allclose(M.exp(p, v), q, rtol=1e-9, atol=1e-9)
    assert M.norm(p, v) == pytest.approx(halfplane_distance(p, q), rel=1e-9, abs=1e-12)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.floats(-1, 1),
    st.floats(0.3, 3),
    st.floats(-1.5, 1.5),
    st.floats(-1.5, 1.5),
)
def test_log_exp_round_trip(x, y, vx, vy):
    M = ClosedHalfPlane()
    p = np.array([x, y])
    v = np.array([vx, vy]) * y  # speed ‖v‖_p ≤ about 2
    q = M.exp(p, v)
    np.testing.assert_allclose(M.log(p, q), v, rtol=1e-9, atol=1e-9 * y)


class _CutHalfPlane(ClosedHalfPlane):
    """The half-plane cut off at y < 0.8 (closed-form connection)."""

    def __init__(self):
        ig.RiemannianManifold.__init__(self, 2, bounds=[(None, None), (0, 0.8)])


def test_no_geodesic_inside_domain_raises_convergence_error():
    # the geodesic from (-0.9, 0.6) to (0.9, 0.6) is a semicircle rising to
    # y ≈ 1.08, outside the domain: shooting and the collocation fallback both fail.
    M = _CutHalfPlane()
    with pytest.raises(ig.ConvergenceError) as info:
        M.log([-0.9, 0.6], [0.9, 0.6])
    err = info.value
    assert err.tolerance == M.log_tol
    assert np.all(np.asarray(err.residual) > M.log_tol)


def test_solve_log_tolerance_argument(closed_halfplane):
    p, q = np.array([-1.0, 0.5]), np.array([1.5, 2.0])
    v = solve_log(closed_halfplane, p, q, tol=1e-12)
    assert closed_halfplane.norm(p, v) == pytest.approx(halfplane_distance(p, q), rel=1e-11)


@pytest.mark.parametrize(
    ("p", "q", "match"),
    [
        ([0.0, np.nan], [1.0, 1.0], r"p must be finite"),
        ([0.0, 1.0], [1.0, np.inf], r"q must be finite"),
        ([0.0, 1.0, 2.0], [1.0, 1.0], r"p must have shape \(\.\.\., 2\)"),
        ([0.0, 1.0], [1.0], r"q must have shape \(\.\.\., 2\)"),
        ([0.0, -1.0], [1.0, 1.0], r"p is not a point .*x1 > 0.*-1"),
        ([0.0, 1.0], [[1.0, 1.0], [2.0, 0.0]], r"q\[1\] is not a point .*x1 > 0"),
    ],
)
def test_log_bad_input(halfplane, p, q, match):
    with pytest.raises(ValueError, match=match):
        halfplane.log(p, q)
    with pytest.raises(ValueError, match=match):
        halfplane.dist(p, q)


def test_collocation_fallback_rescues_pairs_shooting_cannot_solve(closed_halfplane):
    # two Newton iterations are not enough from the straight-line guess for this
    # pair; the solve_bvp fallback supplies a start from which they are.
    p, q = np.array([-1.5, 0.4]), np.array([2.0, 2.5])
    only_shooting = {"collocation": False, "chart": "original", "max_time": 60}
    with pytest.raises(ig.ConvergenceError) as info:
        solve_log(closed_halfplane, p, q, max_iter=2, fallback=False, **only_shooting)
    assert info.value.residual > closed_halfplane.log_tol
    v = solve_log(closed_halfplane, p, q, max_iter=2, fallback=True, **only_shooting)
    assert closed_halfplane.norm(p, v) == pytest.approx(halfplane_distance(p, q), rel=1e-9)


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"tol": -1.0}, ValueError, "tol must be a finite number > 0"),
        ({"tol": np.nan}, ValueError, "tol must be a finite number > 0"),
        ({"max_iter": 1.5}, TypeError, "max_iter must be an integer"),
        ({"coarse_tol": 0.0}, ValueError, "coarse_tol must be a finite number > 0"),
    ],
)
def test_solve_log_bad_options(closed_halfplane, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        solve_log(closed_halfplane, [0.0, 1.0], [1.0, 1.0], **kwargs)

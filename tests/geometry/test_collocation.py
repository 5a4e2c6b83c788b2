"""Chebyshev collocation for log/dist, checked against closed forms and shooting."""

from functools import partial

import numpy as np
import pytest

import infogeo as ig
from infogeo.geometry import collocation as col
from infogeo.geometry import shooting
from infogeo.geometry.collocation import collocation_log
from infogeo.geometry.shooting import solve_log

from .geometry_cases import ClosedHalfPlane, halfplane_distance, sphere_distance


def _halfplane_pairs(rng, n):
    def pts():
        return np.stack([rng.uniform(-2, 2, n), rng.uniform(0.2, 3, n)], -1)

    return pts(), pts()


def test_operators_are_exact_on_polynomials():
    N = 12
    t, D, D2, C, E0, E1, S = col._operators(N)
    f = 3 * t**5 - t**2 + 0.5
    np.testing.assert_allclose(D @ f, 15 * t**4 - 2 * t, atol=1e-11)
    np.testing.assert_allclose(D2 @ f, 60 * t**3 - 2, atol=1e-9)
    # Chebyshev coefficients of T_3(x) sampled at x_j = cos(πj/N)
    x = 1 - 2 * t
    np.testing.assert_allclose(C @ (4 * x**3 - 3 * x), np.eye(N + 1)[3], atol=1e-14)
    # the 2N evaluation grid s, values, derivative and cumulative integral
    s = (1 - np.cos(np.pi * np.arange(2 * N + 1) / (2 * N))) / 2
    np.testing.assert_allclose(E0 @ f, 3 * s**5 - s**2 + 0.5, atol=1e-13)
    np.testing.assert_allclose(E1 @ f, 15 * s**4 - 2 * s, atol=1e-11)
    g = 6 * s**5 - 2 * s
    np.testing.assert_allclose(S @ g, s**6 - s**2, atol=1e-14)


def test_halfplane_batch_certified_and_matches_closed_form(closed_halfplane):
    P, Q = _halfplane_pairs(np.random.default_rng(3), 30)
    V, ok = collocation_log(closed_halfplane, P, Q, tol=1e-10)
    assert ok.all()
    d = closed_halfplane.norm(P, V)
    np.testing.assert_allclose(d, halfplane_distance(P, Q), rtol=1e-9)
    np.testing.assert_allclose(closed_halfplane.exp(P, V), Q, rtol=1e-9, atol=1e-9)


def test_sphere_autograd_metric_great_circle(sphere):
    rng = np.random.default_rng(4)
    P = np.stack([rng.uniform(0.5, 2.6, 10), rng.uniform(-1.5, 1.5, 10)], -1)
    Q = np.stack([rng.uniform(0.5, 2.6, 10), rng.uniform(-1.5, 1.5, 10)], -1)
    V, ok = collocation_log(sphere, P, Q, tol=1e-10)
    assert ok.all()
    np.testing.assert_allclose(sphere.norm(P, V), sphere_distance(P, Q), rtol=1e-9)


def test_normal_family_numerical_path_matches_closed_form():
    # solve_log on the Normal family bypasses its closed-form log / dist
    N = ig.Normal()
    rng = np.random.default_rng(5)
    P = np.stack([rng.uniform(-3, 3, 20), rng.uniform(0.3, 3, 20)], -1)
    Q = np.stack([rng.uniform(-3, 3, 20), rng.uniform(0.3, 3, 20)], -1)
    V, ok = collocation_log(N, P, Q, tol=1e-10)
    assert ok.all()
    np.testing.assert_allclose(N.norm(P, V), N.dist(P, Q), rtol=1e-9)
    np.testing.assert_allclose(N.norm(P, solve_log(N, P, Q)), N.dist(P, Q), rtol=1e-9)


@pytest.mark.parametrize("family", [ig.Beta(), ig.Gamma(), ig.Dirichlet(3)])
def test_agrees_with_tight_shooting(family):
    rng = np.random.default_rng(6)
    P = rng.uniform(1, 4, (15, family.dim))
    Q = rng.uniform(1, 4, (15, family.dim))
    V, ok = collocation_log(family, P, Q, tol=family.log_tol)
    assert ok.all()
    ref = solve_log(family, P, Q, tol=1e-12, collocation=False)
    np.testing.assert_allclose(family.norm(P, V), family.norm(P, ref), rtol=1e-9)
    np.testing.assert_allclose(V, ref, rtol=1e-9, atol=1e-9 * np.abs(ref).max())


def test_certificate_rejects_under_resolved_degree(closed_halfplane):
    # this geodesic is not a degree-8 polynomial to 1e-10 ...
    p, q = np.array([[-1.0, 0.5]]), np.array([[1.5, 2.0]])
    scale = np.linalg.norm(q - p, axis=-1)
    Y, conv = col._newton(closed_halfplane, p, q, np.zeros((1, 9, 2)), 8, scale, 30, 8)
    assert conv.all()  # Newton solved the discrete equations ...
    assert not col._certify(closed_halfplane, p, q, Y, 8, scale, 1e-10, 1.0).any()
    v8 = col._operators(8)[1][0] @ Y[0] + (q - p)[0]
    exact = halfplane_distance(p[0], q[0])
    assert abs(closed_halfplane.norm(p[0], v8) - exact) > 1e-4 * exact  # ... and it is wrong
    # ... while a finer degree passes the certificate and is right
    V, ok = collocation_log(closed_halfplane, p, q, tol=1e-10, nodes=(8, 40))
    assert ok.all()
    assert closed_halfplane.norm(p[0], V[0]) == pytest.approx(exact, rel=1e-9)


def test_uncertified_pair_falls_back_to_shooting(closed_halfplane, monkeypatch):
    P, Q = _halfplane_pairs(np.random.default_rng(7), 6)
    P[0], Q[0] = [-2.0, 0.3], [2.0, 0.3]
    coarse = partial(collocation_log, nodes=(6,))
    _, ok = coarse(closed_halfplane, P, Q, tol=1e-10)
    assert not ok[0]
    calls = []

    def spy(manifold, P, Q, **kw):
        V, ok = coarse(manifold, P, Q, **kw)
        calls.append(ok)
        return V, ok

    monkeypatch.setattr(shooting, "collocation_log", spy)
    V = solve_log(closed_halfplane, P, Q, chart="original", max_time=60)
    assert len(calls) == 1 and not calls[0][0]
    np.testing.assert_allclose(closed_halfplane.norm(P, V), halfplane_distance(P, Q), rtol=1e-9)


class _CutHalfPlane(ClosedHalfPlane):
    """The half-plane cut off at y < 0.8 (closed-form connection)."""

    def __init__(self):
        ig.RiemannianManifold.__init__(self, 2, bounds=[(None, None), (0, 0.8)])


def test_geodesic_leaving_domain_is_not_certified():
    # the geodesic from (-0.9, 0.6) to (0.9, 0.6) rises to y ≈ 1.08, outside the domain;
    # the reachable pair in the same batch is still solved
    M = _CutHalfPlane()
    P = np.array([[-0.9, 0.6], [0.0, 0.5]])
    Q = np.array([[0.9, 0.6], [0.1, 0.6]])
    V, ok = collocation_log(M, P, Q, tol=1e-10)
    assert ok.tolist() == [False, True]
    assert M.norm(P[1], V[1]) == pytest.approx(halfplane_distance(P[1], Q[1]), rel=1e-9)


def test_close_pairs_relative_accuracy(closed_halfplane):
    # deviation from the straight line is the unknown, so close pairs keep their
    # relative accuracy; reference 2 arcsinh(‖p − q‖ / (2 √(y_p y_q))) (the arccosh
    # form loses digits for close pairs)
    p = np.array([[0.3, 1.7]])
    for h in (1e-3, 1e-5):
        q = p + h * np.array([[0.6, -0.8]])
        V, ok = collocation_log(closed_halfplane, p, q, tol=1e-10)
        assert ok.all()
        exact = 2 * np.arcsinh(h / (2 * np.sqrt(p[0, 1] * q[0, 1])))
        assert closed_halfplane.norm(p[0], V[0]) == pytest.approx(exact, rel=1e-9)


def test_continuation_certifies_tall_arc_where_newton_stalls(closed_halfplane):
    # a tall arc between two low points: Newton from the straight line stalls, the
    # continuation through q_s = p + s (q − p) reaches the geodesic; reference arccosh
    p = np.array([[-1.5, 0.35]])
    q = np.array([[1.5, 0.45]])
    N = 40
    scale = np.linalg.norm(q - p, axis=-1)
    _, conv = col._newton(closed_halfplane, p, q, np.zeros((1, N + 1, 2)), N, scale, 30, 8)
    assert not conv.any()
    Y, conv = col._continuation(closed_halfplane, p, q, N, 30, 8)
    assert conv.all()
    assert col._certify(closed_halfplane, p, q, Y, N, scale, 1e-10, 1.0).all()
    V, ok = collocation_log(closed_halfplane, p, q, tol=1e-10, nodes=(N,))
    assert ok.all()
    exact = halfplane_distance(p[0], q[0])
    assert closed_halfplane.norm(p[0], V[0]) == pytest.approx(exact, rel=1e-9)
    np.testing.assert_allclose(closed_halfplane.exp(p, V), q, rtol=1e-9, atol=1e-9)

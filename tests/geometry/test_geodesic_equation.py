"""Numerical exp (DOP853 on the geodesic equation) against closed-form geodesics."""

import numpy as np
import pytest


def test_halfplane_vertical_exp(halfplane):
    # γ(t) = (x, y e^{t v / y}) for the initial velocity (0, v)
    p = np.array([[0.3, 0.5], [-1.0, 2.0]])
    v = np.array([[0.0, 0.4], [0.0, -1.5]])
    expected = np.stack([p[:, 0], p[:, 1] * np.exp(v[:, 1] / p[:, 1])], -1)
    np.testing.assert_allclose(halfplane.exp(p, v), expected, rtol=1e-10)


def test_halfplane_horizontal_start_stays_on_unit_circle(halfplane):
    # from (0, 1) with velocity (s, 0): the unit semicircle, x = tanh(s t), y = sech(s t)
    s = 1.3
    g = halfplane.geodesic([0.0, 1.0], velocity=[s, 0.0])
    t = np.linspace(0, 1, 6)
    pts = g(t)
    np.testing.assert_allclose(pts[:, 0], np.tanh(s * t), rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(pts[:, 1], 1 / np.cosh(s * t), rtol=1e-10)
    assert g.length == pytest.approx(s)


def test_sphere_equator_is_a_geodesic(sphere):
    # along the equator θ = π/2 the geodesic is φ(t) = φ0 + t ω
    out = sphere.exp([np.pi / 2, 0.2], [0.0, 1.1])
    np.testing.assert_allclose(out, [np.pi / 2, 1.3], rtol=1e-11)


@pytest.mark.parametrize(("t", "match"), [(1.5, r"\[0, 1\]"), (np.ones((2, 2)), "1-d array")])
def test_geodesic_rejects_bad_times(halfplane, t, match):
    g = halfplane.geodesic([0.0, 1.0], velocity=[0.1, 0.0])
    with pytest.raises(ValueError, match=match):
        g(t)


def test_geodesic_needs_exactly_one_of_q_and_velocity(halfplane):
    with pytest.raises(TypeError, match="either an end point q or velocity"):
        halfplane.geodesic([0.0, 1.0])
    with pytest.raises(TypeError, match="either an end point q or velocity"):
        halfplane.geodesic([0.0, 1.0], [1.0, 1.0], velocity=[0.1, 0.0])

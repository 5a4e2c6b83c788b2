"""Christoffel symbols, their derivatives and curvature against closed forms."""

import numpy as np
import pytest

import infogeo as ig

from .geometry_cases import halfplane_christoffel, halfplane_christoffel_derivative


def test_halfplane_christoffel_autograd_matches_closed_form(halfplane):
    P = halfplane.random_point((3, 4), rng=0)
    np.testing.assert_allclose(halfplane.christoffel(P), halfplane_christoffel(P), rtol=1e-13)


def test_halfplane_christoffel_derivative_matches_closed_form(halfplane):
    P = halfplane.random_point(6, rng=1)
    got = halfplane.christoffel_derivative(P)
    assert got.shape == (6, 2, 2, 2, 2)
    np.testing.assert_allclose(got, halfplane_christoffel_derivative(P), rtol=1e-12, atol=1e-14)
    gamma, dgamma = halfplane.christoffel_and_derivative(P)
    np.testing.assert_allclose(gamma, halfplane_christoffel(P), rtol=1e-13)
    np.testing.assert_allclose(dgamma, got, rtol=1e-13)


def test_sphere_christoffel_derivative_against_finite_differences(sphere):
    P = sphere.random_point(5, rng=2)
    h = 1e-6
    fd = np.stack(
        [
            (sphere.christoffel(P + h * e) - sphere.christoffel(P - h * e)) / (2 * h)
            for e in np.eye(2)
        ],
        axis=-1,
    )
    np.testing.assert_allclose(sphere.christoffel_derivative(P), fd, atol=1e-8)


def test_halfplane_scalar_curvature(halfplane):
    P = halfplane.random_point((2, 3), rng=3)
    np.testing.assert_allclose(halfplane.scalar_curvature(P), -2.0, rtol=1e-12)


def test_sphere_scalar_curvature(sphere):
    P = sphere.random_point(5, rng=4)
    np.testing.assert_allclose(sphere.scalar_curvature(P), 2.0, rtol=1e-12)


def test_sphere_riemann_tensor_closed_form(sphere):
    # unit sphere: R_{lijk} = g_lj g_ik − g_lk g_ij (constant curvature +1)
    P = sphere.random_point(4, rng=5)
    R = sphere.riemann_tensor(P)
    G = sphere.metric(P)
    lowered = np.einsum("...ml,...mijk->...lijk", G, R)
    expected = np.einsum("...lj,...ik->...lijk", G, G) - np.einsum("...lk,...ij->...lijk", G, G)
    np.testing.assert_allclose(lowered, expected, atol=1e-12)
    # Ricci of the unit 2-sphere is the metric itself
    np.testing.assert_allclose(sphere.ricci_tensor(P), G, atol=1e-12)


def test_euclidean_curvature_is_zero():
    E = ig.Euclidean(3)
    P = E.random_point(4, rng=6)
    assert np.all(E.riemann_tensor(P) == 0)
    assert np.all(E.scalar_curvature(P) == 0)


def test_curvature_checks_points(halfplane):
    with pytest.raises(ValueError, match="p is not a point"):
        halfplane.scalar_curvature([0.0, -1.0])
    with pytest.raises(ValueError, match="p must be finite"):
        halfplane.riemann_tensor([0.0, np.nan])

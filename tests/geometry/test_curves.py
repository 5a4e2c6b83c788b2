"""Curve lengths and energies: quadrature, polylines, validation."""

import autograd.numpy as anp
import numpy as np
import pytest

import infogeo as ig

from .geometry_cases import halfplane_distance


def semicircle(t):
    return anp.stack([anp.cos(t), anp.sin(t)], -1)


A, B = 0.3, 2.5
EXACT = np.log(np.tan(B / 2)) - np.log(np.tan(A / 2))  # ∫ dt / sin t


def test_semicircle_length_closed_form(halfplane):
    assert halfplane.curve_length(semicircle, A, B) == pytest.approx(EXACT, rel=1e-12)


def test_energy_of_constant_speed_curve(halfplane):
    # γ(s) = semicircle(θ(s)) with tan(θ/2) = tan(A/2) e^{L s}: unit-interval geodesic
    def geo(s):
        return semicircle(2 * anp.arctan(np.tan(A / 2) * anp.exp(EXACT * s)))

    assert halfplane.curve_length(geo) == pytest.approx(EXACT, rel=1e-12)
    assert halfplane.energy(geo) == pytest.approx(0.5 * EXACT**2, rel=1e-12)


def test_length_is_reparametrization_invariant(halfplane):
    def reparam(s):
        return semicircle(A + (B - A) * s**2)

    assert halfplane.curve_length(reparam, 0.0, 1.0) == pytest.approx(EXACT, rel=1e-12)


@pytest.mark.parametrize("bump", [0.1, 0.5, 1.5])
def test_non_geodesic_curve_is_longer_than_distance(halfplane, bump):
    p, q = np.array([-1.0, 0.5]), np.array([1.5, 2.0])

    def curve(t):
        base = p + anp.outer(t, q - p)
        wiggle = bump * anp.sin(np.pi * t)[:, None] * anp.array([0.3, 0.1])
        return base + wiggle

    length = halfplane.curve_length(curve)
    assert length >= halfplane_distance(p, q) * (1 + 1e-6)


def test_polyline_converges_to_smooth_length(halfplane):
    errors = []
    for n in (10, 20, 40, 80, 160):
        t = np.linspace(A, B, n)
        errors.append(abs(halfplane.curve_length(np.asarray(semicircle(t))) - EXACT))
    errors = np.array(errors)
    assert np.all(np.diff(errors) < 0)
    # second order: halving the spacing divides the error by about 4
    np.testing.assert_allclose(errors[:-1] / errors[1:], 4.0, rtol=0.1)


def test_polyline_energy(halfplane):
    # straight vertical segment y from 1 to 2 at constant coordinate speed: the
    # midpoint rule on each segment converges to ½ ∫ 1/y² dy = ¼
    pts = np.stack([np.zeros(2001), np.linspace(1.0, 2.0, 2001)], -1)
    assert halfplane.energy(pts) == pytest.approx(0.25, rel=1e-6)


def test_euclidean_curve_length():
    E = ig.Euclidean(3)

    def helix(t):
        return anp.stack([anp.cos(t), anp.sin(t), 0.5 * t], -1)

    assert E.curve_length(helix, 0.0, 4.0) == pytest.approx(4.0 * np.sqrt(1.25), rel=1e-12)


def test_quadrature_that_cannot_converge_raises():
    E = ig.Euclidean(1)

    def kink(t):  # speed |t − 1/3|^(-1/2): integrable singularity, slow refinement
        return anp.sqrt(anp.abs(t - 1 / 3))[:, None]

    with pytest.raises(ig.ConvergenceError) as info:
        E.curve_length(kink, 0.0, 1.0, max_level=4)
    assert info.value.residual > 0


def test_constant_curve_has_zero_length(halfplane):
    def const(t):
        return anp.zeros((t.size, 2)) + anp.array([0.0, 1.0])

    assert halfplane.curve_length(const) == 0.0


@pytest.mark.parametrize(
    ("curve", "t0", "t1", "exc", "match"),
    [
        (semicircle, 1.0, 1.0, ValueError, "t0 < t1"),
        (semicircle, 2.0, 1.0, ValueError, "t0 < t1"),
        (semicircle, np.nan, 1.0, ValueError, "t0 must be finite"),
        (semicircle, 0.0, np.inf, ValueError, "t1 must be finite"),
        (semicircle, "0", 1.0, TypeError, "t0 must be a real number"),
        (
            lambda t: anp.stack([t, t, t], -1),
            0.0,
            1.0,
            ValueError,
            r"shape \(\d+, 2\), got shape \(\d+, 3\)",
        ),
        (lambda t: anp.stack([t, t / 0.0], -1), 0.5, 1.0, ValueError, "must be finite"),
        (lambda t: anp.stack([t, t - 0.5], -1), 0.0, 1.0, ValueError, "leaves the domain"),
        (
            lambda t: np.stack([np.cos(t), 1 + np.sin(t)], -1),
            0.0,
            1.0,
            TypeError,
            "autograd.numpy",
        ),
    ],
)
def test_bad_callable_curves(halfplane, curve, t0, t1, exc, match):
    with np.errstate(all="ignore"), pytest.raises(exc, match=match):
        halfplane.curve_length(curve, t0, t1)


@pytest.mark.parametrize(
    ("pts", "match"),
    [
        (np.ones((5, 3)), r"\(n, 2\) array"),
        (np.ones(4), r"\(n, 2\) array"),
        (np.ones((1, 2)), "n >= 2"),
        (np.array([[0.0, 1.0], [np.nan, 1.0]]), "curve must be finite"),
        (np.array([[0.0, 1.0], [1.0, -1.0]]), r"curve\[1\] is not a point"),
    ],
)
def test_bad_polylines(halfplane, pts, match):
    with pytest.raises(ValueError, match=match):
        halfplane.curve_length(pts)

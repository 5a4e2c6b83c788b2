"""Euclidean space: straight lines, 2-norm distance, zero curvature."""

import autograd.numpy as anp
import numpy as np
import pytest

import infogeo as ig


def test_distance_is_two_norm_and_geodesic_is_straight():
    E = ig.Euclidean(3)
    rng = np.random.default_rng(0)
    P, Q = rng.normal(size=(2, 5, 3))
    np.testing.assert_allclose(E.dist(P, Q), np.linalg.norm(P - Q, axis=-1), rtol=1e-15)
    g = E.geodesic(P[0], Q[0])
    t = np.linspace(0, 1, 4)
    np.testing.assert_allclose(g(t), P[0] + t[:, None] * (Q[0] - P[0]), rtol=1e-14)
    assert g.length == pytest.approx(np.linalg.norm(Q[0] - P[0]))


def test_base_class_numerics_agree_with_closed_forms():
    """The base-class exp/log (ODE and shooting) on the flat metric give straight lines."""
    flat = ig.MetricManifold(lambda p: anp.eye(3) * anp.ones_like(p[..., :1, None]), 3)
    rng = np.random.default_rng(1)
    P, V = rng.normal(size=(2, 4, 3))
    np.testing.assert_allclose(flat.exp(P, V), P + V, atol=1e-12)
    np.testing.assert_allclose(flat.log(P, P + V), V, atol=1e-12)
    assert np.all(flat.scalar_curvature(P) == 0)


def test_metric_christoffel_and_gradient():
    E = ig.Euclidean(2)
    p = np.zeros((3, 2))
    np.testing.assert_array_equal(E.metric(p), np.broadcast_to(np.eye(2), (3, 2, 2)))
    assert E.christoffel(p).shape == (3, 2, 2, 2)
    assert E.christoffel_derivative(p).shape == (3, 2, 2, 2, 2)
    np.testing.assert_allclose(E.riemannian_gradient(p[0], [2.0, 4.0], damping=1.0), [1.0, 2.0])


@pytest.mark.parametrize(
    ("p", "match"), [([np.inf, 0.0], "p must be finite"), ([0.0], r"shape \(\.\.\., 2\)")]
)
def test_bad_points(p, match):
    with pytest.raises(ValueError, match=match):
        ig.Euclidean(2).dist(p, [0.0, 0.0])

"""MetricManifold: batching of user metrics, validation, SPD checks."""

import autograd.numpy as anp
import numpy as np
import pytest

import infogeo as ig

from .geometry_cases import HALFPLANE_BOUNDS, halfplane_metric


@pytest.mark.parametrize(
    ("fn", "layout"),
    [
        (halfplane_metric, "last"),
        (lambda p: anp.array([[1 / p[1] ** 2, 0 * p[1]], [0 * p[1], 1 / p[1] ** 2]]), "first"),
        (lambda p: anp.eye(2) / p[1] ** 2, "first-column"),
    ],
)
def test_vectorization_layouts_agree(fn, layout):
    M = ig.MetricManifold(fn, 2, bounds=HALFPLANE_BOUNDS)
    P = M.random_point((3, 5), rng=0)
    G = M.metric(P)
    assert M._vectorized == layout
    expected = np.eye(2) / P[..., 1, None, None] ** 2
    np.testing.assert_allclose(G, expected, rtol=1e-15)
    np.testing.assert_allclose(M.christoffel(P)[..., 1, 0, 0], 1 / P[..., 1], rtol=1e-13)


def test_point_by_point_fallback():
    def metric(p):  # works for one point only (a Python branch on a scalar)
        y = p[1]
        return anp.array([[1.0, 0.0], [0.0, 1.0]]) / y**2 if y > 0 else anp.eye(2)

    M = ig.MetricManifold(metric, 2, bounds=HALFPLANE_BOUNDS)
    P = M.random_point(4, rng=1)
    np.testing.assert_allclose(M.metric(P), np.eye(2) / P[:, 1, None, None] ** 2)
    assert M._vectorized is None
    np.testing.assert_allclose(M.scalar_curvature(P), -2.0, rtol=1e-12)


def test_inner_norm_and_riemannian_gradient(halfplane):
    p = np.array([0.3, 2.0])
    u, v = np.array([1.0, 2.0]), np.array([-0.5, 0.25])
    assert halfplane.inner(p, u, v) == pytest.approx(u @ v / 4)
    assert halfplane.norm(p, u) == pytest.approx(np.sqrt(5) / 2)
    np.testing.assert_allclose(halfplane.riemannian_gradient(p, u), 4 * u)


def test_non_spd_metric_raises_naming_the_point():
    M = ig.MetricManifold(
        lambda p: anp.array([[1.0, 0 * p[0]], [0 * p[0], p[0]]]), 2, bounds=[(0.5, 2), None]
    )
    with pytest.raises(ValueError, match=r"positive definite, but at p = \[-1\. +0\.\]"):
        M.metric([[1.0, 0.0], [-1.0, 0.0]])
    with pytest.raises(ValueError, match="positive definite"):
        ig.MetricManifold(lambda p: -anp.eye(2) * anp.ones_like(p[..., :1, None]), 2)


def test_non_symmetric_and_nonfinite_metrics_raise():
    with pytest.raises(ValueError, match="symmetric"):
        ig.MetricManifold(lambda p: anp.array([[1.0, 0.5], [0.0, 1.0]]) + 0 * p[0], 2)
    M = ig.MetricManifold(lambda p: anp.eye(2) / p[..., 1, None, None], 2, bounds=HALFPLANE_BOUNDS)
    with np.errstate(all="ignore"), pytest.raises(ValueError, match="must be finite"):
        M.metric([1.0, 0.0])


def test_metric_shape_and_type_errors():
    with pytest.raises(ValueError, match=r"\(2, 2\) matrix"):
        ig.MetricManifold(lambda p: anp.eye(3), 2)
    with pytest.raises(TypeError, match="metric must be a callable"):
        ig.MetricManifold(np.eye(2), 2)
    with pytest.raises(ValueError, match="bounds"):
        ig.MetricManifold(halfplane_metric, 2, bounds=[(0, 1)])
    with pytest.raises(ValueError, match=r"bounds\[1\] must satisfy low < high"):
        ig.MetricManifold(halfplane_metric, 2, bounds=[None, (1, 0)])


@pytest.mark.parametrize(
    ("p", "match"),
    [
        ([0.0, 0.0], r"p is not a point .*x1 > 0, got 0"),
        ([[0.0, 1.0], [0.0, -2.0]], r"p\[1\] is not a point"),
        ([0.0, np.nan], "p must be finite"),
        ([1.0], r"p must have shape \(\.\.\., 2\)"),
    ],
)
def test_check_point(halfplane, p, match):
    with pytest.raises(ValueError, match=match):
        halfplane.check_point(p)
    assert not np.all(halfplane.belongs(np.atleast_2d(p))) if np.size(p) == 2 else True


def test_exp_leaving_domain_raises():
    cut = ig.MetricManifold(halfplane_metric, 2, bounds=[(None, None), (0, 1.5)])
    with pytest.raises(ValueError, match="leaves the domain"):
        cut.exp([0.0, 1.0], [0.0, 2.0])

"""geodesic_jacobians / geodesic_acceleration without dense Christoffel tensors."""

import autograd.numpy as anp
import numpy as np
import pytest

import infogeo as ig
from infogeo.geometry.manifold import dense_geodesic_jacobians

from .geometry_cases import ClosedHalfPlane, halfplane_distance


def halfspace_metric(p):
    """Upper half-space model of hyperbolic space, ``G = I / x_n²``."""
    return anp.eye(p.shape[-1]) / p[..., -1, None, None] ** 2


def halfspace(n):
    return ig.MetricManifold(halfspace_metric, n, bounds=[None] * (n - 1) + [(0, None)])


def halfspace_distance(p, q):
    """``arccosh(1 + ‖p − q‖² / (2 p_n q_n))``."""
    return np.arccosh(1 + np.sum((p - q) ** 2, -1) / (2 * p[..., -1] * q[..., -1]))


def halfspace_acceleration(p, v):
    """Closed form for the conformal metric ``e^{2f}δ``, ``f = −log x_n``:
    ``acc = (2 v_n v − ‖v‖² e_n) / x_n``."""
    out = 2 * v[..., -1:] * v
    out[..., -1] -= np.sum(v * v, -1)
    return out / p[..., -1:]


def skew_metric(p):
    """A non-conformal, non-diagonal metric (positive definite on the whole space)."""
    n = p.shape[-1]
    diag = anp.exp(0.3 * anp.sin(p))
    return anp.eye(n) * diag[..., None, :] + 0.06 * anp.cos(p[..., :, None] - p[..., None, :])


def product_metric(p):
    """Two Poincaré half-planes side by side: ``blockdiag(I/y₁², I/y₂²)``."""
    w = anp.stack([p[..., 1], p[..., 1], p[..., 3], p[..., 3]], -1) ** -2
    return anp.eye(4) * w[..., None, :]


def finite_difference_jacobians(M, p, v, h=1e-6):
    """Central differences of geodesic_acceleration in p and in v (one point)."""
    n = p.size
    dp = np.empty((n, n))
    dv = np.empty((n, n))
    for l in range(n):
        e = np.zeros(n)
        e[l] = h
        dp[:, l] = (M.geodesic_acceleration(p + e, v) - M.geodesic_acceleration(p - e, v)) / (2 * h)
        dv[:, l] = (M.geodesic_acceleration(p, v + e) - M.geodesic_acceleration(p, v - e)) / (2 * h)
    return dp, dv


def rel(a, b):
    return np.max(np.abs(a - b)) / np.max(np.abs(b))


@pytest.mark.parametrize("n", [3, 6])
def test_metric_manifold_contractions_match_dense_autograd_and_closed_form(n):
    rng = np.random.default_rng(n)
    for M in (halfspace(n), ig.MetricManifold(skew_metric, n)):
        p = rng.uniform(0.5, 2.0, (2, 3, n))
        v = rng.normal(size=(2, 3, n))
        acc, dp, dv = M.geodesic_jacobians(p, v)
        assert acc.shape == (2, 3, n) and dp.shape == dv.shape == (2, 3, n, n)
        gamma, dgamma = M.christoffel_and_derivative(p)  # dense autograd path
        for got, ref in zip((acc, dp, dv), dense_geodesic_jacobians(gamma, dgamma, v)):
            assert rel(got, ref) < 1e-12
        np.testing.assert_allclose(M.geodesic_acceleration(p, v), acc, rtol=1e-12, atol=1e-13)
        fd_p, fd_v = finite_difference_jacobians(M, p[0, 0], v[0, 0])
        assert rel(dp[0, 0], fd_p) < 1e-7
        assert rel(dv[0, 0], fd_v) < 1e-7
    np.testing.assert_allclose(
        halfspace(n).geodesic_acceleration(p, v), halfspace_acceleration(p, v), rtol=1e-13
    )


def test_dense_default_for_closed_form_connection():
    M = ClosedHalfPlane()
    p = np.array([[0.3, 0.7], [-1.0, 2.0]])
    v = np.array([[1.0, -0.5], [0.2, 0.4]])
    acc, dp, dv = M.geodesic_jacobians(p, v)
    np.testing.assert_allclose(acc, halfspace_acceleration(p, v), rtol=1e-14)
    ref = halfspace(2).geodesic_jacobians(p, v)
    np.testing.assert_allclose(dp, ref[1], rtol=1e-13)
    np.testing.assert_allclose(dv, ref[2], rtol=1e-13)


def test_geodesic_jacobians_rejects_bad_input():
    M = halfspace(3)
    with pytest.raises(ValueError, match="shape"):
        M.geodesic_jacobians(np.ones(2), np.ones(3))
    with pytest.raises(ValueError, match="finite"):
        M.geodesic_jacobians(np.ones(3), np.array([1.0, np.nan, 0.0]))


def test_hyperbolic_halfspace_distance_dim_8_batched_equals_single():
    n = 8
    M = halfspace(n)
    rng = np.random.default_rng(3)
    P = rng.uniform(0.5, 2.0, (3, n))
    Q = rng.uniform(0.5, 2.0, (3, n))
    Q[0, -1] = 0.05  # far apart: distance about 3.9
    d = M.dist(P, Q)
    np.testing.assert_allclose(d, halfspace_distance(P, Q), rtol=1e-9)
    single = np.array([M.dist(p, q) for p, q in zip(P, Q)])
    np.testing.assert_allclose(d, single, rtol=1e-10)


def test_product_metric_distance_is_the_pythagorean_sum():
    M = ig.MetricManifold(product_metric, 4, bounds=[None, (0, None), None, (0, None)])
    P = np.array([[0.0, 1.0, 0.5, 0.3], [1.0, 0.5, -1.0, 2.0]])
    Q = np.array([[2.0, 0.5, 0.0, 1.5], [0.0, 3.0, 1.0, 0.4]])
    ref = np.hypot(halfplane_distance(P[:, :2], Q[:, :2]), halfplane_distance(P[:, 2:], Q[:, 2:]))
    np.testing.assert_allclose(M.dist(P, Q), ref, rtol=1e-9)

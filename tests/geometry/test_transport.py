"""Parallel transport and vector transport.

References: the identity on ℝⁿ; the closed-form transport of the round sphere in ℝ³
(rotation in the plane of the great circle), pulled back to the (θ, φ) chart and
compared with geomstats' sphere; the half-plane along a vertical geodesic
(``V(t) = V(0)·y(t)/y(0)``); on any oriented 2-d manifold the constant components in the
orthonormal frame (γ̇/‖γ̇‖, its rotation), with γ̇(1) = −log_q p from the closed-form
logarithm; on 1-d families ``V(1) = v·√(G(p)/G(q))``; inner products preserved on every
family.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

os.environ.setdefault("GEOMSTATS_BACKEND", "numpy")

import infogeo as ig
from infogeo.geometry.transport import transport_along_geodesic

from .geometry_cases import HALFPLANE_BOUNDS, halfplane_metric, sphere_metric


def _sphere_embed(p):
    t, f = p[..., 0], p[..., 1]
    return np.stack([np.sin(t) * np.cos(f), np.sin(t) * np.sin(f), np.cos(t)], -1)


def _sphere_jacobian(p):
    """d(embedding)/d(θ, φ), shape (..., 3, 2)."""
    t, f = p[..., 0], p[..., 1]
    dt = np.stack([np.cos(t) * np.cos(f), np.cos(t) * np.sin(f), -np.sin(t)], -1)
    df = np.stack([-np.sin(t) * np.sin(f), np.sin(t) * np.cos(f), np.zeros_like(t)], -1)
    return np.stack([dt, df], -1)


def _ambient_sphere_transport(x, v, y):
    """Closed form on the unit sphere in ℝ³: rotate the component along the great circle."""
    c = np.clip(np.sum(x * y, -1), -1, 1)
    theta = np.arccos(c)
    u = y - c[..., None] * x
    u = u / np.linalg.norm(u, axis=-1, keepdims=True)  # unit tangent at x towards y
    a = np.sum(v * u, -1)[..., None]
    return v + a * ((np.cos(theta)[..., None] - 1) * u - np.sin(theta)[..., None] * x)


def test_euclidean_is_identity():
    E = ig.Euclidean(3)
    rng = np.random.default_rng(0)
    p, v, q = rng.standard_normal((3, 4, 3))
    np.testing.assert_array_equal(E.parallel_transport(p, v, q), v)
    geo = E.geodesic(p[0], q[0])
    np.testing.assert_array_equal(geo.transport(v[0], [0.2, 1.0]), np.stack([v[0], v[0]]))


def test_sphere_chart_matches_embedded_closed_form(sphere):
    """ODE transport in the (θ, φ) chart vs rotation in ℝ³ (batched, 1e-9)."""
    rng = np.random.default_rng(1)
    p = np.column_stack([rng.uniform(0.6, 2.4, 3), rng.uniform(-1, 1, 3)])
    w = 0.5 * rng.standard_normal((3, 2))
    v = rng.standard_normal((3, 2))
    out = transport_along_geodesic(sphere, p, w, v, np.array([1.0]))[:, 0]
    q = sphere.exp(p, w)
    x, y = _sphere_embed(p), _sphere_embed(q)
    amb = _ambient_sphere_transport(x, np.einsum("nab,nb->na", _sphere_jacobian(p), v), y)
    expected = np.linalg.lstsq(_sphere_jacobian(q)[0], amb[0], rcond=None)[0]
    np.testing.assert_allclose(out[0], expected, rtol=1e-9, atol=1e-10)
    for i in range(3):
        ref = np.linalg.lstsq(_sphere_jacobian(q)[i], amb[i], rcond=None)[0]
        np.testing.assert_allclose(out[i], ref, rtol=1e-9, atol=1e-10)


def test_sphere_via_geomstats_matches_closed_form():
    from geomstats.geometry.hypersphere import Hypersphere

    S = ig.from_geomstats(Hypersphere(2))
    rng = np.random.default_rng(2)
    p = S.random_point(4, rng=rng)
    q = S.random_point(4, rng=rng)
    v = S.to_tangent(p, rng.standard_normal((4, 3)))
    out = S.parallel_transport(p, v, q)
    np.testing.assert_allclose(out, _ambient_sphere_transport(p, v, q), atol=1e-12)
    np.testing.assert_allclose(S.inner(q, out, out), S.inner(p, v, v), rtol=1e-12)
    geo = S.geodesic(p[0], q[0])
    np.testing.assert_allclose(geo.transport(v[0], 1.0), out[0], atol=1e-12)


def test_halfplane_vertical_geodesic_closed_form():
    H = ig.MetricManifold(halfplane_metric, 2, bounds=HALFPLANE_BOUNDS)
    p, q = np.array([0.3, 0.5]), np.array([0.3, 4.0])
    v = np.array([1.5, -0.7])
    np.testing.assert_allclose(H.parallel_transport(p, v, q), v * 8.0, rtol=1e-9)
    geo = H.geodesic(p, q)
    ts = np.array([0.0, 0.5, 1.0])
    y = geo(ts)[:, 1]
    np.testing.assert_allclose(geo.transport(v, ts), v * (y / 0.5)[:, None], rtol=1e-9)


def _frame(M, x, e):
    """Positively oriented M-orthonormal frame (e/‖e‖, its rotation) at x (2-d)."""
    e1 = e / M.norm(x, e)
    a = M.metric(x) @ e1
    e2 = np.array([-a[1], a[0]])
    return e1, e2 / M.norm(x, e2)


@pytest.mark.parametrize("family", [ig.Normal(), ig.Gamma(), ig.Beta()], ids=repr)
def test_two_dimensional_families_frame_closed_form(family):
    """In 2-d, transport keeps the components in the frame (γ̇/‖γ̇‖, rotation)."""
    p = {"Normal()": [0.3, 1.2], "Gamma()": [2.0, 1.5], "Beta()": [2.0, 3.0]}[repr(family)]
    p = np.asarray(p, float)
    q = p * np.array([1.3, 0.8]) + np.array([0.4, 0.0])
    v = np.array([0.7, -1.1])
    w = family.log(p, q)
    end_vel = -family.log(q, p)  # γ̇(1) of the geodesic p → q
    e1, e2 = _frame(family, p, w)
    f1, f2 = _frame(family, q, end_vel)
    expected = family.inner(p, v, e1) * f1 + family.inner(p, v, e2) * f2
    np.testing.assert_allclose(family.parallel_transport(p, v, q), expected, rtol=1e-8)


@pytest.mark.parametrize(
    "family", [ig.Poisson(), ig.Exponential(), ig.Bernoulli(), ig.Geometric()], ids=repr
)
def test_one_dimensional_families_closed_form(family):
    p, q = np.array([[0.3], [0.6]]), np.array([[0.7], [0.2]])
    v = np.array([[1.3], [-0.4]])
    expected = v * np.sqrt(family.metric(p)[..., 0] / family.metric(q)[..., 0])
    np.testing.assert_allclose(family.parallel_transport(p, v, q), expected, rtol=1e-9)


FAMILIES = [
    (ig.Normal(), [0.3, 1.2]),
    (ig.Gamma(), [2.0, 1.5]),
    (ig.Beta(), [0.8, 3.0]),
    (ig.Dirichlet(3), [1.5, 0.7, 2.5]),
    (ig.Categorical(3), [0.2, 0.5]),
    (ig.MultivariateNormal(2), [0.1, -0.3, 1.5, 0.2, 0.8]),
    (ig.Poisson(), [2.5]),
]


@pytest.mark.parametrize("family,p", FAMILIES, ids=[repr(f) for f, _ in FAMILIES])
def test_inner_products_preserved_on_every_family(family, p):
    rng = np.random.default_rng(3)
    p = np.asarray(p, float)
    step = rng.standard_normal(family.dim)
    q = family.retract(p, 0.4 * step / family.norm(p, step))
    uv = rng.standard_normal((2, family.dim))
    out = family.parallel_transport(p, uv, q)  # a batch of two vectors, p and q broadcast
    gram_p = uv @ family.metric(p) @ uv.T
    gram_q = out @ family.metric(q) @ out.T
    np.testing.assert_allclose(gram_q, gram_p, rtol=1e-9, atol=1e-12 * np.abs(gram_p).max())
    geo = family.geodesic(p, q)
    half = geo.transport(uv[0], 0.5)
    np.testing.assert_allclose(family.norm(geo(0.5), half), family.norm(p, uv[0]), rtol=1e-9)


def test_vector_transport_first_order():
    """Identity at q = p, and T − P = O(‖q − p‖) (the error halves with the distance)."""
    G = ig.Gamma()
    p, v = np.array([2.0, 1.5]), np.array([0.6, -0.9])
    np.testing.assert_allclose(G.vector_transport(p, v, p), v, rtol=1e-15)
    w = np.array([0.5, 0.4])
    errs = []
    for h in (0.1, 0.05, 0.025):
        q = G.retract(p, h * w)
        errs.append(np.linalg.norm(G.vector_transport(p, v, q) - G.parallel_transport(p, v, q)))
    assert 1.6 < errs[0] / errs[1] < 2.4 and 1.6 < errs[1] / errs[2] < 2.4


def test_vector_transport_is_the_retraction_differential():
    """On box bounds, DR_p(ξ)[v] by central differences of ``retract``."""
    B = ig.Beta()
    p, xi, v = np.array([0.8, 3.0]), np.array([0.3, -0.5]), np.array([0.2, 0.7])
    h = 1e-6
    fd = (B.retract(p, xi + h * v) - B.retract(p, xi - h * v)) / (2 * h)
    np.testing.assert_allclose(B.vector_transport(p, v, B.retract(p, xi)), fd, rtol=1e-7)
    M = ig.MetricManifold(sphere_metric, 2, bounds=[(0, np.pi), None])
    p, xi = np.array([1.0, 0.2]), np.array([0.4, 0.3])
    fd = (M.retract(p, xi + h * v) - M.retract(p, xi - h * v)) / (2 * h)
    np.testing.assert_allclose(M.vector_transport(p, v, M.retract(p, xi)), fd, rtol=1e-7)


def test_transport_bad_input():
    G = ig.Gamma()
    with pytest.raises(ValueError, match="q"):
        G.parallel_transport([2.0, 1.0], [1.0, 0.0], [-1.0, 1.0])
    geo = G.geodesic(np.array([2.0, 1.0]), np.array([2.5, 1.2]))
    with pytest.raises(ValueError, match="t must lie"):
        geo.transport([1.0, 0.0], 1.5)
    with pytest.raises(ValueError, match="shape"):
        geo.transport([1.0, 0.0, 0.0], 0.5)

"""The Riemannian Hessian ``hessian_vector``.

References: second derivatives of ``f(exp_p(t u))`` by central differences along
geodesics (``d²/dt² f(γ(t)) = ⟨Hess f[u], u⟩``, polarized to recover every component);
closed forms: the height function on the unit sphere (``Hess = −cos θ · I``), the
Rayleigh quotient at an eigenvector (``2(A − λI)`` on the tangent space), ``log det``
on SPD matrices (geodesically linear, Hessian 0), a quadratic on ℝⁿ.
"""

from __future__ import annotations

import os

import autograd.numpy as anp
import numpy as np
import pytest

os.environ.setdefault("GEOMSTATS_BACKEND", "numpy")

import infogeo as ig


def _second_derivative(M, f, p, u, h=1e-3):
    """Fourth-order central difference of t ↦ f(exp_p(t u)) at 0."""
    vals = [f(M.exp(p, k * h * u)) for k in (-2, -1, 0, 1, 2)]
    return (-vals[0] + 16 * vals[1] - 30 * vals[2] + 16 * vals[3] - vals[4]) / (12 * h * h)


def _check_against_geodesics(M, f, p, basis, rtol):
    """⟨Hess[u], w⟩ = ¼(q(u + w) − q(u − w)) with q(u) the second derivative along exp."""
    H = M.hessian_vector(p, f, basis)
    for u, Hu in zip(basis, H):
        for w in basis:
            ref = 0.25 * (_second_derivative(M, f, p, u + w) - _second_derivative(M, f, p, u - w))
            got = float(M.inner(p, Hu, w))
            assert abs(got - ref) <= rtol * max(1.0, abs(ref)), (got, ref)


def test_euclidean_quadratic():
    A = np.array([[3.0, 1.0], [1.0, 2.0]])
    E = ig.Euclidean(2)
    v = np.array([[1.0, -2.0], [0.5, 0.5]])
    out = E.hessian_vector(np.zeros(2), lambda x: anp.dot(x, anp.dot(A, x)), v)
    np.testing.assert_allclose(out, v @ (2 * A).T, rtol=1e-14)


def test_height_function_on_chart_sphere(sphere):
    p = np.array([0.7, 0.4])
    v = np.array([[1.0, 0.0], [0.3, -0.8]])
    out = sphere.hessian_vector(p, lambda x: anp.cos(x[0]), v)
    np.testing.assert_allclose(out, -np.cos(0.7) * v, rtol=1e-10)


@pytest.mark.parametrize(
    "family,p",
    [
        (ig.Normal(), [0.4, 1.3]),
        (ig.Gamma(), [2.0, 1.5]),
    ],
    ids=["Normal", "Gamma"],
)
def test_families_against_geodesic_differences(family, p):
    p = np.asarray(p, float)
    data = np.array([0.3, 1.7, 2.2, 0.9])
    f = lambda x: family.nll(x, data)  # noqa: E731
    _check_against_geodesics(family, f, p, np.eye(2), rtol=2e-6)


def test_geomstats_sphere_rayleigh_closed_form():
    from geomstats.geometry.hypersphere import Hypersphere

    rng = np.random.default_rng(0)
    B = rng.standard_normal((4, 4))
    A = B + B.T
    lam, vecs = np.linalg.eigh(A)
    S = ig.from_geomstats(Hypersphere(3))
    x = vecs[:, 0]
    u = S.to_tangent(x, rng.standard_normal((3, 4)))
    f = lambda y: anp.dot(y, anp.dot(A, y))  # noqa: E731
    np.testing.assert_allclose(
        S.hessian_vector(x, f, u), 2 * (u @ A.T - lam[0] * u), rtol=1e-10, atol=1e-12
    )
    # away from critical points: against differences along great circles
    y = S.random_point(rng=rng)
    basis = S.to_tangent(y, np.eye(4))
    Q = np.linalg.svd(basis)[2][:3]  # orthonormal tangent basis
    _check_against_geodesics(S, f, y, Q, rtol=1e-6)


def test_geomstats_spd_logdet_is_geodesically_linear():
    from geomstats.geometry.spd_matrices import SPDMatrices

    M = ig.from_geomstats(SPDMatrices(3))
    rng = np.random.default_rng(1)
    P = M.random_point(rng=rng)
    V = rng.standard_normal((3, 3))
    V = (V + V.T).ravel()

    def logdet(x):
        return anp.log(anp.linalg.det(anp.reshape(x, (3, 3))))

    np.testing.assert_allclose(M.hessian_vector(P, logdet, V), 0.0, atol=1e-10)
    C = rng.standard_normal((3, 3))
    C = C @ C.T
    f = lambda x: anp.sum(C.ravel() * x) + logdet(x) ** 2  # noqa: E731
    basis = []
    for i in range(3):
        for j in range(i, 3):
            E = np.zeros((3, 3))
            E[i, j] = E[j, i] = 1.0
            basis.append(E.ravel())
    _check_against_geodesics(M, f, P, np.array(basis[:3]), rtol=1e-5)


def test_hessian_bad_input():
    G = ig.Gamma()
    with pytest.raises(ValueError, match="p"):
        G.hessian_vector([-1.0, 1.0], lambda x: anp.sum(x), [1.0, 0.0])
    with pytest.raises(TypeError, match="callable"):
        G.hessian_vector([1.0, 1.0], 3.0, [1.0, 0.0])
    with pytest.raises(TypeError, match="autograd"):
        G.hessian_vector([1.0, 1.0], lambda x: float(np.sum(x)), [1.0, 0.0])


EVERY_FAMILY = [
    (ig.Beta(), [0.8, 3.0], np.array([0.2, 0.5, 0.7])),
    (ig.Dirichlet(3), [1.5, 0.7, 2.5], np.array([[0.2, 0.3, 0.5], [0.6, 0.1, 0.3]])),
    (ig.Categorical(3), [0.2, 0.5], np.array([0, 1, 1, 2])),
    (ig.MultivariateNormal(2), [0.1, -0.3, 1.5, 0.2, 0.8], np.array([[0.0, 1.0], [1.0, -1]])),
    (ig.Poisson(), [2.5], np.array([1, 4, 2])),
    (ig.Exponential(), [1.5], np.array([0.3, 1.1])),
]


@pytest.mark.parametrize("family,p,data", EVERY_FAMILY, ids=[repr(f) for f, _, _ in EVERY_FAMILY])
def test_every_family_second_derivative_along_geodesics(family, p, data):
    """⟨Hess f[u], u⟩ = d²/dt² f(exp_p(t u)) for the log-likelihood, and self-adjointness."""
    p = np.asarray(p, float)
    rng = np.random.default_rng(7)
    U = rng.standard_normal((2, family.dim))
    U = U / family.norm(p, U)[:, None] * 0.5
    f = lambda x: family.nll(x, data)  # noqa: E731
    H = family.hessian_vector(p, f, U)
    for u, Hu in zip(U, H):
        ref = _second_derivative(family, f, p, u, h=1e-3)
        assert float(family.inner(p, Hu, u)) == pytest.approx(ref, rel=2e-5, abs=1e-7)
    assert float(family.inner(p, H[0], U[1])) == pytest.approx(
        float(family.inner(p, U[0], H[1])), rel=1e-10, abs=1e-13
    )

"""The dual structure of a reparametrized family, against the base family (mapped
through the coordinate change) and against quadrature of the new log-density."""

from __future__ import annotations

import autograd.numpy as anp
import numpy as np
import pytest

import infogeo as ig
from infogeo.statistics.dual import DIVERGENCES


def _log_coords(F, which):
    """``F`` in coordinates where the entries ``which`` are replaced by their logarithm."""
    mask = np.zeros(F.dim, dtype=bool)
    mask[list(which)] = True

    def to_new(t):
        return anp.where(mask, anp.log(anp.where(mask, t, 1.0)), t)

    def to_old(x):
        return anp.where(mask, anp.exp(anp.where(mask, x, 0.0)), x)

    return F.reparametrize(to_new, to_old)


CASES = {
    "normal": (ig.Normal(), [1], [0.3, 0.8], [-1.0, 1.5]),
    "gamma": (ig.Gamma(), [0, 1], [2.5, 1.3], [0.7, 0.5]),
    "beta": (ig.Beta(), [0, 1], [2.5, 1.3], [1.7, 3.0]),
    "poisson": (ig.Poisson(), [0], [2.5], [7.0]),
}


def case(name):
    F, which, t1, t2 = CASES[name]
    R = _log_coords(F, which)
    t1, t2 = np.array(t1), np.array(t2)
    return F, R, t1, t2, R.to_new(t1), R.to_new(t2)


@pytest.mark.parametrize("name", sorted(CASES))
def test_exponential_structure_is_the_base_one(name):
    F, R, t1, t2, x1, x2 = case(name)
    assert isinstance(R, ig.statistics.reparametrize.ReparametrizedExponentialFamily)
    assert R.is_exponential_family
    np.testing.assert_allclose(R.natural(x1), F.natural(t1), rtol=1e-14)
    np.testing.assert_allclose(R.expectation(x1), F.expectation(t1), rtol=1e-14)
    np.testing.assert_allclose(R.from_natural(F.natural(t2)), x2, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(R.from_expectation(F.expectation(t2)), x2, rtol=1e-9, atol=1e-12)
    nat = F.natural(t1)
    np.testing.assert_allclose(R.log_partition(nat), F.log_partition(nat), rtol=1e-14)
    eta = F.expectation(t1)
    np.testing.assert_allclose(R.neg_entropy(eta), F.neg_entropy(eta), rtol=1e-12)
    # the Fisher metric is ∇²ψ pulled back by J = ∂ϑ/∂ξ, and equals Jᵀ F J of the base
    J = R.natural_jacobian(x1)
    G = R.metric(x1)
    np.testing.assert_allclose(
        J.T @ R.natural_fisher(nat) @ J, G, rtol=1e-10, atol=1e-14 * np.max(G)
    )
    np.testing.assert_allclose(R.bregman(x1, x2), F.kl(t1, t2), rtol=1e-12)


@pytest.mark.parametrize("name", sorted(CASES))
def test_divergences_and_total_variation_are_the_base_ones(name):
    F, R, t1, t2, x1, x2 = case(name)
    for kind in DIVERGENCES:
        alpha = {"renyi": 0.3, "alpha": 0.5}.get(kind)
        np.testing.assert_allclose(
            R.divergence(x1, x2, kind, alpha=alpha),
            F.divergence(t1, t2, kind, alpha=alpha),
            rtol=1e-12,
            err_msg=kind,
        )
    np.testing.assert_allclose(R.total_variation(x1, x2), F.total_variation(t1, t2), rtol=1e-14)


@pytest.mark.parametrize("name", sorted(CASES))
def test_skewness_tensor_against_quadrature_of_the_new_density(name):
    """T in the new coordinates (chain rule) against E[s s s] of a ParametricFamily
    built on the reparametrized log-density (its own quadrature and autograd scores)."""
    F, R, _t1, _, x1, _ = case(name)
    P = ig.ParametricFamily(lambda x, xi: R._log_prob(x, xi), R.dim, F.support)
    np.testing.assert_allclose(R.skewness_tensor(x1), P.skewness_tensor(x1), rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("name", ["normal", "gamma"])
def test_duality_of_alpha_connections_in_new_coordinates(name):
    _, R, _, _, x1, _ = case(name)
    a = 0.7
    G = R.metric(x1)
    low_p = np.einsum("jl,lki->kij", G, R.alpha_christoffel(x1, a))
    low_m = np.einsum("il,lkj->kij", G, R.alpha_christoffel(x1, -a))
    ref = np.moveaxis(ig.RiemannianManifold.metric_derivative(R, x1), -1, 0)
    np.testing.assert_allclose(low_p + low_m, ref, rtol=1e-8, atol=1e-9 * np.max(np.abs(ref)))


@pytest.mark.parametrize("alpha", [1.0, -1.0])
@pytest.mark.parametrize("name", ["normal", "gamma", "beta"])
def test_flat_geodesics_map_to_the_base_ones(name, alpha):
    F, R, t1, t2, x1, x2 = case(name)
    ts = np.linspace(0.0, 1.0, 5)
    mapped = R.to_old(R.alpha_geodesic(x1, x2, alpha)(ts))
    np.testing.assert_allclose(mapped, F.alpha_geodesic(t1, t2, alpha)(ts), rtol=1e-10)
    g = R.alpha_geodesic(x1, x2, alpha)
    np.testing.assert_allclose(R.alpha_exp(x1, g.velocity, alpha), x2, rtol=1e-9, atol=1e-12)


def test_general_alpha_geodesic_maps_to_the_base_one():
    """α = 0.5 by the boundary-value solver in both charts: the same curve."""
    F, R, t1, t2, x1, x2 = case("poisson")
    ts = np.linspace(0.0, 1.0, 5)
    mapped = R.to_old(R.alpha_geodesic(x1, x2, 0.5)(ts))
    np.testing.assert_allclose(mapped, F.alpha_geodesic(t1, t2, 0.5)(ts), rtol=1e-6)


def test_projections_and_fit_map_to_the_base_ones():
    F, R, t1, _, x1, _ = case("normal")
    # Normal with a fixed mean μ₀ = 0.5: ϑ₁ + 2μ₀ϑ₂ = 0, an e-flat constraint
    con = ("natural", np.array([[1.0, 2 * 0.5]]), np.array([0.0]))
    np.testing.assert_allclose(
        R.to_old(R.m_projection(x1, con)), F.m_projection(t1, con), rtol=1e-10
    )
    data = np.random.default_rng(0).normal(1.0, 2.0, 500)
    fit_r, fit_f = ig.fit(R, data), ig.fit(F, data)
    np.testing.assert_allclose(R.to_old(fit_r.x), fit_f.x, rtol=1e-9)


def test_parametric_family_base():
    """A non-exponential base: T pulled back, ρ_a from the base's quadrature."""
    P = ig.ParametricFamily(
        lambda x, t: -0.5 * ((x - t[0]) / t[1]) ** 2 - anp.log(t[1]) - 0.5 * np.log(2 * np.pi),
        2,
        "real",
        bounds=[(None, None), (0.0, None)],
    )
    R = P.reparametrize(
        lambda t: anp.stack([t[..., 0], anp.log(t[..., 1])], -1),
        lambda x: anp.stack([x[..., 0], anp.exp(x[..., 1])], -1),
    )
    assert not R.is_exponential_family
    x1, x2 = np.array([0.3, np.log(0.8)]), np.array([-1.0, np.log(1.5)])
    N = _log_coords(ig.Normal(), [1])
    np.testing.assert_allclose(R.skewness_tensor(x1), N.skewness_tensor(x1), rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(
        R.divergence(x1, x2, "bhattacharyya"), N.divergence(x1, x2, "bhattacharyya"), rtol=1e-8
    )
    np.testing.assert_allclose(R.total_variation(x1, x2), N.total_variation(x1, x2), rtol=1e-9)

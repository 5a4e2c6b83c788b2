"""α-connections, the Amari–Chentsov tensor and α-geodesics."""

from __future__ import annotations

import numpy as np
import pytest

import infogeo as ig

from .test_exponential_family import CASES, case


def _quadrature_copy(F):
    """The same family as a ParametricFamily: its tensors come from quadrature."""
    return ig.ParametricFamily(lambda x, t: F._log_prob(x, t), F.dim, F.support, bounds=F.bounds)


@pytest.mark.parametrize("name", sorted(CASES))
def test_skewness_closed_form_against_quadrature(name):
    """∂³ψ pulled back to θ against E[sᵢsⱼsₖ] by the certified quadrature/cubature."""
    F, th = case(name)
    if name == "mvn":
        F, th = ig.MultivariateNormal(2), ig.MultivariateNormal(2).random_point(rng=1)
    else:
        th = th[0]
    T = F.skewness_tensor(th)
    ref = _quadrature_copy(F).skewness_tensor(th)
    np.testing.assert_allclose(T, ref, rtol=1e-9, atol=1e-9 * np.max(np.abs(ref)))
    np.testing.assert_allclose(T, np.swapaxes(T, 0, 2), atol=1e-12 * np.max(np.abs(T)))


def test_skewness_normal_closed_form():
    """Normal (μ, σ): T_μμσ = 2/σ³, T_σσσ = 8/σ³, the rest 0 (Amari 1985)."""
    s = 1.7
    T = ig.Normal().skewness_tensor([0.4, s])
    ref = np.zeros((2, 2, 2))
    ref[0, 0, 1] = ref[0, 1, 0] = ref[1, 0, 0] = 2 / s**3
    ref[1, 1, 1] = 8 / s**3
    np.testing.assert_allclose(T, ref, atol=1e-14)


@pytest.mark.parametrize("name", sorted(CASES))
def test_duality_of_alpha_connections(name):
    """∂ₖgᵢⱼ = Γ^(α)ₖᵢ,ⱼ + Γ^(−α)ₖⱼ,ᵢ (lowered with G), ∂G by autograd of the metric."""
    F, th = case(name)
    p = th[0]
    a = 0.7
    G = F.metric(p)
    low_p = np.einsum("jl,lki->kij", G, F.alpha_christoffel(p, a))  # Γ^(α)_ki,j at [k, i, j]
    low_m = np.einsum("il,lkj->kij", G, F.alpha_christoffel(p, -a))  # Γ^(−α)_kj,i
    dG = ig.RiemannianManifold.metric_derivative(F, p)  # [i, j, k] = ∂ₖ gᵢⱼ
    ref = np.moveaxis(dG, -1, 0)
    np.testing.assert_allclose(low_p + low_m, ref, rtol=1e-8, atol=1e-9 * np.max(np.abs(ref)))
    np.testing.assert_allclose(F.alpha_christoffel(p, 0.0), F.christoffel(p), atol=0)


def _geodesic_residual(F, curve, alpha, ts, h=1e-4):
    """γ̈ + Γ^(α)(γ̇, γ̇) by central differences, relative to |γ̈| + |γ̇|²."""
    x0, xm, xp = curve(ts), curve(ts - h), curve(ts + h)
    v = (xp - xm) / (2 * h)
    acc = (xp - 2 * x0 + xm) / h**2
    res = acc + np.einsum("nkij,ni,nj->nk", F.alpha_christoffel(x0, alpha), v, v)
    return np.max(np.abs(res)) / (np.max(np.abs(acc)) + np.max(np.abs(v)) ** 2)


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("alpha", [1.0, -1.0])
def test_flat_geodesics_solve_the_alpha_geodesic_equation(name, alpha):
    """Straight lines in ϑ (α = 1) and in η (α = −1) satisfy γ̈ + Γ^(α)(γ̇, γ̇) = 0."""
    F, th = case(name)
    p, q = th
    if name in ("normal", "gamma", "beta", "dirichlet", "poisson", "exponential"):
        q = 0.5 * (p + q)  # keep the extreme point out of the finite-difference test
    geo = F.alpha_geodesic(p, q, alpha)
    ts = np.array([0.2, 0.5, 0.8])
    assert _geodesic_residual(F, geo, alpha, ts) < 1e-5
    np.testing.assert_allclose(geo(0.0), p, rtol=1e-12)
    np.testing.assert_allclose(geo(1.0), q, rtol=1e-9)
    # the velocity matches the curve's derivative
    h = 1e-6
    np.testing.assert_allclose(
        geo.velocity_at([0.5])[0], (geo(0.5 + h) - geo(0.5 - h)) / (2 * h), rtol=1e-6, atol=1e-8
    )
    if alpha == 1.0:
        nat = F.natural(geo(ts))
        np.testing.assert_allclose(nat, F.natural(p) + ts[:, None] * (F.natural(q) - F.natural(p)))
    else:
        eta = F.expectation(geo(ts))
        ref = F.expectation(p) + ts[:, None] * (F.expectation(q) - F.expectation(p))
        np.testing.assert_allclose(eta, ref, rtol=1e-9)


@pytest.mark.parametrize("alpha", [1.0, -1.0])
def test_boundary_value_solver_reproduces_flat_geodesics(alpha):
    F, p, q = ig.Gamma(), np.array([2.0, 1.0]), np.array([5.0, 3.0])
    flat = F.alpha_geodesic(p, q, alpha)
    bvp = F._bvp_geodesic(p, q, alpha, 1e-8)
    ts = np.linspace(0, 1, 7)
    np.testing.assert_allclose(bvp(ts), flat(ts), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(bvp.length, flat.length, rtol=1e-5)


def test_levi_civita_alpha_geodesic_is_the_fisher_rao_geodesic():
    F = ig.Normal()
    p, q = np.array([0.0, 1.0]), np.array([2.0, 0.5])
    g = F.alpha_geodesic(p, q, 0.0)
    ts = np.linspace(0, 1, 5)
    np.testing.assert_allclose(g(ts), F.geodesic(p, q)(ts), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(g.length, F.dist(p, q), rtol=1e-7)
    # e- and m-geodesics are longer than the Fisher–Rao one
    assert F.alpha_geodesic(p, q, 1.0).length > F.dist(p, q)
    assert F.alpha_geodesic(p, q, -1.0).length > F.dist(p, q)


def test_general_alpha_on_a_parametric_family():
    """α = 0.5 on a ParametricFamily (tensors by exact sums) against the closed family."""
    F = ig.Binomial(4)
    P = _quadrature_copy(F)
    p, q = np.array([0.2]), np.array([0.7])
    ts = np.linspace(0, 1, 5)
    np.testing.assert_allclose(
        P.alpha_geodesic(p, q, 0.5)(ts), F.alpha_geodesic(p, q, 0.5)(ts), rtol=1e-6
    )


def test_alpha_input_checks():
    F = ig.Normal()
    with pytest.raises(ValueError, match="alpha"):
        F.alpha_christoffel([0.0, 1.0], np.nan)
    with pytest.raises(ValueError, match="single points"):
        F.alpha_geodesic([[0.0, 1.0]], [1.0, 1.0], 1.0)
    with pytest.raises(ValueError, match="sigma"):
        F.alpha_geodesic([0.0, -1.0], [1.0, 1.0], 1.0)
    with pytest.raises(ValueError, match="t must lie"):
        F.alpha_geodesic([0.0, 1.0], [1.0, 1.0], 1.0)(1.5)


# ---------------------------------------------------------------------- alpha_exp
def test_alpha_exp_levi_civita_is_the_fisher_rao_exp():
    """α = 0 integrates the Levi-Civita equation: Normal's closed-form exp."""
    N = ig.Normal()
    p, v = np.array([0.3, 0.8]), np.array([0.5, -0.2])
    np.testing.assert_allclose(N.alpha_exp(p, v, 0.0), N.exp(p, v), rtol=1e-10)


@pytest.mark.parametrize("name", ["gamma", "beta", "poisson", "mvn"])
@pytest.mark.parametrize("alpha", [1.0, -1.0])
def test_alpha_exp_flat_closed_forms(name, alpha):
    """α = ±1: straight lines in natural / expectation parameters (t ↦ ϑ(exp(t v)) and
    η(exp(t v)) affine), equal to an ODE solve of the α = ±1 geodesic equation."""
    from infogeo.geometry.geodesic_equation import integrate_geodesic
    from infogeo.statistics.dual import _AlphaFlow

    F, th = case(name)
    p = th[0]
    v = 0.1 * p * np.where(np.arange(F.dim) % 2, -1.0, 1.0) if name != "mvn" else 0.1 * p
    ts = np.array([0.0, 0.25, 0.5, 1.0])
    pts = F.alpha_exp(np.broadcast_to(p, (4, F.dim)), ts[:, None] * v, alpha)
    coords = F.natural(pts) if alpha == 1.0 else F.expectation(pts)
    line = coords[0] + ts[:, None] * (coords[-1] - coords[0])
    np.testing.assert_allclose(coords, line, rtol=1e-12, atol=1e-12)
    ode, _ = integrate_geodesic(_AlphaFlow(F, alpha), np.asarray(p, float), v, np.ones(1))
    np.testing.assert_allclose(pts[-1], ode[0], rtol=1e-9)


@pytest.mark.parametrize("alpha", [1.0, -1.0, 0.5])
def test_alpha_exp_reaches_the_end_of_alpha_geodesic(alpha):
    F = ig.Gamma()
    p, q = np.array([2.5, 1.3]), np.array([0.7, 0.5])
    g = F.alpha_geodesic(p, q, alpha)
    np.testing.assert_allclose(F.alpha_exp(p, g.velocity, alpha), q, rtol=1e-7)


def test_alpha_exp_leaving_the_family():
    N = ig.Normal()
    # at σ = 1, σ̇ = 3 moves ϑ₂ = −1/(2σ²) by J v = 3 to 2.5 > 0 (e-line), σ̇ = −3 moves
    # η₂ = μ² + σ² by −6 to −5 < η₁² (m-line): both lines leave the family before t = 1
    with pytest.raises(ValueError, match="leaves"):
        N.alpha_exp([0.0, 1.0], [0.0, 3.0], 1.0)
    with pytest.raises(ValueError, match="leaves"):
        N.alpha_exp([0.0, 1.0], [0.0, -3.0], -1.0)
    with pytest.raises(ValueError, match="alpha"):
        N.alpha_exp([0.0, 1.0], [0.0, 0.1], np.nan)

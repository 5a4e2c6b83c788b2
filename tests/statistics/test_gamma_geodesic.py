"""Gamma geodesics by Clairaut's relation, checked against the geodesic equation."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import polygamma

import infogeo as ig
from infogeo.statistics.families._gamma_geodesic import _f, gamma_dist, gamma_log


def test_f_matches_scipy_polygamma():
    a = np.logspace(-4, 3, 500)
    ref = polygamma(1, a) - 1 / a
    np.testing.assert_allclose(_f(a), ref, rtol=1e-12)


def _pairs():
    rng = np.random.default_rng(0)
    P = np.column_stack([np.exp(rng.uniform(-1, 2.5, 12)), np.exp(rng.uniform(-2, 2, 12))])
    Q = np.column_stack([np.exp(rng.uniform(-1, 2.5, 12)), np.exp(rng.uniform(-2, 2, 12))])
    hard = np.array(
        [
            [[0.01, 1.0], [0.01, 50.0]],  # equal shapes: the geodesic dips and returns
            [[100.0, 1.0], [100.0, 1e-3]],
            [[0.05, 20.0], [300.0, 0.1]],  # far apart, shapes 4 decades apart
            [[2.0, 1.0], [2.0 * 3.0, 3.0]],  # equal means: Δu = 0
            [[3.0, 1.0], [3.0 + 1e-7, 1.0]],  # nearly coincident
        ]
    )
    return np.vstack([P, hard[:, 0]]), np.vstack([Q, hard[:, 1]])


def test_log_shoots_onto_the_end_point():
    """exp_p(log_p q), integrated with DOP853 from the closed-form Christoffel symbols,
    lands on q; the velocity's Fisher norm is the distance."""
    G = ig.Gamma()
    P, Q = _pairs()
    V = gamma_log(P, Q)
    end = G.exp(P, V)
    np.testing.assert_allclose(end, Q, rtol=1e-9)
    np.testing.assert_allclose(G.norm(P, V), gamma_dist(P, Q), rtol=1e-12)


def test_distance_agrees_with_the_generic_solver_and_is_symmetric():
    G = ig.Gamma()
    rng = np.random.default_rng(5)
    A = np.column_stack([rng.uniform(1, 6, 4), rng.uniform(0.5, 3, 4)])
    B = np.column_stack([rng.uniform(1, 6, 4), rng.uniform(0.5, 3, 4)])
    generic = ig.RiemannianManifold.dist(G, A, B)
    np.testing.assert_allclose(gamma_dist(A, B), generic, rtol=1e-9)
    np.testing.assert_allclose(G.dist(A, B), generic, rtol=1e-9)  # delegates to Clairaut
    P, Q = _pairs()
    np.testing.assert_allclose(gamma_dist(Q, P), gamma_dist(P, Q), rtol=1e-12, atol=1e-15)
    assert gamma_dist([2.0, 3.0], [2.0, 3.0]) == 0.0


def test_equal_means_is_the_shape_direction():
    """Δu = 0: the geodesic keeps the mean fixed, d = ∫ √f(α) dα (scipy quad)."""
    import scipy.integrate

    a, b = 0.7, 9.0
    ref = scipy.integrate.quad(
        lambda s: np.sqrt(polygamma(1, s) - 1 / s), a, b, epsabs=0, epsrel=1e-13
    )[0]
    assert gamma_dist([a, a / 2.0], [b, b / 2.0]) == pytest.approx(ref, rel=1e-12)


def test_exp_in_log_coordinates_matches_the_generic_integrator():
    """``Gamma.exp`` integrates in ``(log α, log(α/β))``; the base class integrates the
    closed-form Christoffel symbols in ``(α, β)``: the same end point at moderate
    shapes, and ``exp(p, log_p q) = q`` at shapes 1e-6 … 1e6 where the original chart
    is nearly singular."""
    G = ig.Gamma()
    P, Q = _pairs()
    V = gamma_log(P, Q)
    np.testing.assert_allclose(G.exp(P, V), ig.RiemannianManifold.exp(G, P, V), rtol=1e-9)
    P = np.array([[1e-6, 1e6], [6.4e5, 5.9e-6], [1e-3, 1.0]])
    Q = np.array([[1e6, 1e-6], [1e6, 2.9e-5], [1.0, 1.0]])
    np.testing.assert_allclose(G.exp(P, G.log(P, Q)), Q, rtol=1e-8)


def test_exp_budget_and_overflow():
    G = ig.Gamma()
    with pytest.raises(ig.ConvergenceError, match="max_time") as info:
        G.exp([1.0, 1.0], [50.0, -40.0], max_time=1e-9)
    assert info.value.timed_out
    with pytest.raises(OverflowError, match="float64"):
        G.exp([1e300, 1.0], [1e303, 1e3])


def test_distance_at_the_float64_extremes():
    """Shapes 1e±30 … 1e±300: ``A = α²f(α)`` is evaluated without forming ``α²`` or
    ``f``, so the quadrature stays finite (the old ``√f`` underflowed to 0 beyond 1e150
    and gave 326 for the first pair). Checks: the independent quadrature of the stress
    harness where scipy's ψ′ is finite, and ``d ≥ |Δ log α|/√2`` (``A ≥ ½``)."""
    from .stress_cases import gamma_dist_quad

    G = ig.Gamma()
    for p, q in ([[1e30, 1.0], [1.0, 1.0]], [[1e-100, 1.0], [1.0, 1.0]]):
        assert float(G.dist(p, q)) == pytest.approx(gamma_dist_quad(p, q), rel=1e-12)
    d = float(G.dist([1e300, 1.0], [1.0, 1.0]))
    assert np.isfinite(d) and d >= np.log(1e300) / np.sqrt(2.0)
    d = float(G.dist([1e-300, 1.0], [1.0, 1.0]))
    assert np.isfinite(d) and d >= np.log(1e300) / np.sqrt(2.0)


def test_inner_product_keeps_its_digits_at_huge_shape():
    """⟨u, v⟩ at α = 1e12 against the quadratic form in 40-digit arithmetic: the plain
    uᵀGv cancels (its two large terms are α-sized, the answer is O(1)); the inner
    product is exact to rounding, and equals uᵀGv at ordinary points."""
    mp = pytest.importorskip("mpmath")
    mp.mp.dps = 40
    G = ig.Gamma()
    p = np.array([1e12, 3.0])
    u = np.array([-1e12, -3.0 + 3e-11])  # nearly along the mean-preserving direction
    v = np.array([2e12, 6.0 + 1e-11])
    a, b = (mp.mpf(float(x)) for x in p)
    ua, ub, va, vb = (mp.mpf(float(x)) for x in (*u, *v))
    ref = mp.psi(1, a) * ua * va - (ua * vb + ub * va) / b + a * ub * vb / b**2
    assert abs(float(G.inner(p, u, v)) / float(ref) - 1) < 1e-12
    rng = np.random.default_rng(5)
    P = rng.uniform(0.05, 20.0, (50, 2))
    U, V = rng.normal(size=(2, 50, 2))
    plain = np.einsum("bi,bij,bj->b", U, G.metric(P), V)
    np.testing.assert_allclose(G.inner(P, U, V), plain, rtol=1e-12, atol=1e-12)

"""e- and m-projections onto linear sub-families and the generalized Pythagorean theorem."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.optimize

import infogeo as ig


def _independence_constraint(k1, k2):
    """Natural parameters ϑ_x = log(p_x / p_last) of a Categorical on a k1×k2 grid; the
    independence model has zero interaction contrasts
    ϑ_ij − ϑ_i,last − ϑ_last,j + ϑ_last,last = 0 (ϑ_last,last = 0 is the reference)."""
    n = k1 * k2 - 1
    rows = []
    for i in range(k1 - 1):
        for j in range(k2 - 1):
            a = np.zeros(n + 1)
            a[i * k2 + j] += 1
            a[i * k2 + k2 - 1] -= 1
            a[(k1 - 1) * k2 + j] -= 1
            rows.append(a[:n])
    return ("natural", np.array(rows), np.zeros(len(rows)))


def test_m_projection_onto_independence_is_product_of_marginals():
    k1, k2 = 3, 4
    F = ig.Categorical(k1 * k2)
    rng = np.random.default_rng(0)
    joint = rng.dirichlet(np.ones(k1 * k2)).reshape(k1, k2)
    p = F.pack(joint.ravel())
    q = F.m_projection(p, _independence_constraint(k1, k2))
    ref = np.outer(joint.sum(1), joint.sum(0)).ravel()
    np.testing.assert_allclose(F.unpack(q), ref, rtol=1e-10)
    # Pythagoras for independent r: KL(p‖r) = KL(p‖q) + KL(q‖r)
    for _ in range(3):
        r = F.pack(np.outer(rng.dirichlet(np.ones(k1)), rng.dirichlet(np.ones(k2))).ravel())
        np.testing.assert_allclose(F.kl(p, r), F.kl(p, q) + F.kl(q, r), rtol=1e-10)


def test_normal_with_fixed_mean_both_projections():
    """{μ = μ₀} is e-flat (ϑ₁ + 2μ₀ϑ₂ = 0) and m-flat (η₁ = μ₀)."""
    F = ig.Normal()
    mu0 = 1.0
    p = np.array([0.3, 0.8])
    q = F.m_projection(p, ("natural", [[1.0, 2 * mu0]], [0.0]))
    np.testing.assert_allclose(q, [mu0, np.hypot(0.8, 0.3 - mu0)], rtol=1e-12)
    e = F.e_projection(p, ("expectation", [[1.0, 0.0]], [mu0]))
    np.testing.assert_allclose(e, [mu0, 0.8], rtol=1e-12)
    for s in (0.1, 1.0, 7.0):
        r = np.array([mu0, s])
        np.testing.assert_allclose(F.kl(p, r), F.kl(p, q) + F.kl(q, r), rtol=1e-11)
        np.testing.assert_allclose(F.kl(r, p), F.kl(r, e) + F.kl(e, p), rtol=1e-11)


def test_e_projection_is_the_maximum_entropy_tilt():
    """Categorical under a mean constraint Σ pᵢ xᵢ = m: against scipy's SLSQP and
    Pythagoras for any r with that mean."""
    F = ig.Categorical(5)
    x = np.arange(5.0)
    p = F.pack(np.array([0.1, 0.3, 0.2, 0.25, 0.15]))
    m = 2.6
    A = np.array([x[:-1] - x[-1]])  # Σ pᵢ xᵢ = m with p_k = 1 − Σ η
    q = F.e_projection(p, ("expectation", A, [m - x[-1]]))
    full = F.unpack(q)
    np.testing.assert_allclose(full @ x, m, rtol=1e-12)
    pf = F.unpack(p)
    res = scipy.optimize.minimize(
        lambda v: np.sum(v * np.log(v / pf)),
        np.full(5, 0.2),
        method="SLSQP",
        bounds=[(1e-9, 1)] * 5,
        constraints=[
            {"type": "eq", "fun": lambda v: v.sum() - 1},
            {"type": "eq", "fun": lambda v: v @ x - m},
        ],
        options={"ftol": 1e-14, "maxiter": 500},
    )
    np.testing.assert_allclose(full, res.x, atol=1e-6)
    rng = np.random.default_rng(1)
    for _ in range(3):  # r with mean m: mix q with a random direction preserving the mean
        d = rng.standard_normal(5)
        basis = np.linalg.svd(np.vstack([np.ones(5), x]))[2][2:]
        r_full = full + 0.02 * (d @ basis.T) @ basis
        r = F.pack(r_full / r_full.sum())
        np.testing.assert_allclose(F.kl(r, p), F.kl(r, q) + F.kl(q, p), rtol=1e-9)


def test_gamma_and_dirichlet_projections_satisfy_pythagoras():
    G = ig.Gamma()
    p = np.array([2.5, 1.3])
    q = G.e_projection(p, ("expectation", [[0.0, 1.0]], [4.0]))  # E[x] = 4
    np.testing.assert_allclose(G.expectation(q)[1], 4.0, rtol=1e-12)
    for a in (0.5, 3.0, 20.0):
        r = np.array([a, a / 4.0])
        np.testing.assert_allclose(G.kl(r, p), G.kl(r, q) + G.kl(q, p), rtol=1e-10)
    D = ig.Dirichlet(3)
    p = np.array([2.0, 0.7, 3.0])
    cons = ("natural", [[1.0, -1.0, 0.0]], [0.0])  # α₁ = α₂: an e-flat (linear) sub-family
    q = D.m_projection(p, cons)
    assert abs(q[0] - q[1]) < 1e-12
    for r in ([1.0, 1.0, 1.0], [5.0, 5.0, 0.3]):
        np.testing.assert_allclose(D.kl(p, r), D.kl(p, q) + D.kl(q, r), rtol=1e-10)


def test_projection_input_checks():
    F = ig.Normal()
    with pytest.raises(ValueError, match="e-flat"):
        F.m_projection([0.0, 1.0], ("expectation", [[1.0, 0.0]], [0.0]))
    with pytest.raises(ValueError, match="m-flat"):
        F.e_projection([0.0, 1.0], ("natural", [[1.0, 0.0]], [0.0]))
    with pytest.raises(TypeError, match="tuple"):
        F.e_projection([0.0, 1.0], [[1.0, 0.0]])
    with pytest.raises(ValueError, match="shape"):
        F.e_projection([0.0, 1.0], ("expectation", [[1.0, 0.0, 0.0]], [0.0]))
    with pytest.raises(ValueError, match="x0"):
        F.m_projection([0.0, 1.0], ("natural", [[0.0, 1.0]], [1.0]))  # ϑ₂ = 1: empty

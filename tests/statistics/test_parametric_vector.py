"""ParametricFamily on vector-valued supports ("vector", d) and ("simplex", k): the
deterministic cubature reproduces the closed-form MultivariateNormal and Dirichlet."""

import autograd.numpy as anp
import numpy as np
import pytest
from autograd.scipy.special import gammaln

import infogeo as ig

from .statistics_cases import rel_err


def mvn_log_prob(d):
    """The d-variate normal log-density in (mean, covariance at tril_indices), written
    here with autograd: θ may be one point (dim,) or one point per row (n, dim)."""
    rows, cols = np.tril_indices(d)
    basis = np.zeros((rows.size, d, d))
    basis[np.arange(rows.size), rows, cols] = 1.0
    basis[np.arange(rows.size), cols, rows] = 1.0

    def log_prob(x, t):
        mu = t[..., :d]
        S = anp.einsum("...c,cab->...ab", t[..., d:], basis)
        diff = x - mu
        S_rows = S + np.zeros((diff.shape[0], d, d))
        quad = anp.sum(diff * anp.linalg.solve(S_rows, diff[..., None])[..., 0], -1)
        return -0.5 * (d * np.log(2 * np.pi) + anp.log(anp.linalg.det(S)) + quad)

    return log_prob


def dirichlet_log_prob(x, t):
    return gammaln(anp.sum(t, -1)) - anp.sum(gammaln(t), -1) + anp.sum((t - 1.0) * anp.log(x), -1)


def mvn_family(d):
    closed = ig.MultivariateNormal(d)
    fam = ig.ParametricFamily(mvn_log_prob(d), closed.dim, ("vector", d))
    fam._violations = closed._violations  # covariance positive definite
    return fam, closed


def dirichlet_family(k):
    return (
        ig.ParametricFamily(dirichlet_log_prob, k, ("simplex", k), bounds=[(0, None)] * k),
        ig.Dirichlet(k),
    )


def hard_mvn_points(closed):
    """A far-off mean, variances 1e-2 … 1e2 and correlations up to 0.95."""
    d = closed.d
    if d == 2:
        mean, cov = np.array([50.0, -3.0]), np.array([[1e-2, 0.95], [0.95, 1e2]])
    else:
        s = np.sqrt([1e-2, 1.0, 1e2])
        R = np.array([[1.0, 0.95, 0.3], [0.95, 1.0, 0.5], [0.3, 0.5, 1.0]])
        mean, cov = np.array([50.0, 0.0, -20.0]), R * np.outer(s, s)
    return [closed.pack(mean, cov), closed.pack(np.zeros(d), np.eye(d))]


@pytest.mark.parametrize("d", [2, 3])
def test_multivariate_normal_fisher_and_outer_form(d):
    fam, closed = mvn_family(d)
    for theta in hard_mvn_points(closed):
        expected = closed.fisher(theta)
        assert rel_err(fam.fisher(theta), expected) < 1e-8
        # E[s sᵀ] holds fourth moments of x; the cubature converges on both forms, so
        # it meets the same tolerance (measured ~1e-14)
        assert rel_err(fam.fisher_outer(theta), expected) < 1e-8


@pytest.mark.parametrize(
    "alpha",
    [
        [0.4, 0.7, 2.5],
        [0.4, 0.7, 30.0],
        [30.0, 40.0, 25.0, 35.0],
        [1.0, 1.0, 1.0, 1.0],
        [0.4, 0.7, 2.5, 3.0],
        [0.4, 0.7, 2.5, 30.0],
    ],
)
def test_dirichlet_fisher_outer_form_and_kl(alpha):
    alpha = np.array(alpha)
    fam, closed = dirichlet_family(alpha.size)
    expected = closed.fisher(alpha)
    assert rel_err(fam.fisher(alpha), expected) < 1e-8
    # the Hessian of the Dirichlet log-density does not depend on x: the outer form
    # (E[log xᵢ log xⱼ] near the faces, αᵢ < 1) is the real test of the cubature
    assert rel_err(fam.fisher_outer(alpha), expected) < 1e-8
    other = alpha[::-1] * 1.3
    assert fam.kl(alpha, other) == pytest.approx(float(closed.kl(alpha, other)), rel=1e-9)


def test_multivariate_normal_kl_and_batches():
    fam, closed = mvn_family(2)
    thetas = np.stack([*hard_mvn_points(closed), closed.random_point(rng=4)])
    F = fam.fisher(thetas)
    assert F.shape == (3, 5, 5)
    for got, theta, expected in zip(F, thetas, closed.fisher(thetas)):
        assert rel_err(got, expected) < 1e-8
        assert rel_err(got, fam.fisher(theta)) < 1e-10  # a batch agrees with each point alone
    kl = fam.kl(thetas, thetas[::-1])
    np.testing.assert_allclose(kl, closed.kl(thetas, thetas[::-1]), rtol=1e-9)
    assert fam.fisher(np.zeros((0, 5))).shape == (0, 5, 5)


def test_dirichlet_batch_and_christoffel():
    fam, closed = dirichlet_family(3)
    thetas = np.array([[0.4, 0.7, 2.5], [3.0, 2.0, 5.0], [0.4, 0.7, 30.0]])
    F = fam.fisher(thetas)
    for got, theta, expected in zip(F, thetas, closed.fisher(thetas)):
        assert rel_err(got, expected) < 1e-8
        assert rel_err(got, fam.fisher(theta)) < 1e-10
    G = fam.christoffel(thetas)
    assert G.shape == (3, 3, 3, 3)
    for got, expected in zip(G, closed.christoffel(thetas)):
        assert rel_err(got, expected) < 1e-8


def test_multivariate_normal_christoffel():
    fam, closed = mvn_family(2)
    p = closed.pack([0.5, -1.0], [[2.0, 0.6], [0.6, 0.5]])
    assert rel_err(fam.christoffel(p), closed.christoffel(p)) < 1e-8


def test_warm_start_does_not_break_a_far_away_point():
    fam, closed = mvn_family(2)
    points = [
        closed.pack([0.0, 0.0], np.eye(2)),
        closed.pack([1e3, -50.0], [[1e-4, 0.0], [0.0, 1e2]]),
        closed.pack([0.0, 0.0], np.eye(2)),
        closed.pack([-30.0, 7.0], [[1e2, -9.9], [-9.9, 1.0]]),
    ]
    for theta in points:  # each warm start comes from a far-away previous point
        assert rel_err(fam.fisher(theta), closed.fisher(theta)) < 1e-8
    dfam, dclosed = dirichlet_family(3)
    for alpha in ([200.0, 0.3, 1.0], [0.3, 0.5, 0.4], [5.0, 90.0, 0.6]):
        assert rel_err(dfam.fisher_outer(alpha), dclosed.fisher(alpha)) < 1e-8


def test_log_prob_without_one_parameter_vector_per_node():
    # this log-density cannot take one parameter vector per node: the metric falls
    # back to one autograd Hessian of the weighted sum and stays correct
    base = mvn_log_prob(2)

    def log_prob(x, t):
        if anp.ndim(t) != 1:
            raise ValueError("one parameter vector only")
        return base(x, t)

    fam = ig.ParametricFamily(log_prob, 5, ("vector", 2))
    closed = ig.MultivariateNormal(2)
    theta = hard_mvn_points(closed)[0]
    assert rel_err(fam.fisher(theta), closed.fisher(theta)) < 1e-8
    assert fam._layout_cache is None


def test_log_prob_nll_score_and_sample_take_vector_observations():
    fam, closed = dirichlet_family(3)
    alpha = np.array([0.4, 0.7, 2.5])
    x = closed.sample(alpha, 5, rng=1)
    np.testing.assert_allclose(fam.log_prob(x, alpha), closed.log_prob(x, alpha), rtol=1e-13)
    assert fam.nll(alpha, x) == pytest.approx(float(closed.nll(alpha, x)), rel=1e-13)
    np.testing.assert_allclose(fam.score(x, alpha), closed.score(x, alpha), rtol=1e-12)
    batch = np.stack([alpha, alpha * 2])
    assert fam.log_prob(x[:2], batch).shape == (2,)

    sampled = ig.ParametricFamily(
        dirichlet_log_prob,
        3,
        ("simplex", 3),
        bounds=[(0, None)] * 3,
        sample=lambda t, size, rng: rng.dirichlet(t, size),
    )
    draws = sampled.sample(alpha, 4, rng=0)
    assert draws.shape == (4, 3)
    assert sampled.sample(batch, rng=0).shape == (2, 3)
    np.testing.assert_allclose(draws.sum(-1), 1.0)


def test_bad_input_is_a_clear_error():
    fam, _ = dirichlet_family(3)
    alpha = np.array([0.4, 0.7, 2.5])
    with pytest.raises(ValueError, match=r"shape \(\.\.\., 3\)"):
        fam.nll(alpha, np.full((4, 2), 0.5))
    with pytest.raises(ValueError, match=r"shape \(\.\.\., 3\)"):
        fam.log_prob(np.array([0.2, 0.8]), alpha)
    with pytest.raises(ValueError, match="sum"):
        fam.log_prob(np.array([0.2, 0.3, 0.4]), alpha)
    with pytest.raises(ValueError, match="k >= 2"):
        ig.ParametricFamily(dirichlet_log_prob, 1, ("simplex", 1))
    with pytest.raises(ValueError, match="integer n >= 1"):
        ig.ParametricFamily(dirichlet_log_prob, 1, ("vector", 0))
    with pytest.raises(ValueError, match="takes one integer"):
        ig.ParametricFamily(dirichlet_log_prob, 1, ("vector", 2, 3))

    bad_sample = ig.ParametricFamily(
        dirichlet_log_prob, 3, ("simplex", 3), sample=lambda t, size, rng: 0.5
    )
    with pytest.raises(ValueError, match=r"shape \(3,\)"):
        bad_sample.sample(alpha, 2, rng=0)


def test_too_many_dimensions_for_the_cubature():
    # a standard normal in ℝ⁶: the coarsest grid alone is 13⁶ nodes
    d = 6

    def log_prob(x, t):
        return -0.5 * anp.sum((x - t[0]) ** 2, -1) - 0.5 * d * np.log(2 * np.pi)

    fam = ig.ParametricFamily(log_prob, 1, ("vector", d))
    with pytest.raises(ig.ConvergenceError, match=r"use support \('sampled', n\)"):
        fam.fisher([0.0])
    # and a smaller budget is met at the refinement
    small, closed = mvn_family(2)
    small.cubature_max_nodes = 500
    with pytest.raises(ig.ConvergenceError, match="cubature_max_nodes"):
        small.fisher(closed.pack([0.0, 0.0], np.eye(2)))


def test_density_that_does_not_integrate_to_one():
    def log_prob(x, t):
        return -0.5 * anp.sum((x - t[0]) ** 2, -1)  # missing −log 2π

    fam = ig.ParametricFamily(log_prob, 1, ("vector", 2))
    with pytest.raises(ValueError, match="does not integrate to 1"):
        fam.fisher([0.3])


def test_monte_carlo_on_vector_observations():
    # ("sampled", n) with vector draws: the layout probe uses draws of the family, and
    # the Dirichlet Hessian does not depend on x, so −E[∇² log p] is exact under any
    # normalized weights; E[s sᵀ] carries the Monte Carlo error (~1/√n)
    alpha = np.array([0.4, 0.7, 2.5])
    fam = ig.ParametricFamily(
        dirichlet_log_prob,
        3,
        ("sampled", 20_000),
        bounds=[(0, None)] * 3,
        sample=lambda t, size, rng: rng.dirichlet(t, size),
    )
    expected = ig.Dirichlet(3).fisher(alpha)
    assert rel_err(fam.fisher(alpha), expected) < 1e-12
    assert rel_err(fam.fisher_outer(alpha), expected) < 0.1

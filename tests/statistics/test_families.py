"""Closed-form Fisher metrics, KL divergences, scores and samples of every family,
each against an independent computation (quadrature of the log-density, finite
differences, known moments)."""

import autograd
import numpy as np
import pytest

import infogeo as ig

from .statistics_cases import SCALAR_CASES, case_ids, rel_err

POINTS = [(fam, sup, np.array(t)) for fam, sup, ts in SCALAR_CASES for t in ts]
POINT_IDS = [f"{fam!r}-{t}" for fam, sup, t in POINTS]


@pytest.mark.parametrize(("family", "support", "theta"), POINTS, ids=POINT_IDS)
def test_fisher_matches_parametric_family(family, support, theta):
    pf = ig.ParametricFamily(family._log_prob, family.dim, support)
    assert rel_err(family.fisher(theta), pf.fisher(theta)) < 1e-8


@pytest.mark.parametrize(("family", "support", "theta"), POINTS, ids=POINT_IDS)
def test_negative_hessian_equals_outer_product_of_scores(family, support, theta):
    if isinstance(family, ig.Beta) and np.min(theta) < 1:
        pytest.skip("scores unbounded at the end points: E[ssᵀ] limited by float resolution")
    pf = ig.ParametricFamily(family._log_prob, family.dim, support)
    assert rel_err(pf.fisher_outer(theta), pf.fisher(theta)) < 1e-8


@pytest.mark.parametrize(("family", "support", "theta"), POINTS, ids=POINT_IDS)
def test_kl_matches_quadrature(family, support, theta):
    other = family.random_point(rng=5)
    pf = ig.ParametricFamily(family._log_prob, family.dim, support)
    expected = pf.kl(theta, other)
    # Beta(½, ½) has mass ~1e-8 within float resolution of the end points, which no
    # quadrature of log p(x) can resolve
    tol = 1e-7 if isinstance(family, ig.Beta) and np.min(theta) < 1 else 1e-9
    assert abs(family.kl(theta, other) - expected) <= tol * max(1.0, abs(expected))
    assert family.kl(theta, theta) == pytest.approx(0.0, abs=1e-14)


@pytest.mark.parametrize(("family", "support", "theta"), POINTS, ids=POINT_IDS)
def test_kl_is_half_fisher_quadratic_form_locally(family, support, theta):
    direction = np.random.default_rng(1).standard_normal(family.dim)
    direction *= 0.01 / family.norm(theta, direction)  # Fisher length 0.01
    ratios = []
    for eps in (1.0, 0.1, 0.01):
        d = eps * direction
        quad = 0.5 * d @ family.fisher(theta) @ d
        ratios.append(family.kl(theta, theta + d) / quad)
    errors = np.abs(np.array(ratios) - 1.0)
    assert errors[-1] < 1e-3
    assert errors[-1] < 0.05 * errors[0]  # the error is O(‖d‖)


def test_dirichlet_fisher_matches_monte_carlo_hessian():
    # −∇²log p does not depend on x for the Dirichlet, so the Monte Carlo average of
    # the autograd Hessian is exact
    fam = ig.Dirichlet(3)
    theta = np.array([0.7, 2.0, 3.5])

    x = fam.sample(theta, 50, rng=0)
    H = np.mean([autograd.hessian(lambda t, xi=xi: fam._log_prob(xi, t))(theta) for xi in x], 0)
    assert rel_err(fam.fisher(theta), -H) < 1e-12


def test_dirichlet_two_is_beta():
    a, b = 1.3, 4.2
    assert rel_err(ig.Dirichlet(2).fisher([a, b]), ig.Beta().fisher([a, b])) < 1e-15
    x = np.array([0.3, 0.8])
    lp_d = ig.Dirichlet(2).log_prob(np.stack([x, 1 - x], -1), [a, b])
    assert rel_err(lp_d, ig.Beta().log_prob(x, [a, b])) < 1e-13
    assert ig.Dirichlet(2).kl([a, b], [2.0, 1.0]) == pytest.approx(
        ig.Beta().kl([a, b], [2.0, 1.0]), rel=1e-13
    )


def test_dirichlet_kl_against_monte_carlo():
    fam = ig.Dirichlet(3)
    t1, t2 = np.array([2.0, 3.0, 4.0]), np.array([1.0, 1.5, 5.0])
    x = fam.sample(t1, 400_000, rng=2)
    lr = fam.log_prob(x, t1) - fam.log_prob(x, t2)
    se = lr.std() / np.sqrt(lr.size)
    assert abs(fam.kl(t1, t2) - lr.mean()) < 5 * se


@pytest.mark.parametrize(("family", "support", "theta"), POINTS[::2], ids=POINT_IDS[::2])
def test_score_matches_finite_differences(family, support, theta):
    x = family.sample(theta, 5, rng=3)
    s = family.score(x, theta)
    h = 1e-6 * np.maximum(np.abs(theta), 1e-3)
    for i in range(family.dim):
        e = np.zeros(family.dim)
        e[i] = h[i]
        fd = (family.log_prob(x, theta + e) - family.log_prob(x, theta - e)) / (2 * h[i])
        np.testing.assert_allclose(s[:, i], fd, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize(("family", "support", "theta"), POINTS, ids=POINT_IDS)
def test_nll_grad_matches_finite_differences(family, support, theta):
    data = family.sample(theta, 50, rng=4)
    g = family.nll_grad(theta, data)
    h = 1e-6 * np.maximum(np.abs(theta), 1e-3)
    for i in range(family.dim):
        e = np.zeros(family.dim)
        e[i] = h[i]
        fd = (family.nll(theta + e, data) - family.nll(theta - e, data)) / (2 * h[i])
        assert g[i] == pytest.approx(fd, rel=1e-5, abs=1e-6)


def _moments(family, theta):
    """(mean, variance) from textbook formulas."""
    t = theta
    if isinstance(family, ig.Normal):
        return t[0], t[1] ** 2
    if isinstance(family, ig.Binomial):
        return family.n * t[0], family.n * t[0] * (1 - t[0])
    if isinstance(family, ig.Categorical):
        p = family.unpack(t)
        k = np.arange(family.k)
        m = np.sum(k * p)
        return m, np.sum(k**2 * p) - m**2
    if isinstance(family, ig.Poisson):
        return t[0], t[0]
    if isinstance(family, ig.Exponential):
        return 1 / t[0], 1 / t[0] ** 2
    if isinstance(family, ig.Geometric):
        return (1 - t[0]) / t[0], (1 - t[0]) / t[0] ** 2
    if isinstance(family, ig.Gamma):
        return t[0] / t[1], t[0] / t[1] ** 2
    if isinstance(family, ig.Beta):
        a, b = t
        return a / (a + b), a * b / ((a + b) ** 2 * (a + b + 1))
    raise AssertionError(family)


@pytest.mark.parametrize(("family", "support", "theta"), POINTS, ids=POINT_IDS)
def test_sample_moments(family, support, theta):
    n = 200_000
    x = family.sample(theta, n, rng=7)
    assert x.shape == (n,)
    family.check_data(x)
    mean, var = _moments(family, theta)
    assert abs(x.mean() - mean) < 5 * np.sqrt(var / n)
    assert abs(x.var() / var - 1) < 0.05


def test_sample_shapes_broadcast_over_parameters():
    fam = ig.Normal()
    theta = fam.random_point(3, rng=0)
    assert fam.sample(theta, rng=0).shape == (3,)
    assert fam.sample(theta, 5, rng=0).shape == (5, 3)
    assert fam.sample(theta[0], (2, 4), rng=0).shape == (2, 4)
    assert ig.Dirichlet(4).sample([1.0, 2.0, 3.0, 4.0], 6, rng=0).shape == (6, 4)


@pytest.mark.parametrize("family", [c[0] for c in SCALAR_CASES], ids=case_ids(SCALAR_CASES))
def test_fisher_is_batched(family):
    theta = family.random_point((3, 2), rng=1)
    G = family.fisher(theta)
    assert G.shape == (3, 2, family.dim, family.dim)
    np.testing.assert_allclose(G[1, 0], family.fisher(theta[1, 0]), rtol=1e-14)
    assert np.all(np.linalg.eigvalsh(G) > 0)


@pytest.mark.parametrize("family", [c[0] for c in SCALAR_CASES], ids=case_ids(SCALAR_CASES))
def test_initial_point_recovers_parameters(family):
    theta = family.random_point(rng=11)
    data = family.sample(theta, 100_000, rng=12)
    start = family.initial_point(data)
    assert family.belongs(start)
    np.testing.assert_allclose(start, theta, rtol=0.1, atol=0.02)


def test_initial_point_inside_domain_for_degenerate_data():
    assert ig.Poisson().belongs(ig.Poisson().initial_point(np.zeros(5)))
    assert ig.Bernoulli().belongs(ig.Bernoulli().initial_point(np.ones(5)))
    assert ig.Normal().belongs(ig.Normal().initial_point(np.full(4, 2.0)))
    assert ig.Gamma().belongs(ig.Gamma().initial_point(np.full(4, 2.0)))
    assert ig.Beta().belongs(ig.Beta().initial_point(np.full(4, 0.3)))
    assert ig.Categorical(3).belongs(ig.Categorical(3).initial_point(np.zeros(4)))
    assert ig.Geometric().belongs(ig.Geometric().initial_point(np.zeros(4)))


def test_nll_is_traceable_by_autograd():
    fam = ig.Gamma()
    data = fam.sample([2.0, 1.0], 100, rng=0)
    g = autograd.grad(lambda t: fam.nll(t, data))(np.array([2.0, 1.0]))
    np.testing.assert_allclose(g, fam.nll_grad([2.0, 1.0], data), rtol=1e-12)


def test_param_names_are_the_coordinates():
    assert ig.Normal().param_names == ("mu", "sigma")
    assert ig.Gamma().param_names == ("shape", "rate")
    assert ig.Beta().param_names == ("a", "b")
    assert ig.Categorical(3).param_names == ("p_1", "p_2")
    assert ig.Dirichlet(2).param_names == ("alpha_1", "alpha_2")
    assert ig.Poisson().param_names == ig.Poisson().coordinate_names == ("rate",)


def test_categorical_pack_unpack():
    fam = ig.Categorical(3)
    probs = np.array([[0.2, 0.3, 0.5], [0.1, 0.1, 0.8]])
    theta = fam.pack(probs)
    np.testing.assert_allclose(theta, probs[:, :2])
    np.testing.assert_allclose(fam.unpack(theta), probs)


@pytest.mark.parametrize(
    "family, theta",
    [
        (ig.Gamma(), [[0.5, 2.0], [3e4, 1e-3]]),
        (ig.Beta(), [[0.5, 3.0], [1e-3, 40.0]]),
        (ig.Dirichlet(4), [[0.3, 1.0, 2.0, 5.0], [1e-3, 1e3, 7.0, 0.2]]),
    ],
)
def test_plain_numpy_metric_equals_the_traceable_one(family, theta):
    """``metric`` of an array takes the family's plain-numpy twin ``_metric_np``; the
    autograd-traceable ``_metric`` (used under differentiation) gives the same matrix,
    and differentiating ``metric`` still works (against the closed-form ∂G)."""
    import autograd

    theta = np.asarray(theta, dtype=float)
    # Beta and Dirichlet take their diagonal ψ′(αᵢ) − ψ′(α₀) without cancellation; the
    # traceable form subtracts, and loses up to log₁₀(α₀/(α₀ − αᵢ)) digits (1e-12 here;
    # test_dirichlet_geometry checks the plain form against mpmath at extreme shapes)
    rtol = 1e-15 if isinstance(family, ig.Gamma) else 1e-11
    np.testing.assert_allclose(family.metric(theta), family._metric(theta), rtol=rtol)
    jac = autograd.jacobian(lambda p: family.metric(p))(theta[0])
    np.testing.assert_allclose(jac, family.metric_derivative(theta[0]), rtol=1e-12)

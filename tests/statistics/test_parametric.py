"""ParametricFamily: the Fisher metric from a log-density alone, on every support kind."""

import autograd.numpy as anp
import numpy as np
import pytest
from autograd.scipy.special import gammaln

import infogeo as ig

from .statistics_cases import rel_err


def normal_log_prob(x, t):
    return -0.5 * np.log(2 * np.pi) - anp.log(t[1]) - 0.5 * ((x - t[0]) / t[1]) ** 2


def test_real_line_is_finite_far_from_the_origin():
    # geomstats' FisherRaoMetric returns NaN here (the integrand underflows)
    fam = ig.ParametricFamily(normal_log_prob, 2, "real", bounds=[(None, None), (0, None)])
    # in this order, so that the warm start of each point comes from a far-away one
    for theta in ([0.0, 1.0], [1000.0, 1e-3], [0.0, 1.0], [-1e4, 50.0], [5.0, 1e-4]):
        F = fam.fisher(theta)
        assert np.all(np.isfinite(F))
        assert rel_err(F, ig.Normal().fisher(theta)) < 1e-8


def test_interval_support_truncated_exponential():
    # density λ e^{−λx} / (1 − e^{−λ}) on (0, 1): F = 1/λ² − e^{λ}/(e^{λ} − 1)²
    def log_prob(x, t):
        lam = t[0]
        return anp.log(lam) - lam * x - anp.log(-anp.expm1(-lam))

    fam = ig.ParametricFamily(log_prob, 1, ("interval", 0.0, 1.0), bounds=[(0, None)])
    for lam in (0.5, 3.0, 40.0):
        expected = 1 / lam**2 - np.exp(lam) / np.expm1(lam) ** 2
        assert fam.fisher([lam])[0, 0] == pytest.approx(expected, rel=1e-10)


def test_shifted_interval_and_half_line():
    # Uniform-location-free check: a Gamma shifted to (2, ∞) has the Gamma metric
    gamma = ig.Gamma()
    shifted = ig.ParametricFamily(
        lambda x, t: gamma._log_prob(x - 2.0, t),
        2,
        ("interval", 2.0, None),
        bounds=[(0, None), (0, None)],
    )
    assert rel_err(shifted.fisher([1.7, 0.4]), gamma.fisher([1.7, 0.4])) < 1e-8
    # a reflected Exponential on (−∞, 1)
    reflected = ig.ParametricFamily(
        lambda x, t: anp.log(t[0]) - t[0] * (1.0 - x), 1, ("interval", None, 1.0)
    )
    assert reflected.fisher([2.5])[0, 0] == pytest.approx(1 / 2.5**2, rel=1e-10)


def test_negative_binomial_on_unbounded_integers():
    # NB(r, p) with r fixed: F = r / (p²(1 − p))
    r = 3.5

    def log_prob(x, t):
        p = t[0]
        return gammaln(x + r) - gammaln(r) - gammaln(x + 1) + r * anp.log(p) + x * anp.log1p(-p)

    fam = ig.ParametricFamily(log_prob, 1, ("integers", 0, None), bounds=[(0, 1)])
    for p in (0.7, 0.05):
        assert fam.fisher([p])[0, 0] == pytest.approx(r / (p**2 * (1 - p)), rel=1e-10)


def test_monte_carlo_support():
    fam = ig.ParametricFamily(
        normal_log_prob,
        2,
        ("sampled", 20_000),
        bounds=[(None, None), (0, None)],
        sample=lambda t, size, rng: rng.normal(t[0], t[1], size),
    )
    F = fam.fisher([1.0, 2.0])
    np.testing.assert_allclose(F, ig.Normal().fisher([1.0, 2.0]), rtol=0.05, atol=0.01)
    x = fam.sample([1.0, 2.0], 1000, rng=0)
    assert x.shape == (1000,)


def test_batched_fisher_and_kl():
    fam = ig.ParametricFamily(normal_log_prob, 2, "real", bounds=[(None, None), (0, None)])
    theta = ig.Normal().random_point((2, 2), rng=3)
    F = fam.fisher(theta)
    assert F.shape == (2, 2, 2, 2)
    assert rel_err(F, ig.Normal().fisher(theta)) < 1e-8
    kl = fam.kl(theta, theta[::-1])
    np.testing.assert_allclose(kl, ig.Normal().kl(theta, theta[::-1]), rtol=1e-9)
    np.testing.assert_allclose(fam.log_prob(1.0, theta), ig.Normal().log_prob(1.0, theta))


def test_christoffel_of_a_parametric_family_matches_closed_form():
    fam = ig.ParametricFamily(normal_log_prob, 2, "real", bounds=[(None, None), (0, None)])
    p = np.array([0.4, 1.3])
    assert rel_err(fam.christoffel(p), ig.Normal().christoffel(p)) < 1e-8
    d_gamma = fam.christoffel_derivative(p)
    assert rel_err(d_gamma, ig.Normal().christoffel_derivative(p)) < 1e-6


def test_numerical_geodesics_of_a_parametric_family():
    # Categorical(3) from its log-mass on {0, 1, 2}: distances reproduce 2 arccos Σ√(pq)
    cat = ig.Categorical(3)
    fam = ig.ParametricFamily(cat._log_prob, 2, ("finite", [0, 1, 2]), bounds=[(0, 1)] * 2)
    fam._violations = cat._violations  # the simplex constraint p_1 + p_2 < 1
    p, q = np.array([0.2, 0.3]), np.array([0.5, 0.1])
    assert fam.dist(p, q) == pytest.approx(float(cat.dist(p, q)), rel=1e-9)


def test_reparametrized_parametric_family():
    fam = ig.ParametricFamily(normal_log_prob, 2, "real", bounds=[(None, None), (0, None)])

    def to_new(t):  # (mu, log sigma)
        return anp.stack([t[..., 0], anp.log(t[..., 1])], -1)

    def to_old(x):
        return anp.stack([x[..., 0], anp.exp(x[..., 1])], -1)

    log_scale = fam.reparametrize(to_new, to_old)
    xi = np.array([0.5, np.log(2.0)])
    # F in (μ, log σ) is diag(1/σ², 2)
    np.testing.assert_allclose(log_scale.fisher(xi), np.diag([0.25, 2.0]), rtol=1e-8, atol=1e-12)
    closed = ig.Normal().reparametrize(to_new, to_old)
    np.testing.assert_allclose(closed.fisher(xi), np.diag([0.25, 2.0]), rtol=1e-13)
    q = np.array([-1.0, np.log(0.5)])
    assert closed.dist(xi, q) == pytest.approx(float(ig.Normal().dist([0.5, 2.0], [-1.0, 0.5])))
    assert closed.kl(xi, q) == pytest.approx(float(ig.Normal().kl([0.5, 2.0], [-1.0, 0.5])))
    assert closed.belongs(np.array([0.0, -50.0]))  # any log σ is allowed
    assert closed.param_names == ("x0", "x1")


def _per_point(fam, thetas):
    return np.stack([fam.fisher(t) for t in thetas])


def test_batched_metric_equals_per_point_metric():
    # one vectorized computation for the batch; each point alone must give the same
    gamma = ig.Gamma()
    cases = [
        (
            ig.ParametricFamily(gamma._log_prob, 2, "positive", bounds=[(0, None), (0, None)]),
            gamma,
        ),
        (
            ig.ParametricFamily(normal_log_prob, 2, "real", bounds=[(None, None), (0, None)]),
            ig.Normal(),
        ),
        (
            ig.ParametricFamily(
                ig.Categorical(3)._log_prob, 2, ("finite", [0, 1, 2]), bounds=[(0, 1)] * 2
            ),
            ig.Categorical(3),
        ),
        (
            ig.ParametricFamily(
                ig.Poisson()._log_prob, 1, ("integers", 0, None), bounds=[(0, None)]
            ),
            ig.Poisson(),
        ),
    ]
    for fam, closed in cases:
        thetas = closed.random_point(7, rng=11)
        F = fam.fisher(thetas)
        assert F.shape == (7, fam.dim, fam.dim)
        assert fam.fisher(np.zeros((0, fam.dim))).shape == (0, fam.dim, fam.dim)
        for got, alone, expected in zip(F, _per_point(fam, thetas), closed.fisher(thetas)):
            assert rel_err(got, alone) < 1e-10
            assert rel_err(got, expected) < 1e-8


def test_batched_metric_with_a_log_prob_taking_one_parameter_vector():
    # this log-density cannot take one parameter vector per node (the sum mixes them):
    # the metric falls back to one autograd Hessian per point and stays correct
    def log_prob(x, t):
        mu = anp.sum(t * np.array([1.0, 0.0]))
        return normal_log_prob(x, anp.stack([mu, t[1]]))

    fam = ig.ParametricFamily(log_prob, 2, "real", bounds=[(None, None), (0, None)])
    thetas = ig.Normal().random_point(3, rng=5)
    F = fam.fisher(thetas)
    assert fam._layout_cache is None
    assert rel_err(F, ig.Normal().fisher(thetas)) < 1e-8
    assert rel_err(F, _per_point(fam, thetas)) < 1e-10


def test_batched_metric_far_apart_points_stay_finite():
    # scales from 1e-4 to 1e4 in one batch: one shared grid in t, centre and scale per
    # point, so no point underflows
    fam = ig.ParametricFamily(normal_log_prob, 2, "real", bounds=[(None, None), (0, None)])
    thetas = np.array([[0.0, 1.0], [1000.0, 1e-3], [-1e4, 50.0], [5.0, 1e-4], [3.0, 1e4]])
    F = fam.fisher(thetas)
    assert np.all(np.isfinite(F))
    for got, expected in zip(F, ig.Normal().fisher(thetas)):  # each point on its own scale
        assert rel_err(got, expected) < 1e-8


def test_batched_christoffel_and_outer_form():
    gamma = ig.Gamma()
    fam = ig.ParametricFamily(gamma._log_prob, 2, "positive", bounds=[(0, None), (0, None)])
    thetas = gamma.random_point(4, rng=2)
    G = fam.christoffel(thetas)
    assert G.shape == (4, 2, 2, 2)
    assert fam.christoffel(np.zeros((0, 2))).shape == (0, 2, 2, 2)
    assert fam.fisher_outer(np.zeros((0, 2))).shape == (0, 2, 2)
    for got, expected in zip(G, gamma.christoffel(thetas)):
        assert rel_err(got, expected) < 1e-8
    for got, expected in zip(fam.fisher_outer(thetas), gamma.fisher(thetas)):
        assert rel_err(got, expected) < 1e-8


def test_heavy_tails_cauchy_location_scale():
    # no variance: the rule's centre and scale come from the median and quartiles;
    # F = I / (2σ²)
    def cauchy(x, t):
        return -np.log(np.pi) - anp.log(t[1]) - anp.log1p(((x - t[0]) / t[1]) ** 2)

    fam = ig.ParametricFamily(cauchy, 2, "real", bounds=[(None, None), (0, None)])
    thetas = np.array([[0.0, 1.0], [100.0, 0.01], [-5.0, 30.0]])
    for got in (fam.fisher(thetas), _per_point(fam, thetas)):
        for F, (_, sigma) in zip(got, thetas):
            assert rel_err(F, np.eye(2) / (2 * sigma**2)) < 1e-10


def test_unresolved_density_raises_convergence_error():
    # a kink at 0 and tails ∝ |x|^-2: the double-exponential rule does not reach
    # rtol = 1e-12; it must say so rather than return a number
    def log_prob(x, t):
        return anp.log(t[0] / 2) - (1 + t[0]) * anp.log1p(anp.abs(x))

    fam = ig.ParametricFamily(log_prob, 1, "real", bounds=[(0, None)])
    with pytest.raises(ig.ConvergenceError, match="did not converge"):
        fam.fisher([[1.0], [0.3]])


def test_infinite_score_at_the_nodes_is_an_error():
    # √(σ − 1) adds 0 at σ = 1 (the density is the Normal) but its σ-derivative is
    # infinite there: the Fisher information is undefined, in a batch or alone
    def log_prob(x, t):
        return normal_log_prob(x, t) + anp.sqrt(t[1] - 1.0)

    fam = ig.ParametricFamily(log_prob, 2, "real", bounds=[(None, None), (0, None)])
    with pytest.raises(ValueError, match="not finite"):
        fam.fisher([[0.0, 1.0], [0.5, 1.0]])
    with pytest.raises(ValueError, match="not finite"):
        fam.fisher_outer([0.5, 1.0])
    with pytest.raises(ValueError, match="not finite"):
        fam.christoffel([0.5, 1.0])


def _normal_one_vector_only(x, t):
    # t[0:1].sum() collapses a tiled (dim, n) or (n, dim) parameter array, so the
    # family cannot batch log_prob over nodes
    mu = anp.sum(t[0:1])
    return -0.5 * np.log(2 * np.pi) - anp.log(t[1]) - 0.5 * ((x - mu) / t[1]) ** 2


def _normal_one_vector_only_stacked(x, t):
    # and anp.stack has no jet rule
    s = anp.stack([anp.sum(t[0:1]), t[1]])
    return -0.5 * np.log(2 * np.pi) - anp.log(s[1]) - 0.5 * ((x - s[0]) / s[1]) ** 2


@pytest.mark.parametrize(
    "log_prob, jets",
    [
        # one jet pass per point gives every node's derivatives
        (_normal_one_vector_only, True),
        # autograd's forward mode: dim (dim + 3) / 2 passes over all nodes per point
        (_normal_one_vector_only_stacked, False),
    ],
)
def test_log_prob_taking_one_parameter_vector_only(log_prob, jets):
    # either way, not one autograd pass per node
    fam = ig.ParametricFamily(log_prob, 2, "real", bounds=[(None, None), (0, None)])
    thetas = np.array([[0.3, 1.2], [-4.0, 0.05], [10.0, 7.0]])
    normal = ig.Normal()
    for got, expected in zip(fam.fisher(thetas), normal.fisher(thetas)):
        assert rel_err(got, expected) < 1e-10
    for got, expected in zip(fam.fisher_outer(thetas), normal.fisher(thetas)):
        assert rel_err(got, expected) < 1e-8
    for got, expected in zip(fam.christoffel(thetas), normal.christoffel(thetas)):
        assert rel_err(got, expected) < 1e-8
    assert fam._layout_cache is None
    assert fam._jets is jets

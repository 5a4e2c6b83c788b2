"""Distances, exp/log and connections of the families, against closed forms from the
literature, the numerical solvers of the geometry core, and autograd."""

import autograd.numpy as anp
import numpy as np
import pytest

import infogeo as ig
from infogeo.geometry.manifold import RiemannianManifold

from .statistics_cases import rel_err


class _AutogradReference(RiemannianManifold):
    """The same metric tensor with nothing else overridden: Christoffel symbols and
    their derivatives by autograd."""

    def __init__(self, family):
        super().__init__(family.dim)
        self.family = family

    def metric(self, p):
        return self.family._metric(p)


def autograd_manifold(family):
    return _AutogradReference(family)


# ---------------------------------------------------------------- closed-form distances
def test_normal_distance_published_value():
    assert ig.Normal().dist([0.0, 1.0], [1.0, 2.0]) == pytest.approx(
        np.sqrt(2) * np.arccosh(1.375), rel=1e-14
    )


def test_categorical_distance_is_twice_the_bhattacharyya_angle():
    fam = ig.Categorical(4)
    p, q = fam.random_point(5, rng=0), fam.random_point(5, rng=1)
    P, Q = fam.unpack(p), fam.unpack(q)
    expected = 2 * np.arccos(np.sum(np.sqrt(P * Q), -1))
    np.testing.assert_allclose(fam.dist(p, q), expected, rtol=1e-12)


@pytest.mark.parametrize(
    ("family", "formula"),
    [
        (ig.Poisson(), lambda a, b: 2 * abs(np.sqrt(a) - np.sqrt(b))),
        (
            ig.Geometric(),
            lambda a, b: 2 * abs(np.arctanh(np.sqrt(1 - a)) - np.arctanh(np.sqrt(1 - b))),
        ),
        (ig.Bernoulli(), lambda a, b: 2 * abs(np.arcsin(np.sqrt(a)) - np.arcsin(np.sqrt(b)))),
        (
            ig.Binomial(9),
            lambda a, b: 6 * abs(np.arcsin(np.sqrt(a)) - np.arcsin(np.sqrt(b))),
        ),
        (ig.Exponential(), lambda a, b: abs(np.log(a / b))),
    ],
    ids=repr,
)
def test_one_parameter_distances(family, formula):
    p, q = family.random_point(6, rng=2), family.random_point(6, rng=3)
    np.testing.assert_allclose(family.dist(p, q), formula(p[:, 0], q[:, 0]), rtol=1e-12)
    # and the numerical solver of the core agrees with the closed form
    v = RiemannianManifold.log(family, p[0], q[0])
    assert family.norm(p[0], v) == pytest.approx(family.dist(p[0], q[0]), rel=1e-9)
    np.testing.assert_allclose(family.log(p[0], q[0]), v, rtol=1e-9)


@pytest.mark.parametrize(
    "family",
    [ig.Poisson(), ig.Geometric(), ig.Bernoulli(), ig.Binomial(4), ig.Exponential()],
    ids=repr,
)
def test_one_parameter_exp_log_and_numerical_exp(family):
    p, q = family.random_point(5, rng=4), family.random_point(5, rng=5)
    v = family.log(p, q)
    np.testing.assert_allclose(family.exp(p, v), q, rtol=1e-12)
    np.testing.assert_allclose(
        RiemannianManifold.exp(family, p, 0.5 * v), family.exp(p, 0.5 * v), rtol=1e-10
    )


def test_one_parameter_exp_leaving_the_domain_raises():
    with pytest.raises(ValueError, match="leaves the domain"):
        ig.Bernoulli().exp([0.5], [10.0])
    with pytest.raises(ValueError, match="leaves the domain"):
        ig.Poisson().exp([1.0], [-5.0])


# ---------------------------------------------------------------- Normal
def test_normal_closed_form_against_numerical_geodesics():
    fam = ig.Normal()
    p, q = np.array([[0.0, 1.0], [1.5, 0.3]]), np.array([[1.0, 2.0], [-2.0, 1.1]])
    v = fam.log(p, q)
    v_num = RiemannianManifold.log(fam, p, q)
    np.testing.assert_allclose(v, v_num, rtol=1e-9)
    np.testing.assert_allclose(fam.exp(p, v), q, rtol=1e-12)
    np.testing.assert_allclose(RiemannianManifold.exp(fam, p, v), q, rtol=1e-10)
    np.testing.assert_allclose(fam.norm(p, v), fam.dist(p, q), rtol=1e-12)


def test_normal_vertical_and_tiny_geodesics():
    fam = ig.Normal()
    # equal means: the geodesic is vertical and d = √2 |log(σ₂/σ₁)|
    assert fam.dist([1.0, 1.0], [1.0, 3.0]) == pytest.approx(np.sqrt(2) * np.log(3), rel=1e-14)
    np.testing.assert_allclose(fam.exp([1.0, 1.0], fam.log([1.0, 1.0], [1.0, 3.0])), [1.0, 3.0])
    # nearby points: distance → Fisher norm of the difference
    p, d = np.array([0.2, 0.7]), np.array([1e-9, -2e-9])
    assert fam.dist(p, p + d) == pytest.approx(fam.norm(p, d), rel=1e-6)
    np.testing.assert_allclose(fam.exp(p, np.zeros(2)), p)


def test_normal_geodesic_object():
    fam = ig.Normal()
    g = fam.geodesic([0.0, 1.0], [1.0, 2.0])
    np.testing.assert_allclose(g(1.0), [1.0, 2.0], rtol=1e-12)
    mid = g(0.5)
    assert fam.dist([0.0, 1.0], mid) == pytest.approx(0.5 * g.length, rel=1e-12)
    assert g(np.linspace(0, 1, 7)).shape == (7, 2)


# ---------------------------------------------------------------- Categorical
def test_categorical_exp_log_and_numerical():
    fam = ig.Categorical(3)
    p, q = fam.random_point(4, rng=6), fam.random_point(4, rng=7)
    v = fam.log(p, q)
    np.testing.assert_allclose(fam.exp(p, v), q, rtol=1e-11, atol=1e-14)
    np.testing.assert_allclose(fam.norm(p, v), fam.dist(p, q), rtol=1e-12)
    np.testing.assert_allclose(RiemannianManifold.log(fam, p[0], q[0]), v[0], rtol=1e-8)
    with pytest.raises(ValueError, match="leaves the simplex"):
        fam.exp(p[0], 100 * v[0])
    r = fam.retract(p, v)
    assert np.all(fam.belongs(r))


# ---------------------------------------------------------------- connections
@pytest.mark.parametrize(
    "family",
    [ig.Normal(), ig.Gamma(), ig.Beta(), ig.Dirichlet(3), ig.MultivariateNormal(2)],
    ids=repr,
)
def test_analytic_christoffel_against_autograd(family):
    p = family.random_point(3, rng=8)
    ref = autograd_manifold(family)
    assert rel_err(family.christoffel(p), ref.christoffel(p)) < 1e-12
    assert rel_err(family.christoffel_derivative(p), ref.christoffel_derivative(p)) < 1e-9
    v = np.random.default_rng(0).standard_normal(p.shape)
    assert rel_err(family.geodesic_acceleration(p, v), ref.geodesic_acceleration(p, v)) < 1e-12


# ---------------------------------------------------------------- numerical families
@pytest.mark.parametrize("family", [ig.Gamma(), ig.Beta(), ig.Dirichlet(3)], ids=repr)
def test_numerical_log_exp_round_trip_and_batch(family):
    p, q = family.random_point(3, rng=9), family.random_point(3, rng=10)
    v = family.log(p, q)
    np.testing.assert_allclose(family.exp(p, v), q, rtol=1e-9)
    d = family.dist(p, q)
    assert d[1] == pytest.approx(float(family.dist(p[1], q[1])), rel=1e-9)
    assert d[0] == pytest.approx(float(family.dist(q[0], p[0])), rel=1e-9)


def test_gamma_distance_is_invariant_under_reparametrization():
    gamma = ig.Gamma()

    def to_new(t):  # (shape, rate) -> (shape, mean)
        return anp.stack([t[..., 0], t[..., 0] / t[..., 1]], -1)

    def to_old(x):
        return anp.stack([x[..., 0], x[..., 0] / x[..., 1]], -1)

    mean_param = gamma.reparametrize(to_new, to_old, names=("shape", "mean"))
    p, q = np.array([2.0, 3.0]), np.array([0.7, 0.5])
    d = float(gamma.dist(p, q))
    assert float(mean_param.dist(to_new(p), to_new(q))) == pytest.approx(d, rel=1e-12)
    # independent check of the metric JᵀFJ: the (shape, rate) geodesic mapped into
    # (shape, mean) has, measured with the new metric, the length d (Gauss–Legendre)
    v = gamma.log(p, q)
    nodes, weights = np.polynomial.legendre.leggauss(40)
    t = 0.5 * (nodes + 1)
    pts, vels = _integrate_with_velocity(gamma, p, v, t)
    xi = to_new(pts)
    J_new = mean_param.jacobian(xi)  # ∂θ/∂ξ; ξ̇ = J⁻¹ θ̇
    xi_dot = np.linalg.solve(J_new, vels[..., None])[..., 0]
    speed = np.sqrt(np.einsum("ni,nij,nj->n", xi_dot, mean_param.metric(xi), xi_dot))
    assert 0.5 * np.sum(weights * speed) == pytest.approx(d, rel=1e-9)
    # and the new coordinates' exp/log invert each other
    w = mean_param.log(to_new(p), to_new(q))
    np.testing.assert_allclose(mean_param.exp(to_new(p), w), to_new(q), rtol=1e-9)
    # (shape, mean) is an orthogonal parametrization: G = diag(ψ′(α) − 1/α, α/m²)
    from scipy.special import polygamma

    G = mean_param.metric(to_new(p))
    np.testing.assert_allclose(G, np.diag([polygamma(1, 2.0) - 0.5, 2.0 / (2.0 / 3.0) ** 2]))


def _integrate_with_velocity(manifold, p, v, t):
    from infogeo.geometry.geodesic_equation import integrate_geodesic

    return integrate_geodesic(manifold, p, v, t)


def test_beta_geodesic_against_scipy_bvp():
    from scipy.integrate import solve_bvp

    fam = ig.Beta()
    p, q = np.array([2.0, 3.0]), np.array([5.0, 1.5])

    def f(t, y):
        x, v = y[:2].T, y[2:].T
        return np.concatenate([v.T, fam.geodesic_acceleration(x, v).T])

    t = np.linspace(0, 1, 11)
    guess = np.concatenate([p[:, None] + t * (q - p)[:, None], np.repeat((q - p)[:, None], 11, 1)])
    sol = solve_bvp(
        f,
        lambda a, b: np.concatenate([a[:2] - p, b[:2] - q]),
        t,
        guess,
        tol=1e-8,
        max_nodes=100_000,
    )
    assert sol.success
    np.testing.assert_allclose(fam.log(p, q), sol.sol(0.0)[2:], rtol=1e-5)


# ---------------------------------------------------------------- multivariate normal
def test_mvn_equal_means_distance():
    fam = ig.MultivariateNormal(2)
    mean = np.array([0.3, -1.0])
    S1 = np.array([[1.0, 0.2], [0.2, 0.5]])
    S2 = np.array([[2.0, -0.3], [-0.3, 0.8]])
    lam = np.linalg.eigvals(np.linalg.solve(S1, S2)).real
    expected = np.sqrt(0.5 * np.sum(np.log(lam) ** 2))
    assert fam.dist(fam.pack(mean, S1), fam.pack(mean, S2)) == pytest.approx(expected, rel=1e-9)


def test_mvn_one_dimensional_is_normal_in_variance_coordinates():
    mvn = ig.MultivariateNormal(1)
    normal = ig.Normal()
    p, q = np.array([0.0, 1.0]), np.array([1.0, 4.0])  # (mu, sigma²)
    expected = normal.dist([0.0, 1.0], [1.0, 2.0])
    assert mvn.dist(p, q) == pytest.approx(float(expected), rel=1e-9)


def test_dirichlet_two_distances_equal_beta_distances():
    p, q = np.array([[1.2, 3.0], [4.0, 0.7]]), np.array([[2.5, 1.1], [1.5, 1.5]])
    np.testing.assert_allclose(ig.Dirichlet(2).dist(p, q), ig.Beta().dist(p, q), rtol=1e-9)


# ---------------------------------------------------------------- issue 10: hard cases
@pytest.mark.parametrize(("p", "q"), [([1e-3, 1.0], [1.0, 1.0]), ([0.5, 1.0], [500.0, 0.01])])
def test_gamma_pairs_that_used_to_hang(p, q):
    # solved in log coordinates by collocation; checked by integrating the geodesic
    # equation independently (DOP853 in (shape, rate)) to the end point, in the
    # metric at q: on this negatively curved manifold that bounds the distance error
    G = ig.Gamma()
    v = G.log(p, q, max_time=30)
    d = float(G.norm(p, v))
    r = G.exp(p, v) - np.asarray(q)
    assert np.sqrt(r @ G.metric(q) @ r) <= 1e-9 * d
    assert G.dist(p, q, max_time=30) == pytest.approx(d, rel=1e-12)


def test_normal_closed_forms_at_extreme_scales():
    N = ig.Normal()
    # same mean: √2 |log σ₂/σ₁|
    assert N.dist([0.0, 1e300], [0.0, 1.0]) == pytest.approx(np.sqrt(2) * 300 * np.log(10), 1e-14)
    # same σ = 1, means ±a: √2 · 2 arsinh(a/√2), = 2√2 log(√2 a) for large a
    a = 1e200
    expected = 2 * np.sqrt(2) * (np.log(a) + 0.5 * np.log(2.0))
    assert N.dist([-a, 1.0], [a, 1.0]) == pytest.approx(expected, rel=1e-14)
    # KL with σ ratio 1e400: log(σ₂/σ₁) − ½ + ½(σ₁/σ₂)²
    assert N.kl([0.0, 1e-200], [0.0, 1e200]) == pytest.approx(400 * np.log(10) - 0.5, 1e-14)
    # log/exp round trip across 600 orders of magnitude
    p, q = np.array([0.0, 1e-300]), np.array([0.0, 1e300])
    np.testing.assert_allclose(N.exp(p, N.log(p, q)), q, rtol=1e-12)
    p, q = np.array([-1e200, 1.0]), np.array([1e200, 1.0])
    np.testing.assert_allclose(N.exp(p, N.log(p, q)), q, rtol=1e-12)
    # nearby points keep their relative accuracy: reference √2 · 2 arsinh(h/(2σ))
    h = 1e-9
    assert N.dist([0.0, 1.0], [np.sqrt(2) * h, 1.0]) == pytest.approx(
        2 * np.sqrt(2) * np.arcsinh(h / 2), rel=1e-14
    )


def test_normal_answers_beyond_float64_raise_named_overflow():
    N = ig.Normal()
    with pytest.raises(OverflowError, match="10\\^434"):
        N.exp([0.0, 1.0], [0.0, 1e3])  # σ = e^1000
    with pytest.raises(OverflowError, match="10\\^-434"):
        N.exp([0.0, 1.0], [0.0, -1e3])
    with pytest.raises(OverflowError, match="sigma = 1e-300"):
        N.fisher([0.0, 1e-300])
    with pytest.raises(OverflowError, match="KL of Normal"):
        N.kl([0.0, 1e-300], [1e300, 1e-300])
    # a long horizontal step stays finite (σ shrinks to 1.6e-307)
    x = N.exp([0.0, 1.0], [1e3, 0.0])
    assert np.all(np.isfinite(x)) and 0 < x[1] < 1e-300


def test_closed_form_families_accept_the_budget_keywords():
    N = ig.Normal()
    assert N.dist([0.0, 1.0], [1.0, 2.0], max_time=1.0, errors="nan") == pytest.approx(
        np.sqrt(2) * np.arccosh(1.375), rel=1e-14
    )
    np.testing.assert_allclose(
        N.log([0.0, 1.0], [1.0, 2.0], max_time=1.0), N.log([0.0, 1.0], [1.0, 2.0])
    )
    for fam in (ig.Poisson(), ig.Categorical(3)):
        p, q = fam.random_point(rng=0), fam.random_point(rng=1)
        assert fam.dist(p, q, max_time=1.0, errors="raise") == fam.dist(p, q)

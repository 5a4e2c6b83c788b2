"""Divergences between members of a family against independent quadrature / sums."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.integrate as si

import infogeo as ig

# (family, θ1, θ2, log-density for the reference, support)
PAIRS = {
    "normal": (ig.Normal(), [0.3, 0.8], [-1.0, 1.5]),
    "exponential": (ig.Exponential(), [2.5], [0.4]),
    "gamma": (ig.Gamma(), [2.5, 1.3], [0.7, 0.5]),
    "beta": (ig.Beta(), [2.5, 1.3], [1.7, 3.0]),
    "bernoulli": (ig.Bernoulli(), [0.3], [0.9]),
    "binomial": (ig.Binomial(6), [0.3], [0.75]),
    "categorical": (ig.Categorical(4), [0.1, 0.2, 0.3], [0.4, 0.1, 0.25]),
    "poisson": (ig.Poisson(), [2.5], [7.0]),
    "geometric": (ig.Geometric(), [0.3], [0.6]),
}


def _integrate(F, f):
    """∫ f(x) over the support of F (scipy.integrate.quad, or an exact sum)."""
    kind = F.support[0]
    if kind == "integers":
        hi = F.support[2] if F.support[2] is not None else 400
        x = np.arange(F.support[1], hi + 1, dtype=float)
        return float(np.sum(f(x)))
    a, b = F.support[1], F.support[2]
    val, _ = si.quad(lambda x: float(f(np.array(x))), a, b, limit=400, epsabs=0, epsrel=1e-12)
    return val


def _reference(F, t1, t2, kind, alpha):
    p = lambda x: np.exp(F.log_prob(x, t1))  # noqa: E731
    q = lambda x: np.exp(F.log_prob(x, t2))  # noqa: E731
    mix = lambda x, a: np.exp(a * F.log_prob(x, t1) + (1 - a) * F.log_prob(x, t2))  # noqa: E731

    def kl(a, b):
        la = lambda x: F.log_prob(x, a)  # noqa: E731
        return _integrate(F, lambda x: np.exp(la(x)) * (la(x) - F.log_prob(x, b)))

    def rho(a):
        return _integrate(F, lambda x: mix(x, a))

    if kind == "kl":
        return kl(t1, t2)
    if kind == "jeffreys":
        return kl(t1, t2) + kl(t2, t1)
    if kind == "bhattacharyya":
        return -np.log(rho(0.5))
    if kind == "hellinger":  # ½∫(√p − √q)², independently of ρ
        return np.sqrt(0.5 * _integrate(F, lambda x: (np.sqrt(p(x)) - np.sqrt(q(x))) ** 2))
    if kind == "renyi":
        return np.log(rho(alpha)) / (alpha - 1)
    if kind == "alpha":
        return 4 / (1 - alpha**2) * (1 - rho((1 - alpha) / 2))
    if alpha is not None:
        return -np.log(rho(alpha))
    res = __import__("scipy.optimize").optimize.minimize_scalar(
        lambda a: np.log(rho(a)), bounds=(0.0, 1.0), method="bounded", options={"xatol": 1e-9}
    )  # −log ρ_α is concave in α: one maximum
    return -res.fun


KINDS = [
    ("kl", None),
    ("jeffreys", None),
    ("bhattacharyya", None),
    ("hellinger", None),
    ("renyi", 0.3),
    ("renyi", 1.5),
    ("alpha", 0.5),
    ("alpha", -0.6),
    ("chernoff", 0.3),
]


@pytest.mark.parametrize("name", sorted(PAIRS))
def test_divergences_against_quadrature(name):
    F, t1, t2 = PAIRS[name]
    t1, t2 = np.array(t1), np.array(t2)
    for kind, alpha in KINDS:
        got = F.divergence(t1, t2, kind, alpha=alpha)
        ref = _reference(F, t1, t2, kind, alpha)
        np.testing.assert_allclose(got, ref, rtol=1e-8, err_msg=f"{name} {kind} {alpha}")


@pytest.mark.parametrize("name", ["normal", "poisson", "categorical"])
def test_chernoff_information_against_quadrature(name):
    F, t1, t2 = PAIRS[name]
    got = F.divergence(t1, t2, "chernoff")
    np.testing.assert_allclose(got, _reference(F, t1, t2, "chernoff", None), rtol=1e-9)


def test_alpha_divergence_limits_are_kl():
    F, t1, t2 = PAIRS["gamma"]
    np.testing.assert_allclose(F.divergence(t1, t2, "alpha", alpha=-1), F.kl(t1, t2))
    np.testing.assert_allclose(F.divergence(t1, t2, "alpha", alpha=1), F.kl(t2, t1))
    np.testing.assert_allclose(
        F.divergence(t1, t2, "alpha", alpha=-1 + 1e-7), F.kl(t1, t2), rtol=1e-6
    )
    np.testing.assert_allclose(F.divergence(t1, t2, "renyi", alpha=1), F.kl(t1, t2))


def test_multivariate_normal_bhattacharyya_closed_form():
    """D_B = ⅛ ΔμᵀΣ⁻¹Δμ + ½ log(det Σ / √(det Σ₁ det Σ₂)), Σ = (Σ₁ + Σ₂)/2."""
    F = ig.MultivariateNormal(3)
    t = F.random_point(2, rng=4)
    (m1, m2), (S1, S2) = F.unpack(t)[0], F.unpack(t)[1]
    S = 0.5 * (S1 + S2)
    d = m1 - m2
    ref = d @ np.linalg.solve(S, d) / 8 + 0.5 * np.log(
        np.linalg.det(S) / np.sqrt(np.linalg.det(S1) * np.linalg.det(S2))
    )
    np.testing.assert_allclose(F.divergence(t[0], t[1], "bhattacharyya"), ref, rtol=1e-12)
    np.testing.assert_allclose(
        F.divergence(t[0], t[1], "jeffreys"), F.kl(t[0], t[1]) + F.kl(t[1], t[0])
    )


def test_dirichlet_bhattacharyya_by_cubature():
    F = ig.Dirichlet(3)
    a, b = np.array([2.0, 3.0, 1.5]), np.array([1.2, 1.8, 4.0])
    c = (a + b) / 2  # √(p q) ∝ x^(c − 1): smooth on the closed simplex here (c > 1)
    lognorm = 0.5 * (F.log_prob(np.full(3, 1 / 3), a) + F.log_prob(np.full(3, 1 / 3), b))
    lognorm -= np.sum((c - 1) * np.log(np.full(3, 1 / 3)))

    def f(y, x):
        z = 1.0 - x - y
        return np.exp(lognorm) * x ** (c[0] - 1) * y ** (c[1] - 1) * max(z, 0.0) ** (c[2] - 1)

    val, _ = si.dblquad(f, 0, 1, 0, lambda x: 1 - x, epsabs=1e-13, epsrel=1e-11)
    np.testing.assert_allclose(F.divergence(a, b, "bhattacharyya"), -np.log(val), rtol=1e-8)


def test_batches_broadcast():
    F = ig.Gamma()
    t1 = F.random_point(5, rng=0)
    t2 = F.random_point(5, rng=1)
    for kind, alpha in [*KINDS, ("chernoff", None)]:
        batch = F.divergence(t1, t2, kind, alpha=alpha)
        assert batch.shape == (5,)
        one = [F.divergence(a, b, kind, alpha=alpha) for a, b in zip(t1, t2)]
        np.testing.assert_allclose(batch, one, rtol=1e-12)


def test_far_apart_and_identical_pairs():
    F = ig.Normal()
    assert F.divergence([0.0, 1.0], [0.0, 1.0], "hellinger") == 0.0
    h = F.divergence([0.0, 1.0], [1e4, 1.0], "hellinger")
    assert h == 1.0 and np.isfinite(F.divergence([0.0, 1.0], [1e4, 1.0], "bhattacharyya"))
    np.testing.assert_allclose(F.divergence([0.0, 1.0], [1e4, 1.0], "bhattacharyya"), 1e8 / 8)


def test_bad_divergence_arguments():
    F = ig.Normal()
    with pytest.raises(ValueError, match="kind must be one of"):
        F.divergence([0, 1], [1, 1], "wasserstein")
    with pytest.raises(ValueError, match="needs its order"):
        F.divergence([0, 1], [1, 1], "renyi")
    with pytest.raises(ValueError, match="takes no alpha"):
        F.divergence([0, 1], [1, 1], "kl", alpha=0.5)
    with pytest.raises(ValueError, match=r"\(0, 1\)"):
        F.divergence([0, 1], [1, 1], "chernoff", alpha=1.5)
    with pytest.raises(ValueError, match="diverges"):  # ∫p³q⁻² with σ_q < σ_p
        F.divergence([0, 2], [1, 1], "renyi", alpha=3.0)
    P = ig.ParametricFamily(
        lambda x, t: -0.5 * (x - t[0]) ** 2 - 0.5 * np.log(2 * np.pi), 1, "real"
    )
    np.testing.assert_allclose(P.divergence([0.0], [1.0], "jeffreys"), 1.0, rtol=1e-9)
    # ρ = exp(−50²/8) ≈ e⁻³¹² lies where neither density's rule has nodes: refused
    with pytest.raises(ig.ConvergenceError, match="overlap"):
        P.divergence([0.0], [50.0], "bhattacharyya")


@pytest.mark.parametrize("name", ["normal", "gamma", "poisson"])
def test_parametric_family_divergences_by_quadrature(name):
    """The ρ_a-based kinds of a ParametricFamily (quadrature at the nodes of both
    densities, cross-checked) against the closed forms of the same family."""
    F, t1, t2 = PAIRS[name]
    P = ig.ParametricFamily(lambda x, t: F._log_prob(x, t), F.dim, F.support, bounds=F.bounds)
    for kind, alpha in [*KINDS, ("chernoff", None)]:
        got = P.divergence(t1, t2, kind, alpha=alpha)
        np.testing.assert_allclose(got, F.divergence(t1, t2, kind, alpha=alpha), rtol=1e-7)

"""Total variation distance against independent computations: quadrature of ½|p₁ − p₂|
split at crossing points found by a grid scan and brentq, exact sums, erf closed forms,
Monte Carlo (for the brackets)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import scipy.integrate as si
import scipy.optimize as so
from scipy.special import erf

import infogeo as ig

PAIRS = [
    (ig.Normal(), [0.3, 0.8], [-1.0, 1.5]),
    (ig.Normal(), [0.0, 1.0], [5.0, 0.1]),
    (ig.Normal(), [2.0, 1.0], [2.0, 3.0]),
    (ig.Exponential(), [2.5], [0.4]),
    (ig.Gamma(), [2.5, 1.3], [0.7, 0.5]),
    (ig.Gamma(), [2.5, 1.3], [2.5, 0.5]),  # equal shapes: one crossing
    (ig.Gamma(), [2.5, 1.3], [0.7, 1.3]),  # equal rates: one crossing
    (ig.Gamma(), [0.3, 1.0], [5.0, 2.0]),  # a density unbounded at 0
    (ig.Beta(), [2.5, 1.3], [1.7, 3.0]),
    (ig.Beta(), [0.5, 0.5], [3.0, 3.0]),  # two crossings
    (ig.Beta(), [2.0, 2.0], [2.0, 5.0]),
    (ig.Beta(), [0.58897666, 0.53524006], [0.61180165, 0.98459512]),  # both a < 1
    (ig.Bernoulli(), [0.3], [0.9]),
    (ig.Binomial(6), [0.3], [0.75]),
    (ig.Binomial(200), [0.3], [0.32]),
    (ig.Categorical(4), [0.1, 0.2, 0.3], [0.4, 0.1, 0.25]),
    (ig.Poisson(), [2.5], [7.0]),
    (ig.Poisson(), [100.0], [101.0]),
    (ig.Geometric(), [0.3], [0.6]),
    (ig.Geometric(), [0.01], [0.02]),
]


def _grid(F, t1, t2):
    """Where to look for sign changes of log p₁ − log p₂ (wide enough for the mass)."""
    name = type(F).__name__
    if name == "Normal":
        m = max(abs(t1[0]), abs(t2[0])) + 60 * max(t1[1], t2[1])
        return np.linspace(-m, m, 400_001)
    if name in ("Gamma", "Exponential"):
        rate = min(t1[-1], t2[-1])
        return np.exp(np.linspace(-300, 8, 200_001)) / rate
    return 1.0 / (1.0 + np.exp(-np.linspace(-36, 36, 200_001)))  # Beta


def _tv_reference(F, t1, t2):
    t1, t2 = np.asarray(t1, float), np.asarray(t2, float)
    if F.support[0] == "integers":
        hi = F.support[2]
        if hi is None:  # grow until both masses are negligible (geometric decay)
            hi = 64
            while max(np.exp(F.log_prob(float(hi), t1)), np.exp(F.log_prob(float(hi), t2))) > 1e-22:
                hi *= 2
        x = np.arange(F.support[1], hi + 1, dtype=float)
        return 0.5 * np.sum(np.abs(np.exp(F.log_prob(x, t1)) - np.exp(F.log_prob(x, t2))))

    if isinstance(F, ig.Beta):  # in u = logit x the densities are smooth, no end singularity
        return _tv_reference_beta_logit(t1, t2)

    def r(x):
        return F.log_prob(x, t1) - F.log_prob(x, t2)

    g = _grid(F, t1, t2)
    rg = r(g)
    idx = np.flatnonzero(np.sign(rg[1:]) * np.sign(rg[:-1]) < 0)
    roots = [so.brentq(r, g[i], g[i + 1], xtol=1e-300, rtol=1e-15) for i in idx]
    edges = [F.support[1], *roots, F.support[2]]
    total = 0.0
    for a, b in itertools.pairwise(edges):
        val, _ = si.quad(
            lambda x: float(np.exp(F.log_prob(x, t1)) - np.exp(F.log_prob(x, t2))),
            a,
            b,
            limit=500,
            epsabs=1e-15,
            epsrel=1e-13,
        )
        total += abs(val)
    return 0.5 * total


def _tv_reference_beta_logit(t1, t2):
    """½∫|q₁ − q₂| du with qᵢ(u) = expit(u)^aᵢ expit(−u)^bᵢ / B(aᵢ, bᵢ) (the Beta densities
    in u = logit x, Jacobian included), split at the crossings found by a grid scan."""
    from scipy.special import betaln, log_expit

    def lq(u, t):
        return t[0] * log_expit(u) + t[1] * log_expit(-u) - betaln(t[0], t[1])

    def r(u):
        return lq(u, t1) - lq(u, t2)

    g = np.linspace(-700.0, 700.0, 200_001)
    rg = r(g)
    idx = np.flatnonzero(np.sign(rg[1:]) * np.sign(rg[:-1]) < 0)
    edges = [-np.inf, *(so.brentq(r, g[i], g[i + 1], xtol=1e-14) for i in idx), np.inf]
    total = 0.0
    for a, b in itertools.pairwise(edges):
        val, _ = si.quad(
            lambda u: np.exp(lq(u, t1)) - np.exp(lq(u, t2)), a, b, epsabs=1e-15, epsrel=1e-13
        )
        total += abs(val)
    return 0.5 * total


@pytest.mark.parametrize("case", range(len(PAIRS)))
def test_total_variation_against_quadrature(case):
    F, t1, t2 = PAIRS[case]
    got = F.total_variation(t1, t2)
    np.testing.assert_allclose(got, _tv_reference(F, t1, t2), rtol=1e-9, err_msg=repr(F))
    np.testing.assert_allclose(F.total_variation(t2, t1), got, rtol=1e-12)  # symmetric
    assert F.divergence(t1, t2, "tv") == got
    lo, hi = F.total_variation_bounds(t1, t2)
    assert lo == hi == got


def test_normal_closed_forms_and_close_pairs():
    """Equal σ: TV = erf(|Δμ|/(2√2σ)); equal μ: crossings ±c with
    c² = 2σ₁²σ₂² log(σ₁/σ₂)/(σ₁² − σ₂²), TV = 2(Φ(c/σ₂) − Φ(c/σ₁)) (σ₁ > σ₂); full
    relative precision for pairs 1e-12 apart (no cancellation)."""
    F = ig.Normal()
    for d in [1e-12, 1e-6, 0.3, 7.0, 30.0]:
        np.testing.assert_allclose(
            F.total_variation([0.0, 2.0], [d, 2.0]), erf(d / (2 * np.sqrt(2) * 2)), rtol=1e-13
        )
    for s1, s2 in [(1.5, 1.0), (1.0 + 1e-9, 1.0), (50.0, 1.0)]:
        c = np.sqrt(2 * s1**2 * s2**2 * np.log(s1 / s2) / (s1**2 - s2**2))
        ref = erf(c / s2 / np.sqrt(2)) - erf(c / s1 / np.sqrt(2))
        np.testing.assert_allclose(F.total_variation([0.0, s1], [0.0, s2]), ref, rtol=1e-7)
    # σ ratio 1 + 1e-9: the series TV ≈ ε √(2/(πe)) (first order in ε = σ₁/σ₂ − 1)
    s = 1.0 + 1e-9
    eps = s - 1.0  # exactly representable
    np.testing.assert_allclose(
        F.total_variation([0.0, s], [0.0, 1.0]), eps * np.sqrt(2 / (np.pi * np.e)), rtol=1e-8
    )


@pytest.mark.parametrize("scale", [1e-300, 1e-100, 1.0, 1e100, 1e300])
def test_total_variation_is_scale_invariant(scale):
    """TV does not change under x → s x: Normal (μ, σ) and Gamma / Exponential rates."""
    N, G, E = ig.Normal(), ig.Gamma(), ig.Exponential()
    np.testing.assert_allclose(
        N.total_variation([0.3 * scale, 0.8 * scale], [-scale, 1.5 * scale]),
        N.total_variation([0.3, 0.8], [-1.0, 1.5]),
        rtol=1e-12,
    )
    np.testing.assert_allclose(
        G.total_variation([0.3, 1.0 / scale], [5.0, 2.0 / scale]),
        G.total_variation([0.3, 1.0], [5.0, 2.0]),
        rtol=1e-10,
    )
    np.testing.assert_allclose(
        E.total_variation([2.5 / scale], [0.4 / scale]), E.total_variation([2.5], [0.4]), rtol=1e-12
    )


def test_extreme_pairs():
    N = ig.Normal()
    assert N.total_variation([0.0, 1.0], [0.0, 1.0]) == 0.0
    assert N.total_variation([0.0, 1.0], [1e4, 1.0]) == 1.0
    assert N.total_variation([-1e300, 1e-300], [1e300, 1e-300]) == 1.0
    G = ig.Gamma()
    # shape 1e-3: half the mass lies below the smallest double; tails from the series
    got = G.total_variation([1e-3, 1.0], [2e-3, 1.0])
    np.testing.assert_allclose(got, _tv_reference_gamma_small(1e-3, 2e-3), rtol=1e-9)
    # shape 1e-8: the densities cross at x = e^(−6.9e7)
    got = G.total_variation([1e-8, 1.0], [2e-8, 1.0])
    np.testing.assert_allclose(got, _tv_reference_gamma_small(1e-8, 2e-8), rtol=1e-7)
    P = ig.Poisson()
    np.testing.assert_allclose(
        P.total_variation([1e-4], [2e-4]), _poisson_sum(1e-4, 2e-4), rtol=1e-9
    )
    # Beta(ε, ε) against Beta(2ε, ε), ε → 0: in σ = −ε log x (or −ε log(1 − x)) both are
    # exponential clusters at 0 and 1 with masses ½, ½ and ⅓, ⅔; near 0 the rates differ
    # (½e^{−σ} against ⅔e^{−2σ}, ½∫|·| = 5/48), near 1 only the masses (1/12): TV = 9/48
    np.testing.assert_allclose(
        ig.Beta().total_variation([1e-6, 1e-6], [2e-6, 1e-6]), 9 / 48, rtol=1e-5
    )


def _poisson_sum(l1, l2):
    from scipy.stats import poisson

    x = np.arange(0, 200)
    return 0.5 * np.sum(np.abs(poisson.pmf(x, l1) - poisson.pmf(x, l2)))


def _tv_reference_gamma_small(a1, a2):
    """Gamma(a, 1) with tiny shapes: P(X ≤ y) = γ(a, y)/Γ(a). One crossing c (equal rates);
    TV = P₁(X ≤ c) − P₂(X ≤ c) from the series of the lower incomplete gamma function in
    log space, log γ(a, y) = a log y − log a + log Σₖ (−y)ᵏ a/((a + k) k!)."""
    from scipy.special import gammaln

    # log p₁ − log p₂ = (a₁ − a₂) log x − log Γ(a₁) + log Γ(a₂) = 0
    logc = (gammaln(a1) - gammaln(a2)) / (a1 - a2)
    y = np.exp(logc)

    def cdf(a):
        k = np.arange(60)
        terms = (-y) ** k * a / ((a + k) * np.exp(gammaln(k + 1)))
        return np.exp(a * logc - np.log(a) - gammaln(a) + np.log(np.sum(terms)))

    return abs(cdf(a1) - cdf(a2))


def test_batches_broadcast():
    for F in (ig.Normal(), ig.Gamma(), ig.Beta(), ig.Poisson(), ig.Categorical(3)):
        t1 = F.random_point(6, rng=0)
        t2 = F.random_point(6, rng=1)
        batch = F.total_variation(t1, t2)
        assert batch.shape == (6,)
        one = [F.total_variation(a, b) for a, b in zip(t1, t2)]
        np.testing.assert_allclose(batch, one, rtol=1e-13)
        assert F.total_variation(t1[0], t2).shape == (6,)


def _mc_tv(sample1, logp1, logp2):
    """E₁[(1 − p₂/p₁)₊] by Monte Carlo, with its standard error."""
    vals = np.maximum(0.0, -np.expm1(logp2(sample1) - logp1(sample1)))
    return vals.mean(), vals.std() / np.sqrt(vals.size)


def test_multivariate_normal_exact_cases_and_bracket():
    from scipy.stats import multivariate_normal as mvn

    M = ig.MultivariateNormal(2)
    # equal covariances: TV = erf(Δ/(2√2)), Δ the Mahalanobis distance of the means
    S = np.array([[2.0, 0.3], [0.3, 0.5]])
    t1, t2 = M.pack([0.0, 0.0], S), M.pack([1.0, -0.5], S)
    delta = np.sqrt(np.array([1.0, -0.5]) @ np.linalg.solve(S, [1.0, -0.5]))
    np.testing.assert_allclose(M.total_variation(t1, t2), erf(delta / (2 * np.sqrt(2))), rtol=1e-12)
    # d = 1 is the Normal family
    M1 = ig.MultivariateNormal(1)
    np.testing.assert_allclose(
        M1.total_variation([0.3, 0.64], [-1.0, 2.25]),
        ig.Normal().total_variation([0.3, 0.8], [-1.0, 1.5]),
        rtol=1e-12,
    )
    # product measures differing in one coordinate: exact too
    t1, t2 = M.pack([0.0, 0.0], np.diag([1.0, 2.0])), M.pack([0.0, 0.5], np.diag([1.0, 3.0]))
    np.testing.assert_allclose(
        M.total_variation(t1, t2),
        ig.Normal().total_variation([0.0, np.sqrt(2.0)], [0.5, np.sqrt(3.0)]),
        rtol=1e-12,
    )
    # a general pair: no closed form; a bracket that holds the Monte Carlo value, and the
    # value by Gil-Pelaez inversion against nested quadrature
    m2, S2 = np.array([1.0, 0.5]), np.array([[2.0, 0.3], [0.3, 0.5]])
    t1, t2 = M.pack([0.0, 0.0], np.eye(2)), M.pack(m2, S2)
    lo, hi = M.total_variation_bounds(t1, t2)
    x = np.random.default_rng(0).standard_normal((200_000, 2))
    est, se = _mc_tv(x, mvn(np.zeros(2), np.eye(2)).logpdf, mvn(m2, S2).logpdf)
    assert lo - 5 * se <= est <= hi + 5 * se and hi - lo < 0.2
    assert lo <= M.total_variation(t1, t2) <= hi
    m1, S1 = np.array([0.2, -1.0]), np.array([[0.3, -0.1], [-0.1, 0.2]])
    np.testing.assert_allclose(
        M.total_variation(M.pack(m1, S1), M.pack(m2, S2)),
        _tv_reference_mvn2(m1, S1, m2, S2),
        rtol=1e-8,
    )
    # bounds on a batch, pair by pair
    b = M.total_variation_bounds(M.random_point(4, rng=2), M.random_point(4, rng=3))
    assert b.lower.shape == (4,) and np.all((0 <= b.lower) & (b.lower <= b.upper) & (b.upper <= 1))


def _tv_reference_mvn2(m1, S1, m2, S2):
    """½∫∫|p₁ − p₂| for bivariate normals by nested quadrature: for each x₁ the
    log-ratio is a quadratic in x₂ (coefficients from three evaluations), the inner
    integral of (p₁ − p₂)₊ runs between its roots (numpy.roots), the outer one is quad."""
    P1, P2 = np.linalg.inv(S1), np.linalg.inv(S2)
    c1 = -0.5 * np.log(np.linalg.det(2 * np.pi * S1))
    c2 = -0.5 * np.log(np.linalg.det(2 * np.pi * S2))

    def logp(x1, x2, m, P, c):
        d0, d1 = x1 - m[0], x2 - m[1]
        return c - 0.5 * (P[0, 0] * d0 * d0 + 2 * P[0, 1] * d0 * d1 + P[1, 1] * d1 * d1)

    def diff(x1, x2):
        return np.exp(logp(x1, x2, m1, P1, c1)) - np.exp(logp(x1, x2, m2, P2, c2))

    def inner(x1):
        r = [logp(x1, y, m1, P1, c1) - logp(x1, y, m2, P2, c2) for y in (-1.0, 0.0, 1.0)]
        coef = [0.5 * (r[2] + r[0]) - r[1], 0.5 * (r[2] - r[0]), r[1]]
        roots = np.sort([z.real for z in np.roots(coef) if abs(z.imag) < 1e-12])
        edges = [-np.inf, *roots, np.inf]
        parts = [
            si.quad(lambda y: diff(x1, y), a, b, epsabs=1e-14, epsrel=1e-11)[0]
            for a, b in itertools.pairwise(edges)
        ]
        return sum(max(v, 0.0) for v in parts)

    val, _ = si.quad(inner, -np.inf, np.inf, epsabs=1e-12, epsrel=1e-10, limit=200)
    return val


def test_multivariate_normal_three_dimensions():
    """d = 3, a general pair: inside the bracket and within 5 standard errors of a
    4·10⁵-sample Monte Carlo estimate."""
    from scipy.stats import multivariate_normal as mvn

    M = ig.MultivariateNormal(3)
    a, b = M.random_point(2, rng=7)
    (ma, Sa), (mb, Sb) = (M.unpack(a), M.unpack(b))
    got = M.total_variation(a, b)
    lo, hi = M.total_variation_bounds(a, b)
    assert lo <= got <= hi
    x = np.random.default_rng(3).multivariate_normal(ma, Sa, 400_000)
    est, se = _mc_tv(x, mvn(ma, Sa).logpdf, mvn(mb, Sb).logpdf)
    assert abs(got - est) <= 5 * se


def test_multivariate_normal_extreme_pairs():
    M = ig.MultivariateNormal(2)
    far = M.total_variation(M.pack([0.0, 0.0], np.eye(2)), M.pack([40.0, 0.0], np.diag([2.0, 0.5])))
    assert far == 1.0
    # σ² = 1 ± 1e-6 in two directions: TV ≈ 3.2e-7, inside its bracket (absolute error ~1e-10)
    a, b = M.pack([0.0, 0.0], np.eye(2)), M.pack([0.0, 0.0], np.diag([1 + 1e-6, 1 - 1e-6]))
    lo, hi = M.total_variation_bounds(a, b)
    assert lo <= M.total_variation(a, b) <= hi
    # scales 1e-300: the same as at scale 1
    tiny = M.total_variation(
        M.pack([0.0, 0.0], np.diag([1e-300, 1e-300])),
        M.pack([1e-150, 0.0], np.diag([2e-300, 0.5e-300])),
    )
    one = M.total_variation(M.pack([0.0, 0.0], np.eye(2)), M.pack([1.0, 0.0], np.diag([2.0, 0.5])))
    np.testing.assert_allclose(tiny, one, rtol=1e-9)


def test_dirichlet_bracket_and_beta_case():
    from scipy.stats import dirichlet

    D2 = ig.Dirichlet(2)
    np.testing.assert_allclose(
        D2.total_variation([2.5, 1.3], [1.7, 3.0]),
        ig.Beta().total_variation([2.5, 1.3], [1.7, 3.0]),
        rtol=1e-14,
    )
    D3 = ig.Dirichlet(3)
    a, b = np.array([0.7, 2.0, 1.5]), np.array([1.5, 0.8, 2.5])
    lo, hi = D3.total_variation_bounds(a, b)
    got = D3.total_variation(a, b)
    assert lo <= got <= hi
    x = np.random.default_rng(1).dirichlet(a, 200_000)
    est, se = _mc_tv(x, lambda s: dirichlet(a).logpdf(s.T), lambda s: dirichlet(b).logpdf(s.T))
    assert lo - 5 * se <= est <= hi + 5 * se and abs(got - est) <= 5 * se
    D4 = ig.Dirichlet(4)
    with pytest.raises(NotImplementedError, match="total_variation_bounds"):
        D4.divergence([1.0, 2.0, 3.0, 1.0], [2.0, 2.0, 1.0, 1.0], "tv")
    lo, hi = D4.total_variation_bounds([1.0, 2.0, 3.0, 1.0], [2.0, 2.0, 1.0, 1.0])
    assert 0 < lo < hi < 1


def _tv_reference_dirichlet3(A, B):
    """½∬|p_A − p_B| over the simplex: x₁ outer (quad), x₂ inner split at the sign
    changes of the log-ratio (grid scan and brentq), densities from gammaln."""
    from scipy.special import gammaln

    def lp(x1, x2, a):
        x3 = 1 - x1 - x2
        norm = gammaln(a.sum()) - gammaln(a).sum()
        return norm + (a[0] - 1) * np.log(x1) + (a[1] - 1) * np.log(x2) + (a[2] - 1) * np.log(x3)

    def inner(x1):
        top = 1 - x1
        g = top / (1 + np.exp(-np.linspace(-40, 40, 2001)))

        def r(y):
            return lp(x1, y, A) - lp(x1, y, B)

        rg = r(g)
        idx = np.flatnonzero(np.sign(rg[1:]) * np.sign(rg[:-1]) < 0)
        edges = [0.0, *(so.brentq(r, g[i], g[i + 1], xtol=1e-15) for i in idx), top]
        return 0.5 * sum(
            abs(
                si.quad(
                    lambda y: np.exp(lp(x1, y, A)) - np.exp(lp(x1, y, B)),
                    lo,
                    hi,
                    epsabs=1e-14,
                    epsrel=1e-11,
                    limit=200,
                )[0]
            )
            for lo, hi in itertools.pairwise(edges)
        )

    return si.quad(inner, 0, 1, epsabs=1e-12, epsrel=1e-10, limit=200)[0]


def test_dirichlet3_against_nested_quadrature_and_marginals():
    D = ig.Dirichlet(3)
    a, b = np.array([1.0, 2.0, 3.0]), np.array([2.0, 2.0, 1.0])
    with np.errstate(all="ignore"):
        ref = _tv_reference_dirichlet3(a, b)
    np.testing.assert_allclose(D.total_variation(a, b), ref, rtol=1e-9)
    # only α₁ differs: (x₂, x₃)/(1 − x₁) has the same law under both, so TV is that of
    # the x₁ marginals Beta(α₁, α₂ + α₃), concentrated (α₀ = 600) and tiny (α₁ = 1e-3)
    B = ig.Beta()
    for x, y in [
        ([100.0, 200.0, 300.0], [101.0, 200.0, 300.0]),
        ([1e-3, 1.0, 1.0], [2e-3, 1.0, 1.0]),
    ]:
        np.testing.assert_allclose(
            D.total_variation(x, y),
            B.total_variation([x[0], x[1] + x[2]], [y[0], y[1] + y[2]]),
            rtol=1e-9,
        )
    assert D.total_variation(a, a) == 0.0


@pytest.mark.parametrize(
    "case",
    [0, 4, 7, 9, 12, 13, 16],  # Normal, Gamma ×2, Beta, Bernoulli, Binomial, Poisson
)
def test_parametric_family_by_quadrature(case):
    """A ParametricFamily copy (its own crossings and quadrature) against the closed form."""
    F, t1, t2 = PAIRS[case]
    P = ig.ParametricFamily(lambda x, t: F._log_prob(x, t), F.dim, F.support, bounds=F.bounds)
    np.testing.assert_allclose(P.total_variation(t1, t2), F.total_variation(t1, t2), rtol=1e-9)


def test_no_total_variation_for_vector_parametric_family():
    P = ig.ParametricFamily(
        lambda x, t: -0.5 * np.sum((x - t) ** 2, -1) - np.log(2 * np.pi), 2, ("vector", 2)
    )
    with pytest.raises(NotImplementedError, match="total variation"):
        P.total_variation([0.0, 0.0], [1.0, 0.0])

"""Total variation distance of the built-in families (see
:mod:`infogeo.statistics.total_variation` for the method).

Each function takes parameter arrays already broadcast to the batch and returns
``TV`` of the batch shape, exact up to rounding (closed forms in the distribution
functions at the crossing points of the densities).
"""

from __future__ import annotations

import itertools

import numpy as np
from scipy.special import (
    bdtr,
    bdtrc,
    betainc,
    betaln,
    expit,
    gammainc,
    gammaincc,
    gammaln,
    pdtr,
    pdtrc,
)

from ..total_variation import (
    TotalVariationBracket,
    bisect_crossing,
    cdf_difference,
    divergence_bounds,
    normal_interval,
    require_crossing,
    tv_from_crossings,
)

__all__ = [
    "tv_beta",
    "tv_binomial",
    "tv_categorical",
    "tv_dirichlet",
    "tv_dirichlet_bounds",
    "tv_exponential",
    "tv_gamma",
    "tv_geometric",
    "tv_mvn",
    "tv_mvn_bounds",
    "tv_normal",
    "tv_poisson",
]


def tv_normal(mu1, s1, mu2, s2):
    """Normal pairs: ``log p₁ − log p₂`` is quadratic in ``x``. With ``s₁ ≥ s₂`` (TV is
    symmetric), ``τ = s₂/s₁``, ``δ = (μ₂ − μ₁)/s₂`` and ``u = (x − μ₁)/s₂`` it reads
    ``a u² − δ u + δ²/2 − log(1/τ)``, ``a = ½(1 − τ)(1 + τ)``, whose discriminant
    ``δ²τ² + 2(1 − τ²) log(1/τ)`` is a sum of non-negative terms (two real crossings, or
    the midpoint when ``τ = 1``); ``D(c) = Φ(z₁) − Φ(z₂)`` by :func:`normal_interval`."""
    swap = s1 < s2
    mu1, mu2 = np.where(swap, mu2, mu1), np.where(swap, mu1, mu2)
    s1, s2 = np.where(swap, s2, s1), np.where(swap, s1, s2)
    with np.errstate(all="ignore"):
        tau = s2 / s1
        delta = (mu2 - mu1) / s2
        omt = (s1 - s2) / s1  # 1 − τ without the rounding of τ
        a = 0.5 * omt * (1.0 + tau)
        log_rho = -np.log1p((s2 - s1) / s1)  # log(s1/s2) ≥ 0
        c = 0.5 * delta * delta - log_rho
        disc = delta * delta * tau * tau + 4.0 * a * log_rho
        q = 0.5 * (delta + np.where(delta >= 0, 1.0, -1.0) * np.sqrt(disc))
        r1 = np.where(a == 0, 0.5 * delta, c / q)  # the root near the modes
        r2 = np.where(a == 0, np.nan, q / a)  # the other one (±inf as τ → 1)

        def D(u):
            return normal_interval(u - delta, u * tau)  # Φ(z₁) − Φ(z₂)

        tv = tv_from_crossings(D(r1), D(r2))
    same = (mu1 == mu2) & (s1 == s2)
    split = ~np.isfinite(delta)  # |μ₁ − μ₂| / s overflows: disjoint to rounding
    return np.where(same, 0.0, np.where(split, 1.0, tv))


def tv_exponential(l1, l2):
    """Crossing ``c = log(λ₁/λ₂)/(λ₁ − λ₂)``; ``TV = |e^{−λ₂c} − e^{−λ₁c}|``, evaluated as
    ``e^{−λ₂c}·|expm1(−(λ₁ − λ₂)c)|``."""
    d = l1 - l2
    with np.errstate(all="ignore"):
        c = np.log1p(d / l2) / d
        tv = np.exp(-l2 * c) * np.abs(np.expm1(-d * c))
    return np.where(d == 0, 0.0, tv)


def tv_geometric(p1, p2):
    """Crossing ``c = log(p₂/p₁)/log(q₁/q₂)`` (``q = 1 − p``), ``k = ⌊c⌋``; with
    ``P(X ≤ k) = 1 − q^{k+1}``: ``TV = |q₂^{k+1} − q₁^{k+1}|``."""
    l1, l2 = np.log1p(-p1), np.log1p(-p2)
    with np.errstate(all="ignore"):
        c = (np.log(p2) - np.log(p1)) / (l1 - l2)
        k1 = np.floor(c) + 1.0
        tv = np.exp(k1 * l2) * np.abs(np.expm1(k1 * (l1 - l2)))
    return np.where((p1 == p2) | ~(k1 >= 1), 0.0, tv)


def tv_poisson(l1, l2):
    """Crossing at the logarithmic mean ``c = (λ₁ − λ₂)/log(λ₁/λ₂)``; ``TV = |F₁(⌊c⌋) −
    F₂(⌊c⌋)|`` with the regularized incomplete gamma functions (``pdtr``/``pdtrc``)."""
    d = l1 - l2
    with np.errstate(all="ignore"):
        k = np.floor(d / np.log1p(d / l2))
        k = np.where(np.isfinite(k) & (k >= 0), k, 0.0)
        D = cdf_difference(pdtr(k, l1), pdtr(k, l2), pdtrc(k, l1), pdtrc(k, l2))
    return np.where(d == 0, 0.0, np.abs(D))


def tv_binomial(n, p1, p2):
    """``log p₁ − log p₂ = x (logit p₁ − logit p₂) + n log(q₁/q₂)``: one crossing ``c``;
    ``TV = |F₁(⌊c⌋) − F₂(⌊c⌋)|`` (``bdtr``/``bdtrc``)."""
    with np.errstate(all="ignore"):
        L = (np.log(p1) - np.log1p(-p1)) - (np.log(p2) - np.log1p(-p2))
        c = -n * (np.log1p(-p1) - np.log1p(-p2)) / L
        k = np.clip(np.floor(c), 0.0, n)
        D = cdf_difference(bdtr(k, n, p1), bdtr(k, n, p2), bdtrc(k, n, p1), bdtrc(k, n, p2))
    return np.where(p1 == p2, 0.0, np.abs(D))


def tv_categorical(probs1, probs2):
    """``½ Σᵢ |p₁ᵢ − p₂ᵢ|`` (a finite sum)."""
    return 0.5 * np.sum(np.abs(probs1 - probs2), -1)


def _log_cdf_tail_gamma(a, b, u):
    """``log P(X ≤ e^u)`` for ``X ~ Gamma(a, b)`` when ``b e^u`` underflows:
    ``(a(u + log b)) − log Γ(a + 1)`` (leading term of the series, relative error
    ``O(b e^u)``)."""
    return a * (u + np.log(b)) - gammaln(a + 1.0)


def _gamma_cdf(a, b, u):
    """``(F(e^u), 1 − F(e^u))`` of ``Gamma(a, b)`` (shape, rate), valid for ``u`` below
    the smallest double's logarithm too."""
    with np.errstate(all="ignore"):
        y = b * np.exp(u)
        tiny = ~(y > 1e-300)
        cdf = np.where(tiny, np.exp(_log_cdf_tail_gamma(a, b, u)), gammainc(a, y))
        sf = np.where(tiny, -np.expm1(_log_cdf_tail_gamma(a, b, u)), gammaincc(a, y))
    return cdf, sf


def tv_gamma(a1, b1, a2, b2):
    """In ``u = log x``: ``r(u) = Δa u − Δb eᵘ + C`` (``Δa = a₁ − a₂``, ``Δb = b₁ − b₂``) has
    its one stationary point at ``eᵘ = Δa/Δb`` (when positive), so at most one crossing
    on each side of it, found by :func:`bisect_crossing`; ``D`` from the regularized
    incomplete gamma functions."""
    da, db = a1 - a2, b1 - b2
    C = a1 * np.log(b1) - gammaln(a1) - a2 * np.log(b2) + gammaln(a2)

    def r(u):
        e = np.where(db == 0, 0.0, db * np.exp(np.minimum(u, 700.0)))
        return da * u - e + C

    with np.errstate(all="ignore"):
        stat = np.log(da / db)
        mid = 0.5 * (np.log(a1 / b1) + np.log(a2 / b2))
        split = np.where(np.isfinite(stat), stat, mid)
    return _tv_two_crossings(
        r, split, _gamma_cdf, (a1, b1), (a2, b2), (da != 0) | (db != 0), "Gamma"
    )


def _tv_two_crossings(r, split, cdf, params1, params2, differ, name):
    """TV of a two-parameter family whose log-density ratio ``r`` (in the transformed
    variable ``u``) has at most one crossing on each side of ``split``: the crossings by
    :func:`bisect_crossing`, then :func:`tv_from_crossings` of the differences of the
    distribution functions ``cdf(*params, u) -> (F, 1 − F)`` there; 0 where the two
    distributions are the same (``differ`` False)."""
    roots = [bisect_crossing(r, split, side) for side in (-1, 1)]
    require_crossing(roots, differ, name)

    def D(u):
        c1, s1 = cdf(*params1, u)
        c2, s2 = cdf(*params2, u)
        return np.where(np.isnan(u), 0.0, cdf_difference(c1, c2, s1, s2))

    return np.where(differ, tv_from_crossings(D(roots[0]), D(roots[1])), 0.0)


def _beta_cdf(a, b, u):
    """``(F(x), 1 − F(x))`` of ``Beta(a, b)`` at ``x = expit(u)`` (``1 − x = expit(−u)``,
    no rounding of ``1 − x``); tails beyond ``x < 1e-300`` by the leading series term
    ``xᵃ / (a B(a, b))``."""
    with np.errstate(all="ignore"):
        x, y = expit(u), expit(-u)
        log_lo = a * (-np.logaddexp(0.0, -u)) - np.log(a) - betaln(a, b)
        log_hi = b * (-np.logaddexp(0.0, u)) - np.log(b) - betaln(a, b)
        cdf = np.where(x < 1e-300, np.exp(log_lo), betainc(a, b, x))
        sf = np.where(y < 1e-300, np.exp(log_hi), betainc(b, a, y))
        cdf = np.where(y < 1e-300, -np.expm1(log_hi), cdf)
        sf = np.where(x < 1e-300, -np.expm1(log_lo), sf)
    return cdf, sf


def tv_beta(a1, b1, a2, b2):
    """In ``u = logit x``: ``r(u) = −Δa log(1 + e^{−u}) − Δb log(1 + eᵘ) + C`` has its one
    stationary point at ``u = log(Δa/Δb)`` (when positive); crossings by
    :func:`bisect_crossing`, ``D`` from the regularized incomplete beta function."""
    da, db = a1 - a2, b1 - b2
    C = betaln(a2, b2) - betaln(a1, b1)

    def r(u):
        return -da * np.logaddexp(0.0, -u) - db * np.logaddexp(0.0, u) + C

    with np.errstate(all="ignore"):
        stat = np.log(da / db)
        m1, m2 = a1 / (a1 + b1), a2 / (a2 + b2)
        mid = 0.5 * (np.log(m1 / (1 - m1)) + np.log(m2 / (1 - m2)))
        split = np.where(np.isfinite(stat), stat, mid)
    return _tv_two_crossings(r, split, _beta_cdf, (a1, b1), (a2, b2), (da != 0) | (db != 0), "Beta")


def _mvn_whitened(family, t1, t2):
    """Means ``m₁``, ``m₂`` and variances ``λ`` after simultaneous diagonalization:
    ``Wᵀ Σ₁ W = I``, ``Wᵀ Σ₂ W = diag λ`` (``W = L⁻ᵀV``, ``Σ₁ = LLᵀ``, ``L⁻¹Σ₂L⁻ᵀ = VΛVᵀ``)."""
    d = family.d
    mu1, S1 = t1[..., :d], family._cov(np.ascontiguousarray(t1))
    mu2, S2 = t2[..., :d], family._cov(np.ascontiguousarray(t2))
    L = np.linalg.cholesky(S1)
    Li = np.linalg.solve(L, np.broadcast_to(np.eye(d), S1.shape))
    M = Li @ S2 @ np.swapaxes(Li, -1, -2)
    lam, V = np.linalg.eigh(0.5 * (M + np.swapaxes(M, -1, -2)))
    W = np.swapaxes(Li, -1, -2) @ V
    m1 = np.einsum("...ij,...i->...j", W, mu1)
    m2 = np.einsum("...ij,...i->...j", W, mu2)
    return m1, m2, lam


def tv_mvn(family, t1, t2):
    """Multivariate normals: the closed cases of :func:`tv_mvn_bounds` exactly, the other
    pairs by :func:`tv_mvn_inversion` (about 0.5 s each), accepted when the quadrature's
    error estimate is below 1e-8 and the value lies in the certified bracket.

    Raises
    ------
    ConvergenceError
        Otherwise.
    """
    from ...exceptions import ConvergenceError

    batch = np.broadcast_shapes(t1.shape[:-1], t2.shape[:-1])
    t1 = np.broadcast_to(t1, (*batch, family.dim))
    t2 = np.broadcast_to(t2, (*batch, family.dim))
    lower, upper = tv_mvn_bounds(family, t1, t2)
    out = np.array(0.5 * (lower + upper), dtype=float)
    loose = upper - lower > 4 * np.finfo(float).eps * np.maximum(upper, 1e-300)
    if np.any(loose):
        m1, m2, lam = _mvn_whitened(family, t1, t2)
        for idx in zip(*np.nonzero(loose)) if batch else [()]:
            with np.errstate(all="ignore"):
                tv, err = tv_mvn_inversion(m1[idx], m2[idx], lam[idx])
            slack = max(err, 1e-12)
            if not (err <= 1e-8 and lower[idx] - slack <= tv <= upper[idx] + slack):
                raise ConvergenceError(
                    f"total variation of MultivariateNormal pair {list(idx)} by Gil-Pelaez "
                    f"inversion: {tv:.12g} (error estimate {err:.2g}) is not certified by the "
                    f"bracket [{lower[idx]:.12g}, {upper[idx]:.12g}]; use "
                    "total_variation_bounds",
                    residual=float(err),
                    tolerance=1e-8,
                )
            out[idx] = min(max(tv, lower[idx]), upper[idx])
    return out


def tv_mvn_bounds(family, t1, t2) -> TotalVariationBracket:
    """Multivariate normals. Simultaneous diagonalization ``Wᵀ Σ₁ W = I``,
    ``Wᵀ Σ₂ W = Λ`` makes both product measures of univariate normals
    ``N(m₁ⱼ, 1)``, ``N(m₂ⱼ, λⱼ)``, with exact ``TVⱼ`` (:func:`tv_normal`):
    ``maxⱼ TVⱼ ≤ TV ≤ 1 − Πⱼ(1 − TVⱼ)`` (data processing; product coupling), also the
    projection on the whitened mean difference below, and
    :func:`~infogeo.statistics.total_variation.divergence_bounds`. Equal covariances
    are exact: ``TV = 2Φ(Δ/2) − 1`` with ``Δ`` the Mahalanobis distance of the means."""
    d = family.d
    batch = np.broadcast_shapes(t1.shape[:-1], t2.shape[:-1])
    t1 = np.broadcast_to(t1, (*batch, family.dim))
    t2 = np.broadcast_to(t2, (*batch, family.dim))
    m1, m2, lam = _mvn_whitened(family, t1, t2)
    tvj = tv_normal(m1, np.ones_like(m1), m2, np.sqrt(lam))
    lower = np.max(tvj, -1)
    with np.errstate(divide="ignore"):  # a coordinate with TV = 1 makes the product 0
        upper = -np.expm1(np.sum(np.log1p(-np.minimum(tvj, 1.0)), -1))
    # projection of both on the whitened mean difference e: N(eᵀm₁, 1), N(eᵀm₂, eᵀΛe)
    dm = m2 - m1
    norm = np.linalg.norm(dm, axis=-1)
    e = dm / np.where(norm > 0, norm, 1.0)[..., None]
    proj = tv_normal(np.zeros(batch), np.ones(batch), norm, np.sqrt(np.sum(e * e * lam, -1)))
    lower = np.maximum(lower, np.where(norm > 0, proj, 0.0))
    # equal covariances: the log-likelihood ratio is linear, TV = erf(Δ / (2√2))
    equal = np.all(t1[..., d:] == t2[..., d:], -1)
    if np.any(equal):
        exact = tv_normal(np.zeros(batch), np.ones(batch), norm, np.ones(batch))
        lower = np.where(equal, exact, lower)
        upper = np.where(equal, exact, upper)
    gen = divergence_bounds(family, t1, t2)
    lower = np.maximum(lower, np.where(equal, lower, gen.lower))
    upper = np.minimum(upper, np.where(equal, upper, gen.upper))
    return TotalVariationBracket(lower, np.maximum(upper, lower))


def tv_dirichlet_bounds(family, t1, t2) -> TotalVariationBracket:
    """Dirichlet pairs: each marginal ``xᵢ ~ Beta(αᵢ, α₀ − αᵢ)`` has an exact TV
    (:func:`tv_beta`), the largest bounds TV below (data processing; exact for
    ``k = 2``), and :func:`~infogeo.statistics.total_variation.divergence_bounds`."""
    batch = np.broadcast_shapes(t1.shape[:-1], t2.shape[:-1])
    a1 = np.broadcast_to(t1, (*batch, family.dim))
    a2 = np.broadcast_to(t2, (*batch, family.dim))
    s1, s2 = a1.sum(-1, keepdims=True), a2.sum(-1, keepdims=True)
    marg = tv_beta(a1, s1 - a1, a2, s2 - a2)
    lower = np.max(marg, -1)
    if family.dim == 2:
        return TotalVariationBracket(lower, lower.copy())
    gen = divergence_bounds(family, a1, a2)
    lower = np.maximum(lower, gen.lower)
    return TotalVariationBracket(lower, np.maximum(gen.upper, lower))


def _gil_pelaez_difference(forms):
    """``P(Q₁ > 0) − P(Q₂ > 0)`` and the quadrature's error estimate, for two quadratic
    forms ``Q = Σⱼ aⱼzⱼ² + bⱼzⱼ + c`` in standard normal ``z`` (``forms = ((a, b, c),
    (a, b, c))``), by Gil-Pelaez inversion of their characteristic functions

        ``φ(t) = e^{itc} Πⱼ (1 − 2iaⱼt)^{−1/2} exp(−bⱼ²t² / (2(1 − 2iaⱼt)))``,
        ``P(Q > 0) = ½ + (1/π) ∫₀^∞ Im φ(t) / t dt``.

    ``[0, T]``: the difference ``Im(φ₁ − φ₂)/t`` in one adaptive Gauss–Kronrod integral
    (no cancellation between two probabilities near ½); the tails ``[T, ∞)``, where
    ``φ(t) ≈ e^{iωt}·`` (slowly varying) with ``ω = c − Σ_{aⱼ≠0} bⱼ²/(4aⱼ)``, each by
    QUADPACK's Fourier-integral rule (QAWF) on the slowly varying part.
    """
    from scipy.integrate import quad

    def logphi(t, a, b, c):
        den = 1.0 - 2j * a * t
        return 1j * t * c - 0.5 * np.sum(np.log(den)) - np.sum(b * b * t * t / (2.0 * den))

    (a1, b1, c1), (a2, b2, c2) = forms

    def head(t):
        return (np.exp(logphi(t, a1, b1, c1)) - np.exp(logphi(t, a2, b2, c2))).imag / t

    nz = np.concatenate([a1[a1 != 0], a2[a2 != 0]])
    T = 40.0 / (float(np.min(np.abs(nz))) if nz.size else 1.0)
    total, err = 0.0, 0.0
    edges = np.concatenate([[0.0], T * np.geomspace(1e-6, 1.0, 13)])
    for lo, hi in itertools.pairwise(edges):
        v, e = quad(head, lo, hi, limit=400, epsabs=1e-15, epsrel=1e-12)
        total, err = total + v, err + e
    for sign, (a, b, c) in ((1.0, forms[0]), (-1.0, forms[1])):
        nza = a != 0
        omega = float(c - np.sum(b[nza] ** 2 / (4.0 * a[nza])))

        def slow(t, a=a, b=b, c=c, omega=omega):  # φ(t) e^{−iωt} / t
            return np.exp(logphi(t, a, b, c) - 1j * omega * t) / t

        w = abs(omega)
        if w * T < 1e-8:  # no oscillation: the integrand decays like t^{−1−k/2}
            v, e = quad(lambda t, f=slow: f(t).imag, T, np.inf, limit=400, epsabs=1e-15)
        else:  # Im[e^{iωt} s] = sin(ωt) Re s + cos(ωt) Im s
            sgn = 1.0 if omega > 0 else -1.0
            v1, e1 = quad(lambda t, f=slow: f(t).real, T, np.inf, weight="sin", wvar=w)
            v2, e2 = quad(lambda t, f=slow: f(t).imag, T, np.inf, weight="cos", wvar=w)
            v, e = sgn * v1 + v2, e1 + e2
        total, err = total + sign * v, err + e
    return total / np.pi, err / np.pi


def tv_mvn_inversion(m1, m2, lam):
    """TV of ``N(m₁, I)`` and ``N(m₂, diag λ)`` (whitened coordinates) as
    ``P₁(r > 0) − P₂(r > 0)``, ``r = log p₁ − log p₂`` a quadratic form in standard normal
    variables under either distribution (:func:`_gil_pelaez_difference`).
    Returns ``(TV, error estimate)`` for one pair."""
    d = m1 - m2
    half_logdet = 0.5 * np.sum(np.log(lam))
    under_p1 = (0.5 * (1.0 / lam - 1.0), d / lam, np.sum(d * d / (2 * lam)) + half_logdet)
    under_p2 = (0.5 * (1.0 - lam), d * np.sqrt(lam), -0.5 * np.sum(d * d) + half_logdet)
    return _gil_pelaez_difference((under_p1, under_p2))


_GL_PAIR = (np.polynomial.legendre.leggauss(10), np.polynomial.legendre.leggauss(20))


def adaptive_gauss(f, edges, *, tol: float = 1e-12, max_panels: int = 20_000):
    """``∫ f`` over the union of ``[edges[i], edges[i+1]]`` by adaptive panels, all panels'
    nodes in one vectorized call of ``f`` per refinement: a panel is accepted when its 10-
    and 20-point Gauss–Legendre values differ by less than ``tol·width/total width``
    (absolute), else halved. Returns ``(value, error estimate)``.

    Raises
    ------
    ConvergenceError
        If more than ``max_panels`` panels would be needed.
    """
    from ...exceptions import ConvergenceError

    (x10, w10), (x20, w20) = _GL_PAIR
    lo, hi = np.asarray(edges[:-1], dtype=float), np.asarray(edges[1:], dtype=float)
    keep = hi > lo
    lo, hi = lo[keep], hi[keep]
    span = float(np.sum(hi - lo))
    total, err = 0.0, 0.0
    while lo.size:
        if lo.size > max_panels:
            raise ConvergenceError(
                f"adaptive quadrature needs more than {max_panels} panels",
                residual=err,
                tolerance=tol,
            )
        half, mid = 0.5 * (hi - lo), 0.5 * (hi + lo)
        nodes = np.concatenate(
            [mid[:, None] + half[:, None] * x10, mid[:, None] + half[:, None] * x20], 1
        )
        vals = f(nodes.ravel()).reshape(nodes.shape)
        g10 = half * (vals[:, :10] @ w10)
        g20 = half * (vals[:, 10:] @ w20)
        diff = np.abs(g20 - g10)
        done = diff <= tol * (hi - lo) / span
        total += float(np.sum(g20[done]))
        err += float(np.sum(diff[done]))
        lo, hi = lo[~done], hi[~done]
        m = 0.5 * (lo + hi)
        lo, hi = np.concatenate([lo, m]), np.concatenate([m, hi])
    return total, err


def _logit_beta_logratio(da, db, C):
    """``R(u) = −Δa log(1 + e^{−u}) − Δb log(1 + eᵘ) + C`` (the log-ratio of two Beta
    densities at ``x = expit(u)``), its stationary point (NaN if none) and its critical
    values (stationary value; finite end limits when a coefficient is 0)."""

    def R(u):
        return -da * np.logaddexp(0.0, -u) - db * np.logaddexp(0.0, u) + C

    with np.errstate(all="ignore"):
        stat = np.log(da / db) if da * db > 0 else np.nan
    crit = []
    if np.isfinite(stat):
        crit.append(float(R(stat)))
    if da == 0 or db == 0:
        crit.append(float(C))  # the limit at the end whose coefficient vanishes
    return R, stat, crit


def tv_dirichlet3(A, B):
    """TV of two Dirichlet distributions with k = 3 (one pair), ``(value, error)``.

    With ``s = x₁`` and ``y = x₂/(1 − x₁)``: ``s ~ Beta(α₁, α₂ + α₃)`` and, given ``s``,
    ``y ~ Beta(α₂, α₃)``; the log-likelihood ratio separates, ``r = R₁(s) + R₂(y)``. For
    each ``s`` the set ``{y : R₂(y) > −R₁(s)}`` is bounded by at most two crossings
    (:func:`bisect_crossing`, vectorized over all ``s`` nodes), and the inner integral
    of ``(p₁ − p₂)₊`` is ``f_A(s) P_A(S) − f_B(s) P_B(S)`` with Beta distribution
    functions. The outer integral in ``u = logit s`` is :func:`adaptive_gauss`, split
    where the number of crossings changes (where ``R₁(s)`` meets a critical value of
    ``−R₂``) so that every piece is smooth, and truncated where both weights are below
    1e-18 of their peaks.
    """
    a1, a23 = A[0], A[1] + A[2]
    b1, b23 = B[0], B[1] + B[2]
    R1, stat1, _ = _logit_beta_logratio(a1 - b1, a23 - b23, betaln(b1, b23) - betaln(a1, a23))
    R2, stat2, crit2 = _logit_beta_logratio(
        A[1] - B[1], A[2] - B[2], betaln(B[1], B[2]) - betaln(A[1], A[2])
    )
    # range of u = logit s: where both weights s(1 − s)·f(s) (log-concave in u) are above
    # e^{−45} of their peaks
    modes = [np.log(a1 / a23), np.log(b1 / b23)]
    ends = []
    for (x, y), m in zip(((a1, a23), (b1, b23)), modes):

        def logw(u, x=x, y=y, m=m):
            return (
                -x * (np.logaddexp(0.0, -u) - np.logaddexp(0.0, -m))
                - y * (np.logaddexp(0.0, u) - np.logaddexp(0.0, m))
                + 45.0
            )

        ends += [float(bisect_crossing(logw, np.array(m), side, max_expand=24)) for side in (-1, 1)]
    if not np.all(np.isfinite(ends)):
        from ...exceptions import ConvergenceError

        raise ConvergenceError(
            f"total variation of Dirichlet({A}, {B}): the range of the outer integral was not found"
        )
    u_lo, u_hi = min(ends), max(ends)
    split1 = stat1 if np.isfinite(stat1) else 0.5 * sum(modes)
    breaks = []
    for c in crit2:  # R₁(u) = −c
        for side in (-1, 1):
            root = bisect_crossing(lambda u, c=c: R1(u) + c, np.array(split1), side)
            if np.isfinite(root):
                breaks.append(float(root))
    edges = np.unique(np.clip([u_lo, *breaks, *modes, u_hi], u_lo, u_hi))

    v_split = stat2 if np.isfinite(stat2) else 0.0

    def inner(u):
        level = R1(u)

        def g(v):
            return R2(v) + level

        roots = [bisect_crossing(g, np.full(u.shape, v_split), side) for side in (-1, 1)]
        pts = np.sort(np.stack([np.where(np.isnan(r), -np.inf, r) for r in roots], -1), -1)
        ends = np.concatenate([np.full((u.size, 1), -np.inf), pts, np.full((u.size, 1), np.inf)], 1)
        left, right = ends[:, :-1], ends[:, 1:]
        with np.errstate(all="ignore"):
            probe = np.where(
                np.isfinite(left) & np.isfinite(right),
                0.5 * (left + right),
                np.where(
                    np.isfinite(left), left + 1.0, np.where(np.isfinite(right), right - 1.0, 0.0)
                ),
            )
            inside = (R2(probe) + level[:, None] > 0) & (right > left)

        def mass(p, q):  # P(y ∈ S) under Beta(p, q)
            cl, _ = _beta_cdf(p, q, left)
            cr, _ = _beta_cdf(p, q, right)
            return np.sum(np.where(inside, np.nan_to_num(cr - cl), 0.0), -1)

        def weight(x, y):  # s(1 − s)·Beta(x, y) density at s = expit(u)
            return np.exp(-x * np.logaddexp(0.0, -u) - y * np.logaddexp(0.0, u) - betaln(x, y))

        return weight(a1, a23) * mass(A[1], A[2]) - weight(b1, b23) * mass(B[1], B[2])

    return adaptive_gauss(inner, edges)


def tv_dirichlet(family, t1, t2):
    """Dirichlet TV: exact (:func:`tv_beta`) for k = 2, :func:`tv_dirichlet3` for k = 3
    (accepted when its error estimate is below 1e-10 and it lies in the certified
    bracket, else ``ConvergenceError``), ``None`` for k ≥ 4 (bracket only)."""
    from ...exceptions import ConvergenceError

    if family.dim == 2:
        return tv_dirichlet_bounds(family, t1, t2).lower
    if family.dim != 3:
        return None
    batch = np.broadcast_shapes(t1.shape[:-1], t2.shape[:-1])
    A = np.broadcast_to(t1, (*batch, 3))
    B = np.broadcast_to(t2, (*batch, 3))
    lower, upper = tv_dirichlet_bounds(family, A, B)
    out = np.empty(batch)
    for idx in np.ndindex(*batch):
        if np.array_equal(A[idx], B[idx]):
            out[idx] = 0.0
            continue
        with np.errstate(all="ignore"):
            tv, err = tv_dirichlet3(A[idx], B[idx])
        slack = max(err, 1e-12)
        if not (err <= 1e-10 and lower[idx] - slack <= tv <= upper[idx] + slack):
            raise ConvergenceError(
                f"total variation of Dirichlet pair {list(idx)}: {tv:.12g} (error estimate "
                f"{err:.2g}) is not certified by the bracket [{lower[idx]:.12g}, "
                f"{upper[idx]:.12g}]; use total_variation_bounds",
                residual=float(err),
                tolerance=1e-10,
            )
        out[idx] = min(max(tv, lower[idx]), upper[idx])
    return out

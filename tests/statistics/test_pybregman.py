"""infogeo's exponential-family structure and divergences against pyBregMan, a peer
library on Bregman manifolds (installed by ``make test``, see the Makefile).

pyBregMan covers the Gaussian (uni- and multivariate), Categorical and Multinomial
(Bernoulli, Binomial) families in natural (θ) and expectation (η) coordinates, with
Bregman, Jeffreys and skew Burbea–Rao divergences, the Chernoff point and the e- / m-
(Bregman) geodesics. Its conventions differ from ours: Gaussian ``t(x) = (x, −xxᵀ)``,
so ``θ₂ = ½Σ⁻¹`` (full matrix) and ``η₂ = −(Σ + μμᵀ)``; its dual generator drops the
constant of the negative entropy. The tests map between the conventions.
"""

from __future__ import annotations

import numpy as np
import pytest

import infogeo as ig

bregman = pytest.importorskip("bregman")

from bregman.application.distribution.exponential_family.categorical.categorical import (  # noqa: E402
    CategoricalManifold,
)
from bregman.application.distribution.exponential_family.gaussian.gaussian import (  # noqa: E402
    GaussianManifold,
)
from bregman.application.distribution.exponential_family.multinomial.multinomial import (  # noqa: E402
    MultinomialManifold,
)
from bregman.base import ETA_COORDS, LAMBDA_COORDS, THETA_COORDS, DualCoords, Point  # noqa: E402
from bregman.dissimilarity.bregman import (  # noqa: E402
    BregmanDivergence,
    ChernoffInformation,
    JeffreysDivergence,
    SkewBurbeaRaoDivergence,
)
from bregman.manifold.geodesic import BregmanGeodesic  # noqa: E402


def _lambda(F, theta):
    """pyBregMan's ``λ`` (display) coordinates of one of our points."""
    theta = np.asarray(theta, dtype=float)
    if isinstance(F, ig.Normal):
        return np.array([theta[0], theta[1] ** 2])
    if isinstance(F, ig.MultivariateNormal):
        mean, cov = F.unpack(theta)
        return np.concatenate([mean, cov.ravel()])
    if isinstance(F, ig.Categorical):
        return np.append(theta, 1.0 - theta.sum())
    return np.array([theta[0], 1.0 - theta[0]])  # Binomial / Bernoulli: (p, 1 − p)


def _from_lambda(F, lam):
    if isinstance(F, ig.Normal):
        return np.array([lam[0], np.sqrt(lam[1])])
    if isinstance(F, ig.MultivariateNormal):
        d = F.d
        return F.pack(lam[:d], lam[d:].reshape(d, d))
    return lam[:-1]


def _manifold(F):
    if isinstance(F, ig.Normal):
        return GaussianManifold(1)
    if isinstance(F, ig.MultivariateNormal):
        return GaussianManifold(F.d)
    if isinstance(F, ig.Categorical):
        return CategoricalManifold(F.k)
    return MultinomialManifold(2, F.n)


FAMILIES = {
    "normal": ig.Normal(),
    "mvn2": ig.MultivariateNormal(2),
    "mvn3": ig.MultivariateNormal(3),
    "categorical": ig.Categorical(5),
    "bernoulli": ig.Bernoulli(),
    "binomial": ig.Binomial(7),
}


def _pairs(name, n=3):
    F = FAMILIES[name]
    return F, F.random_point(n, rng=11), F.random_point(n, rng=12)


def _points(F, M, theta):
    return [Point(LAMBDA_COORDS, _lambda(F, t)) for t in theta]


def _mvn_natural_to_ours(F, theta_pbm):
    """pyBregMan's (Σ⁻¹μ, ½Σ⁻¹) → ours (Σ⁻¹μ, Λ): Λᵢᵢ = −(½Σ⁻¹)ᵢᵢ, Λᵢⱼ = −2(½Σ⁻¹)ᵢⱼ (i > j)."""
    d = F.d
    half = theta_pbm[d:].reshape(d, d)
    rows, cols = np.tril_indices(d)
    lam = np.where(rows == cols, -1.0, -2.0) * half[rows, cols]
    return np.concatenate([theta_pbm[:d], lam])


def _mvn_expectation_to_ours(F, eta_pbm):
    d = F.d
    second = -eta_pbm[d:].reshape(d, d)
    rows, cols = np.tril_indices(d)
    return np.concatenate([eta_pbm[:d], second[rows, cols]])


@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_coordinates_and_log_partition(name):
    F, th, _ = _pairs(name)
    M = _manifold(F)
    psi = M.bregman_generator(DualCoords.THETA)
    phi = M.bregman_generator(DualCoords.ETA)
    phis, psis = [], []
    for t, P in zip(th, _points(F, M, th)):
        nat = M.convert_coord(THETA_COORDS, P).data
        eta = M.convert_coord(ETA_COORDS, P).data
        if isinstance(F, ig.MultivariateNormal):
            ours_nat, ours_eta = _mvn_natural_to_ours(F, nat), _mvn_expectation_to_ours(F, eta)
        else:
            ours_nat, ours_eta = nat, eta
        np.testing.assert_allclose(F.natural(t), ours_nat, rtol=1e-11, atol=1e-13)
        np.testing.assert_allclose(F.expectation(t), ours_eta, rtol=1e-11, atol=1e-13)
        psis.append((F.log_partition(F.natural(t)), psi(nat)))
        # back from either coordinate system to ours
        lam = M.convert_coord(LAMBDA_COORDS, Point(THETA_COORDS, nat)).data
        np.testing.assert_allclose(F.from_natural(ours_nat), _from_lambda(F, lam), rtol=1e-10)
        np.testing.assert_allclose(F.from_expectation(ours_eta), t, rtol=1e-9)
        phis.append((F.neg_entropy(ours_eta), phi(eta)))
        if not isinstance(F, ig.MultivariateNormal):  # same coordinates: same Hessian
            np.testing.assert_allclose(F.natural_fisher(nat), psi.hess(nat), rtol=1e-10)
    psis = np.array(psis)
    if isinstance(F, ig.Binomial) and F.n > 1:  # its carrier measure has another constant
        psis -= psis[0]
    np.testing.assert_allclose(psis[:, 0], psis[:, 1], rtol=1e-11, atol=1e-13)
    # pyBregMan's dual generator is φ up to an additive constant
    phis = np.array(phis)
    np.testing.assert_allclose(phis[:, 0] - phis[0, 0], phis[:, 1] - phis[0, 1], atol=1e-10)


@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_divergences(name):
    F, th1, th2 = _pairs(name)
    M = _manifold(F)
    breg = BregmanDivergence(M, dcoords=DualCoords.THETA)
    jef = JeffreysDivergence(M)
    for t1, t2, P1, P2 in zip(th1, th2, _points(F, M, th1), _points(F, M, th2)):
        kl = breg(P2, P1)  # B_ψ(θ₂ : θ₁) = KL(p₁ ‖ p₂)
        np.testing.assert_allclose(F.kl(t1, t2), kl, rtol=1e-10)
        np.testing.assert_allclose(F.bregman(t1, t2), kl, rtol=1e-10)
        np.testing.assert_allclose(F.divergence(t1, t2, "jeffreys"), jef(P1, P2), rtol=1e-10)
        for a in (0.5, 0.2, 0.85):
            # a(1 − a) sBR_a(p₁ : p₂) = aψ(θ₁) + (1 − a)ψ(θ₂) − ψ(aθ₁ + (1 − a)θ₂) = J_a
            J = a * (1 - a) * SkewBurbeaRaoDivergence(M, a)(P1, P2)
            np.testing.assert_allclose(F.divergence(t1, t2, "chernoff", alpha=a), J, rtol=1e-10)
            np.testing.assert_allclose(
                F.divergence(t1, t2, "renyi", alpha=a), J / (1 - a), rtol=1e-10
            )
            np.testing.assert_allclose(
                F.divergence(t1, t2, "alpha", alpha=1 - 2 * a),
                4 / (1 - (1 - 2 * a) ** 2) * -np.expm1(-J),
                rtol=1e-10,
            )
        J = 0.25 * SkewBurbeaRaoDivergence(M, 0.5)(P1, P2)
        np.testing.assert_allclose(F.divergence(t1, t2, "bhattacharyya"), J, rtol=1e-10)
        np.testing.assert_allclose(
            F.divergence(t1, t2, "hellinger"), np.sqrt(-np.expm1(-J)), rtol=1e-10
        )


@pytest.mark.parametrize("name", ["normal", "mvn2", "categorical", "binomial"])
def test_chernoff_information(name):
    """pyBregMan's Chernoff point a* (bisection to 1e-12), with our J_{a*}: the maximum
    of J_a. (pyBregMan 0.1.1's ``ChernoffInformation`` itself returns sBR at 1 − a*,
    normalized by 1/(a(1 − a)); its Chernoff point and skew Burbea–Rao are right.)"""
    F, th1, th2 = _pairs(name, 2)
    M = _manifold(F)
    ci = ChernoffInformation(M)
    for t1, t2, P1, P2 in zip(th1, th2, _points(F, M, th1), _points(F, M, th2)):
        a = ci.chernoff_point(P1, P2, eps=1e-12)
        J = a * (1 - a) * SkewBurbeaRaoDivergence(M, a)(P1, P2)
        np.testing.assert_allclose(F.divergence(t1, t2, "chernoff"), J, rtol=1e-10)


@pytest.mark.parametrize("name", ["normal", "mvn2", "categorical", "binomial"])
@pytest.mark.parametrize("alpha", [1.0, -1.0])
def test_e_and_m_geodesics_are_bregman_geodesics(name, alpha):
    """α = 1: pyBregMan's geodesic flat in θ; α = −1: flat in η."""
    F, th1, th2 = _pairs(name, 1)
    M = _manifold(F)
    P1, P2 = _points(F, M, th1)[0], _points(F, M, th2)[0]
    geo = BregmanGeodesic(M, P1, P2, dcoords=DualCoords.THETA if alpha == 1 else DualCoords.ETA)
    ours = F.alpha_geodesic(th1[0], th2[0], alpha)
    for t in (0.2, 0.5, 0.9):
        lam = M.convert_coord(LAMBDA_COORDS, geo(t)).data
        np.testing.assert_allclose(ours(t), _from_lambda(F, lam), rtol=1e-9, atol=1e-12)

"""infogeo's statistical families against geomstats' information-geometry families.

Same distributions, two libraries: Fisher metrics must agree to rounding (both are
closed forms), and Fisher–Rao distances to geomstats' own accuracy:

* closed-form distances in geomstats (normal, Poisson, exponential, geometric, binomial,
  categorical): 1e-12 relative;
* numerical ones (Gamma, Beta, Dirichlet): geomstats solves the geodesic boundary-value
  problem with scipy's ``solve_bvp`` at its default residual tolerance 1e-3, which gives
  distances to a few 1e-5 relative on these pairs (its own exp∘log round trip misses by
  1e-3 to 1e-2), so the comparison uses rtol = 2e-4. infogeo's distances are 1e-9 accurate.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

os.environ.setdefault("GEOMSTATS_BACKEND", "numpy")

import infogeo as ig

pytest.importorskip("geomstats")
from geomstats.information_geometry.beta import BetaDistributions
from geomstats.information_geometry.binomial import BinomialDistributions
from geomstats.information_geometry.categorical import CategoricalDistributions
from geomstats.information_geometry.dirichlet import DirichletDistributions
from geomstats.information_geometry.exponential import ExponentialDistributions
from geomstats.information_geometry.gamma import GammaDistributions
from geomstats.information_geometry.geometric import GeometricDistributions
from geomstats.information_geometry.normal import NormalDistributions
from geomstats.information_geometry.poisson import PoissonDistributions

CLOSED_FORM_RTOL = 1e-12
GEOMSTATS_BVP_RTOL = 2e-4


def gamma_to_geomstats(theta):
    """infogeo (shape κ, rate β) -> geomstats standard coordinates (κ, κ/β)."""
    theta = np.asarray(theta, dtype=float)
    return np.stack([theta[..., 0], theta[..., 0] / theta[..., 1]], axis=-1)


def categorical_to_geomstats(theta):
    theta = np.asarray(theta, dtype=float)
    return np.append(theta, 1.0 - theta.sum())


def identity(theta):
    return np.asarray(theta, dtype=float)


CASES = {
    # name: (infogeo family, geomstats space, to geomstats coordinates, pairs, rtol)
    "normal": (
        lambda: ig.Normal(),
        lambda: NormalDistributions(1),
        identity,
        [([0.0, 1.0], [2.0, 0.5]), ([1.0, 2.0], [-1.0, 3.0]), ([0.0, 0.1], [0.0, 5.0])],
        CLOSED_FORM_RTOL,
    ),
    "poisson": (
        lambda: ig.Poisson(),
        lambda: PoissonDistributions(),
        identity,
        [([1.0], [4.0]), ([0.3], [2.2])],
        CLOSED_FORM_RTOL,
    ),
    "categorical": (
        lambda: ig.Categorical(3),
        lambda: CategoricalDistributions(2),
        categorical_to_geomstats,
        [([0.2, 0.3], [0.6, 0.1]), ([0.05, 0.9], [0.4, 0.3])],
        CLOSED_FORM_RTOL,
    ),
    "exponential": (
        lambda: ig.Exponential(),
        lambda: ExponentialDistributions(),
        identity,
        [([0.5], [2.0]), ([3.0], [0.1])],
        CLOSED_FORM_RTOL,
    ),
    # geomstats counts trials up to the first success (support 1, 2, ...), infogeo the
    # failures before it (0, 1, ...): a shift of the support, same Fisher metric.
    "geometric": (
        lambda: ig.Geometric(),
        lambda: GeometricDistributions(),
        identity,
        [([0.2], [0.6]), ([0.05], [0.9])],
        CLOSED_FORM_RTOL,
    ),
    "binomial": (
        lambda: ig.Binomial(10),
        lambda: BinomialDistributions(10),
        identity,
        [([0.3], [0.6]), ([0.01], [0.99])],
        CLOSED_FORM_RTOL,
    ),
    "gamma": (
        lambda: ig.Gamma(),
        lambda: GammaDistributions(),
        gamma_to_geomstats,
        [([1.5, 1.0], [3.0, 2.0]), ([4.0, 2.0], [4.5, 2.2])],
        GEOMSTATS_BVP_RTOL,
    ),
    "beta": (
        lambda: ig.Beta(),
        lambda: BetaDistributions(),
        identity,
        [([2.0, 5.0], [4.0, 1.5]), ([1.0, 1.0], [3.0, 3.0])],
        GEOMSTATS_BVP_RTOL,
    ),
    "dirichlet": (
        lambda: ig.Dirichlet(3),
        lambda: DirichletDistributions(3),
        identity,
        [([1.0, 2.0, 3.0], [3.0, 2.0, 1.0]), ([2.0, 2.0, 2.0], [2.5, 2.1, 1.8])],
        GEOMSTATS_BVP_RTOL,
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_fisher_rao_distance_matches_geomstats(name):
    make_family, make_space, to_gs, pairs, rtol = CASES[name]
    family = make_family()
    space = ig.from_geomstats(make_space())
    for p, q in pairs:
        d_ig = family.dist(p, q)
        d_gs = space.dist(to_gs(p), to_gs(q))
        assert d_ig == pytest.approx(d_gs, rel=rtol), (name, p, q)


def test_the_adapter_reports_geomstats_own_distance():
    space = GammaDistributions()
    p, q = gamma_to_geomstats([1.5, 1.0]), gamma_to_geomstats([3.0, 2.0])
    assert ig.from_geomstats(space).dist(p, q) == pytest.approx(space.metric.dist(p, q), rel=1e-12)


@pytest.mark.parametrize(
    "name",
    ["normal", "poisson", "exponential", "geometric", "binomial", "gamma", "beta", "dirichlet"],
)
def test_fisher_metric_matches_geomstats_metric_matrix(name):
    """Closed form against closed form, through the change of coordinates (JᵀFJ)."""
    make_family, make_space, to_gs, pairs, _ = CASES[name]
    family, space = make_family(), ig.from_geomstats(make_space())
    for theta, _ in pairs:
        theta = np.asarray(theta, dtype=float)
        F = family.fisher(theta)
        if name == "gamma":
            kappa, gamma = to_gs(theta)
            # θ(y) = (κ, κ/γ): J = ∂θ/∂y
            J = np.array([[1.0, 0.0], [1.0 / gamma, -kappa / gamma**2]])
            F = J.T @ F @ J
        np.testing.assert_allclose(space.metric(to_gs(theta)), F, rtol=1e-12, atol=1e-14)


def test_riemannian_gradient_on_a_geomstats_family_is_the_natural_gradient():
    """On an open-set family the adapter's gradient is G⁻¹∇f: infogeo's natural gradient
    for the same distribution (coordinates are shared for Beta)."""
    space = ig.from_geomstats(BetaDistributions())
    beta = ig.Beta()
    theta = np.array([2.0, 3.0])
    g = np.array([0.3, -1.2])
    np.testing.assert_allclose(
        space.riemannian_gradient(theta, g), beta.riemannian_gradient(theta, g), rtol=1e-10
    )

"""An exponential family from t, ψ and h gets the dual structure for free."""

from __future__ import annotations

import autograd.numpy as anp
import numpy as np
import pytest
from scipy.special import gammaln as sgammaln

import infogeo as ig
from infogeo._special import gammaln
from infogeo.statistics import CustomExponentialFamily


def _poisson():
    return CustomExponentialFamily(
        lambda x: x[..., None],
        lambda v: anp.exp(v[..., 0]),
        1,
        ("integers", 0, None),
        log_base=lambda x: -sgammaln(x + 1),
    )


def _gamma():
    return CustomExponentialFamily(
        lambda x: np.stack([np.log(x), x], -1),
        lambda v: gammaln(v[..., 0] + 1) - (v[..., 0] + 1) * anp.log(-v[..., 1]),
        2,
        "positive",
        bounds=[(-1.0, None), (None, 0.0)],
    )


def test_custom_gamma_matches_the_built_in_family():
    C, G = _gamma(), ig.Gamma()
    th = np.array([[2.5, 1.3], [0.7, 3.0]])
    nat = G.natural(th)
    np.testing.assert_allclose(C.metric(nat), G.natural_fisher(nat), rtol=1e-12)
    np.testing.assert_allclose(C.expectation(nat), G.expectation(th), rtol=1e-12)
    np.testing.assert_allclose(C.from_expectation(G.expectation(th)), nat, rtol=1e-10)
    np.testing.assert_allclose(C.kl(nat[0], nat[1]), G.kl(th[0], th[1]), rtol=1e-12)
    for kind, a in [("hellinger", None), ("renyi", 0.4), ("chernoff", None)]:
        np.testing.assert_allclose(
            C.divergence(nat[0], nat[1], kind, alpha=a), G.divergence(th[0], th[1], kind, alpha=a)
        )
    x = G.sample(th[0], size=5, rng=0)
    np.testing.assert_allclose(C.log_prob(x, nat[0]), G.log_prob(x, th[0]), rtol=1e-12)


def test_custom_family_is_e_flat_in_its_own_coordinates():
    """Natural coordinates are affine for the e-connection: Γ^(1) = 0 there, while
    Γ^(0) (from autograd of the metric) is not."""
    C = _gamma()
    nat = np.array([1.5, -1.3])
    assert np.max(np.abs(C.christoffel(nat))) > 0.1
    np.testing.assert_allclose(C.alpha_christoffel(nat, 1.0), 0.0, atol=1e-12)


def test_custom_poisson_fit_and_bad_input():
    C = _poisson()
    x = ig.Poisson().sample(np.array([2.5]), size=1000, rng=0)
    r = ig.fit(C, x)
    np.testing.assert_allclose(r.x, np.log(x.mean()), rtol=1e-12)
    np.testing.assert_allclose(r.fun, C.nll(r.x, x), rtol=1e-12)
    with pytest.raises(ValueError, match="x1 < 0"):
        _gamma().metric([0.5, 1.0])
    with pytest.raises(ValueError, match="natural parameter space"):  # ψ = exp(ϑ) overflows
        _poisson().metric([1e300 * 10])
    with pytest.raises(TypeError, match="log_partition"):
        CustomExponentialFamily(lambda x: x, None, 1, "real")


def test_custom_family_total_variation():
    """By the certified quadrature on its log-density, against the closed forms."""
    C, G = _gamma(), ig.Gamma()
    th = np.array([[2.5, 1.3], [0.7, 0.5]])
    nat = G.natural(th)
    np.testing.assert_allclose(
        C.total_variation(nat[0], nat[1]), G.total_variation(th[0], th[1]), rtol=1e-9
    )
    P, Q = _poisson(), ig.Poisson()
    np.testing.assert_allclose(
        P.total_variation(np.log([2.5]), np.log([7.0])), Q.total_variation([2.5], [7.0]), rtol=1e-9
    )

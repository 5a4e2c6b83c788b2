"""Degenerate data in ig.fit: diagnosed before the first step, the same way for every family.

Expected values come from the closed-form limits of the likelihood (frequencies, 0/1
proportions), checked against the family's own nll evaluated just inside the boundary.
"""

import numpy as np
import pytest

import infogeo as ig
from infogeo.statistics import (
    Bernoulli,
    Beta,
    Binomial,
    Categorical,
    Dirichlet,
    Exponential,
    Gamma,
    Geometric,
    MultivariateNormal,
    Normal,
    Poisson,
)

NO_MLE = "no maximum-likelihood estimate"


@pytest.mark.parametrize(
    ("family", "data", "cause"),
    [
        (Normal(), np.ones(10), "variance is zero"),
        (Normal(), [1.0], "single observation"),
        (MultivariateNormal(2), [[0.1, 0.3], [1.2, -0.4]], "fewer than d \\+ 1 = 3"),
        (MultivariateNormal(3), [[0, 0, 0], [1, 1, 0], [2, 0, 0], [3, 1, 0.0]], "span only 2"),
        (Exponential(), [0.0, 0.0], "every observation is 0"),
        (Gamma(), [2.0, 2.0, 2.0], "all 3 observations are equal"),
        (Beta(), [0.3], "single observation"),
        (Dirichlet(3), [[0.2, 0.3, 0.5]] * 4, "all 4 observations are equal"),
    ],
)
def test_no_mle_is_one_clear_error(family, data, cause):
    with pytest.raises(ValueError, match=NO_MLE) as info:
        ig.fit(family, data)
    assert info.match(cause)
    assert "damping" not in str(info.value) and "x0" not in str(info.value)


def inside_nll(family, theta, data, towards):
    """nll a hair inside the boundary point theta, moving towards ``towards``."""
    theta = np.asarray(theta, float)
    return family.nll(theta + 1e-12 * (np.asarray(towards, float) - theta), data)


@pytest.mark.parametrize(
    ("family", "data", "x", "inner"),
    [
        (Bernoulli(), np.ones(7), [1.0], [0.5]),
        (Bernoulli(), np.zeros(7), [0.0], [0.5]),
        (Binomial(4), np.full(6, 4), [1.0], [0.5]),
        (Binomial(4), np.zeros(6), [0.0], [0.5]),
        (Poisson(), np.zeros(5), [0.0], [1.0]),
        (Geometric(), np.zeros(5), [1.0], [0.5]),
    ],
)
def test_boundary_mle_in_closed_form(family, data, x, inner):
    res = ig.fit(family, data)
    assert res.success and res.status == 0 and res.on_boundary and res.nit == 0
    assert "boundary" in res.message
    np.testing.assert_array_equal(res.x, x)
    # fun is the limit of the nll; jac its one-sided derivative (finite difference inside)
    assert res.fun == pytest.approx(inside_nll(family, x, data, inner), abs=1e-9)
    h = 1e-7 * (np.asarray(inner) - np.asarray(x))
    slope = (inside_nll(family, x + h, data, inner) - inside_nll(family, x, data, inner)) / h
    np.testing.assert_allclose(res.jac, slope, rtol=1e-4)
    assert res.grad_norm == 0.0


def test_unseen_category_gives_the_frequencies():
    data = np.array([0, 1, 1, 3, 1, 0])
    res = ig.fit(Categorical(5), data)
    freq = np.bincount(data, minlength=5) / data.size
    assert res.success and res.on_boundary and "2, 4 never observed" in res.message
    np.testing.assert_allclose(res.x, freq[:-1], rtol=0, atol=0)
    entropy = -sum(f * np.log(f) for f in freq if f > 0)
    assert res.fun == pytest.approx(entropy, rel=1e-14)
    # the nll just inside the boundary approaches it, and no interior point does better
    inner = np.full(4, 0.2)
    assert res.fun == pytest.approx(inside_nll(Categorical(5), res.x, data, inner), abs=1e-9)
    theta = np.random.default_rng(0).dirichlet(np.ones(5), size=50)[:, :-1]
    assert all(Categorical(5).nll(t, data) > res.fun for t in theta)


def test_interior_data_still_run_the_optimizer():
    res = ig.fit(Bernoulli(), [0, 1, 1, 1])
    assert res.success and "on_boundary" not in res and res.x == pytest.approx([0.75])


def test_wrong_shape_names_the_expected_shape():
    with pytest.raises(ValueError, match=r"data must have shape \(n,\).*got shape \(5, 3\)"):
        ig.fit(Normal(), np.ones((5, 3)))
    with pytest.raises(ValueError, match=r"data must have shape \(n, 2\)"):
        ig.fit(MultivariateNormal(2), np.ones((2, 3, 2)))


def test_overflowing_data_names_data_not_x0():
    with pytest.raises(ValueError, match="rescale data") as info:
        ig.fit(Normal(), [1e200, 2e200, 3e200])
    assert "x0" not in str(info.value)


def test_bad_initial_point_is_not_called_x0():
    class Bad(Normal):
        def initial_point(self, data):
            return np.array([0.0, -1.0])

    # an option makes fit iterate (without options an exponential family's MLE comes
    # from its sufficient statistic and the initial point is never used)
    with pytest.raises(ValueError, match=r"initial point .*initial_point\(data\)") as info:
        ig.fit(Bad(), [0.0, 1.0], max_iter=100)
    assert "x0" not in str(info.value)


def test_reparametrized_families_are_checked_as_their_base():
    import autograd.numpy as anp

    log_sigma = Normal().reparametrize(
        lambda t: anp.stack([t[..., 0], anp.log(t[..., 1])], -1),
        lambda u: anp.stack([u[..., 0], anp.exp(u[..., 1])], -1),
    )
    with pytest.raises(ValueError, match=NO_MLE):
        ig.fit(log_sigma, np.ones(4))
    # the boundary p̂ = 1 of a Bernoulli in odds-ratio coordinates r = p/(1-p) is at ∞
    odds = Bernoulli().reparametrize(lambda p: p / (1 - p), lambda r: r / (1 + r))
    with pytest.raises(ValueError, match="sends to infinity"):
        ig.fit(odds, np.ones(5))
    # p̂ = 0 maps to r = 0: returned in the new coordinates, jac = (dp/dr) ∂L/∂p = 1·1
    res = ig.fit(odds, np.zeros(5))
    assert res.success and res.on_boundary
    np.testing.assert_array_equal(res.x, [0.0])
    np.testing.assert_allclose(res.jac, [1.0])


def test_extreme_scales_leave_the_sufficient_statistic_path_honestly():
    """At 1e±300 the Fisher metric under- or overflows: fit answers through the
    iterative path (the exact MLE) or says what overflowed, never a raw LinAlgError."""
    res = ig.fit(ig.Exponential(), [1e-300, 1e-300])
    assert res.success and res.x[0] == pytest.approx(1e300)
    with pytest.raises(ValueError, match=r"diverged|overflow"):
        ig.fit(ig.Gamma(), [1e300, 2e300, 3e300])

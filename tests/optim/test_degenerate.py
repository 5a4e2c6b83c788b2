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


# ---------------------------------------------------------------- families without rules
def test_every_builtin_family_names_its_rule():
    """The rule comes from the family class (mle_data_rule), one list for fit and the
    families; only the user-defined kinds have none."""
    import inspect

    import infogeo.statistics as stats
    from infogeo.optim.degenerate import _RULES
    from infogeo.statistics.manifold import StatisticalManifold

    generic = {"CustomExponentialFamily", "ParametricFamily", "Reparametrized"}
    for name in stats.__all__:
        cls = getattr(stats, name)
        if inspect.isclass(cls) and issubclass(cls, StatisticalManifold):
            if cls is StatisticalManifold or name in generic:
                assert cls.mle_data_rule is None, name
            else:
                assert cls.mle_data_rule in _RULES, name


def _normal_lp(x, t):
    import autograd.numpy as anp

    return -0.5 * ((x - t[0]) / t[1]) ** 2 - anp.log(t[1]) - 0.5 * np.log(2 * np.pi)


def _gamma_lp(x, t):
    import autograd.numpy as anp
    from autograd.scipy.special import gammaln

    return t[0] * anp.log(t[1]) - gammaln(t[0]) + (t[0] - 1) * anp.log(x) - t[1] * x


def _bernoulli_lp(x, t):
    import autograd.numpy as anp

    return x * anp.log(t[0]) + (1 - x) * anp.log1p(-t[0])


def user_normal():
    return ig.ParametricFamily(
        _normal_lp, 2, "real", bounds=[(None, None), (0, None)], names=("mu", "sigma")
    )


def user_gamma():
    return ig.ParametricFamily(_gamma_lp, 2, "positive", bounds=[(0, None), (0, None)])


@pytest.mark.parametrize(
    ("data", "what"),
    [(np.ones(10), "all 10 observations equal 1"), ([1.3], "a single observation, 1.3")],
)
def test_user_family_degenerate_data_is_a_diagnosed_divergence(data, what):
    """The built-in Normal refuses these data before the first step; a user-written
    Normal (no rule) runs, sigma -> 0 until the Fisher quadrature fails, and that failure
    is reported as a divergence naming the data and sigma -> 0, not a raw quadrature
    error."""
    with pytest.raises(ValueError, match=NO_MLE):
        ig.fit(Normal(), data)
    res = ig.fit(user_normal(), data)
    assert not res.success and res.status == 5
    assert what in res.message and "sigma -> 0" in res.message
    assert NO_MLE in res.message and "ConvergenceError" in res.message
    assert np.all(np.isfinite(res.x)) and 0 < res.x[1] < 1e-3
    np.testing.assert_allclose(res.x[0], np.mean(data), rtol=1e-9)  # μ̂ = x for every σ


def test_user_family_all_equal_runs_to_infinity_and_can_raise():
    """Gamma data all equal: the likelihood grows as shape, rate -> inf with shape/rate
    fixed at the observation (the built-in Gamma refuses the data up front)."""
    fam = user_gamma()
    res = ig.fit(fam, [2.0, 2.0, 2.0])
    assert not res.success and res.status == 5
    assert "theta[0] -> +inf" in res.message and "theta[1] -> +inf" in res.message
    assert "all 3 observations equal 2" in res.message
    np.testing.assert_allclose(res.x[0] / res.x[1], 2.0, rtol=1e-6)  # the mean stays at x
    with pytest.raises(ig.DivergenceError, match="all 3 observations equal 2") as info:
        ig.fit(fam, [2.0, 2.0, 2.0], raise_on_divergence=True)
    assert info.value.result.status == 5 and np.all(info.value.result.x > 1e6)


def test_user_family_boundary_maximum_is_named():
    """Bernoulli written by hand, all ones: the likelihood's supremum is at p = 1 (the
    built-in family returns it in closed form); the run reaches p = 1 and says so."""
    fam = ig.ParametricFamily(_bernoulli_lp, 1, ("integers", 0, 1), bounds=[(0, 1)])
    assert ig.fit(Bernoulli(), np.ones(8)).on_boundary
    res = ig.fit(fam, np.ones(8))
    assert not res.success and res.status == 5
    assert "theta[0] -> 1" in res.message and "all 8 observations equal 1" in res.message
    assert res.x[0] >= 1 - 1e-6


def test_user_family_data_outside_support_fail_before_any_step():
    calls = []

    def lp(x, t):
        calls.append(1)
        return _gamma_lp(x, t)

    fam = ig.ParametricFamily(lp, 2, "positive", bounds=[(0, None), (0, None)])
    with pytest.raises(ValueError, match=r"data\[1\] = -1 is outside the support"):
        ig.fit(fam, [2.0, -1.0, 3.0])
    assert not calls


def test_user_family_ordinary_data_and_user_callbacks_are_untouched():
    x = np.random.default_rng(3).normal(2.0, 0.5, size=40)
    res = ig.fit(user_normal(), x)
    assert res.success
    np.testing.assert_allclose(res.x, [x.mean(), x.std()], rtol=1e-8)

    def boom(r):
        raise KeyError("from the callback")

    with pytest.raises(KeyError, match="from the callback"):
        ig.fit(user_normal(), np.ones(5), callback=boom)
    stopped = ig.fit(user_normal(), np.ones(5), callback=lambda r: r.nit == 3)
    assert stopped.status == 3 and stopped.nit == 3  # stopped by the user, not relabelled


def test_describe_degenerate_counts_distinct_observations():
    from infogeo.optim.degenerate import describe_degenerate

    assert describe_degenerate(np.array([1.0, 2.0, 1.0, 2.0]), 3) == (
        "the 4 observations take only 2 distinct values for 3 parameters"
    )
    assert describe_degenerate(np.array([[1.0, 2.0], [1.0, 2.0]]), 5).startswith(
        "all 2 observations equal [1. 2.]"
    )
    assert describe_degenerate(np.array([1.0, 2.0, 3.0]), 3) is None

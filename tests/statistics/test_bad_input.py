"""Bad parameters and data raise ValueError/TypeError naming the argument and the
broken constraint."""

import numpy as np
import pytest

import infogeo as ig


@pytest.mark.parametrize(
    ("family", "theta", "message"),
    [
        (ig.Normal(), [0.0, 0.0], r"sigma > 0"),
        (ig.Normal(), [0.0, -1.0], r"sigma > 0"),
        (ig.Bernoulli(), [1.2], r"p < 1"),
        (ig.Bernoulli(), [0.0], r"p > 0"),
        (ig.Binomial(3), [-0.1], r"p > 0"),
        (ig.Geometric(), [1.0], r"p < 1"),
        (ig.Poisson(), [0.0], r"rate > 0"),
        (ig.Exponential(), [-2.0], r"rate > 0"),
        (ig.Gamma(), [1.0, -1.0], r"rate > 0"),
        (ig.Gamma(), [0.0, 1.0], r"shape > 0"),
        (ig.Beta(), [-1.0, 1.0], r"a > 0"),
        (ig.Dirichlet(3), [1.0, 0.0, 1.0], r"alpha_2 > 0"),
        (ig.Categorical(3), [0.6, 0.4], r"p_1 \+ … \+ p_\{k-1\} < 1"),
        (ig.Categorical(3), [0.7, 0.5], r"p_1 \+ … \+ p_\{k-1\} < 1"),
        (ig.Categorical(3), [-0.1, 0.5], r"p_1 > 0"),
    ],
    ids=lambda x: repr(x) if not isinstance(x, str) else "",
)
def test_parameters_outside_the_domain(family, theta, message):
    with pytest.raises(ValueError, match=message):
        family.fisher(theta)
    with pytest.raises(ValueError, match=message):
        family.check_point(theta)
    with pytest.raises(ValueError, match=message):
        family.kl(theta, family.random_point(rng=0))
    assert not family.belongs(theta)


def test_message_names_the_batch_index():
    with pytest.raises(ValueError, match=r"theta\[1\].*sigma > 0.*-2"):
        ig.Normal().fisher([[0.0, 1.0], [0.0, -2.0]])


@pytest.mark.parametrize(
    "family", [ig.Normal(), ig.Poisson(), ig.Categorical(3), ig.Dirichlet(2)], ids=repr
)
def test_wrong_dimension_and_nan(family):
    with pytest.raises(ValueError, match="shape"):
        family.fisher(np.ones(family.dim + 1))
    theta = family.random_point(rng=0)
    theta[0] = np.nan
    with pytest.raises(ValueError, match="finite"):
        family.fisher(theta)
    with pytest.raises(TypeError):
        family.fisher("abc")


def test_covariance_not_symmetric_positive_definite():
    fam = ig.MultivariateNormal(2)
    with pytest.raises(ValueError, match="cov must be symmetric"):
        fam.pack([0.0, 0.0], [[1.0, 0.5], [0.1, 1.0]])
    with pytest.raises(ValueError, match="cov must be positive definite"):
        fam.pack([0.0, 0.0], [[1.0, 2.0], [2.0, 1.0]])
    with pytest.raises(ValueError, match="mean must have shape"):
        fam.pack([0.0, 0.0, 0.0], np.eye(2))
    # θ whose tril entries describe an indefinite matrix
    with pytest.raises(ValueError, match="covariance positive definite"):
        fam.fisher([0.0, 0.0, 1.0, 2.0, 1.0])


@pytest.mark.parametrize(
    ("family", "theta", "data", "message"),
    [
        (ig.Poisson(), [1.0], [1.0, -1.0], r"data\[1\] = -1 is outside the support.*integer >= 0"),
        (ig.Poisson(), [1.0], [1.5], r"integer >= 0"),
        (ig.Bernoulli(), [0.5], [0.0, 2.0], r"integer in \{0, …, 1\}"),
        (ig.Binomial(3), [0.5], [4.0], r"integer in \{0, …, 3\}"),
        (ig.Categorical(3), [0.2, 0.3], [3.0], r"integer in \{0, …, 2\}"),
        (ig.Geometric(), [0.5], [-2.0], r"integer >= 0"),
        (ig.Exponential(), [1.0], [-0.5], r"x > 0"),
        (ig.Gamma(), [1.0, 1.0], [0.0], r"x > 0"),
        (ig.Beta(), [1.0, 1.0], [1.0], r"0 < x < 1"),
        (ig.Normal(), [0.0, 1.0], [np.nan], r"data must be finite"),
        (ig.Normal(), [0.0, 1.0], [], r"at least one observation"),
        (ig.Dirichlet(3), [1.0, 1.0, 1.0], [[0.2, 0.2, 0.2]], r"sum to 0.6"),
        (ig.Dirichlet(3), [1.0, 1.0, 1.0], [[0.5, 0.5]], r"shape \(\.\.\., 3\)"),
        (ig.MultivariateNormal(2), [0, 0, 1, 0, 1], [[1.0, 2.0, 3.0]], r"shape \(\.\.\., 2\)"),
    ],
    ids=lambda x: repr(x) if not isinstance(x, (str, list)) else "",
)
def test_nll_rejects_data_outside_the_support(family, theta, data, message):
    with pytest.raises(ValueError, match=message):
        family.nll(np.asarray(theta, float), data)
    with pytest.raises(ValueError, match=message):
        family.nll_grad(np.asarray(theta, float), data)
    if np.size(data):
        with pytest.raises(ValueError):
            family.log_prob(data, np.asarray(theta, float))


def test_exponential_accepts_zero():
    assert np.isfinite(ig.Exponential().nll([1.0], [0.0, 1.0]))


def test_nll_takes_one_point():
    with pytest.raises(ValueError, match="one point"):
        ig.Normal().nll([[0.0, 1.0], [0.0, 2.0]], [1.0])


def test_bad_family_arguments():
    with pytest.raises(ValueError, match="k must be an integer >= 2"):
        ig.Categorical(1)
    with pytest.raises(ValueError, match="n must be an integer >= 1"):
        ig.Binomial(0)
    with pytest.raises(TypeError, match="n must be an integer"):
        ig.Binomial(2.5)
    with pytest.raises(ValueError, match="d must be an integer >= 1"):
        ig.MultivariateNormal(0)


def test_categorical_pack_rejects_bad_probabilities():
    fam = ig.Categorical(3)
    with pytest.raises(ValueError, match="sum to 1"):
        fam.pack([0.2, 0.2, 0.2])
    with pytest.raises(ValueError, match="> 0"):
        fam.pack([0.0, 0.5, 0.5])
    with pytest.raises(ValueError, match=r"shape \(\.\.\., 3\)"):
        fam.pack([0.5, 0.5])


def test_parametric_family_bad_arguments():
    lp = lambda x, t: -0.5 * x**2 - 0.5 * np.log(2 * np.pi) + 0 * t[0]  # noqa: E731
    with pytest.raises(TypeError, match="log_prob must be a callable"):
        ig.ParametricFamily(3.0, 1, "real")
    with pytest.raises(ValueError, match="support must be"):
        ig.ParametricFamily(lp, 1, "reals")
    with pytest.raises(ValueError, match="a < b"):
        ig.ParametricFamily(lp, 1, ("interval", 2.0, 1.0))
    with pytest.raises(ValueError, match="needs a sample"):
        ig.ParametricFamily(lp, 1, ("sampled", 100))
    with pytest.raises(ValueError, match="low <= high"):
        ig.ParametricFamily(lp, 1, ("integers", 5, 2))
    with pytest.raises(TypeError, match="must be a string or a tuple"):
        ig.ParametricFamily(lp, 1, 5)


def test_parametric_family_unnormalized_density_is_reported():
    fam = ig.ParametricFamily(
        lambda x, t: -0.5 * ((x - t[0]) / t[1]) ** 2,  # missing −log σ√(2π)
        2,
        "real",
        bounds=[(None, None), (0, None)],
    )
    with pytest.raises(ValueError, match="does not integrate to 1"):
        fam.fisher([0.0, 1.0])


def test_parametric_family_nan_inside_the_mass_is_reported():
    import autograd.numpy as anp

    def log_prob(x, t):
        # NaN on (0.4, 0.6), where the uniform density on (0, 1) has mass
        return anp.where((x > 0.4) & (x < 0.6), np.nan, 0.0) + 0 * t[0]

    fam = ig.ParametricFamily(log_prob, 1, "unit")
    with pytest.raises(ValueError, match="NaN"):
        fam.fisher([1.0])


def test_reparametrize_checks_inverse_maps():
    with pytest.raises(ValueError, match="to_old"):
        ig.Poisson().reparametrize(lambda t: 2 * t, lambda x: x)
    with pytest.raises(TypeError):
        ig.Poisson().reparametrize(None, lambda x: x)

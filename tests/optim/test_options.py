"""Option handling: names, values, and which step rule they build."""

import numpy as np
import pytest

import infogeo as ig
from infogeo.optim import (
    ArmijoBacktracking,
    FixedStep,
    KLTrustRegion,
    LevenbergMarquardt,
    RiemannianGradientDescent,
    minimize,
)


def _run(**options):
    return minimize(lambda x: x @ x, np.ones(2), ig.Euclidean(2), **options)


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"step_size": 0.0}, "step_size"),
        ({"step_size": -0.1}, "step_size"),
        ({"trust_region": 0.0}, "trust_region"),
        ({"trust_region": -1.0}, "trust_region"),
        ({"gtol": 0.0}, "gtol"),
        ({"gtol": -1e-8}, "gtol"),
        ({"ftol": 0.0}, "ftol"),
        ({"damping": -1.0}, "damping"),
        ({"damping": np.inf}, "damping"),
        ({"max_iter": -1}, "max_iter"),
        ({"max_time": 0.0}, "max_time"),
        ({"line_search": "wolfe"}, "line_search"),
        ({"retraction": "parallel"}, "retraction"),
        ({"trust_region": 0.1, "line_search": "levenberg-marquardt"}, "exclusive"),
    ],
)
def test_bad_option_values(options, match):
    with pytest.raises(ValueError, match=match):
        _run(**options)


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"stepsize": 0.1}, "did you mean 'step_size'"),
        ({"tol": 0.1}, "unknown option 'tol'"),
        ({"callback": 3}, "callback"),
        ({"step_size": "big"}, "step_size"),
        ({"max_iter": 1.5}, "max_iter"),
        ({"stopping": "never"}, "stopping"),
    ],
)
def test_bad_option_names_and_types(options, match):
    with pytest.raises(TypeError, match=match):
        _run(**options)


@pytest.mark.parametrize(
    ("options", "rule"),
    [
        ({}, ArmijoBacktracking),
        ({"line_search": None}, FixedStep),
        ({"trust_region": 0.1}, KLTrustRegion),
        ({"line_search": "levenberg-marquardt"}, LevenbergMarquardt),
        ({"line_search": "Levenberg_Marquardt"}, LevenbergMarquardt),
    ],
)
def test_options_choose_step_rule(options, rule):
    assert isinstance(RiemannianGradientDescent(ig.Euclidean(2), **options).step_rule, rule)


def test_defaults_are_fisher_scoring_with_armijo():
    opt = RiemannianGradientDescent(ig.Euclidean(2))
    assert opt.step_rule.initial == 1.0 and opt.retraction == "retract"


def test_runs_do_not_share_step_rule_state():
    """A Levenberg–Marquardt rule's λ starts afresh for each run."""
    opt = RiemannianGradientDescent(ig.Euclidean(1), line_search="levenberg-marquardt")
    a = opt.minimize(lambda x: 50 * x @ x, [1.0])
    b = opt.minimize(lambda x: 50 * x @ x, [1.0])
    np.testing.assert_array_equal(a.history["damping"], b.history["damping"])

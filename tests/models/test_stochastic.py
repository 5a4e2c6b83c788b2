"""Minibatch natural gradient (infogeo.optim.stochastic) on predictive models."""

from __future__ import annotations

import numpy as np
import pytest

import infogeo as ig
from infogeo.optim import NaturalGradientDescent
from infogeo.optim.stochastic import StochasticNaturalGradient


@pytest.fixture(scope="module")
def easy_problem():
    rng = np.random.default_rng(0)
    n = 4000
    X = np.column_stack([np.ones(n), rng.standard_normal((n, 3))])
    y = (rng.random(n) < 1 / (1 + np.exp(-X @ [0.3, 1.0, -1.0, 0.5]))).astype(float)
    model = ig.models.logistic_regression(X, y)
    full = NaturalGradientDescent(model, gtol=1e-10).minimize()
    assert full.success
    return model, full


def test_seeded_runs_are_reproducible(easy_problem):
    model, _ = easy_problem
    opts = dict(batch_size=200, max_epochs=3, decay=20, decay_power=0.5)
    a = StochasticNaturalGradient(model, seed=3, **opts).minimize()
    b = StochasticNaturalGradient(model, seed=3, **opts).minimize()
    c = StochasticNaturalGradient(model, seed=4, **opts).minimize()
    np.testing.assert_array_equal(a.x, b.x)
    np.testing.assert_array_equal(a.history["fun"], b.history["fun"])
    assert not np.array_equal(a.x, c.x)
    assert a.nit == 3 * 20 and a.nepochs == 3


@pytest.mark.parametrize(
    ("opts", "xtol", "ftol"),
    [
        (dict(decay=20, decay_power=0.5), 0.03, 1e-4),  # averaged iterates
        (dict(trust_region=0.01), 0.03, 1e-4),
        (dict(decay=50, average=False), 0.1, 3e-3),  # last iterate: noisier
    ],
)
def test_converges_near_full_batch_optimum(easy_problem, opts, xtol, ftol):
    model, full = easy_problem
    res = StochasticNaturalGradient(model, batch_size=250, max_epochs=8, seed=1, **opts).minimize()
    assert not res.success  # a stochastic run does not reach gtol = 1e-6 ...
    assert "max_epochs" in res.message
    # ... but ends close to the full-batch maximum-likelihood fit
    assert np.max(np.abs(res.x - full.x)) < xtol
    assert res.fun - full.fun < ftol
    assert res.history["fun"][-1] < res.history["fun"][0]
    assert res.history["grad_norm"][-1] < 0.1 * res.history["grad_norm"][0]


def test_gtol_success_and_callback(easy_problem):
    model, full = easy_problem
    res = StochasticNaturalGradient(
        model, batch_size=4000, gtol=1e-8, damping=0.0, average=False
    ).minimize()
    assert res.success, res.message  # one batch = the full data: Fisher scoring
    np.testing.assert_allclose(res.x, full.x, atol=1e-8)
    seen = []
    res = StochasticNaturalGradient(
        model, batch_size=500, max_epochs=5, callback=lambda r: seen.append(r.nepochs) or True
    ).minimize()
    assert seen == [1] and res.status == 3 and not res.success


def test_softmax_minibatch_with_cg(softmax_data):
    X, y = softmax_data
    model = ig.models.softmax_regression(X, y, solver="cg")
    full = NaturalGradientDescent(model, gtol=1e-10).minimize()
    res = StochasticNaturalGradient(
        model, batch_size=50, max_epochs=10, decay=10, decay_power=0.5, seed=0
    ).minimize()
    assert res.fun - full.fun < 5e-3


def test_bad_options(easy_problem):
    model, _ = easy_problem
    with pytest.raises(TypeError, match="predictive model with nll"):
        StochasticNaturalGradient(ig.Euclidean(2))
    with pytest.raises(ValueError, match="batch_size"):
        StochasticNaturalGradient(model, batch_size=0)
    with pytest.raises(ValueError, match="damping"):
        StochasticNaturalGradient(model, damping=-1.0)
    with pytest.raises(ValueError, match="trust_region"):
        StochasticNaturalGradient(model, trust_region=0.0)
    with pytest.raises(ValueError, match="x0"):
        StochasticNaturalGradient(model).minimize(x0=np.array([0.0, np.nan, 0.0, 0.0]))


def test_separable_minibatches_of_inseparable_data(easy_problem):
    # a minibatch of examples that the optimum classifies correctly is separated by it;
    # the minibatch model must still give a natural gradient there
    model, full = easy_problem
    correct = np.flatnonzero((2 * model.y - 1) * (model.X @ full.x) > 0)[:6]
    sub = model.subset(correct)
    assert sub.separates(full.x) and not model.separates(full.x)
    assert not sub.check_separation and model.check_separation
    d = sub.riemannian_gradient(full.x, sub.nll_grad(full.x))
    assert np.all(np.isfinite(d))


def test_singular_minibatch_metric_is_reported(easy_problem):
    model, _ = easy_problem
    res = StochasticNaturalGradient(model, batch_size=2, damping=0.0).minimize()
    assert not res.success and res.status == 4
    assert "damping" in res.message
    assert np.all(np.isfinite(res.x))

"""Mirror descent with the negative-entropy mirror map = natural gradient descent in ϑ."""

from __future__ import annotations

import autograd
import numpy as np
import pytest

import infogeo as ig
from infogeo.optim import MirrorDescent


def _natural_manifold(F):
    """The family in natural coordinates with metric ∇²ψ (autograd), no bounds, so the
    retraction of the descent loop is the straight step ϑ + v."""
    hess = autograd.hessian(lambda v: F._log_partition(v))
    return ig.MetricManifold(hess, F.dim)


@pytest.mark.parametrize(
    "F, theta",
    [
        (ig.Gamma(), np.array([2.5, 1.3])),
        (ig.Normal(), np.array([0.4, 2.0])),
        (ig.Poisson(), np.array([3.5])),
    ],
)
def test_mirror_descent_iterates_are_natural_gradient_iterates(F, theta):
    x = F.sample(theta, size=500, rng=0)
    tbar, _ = F.mean_statistic(x)
    x0 = F.initial_point(x) * 1.5
    md_iterates, ngd_iterates = [], []
    md = MirrorDescent(
        F,
        x,
        step_size=0.3,
        line_search=None,
        max_iter=12,
        gtol=1e-14,
        callback=lambda r: md_iterates.append(F.natural(r.x)),
    ).minimize(x0=x0)
    with np.errstate(invalid="ignore"):  # trial steps of the Armijo-free loop may leave ϑ's domain
        ngd = ig.RiemannianGradientDescent(
            _natural_manifold(F),
            step_size=0.3,
            line_search=None,
            max_iter=12,
            gtol=1e-14,
            callback=lambda r: ngd_iterates.append(r.x),
        ).minimize(lambda v: F._log_partition(v) - v @ tbar, F.natural(x0))
    assert len(md_iterates) == len(ngd_iterates) == 12
    np.testing.assert_allclose(md_iterates, ngd_iterates, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(F.natural(md.x), ngd.x, rtol=1e-10)


def test_mirror_descent_reaches_the_mle():
    F = ig.Beta()
    x = F.sample(np.array([0.6, 2.0]), size=2000, rng=1)
    r = MirrorDescent(F, x, gtol=1e-10).minimize()
    assert r.success and isinstance(r, ig.OptimizeResult)
    np.testing.assert_allclose(r.x, ig.fit(F, x).x, rtol=1e-8)
    assert set(r.history) == {"fun", "grad_norm", "step_size", "shortened", "damping", "accepted"}


def test_mirror_descent_user_objective_and_checks():
    F = ig.Normal()
    target = np.array([1.0, 0.5])
    r = MirrorDescent(F, gtol=1e-10).minimize(lambda t: F.kl(target, t), x0=[0.0, 2.0])
    np.testing.assert_allclose(r.x, target, rtol=1e-7)
    with pytest.raises(TypeError, match="exponential family"):
        MirrorDescent(ig.ParametricFamily(lambda x, t: -((x - t[0]) ** 2), 1, "real"))
    with pytest.raises(TypeError, match="needs fun"):
        MirrorDescent(F).minimize()
    with pytest.raises(ValueError, match="step_size"):
        MirrorDescent(F, step_size=-1.0)


def test_minimize_dispatches_method_mirror():
    """``ig.minimize(method="mirror")`` runs MirrorDescent: same optimum as ig.fit."""
    rng = np.random.default_rng(11)
    data = rng.gamma(2.5, 1 / 1.5, size=500)
    G = ig.Gamma()
    res = ig.minimize(lambda t: G.nll(t, data), [1.0, 1.0], G, method="mirror", gtol=1e-10)
    assert res.success, res.message
    np.testing.assert_allclose(res.x, ig.fit(G, data).x, rtol=1e-8)

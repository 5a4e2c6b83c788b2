"""Coverage of the 95 % regions by simulation: 2000 replications with closed-form
(vectorized) maximum-likelihood estimates, intervals from infogeo's batched Wald and
Fisher–Rao-ball code."""

from __future__ import annotations

import numpy as np

import infogeo as ig
from infogeo.inference import ball_radius, wald_intervals

REPS = 2000


def _covered(intervals, truth):
    return (intervals[..., 0] <= truth) & (truth <= intervals[..., 1])


def test_poisson_wald_interval_coverage():
    rng = np.random.default_rng(10)
    lam, n = 4.0, 60
    est = rng.poisson(lam, (REPS, n)).mean(axis=1)[:, None]
    cover = _covered(wald_intervals(ig.Poisson(), est, n)[:, 0], lam).mean()
    assert 0.93 <= cover <= 0.97


def test_normal_wald_intervals_and_fisher_rao_ball_coverage():
    rng = np.random.default_rng(11)
    mu, sigma, n = 1.0, 2.0, 80
    x = rng.normal(mu, sigma, (REPS, n))
    est = np.column_stack([x.mean(axis=1), x.std(axis=1)])
    ci = wald_intervals(ig.Normal(), est, n)
    for j, truth in enumerate((mu, sigma)):
        assert 0.93 <= _covered(ci[:, j], truth).mean() <= 0.97
    d = ig.Normal().dist(est, np.array([mu, sigma]))
    assert 0.93 <= np.mean(d <= ball_radius(2, n)) <= 0.97

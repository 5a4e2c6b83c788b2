"""Shared test cases: every closed-form family with its support and a few parameters."""

import numpy as np

import infogeo as ig

# (family, ParametricFamily support for the same log-density, parameter points)
SCALAR_CASES = [
    (ig.Normal(), "real", [[0.3, 1.7], [-2.0, 0.2]]),
    (ig.Bernoulli(), ("finite", [0, 1]), [[0.3], [0.97]]),
    (ig.Binomial(7), ("integers", 0, 7), [[0.3], [0.05]]),
    (ig.Categorical(4), ("finite", [0, 1, 2, 3]), [[0.1, 0.2, 0.3], [0.6, 0.05, 0.3]]),
    (ig.Poisson(), ("integers", 0, None), [[3.5], [0.2], [40.0]]),
    (ig.Exponential(), "positive", [[2.0], [0.01]]),
    (ig.Geometric(), ("integers", 0, None), [[0.2], [0.9]]),
    (ig.Gamma(), "positive", [[2.5, 0.7], [0.3, 5.0]]),
    (ig.Beta(), "unit", [[2.0, 3.0], [0.5, 0.5], [100.0, 2.0]]),
]


def case_ids(cases):
    return [repr(c[0]) for c in cases]


def rel_err(a, b):
    a, b = np.asarray(a, float), np.asarray(b, float)
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-300))

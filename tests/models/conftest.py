"""Shared data for the predictive-model tests (seeded, small)."""

from __future__ import annotations

import numpy as np
import pytest


@pytest.fixture
def logistic_data():
    rng = np.random.default_rng(12)
    n = 400
    X = np.column_stack([np.ones(n), rng.standard_normal((n, 3)) * [1.0, 2.0, 0.5]])
    w_true = np.array([0.4, 1.0, -0.7, 1.5])
    y = (rng.random(n) < 1.0 / (1.0 + np.exp(-X @ w_true))).astype(float)
    return X, y


@pytest.fixture
def poisson_data():
    rng = np.random.default_rng(7)
    n = 300
    X = np.column_stack([np.ones(n), rng.standard_normal((n, 2))])
    y = rng.poisson(np.exp(X @ np.array([0.5, 0.3, -0.4]))).astype(float)
    return X, y


@pytest.fixture
def softmax_data():
    rng = np.random.default_rng(5)
    n, K = 300, 3
    X = np.column_stack([np.ones(n), rng.standard_normal((n, 2))])
    W = np.array([[0.2, -0.3, 0.0], [1.0, -0.5, 0.0], [-0.4, 0.8, 0.0]])
    Z = X @ W
    P = np.exp(Z - Z.max(axis=1, keepdims=True))
    P /= P.sum(axis=1, keepdims=True)
    y = np.array([rng.choice(K, p=p) for p in P])
    return X, y


class LocalBernoulli:
    """A minimal Bernoulli family in the mean coordinate p, written here so the generic
    PredictiveModel machinery is tested independently of infogeo.statistics."""

    dim = 1

    def fisher(self, eta):
        p = np.asarray(eta)[..., 0]
        return (1.0 / (p * (1.0 - p)))[..., None, None]

    def log_prob(self, x, eta):
        import autograd.numpy as anp

        p = eta[..., 0]
        # zero probability (log = -inf) for labels other than 0 and 1
        return anp.log(anp.where(x == 1, p, anp.where(x == 0, 1.0 - p, 0.0)))

    def __repr__(self):
        return "LocalBernoulli()"


class CheckingBernoulli(LocalBernoulli):
    """The same, with a family-side data check."""

    def check_data(self, x):
        if np.any((x != 0) & (x != 1)):
            raise ValueError("Bernoulli data must be 0 or 1")


@pytest.fixture
def local_bernoulli():
    return LocalBernoulli()


@pytest.fixture
def checking_bernoulli():
    return CheckingBernoulli()

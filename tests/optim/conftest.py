"""Shared fixtures for the optimizer tests: small manifolds and objectives."""

import autograd.numpy as anp
import numpy as np
import pytest

import infogeo as ig
from infogeo.geometry.manifold import RiemannianManifold


def half_plane_dist(p, q):
    """Closed-form Poincaré half-plane distance arccosh(1 + |p − q|² / (2 y_p y_q))."""
    num = (p[0] - q[0]) ** 2 + (p[1] - q[1]) ** 2
    return anp.arccosh(1.0 + num / (2.0 * p[1] * q[1]))


@pytest.fixture
def half_plane():
    return ig.MetricManifold(
        lambda p: anp.eye(2) / p[..., 1, None, None] ** 2, 2, bounds=[(None, None), (0, None)]
    )


class PositiveLine(RiemannianManifold):
    """(0, ∞) with the Euclidean metric and straight-line exp, which can leave the domain.

    ``raise_outside=True`` makes exp raise ValueError instead of returning the outside point.
    """

    def __init__(self, raise_outside=False):
        super().__init__(1, bounds=[(0, None)])
        self.raise_outside = raise_outside

    def metric(self, p):
        p = self._points(p)
        return np.ones((*p.shape[:-1], 1, 1))

    def exp(self, p, v):
        q = np.asarray(p) + np.asarray(v)
        if self.raise_outside and np.any(q <= 0):
            raise ValueError("geodesic left the domain")
        return q

    retract = exp


@pytest.fixture
def rosenbrock():
    def f(x):
        return (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2

    def g(x):
        return np.array(
            [-2 * (1 - x[0]) - 400 * x[0] * (x[1] - x[0] ** 2), 200 * (x[1] - x[0] ** 2)]
        )

    return f, g

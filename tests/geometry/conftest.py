"""Fixtures for the geometry tests (the manifolds live in geometry_cases.py)."""

import numpy as np
import pytest

import infogeo as ig

from .geometry_cases import HALFPLANE_BOUNDS, ClosedHalfPlane, halfplane_metric, sphere_metric


@pytest.fixture(scope="session")
def halfplane():
    return ig.MetricManifold(halfplane_metric, 2, bounds=HALFPLANE_BOUNDS)


@pytest.fixture(scope="session")
def closed_halfplane():
    return ClosedHalfPlane()


@pytest.fixture(scope="session")
def sphere():
    return ig.MetricManifold(sphere_metric, 2, bounds=[(0, np.pi), None])

"""The internal (log / logit) chart's geodesic Jacobians by the chain rule equal the
contraction of its dense Christoffel symbols and their derivatives."""

from __future__ import annotations

import numpy as np
import pytest

import infogeo as ig
from infogeo.geometry.internal_chart import MAX_DIM, internal_chart
from infogeo.geometry.manifold import dense_geodesic_jacobians


@pytest.mark.parametrize("family", [ig.Gamma(), ig.Beta(), ig.Dirichlet(4)], ids=repr)
def test_chain_rule_matches_the_dense_connection(family):
    chart = internal_chart(family)
    rng = np.random.default_rng(0)
    u = chart.to_internal(family.random_point(6, rng=rng))
    w = rng.normal(size=u.shape)
    acc, dp, dv = chart.geodesic_jacobians(u, w)
    ref = dense_geodesic_jacobians(*chart.christoffel_and_derivative(u), w)
    for got, want in zip((acc, dp, dv), ref):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-13 * np.abs(want).max())
    np.testing.assert_allclose(chart.geodesic_acceleration(u, w), ref[0], atol=1e-13)


def test_large_dimensions_stay_in_the_original_chart():
    assert internal_chart(ig.Dirichlet(MAX_DIM + 1)) is None

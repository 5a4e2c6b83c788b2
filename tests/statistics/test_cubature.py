"""The stick-breaking map of the simplex cubature: precision near the faces and its
Jacobian against autograd."""

import autograd
import autograd.numpy as anp
import numpy as np

from infogeo.statistics.cubature import simplex_from_logits


def sticks(y):
    """The same map written plainly: uⱼ = σ(yⱼ), xⱼ = uⱼ ∏_{i<j}(1 − uᵢ), last = ∏(1 − uᵢ)."""
    u = 1.0 / (1.0 + anp.exp(-y))
    out, rest = [], 1.0
    for j in range(y.shape[0]):
        out.append(u[j] * rest)
        rest = rest * (1.0 - u[j])
    return anp.stack(out)  # the first m entries (the last is 1 − their sum)


def test_map_lands_on_the_simplex_with_its_jacobian():
    rng = np.random.default_rng(0)
    for m in (1, 2, 3):
        y = rng.normal(scale=2.0, size=(5, m))
        x, log_j = simplex_from_logits(y)
        assert x.shape == (5, m + 1)
        np.testing.assert_allclose(x.sum(-1), 1.0, rtol=1e-15)
        for row, lj in zip(y, log_j):
            J = autograd.jacobian(sticks)(row)
            assert abs(lj - np.log(abs(np.linalg.det(J)))) < 1e-12


def test_entries_keep_their_relative_precision_near_the_faces():
    # x₁ = σ(−700) ≈ e⁻⁷⁰⁰ and x₃ = σ(−40) σ(700) ≈ e⁻⁴⁰: 1 − u would round them to 0
    y = np.array([[-700.0, 40.0]])
    x, _ = simplex_from_logits(y)
    expected_x1 = np.exp(-700.0) / (1.0 + np.exp(-700.0))
    expected_x3 = 1.0 / (1.0 + np.exp(40.0)) / (1.0 + np.exp(-700.0))
    assert abs(x[0, 0] / expected_x1 - 1.0) < 1e-13
    assert abs(x[0, 2] / expected_x3 - 1.0) < 1e-13
    assert x[0, 0] > 0 and x[0, 2] > 0

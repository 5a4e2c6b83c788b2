"""``solve_spd``: Cholesky solves that refuse singular metrics, including those that
factor only because rounding made their zero eigenvalues slightly positive."""

import numpy as np
import pytest

from infogeo.geometry.linalg import cholesky_lower, cholesky_solve, solve_spd


def _rank_deficient(n=9, rank=6, seed=0):
    rng = np.random.default_rng(seed)
    B = rng.standard_normal((n, rank))
    return B @ B.T


def test_solves_against_numpy():
    rng = np.random.default_rng(1)
    B = rng.standard_normal((5, 5))
    G = B @ B.T + np.eye(5)
    b = rng.standard_normal(5)
    np.testing.assert_allclose(solve_spd(G, b), np.linalg.solve(G, b), rtol=1e-12)
    Gs = np.stack([G, 2 * G])
    np.testing.assert_allclose(
        solve_spd(Gs, b), np.linalg.solve(Gs, np.stack([b, b])[..., None])[..., 0], rtol=1e-12
    )


@pytest.mark.parametrize("batched", [False, True])
def test_singular_by_rounding_is_refused(batched):
    G = _rank_deficient()
    # the zero eigenvalues come out as rounding-level numbers of either sign; shift them
    # by the least rounding-level amount that lets the Cholesky factorization succeed
    for shift in (1e-15, 2e-15, 4e-15):
        try:
            np.linalg.cholesky(G + shift * np.eye(9))
        except np.linalg.LinAlgError:
            continue
        G = G + shift * np.eye(9)
        break
    else:
        pytest.fail("no rounding-level shift made the matrix factor")
    G = np.stack([np.eye(9), G]) if batched else G
    with pytest.raises(ValueError, match="damping"):
        solve_spd(G, np.ones(9))


def test_badly_scaled_but_regular_is_solved():
    """Scale is not singularity: Gamma-like metrics whose entries span 1e-200…1e200
    solve to full accuracy (the pivot test is scale-free)."""
    for s in (1e-100, 1e100):
        D = np.diag([1.0, s])
        G = D @ np.array([[2.0, 0.9], [0.9, 1.0]]) @ D
        b = D @ np.array([1.0, -1.0])
        x = solve_spd(G, b)
        np.testing.assert_allclose(D @ x, np.linalg.solve([[2.0, 0.9], [0.9, 1.0]], [1, -1]),
                                   rtol=1e-14)  # fmt: skip


def test_cholesky_helpers_against_numpy():
    rng = np.random.default_rng(4)
    B = rng.standard_normal((6, 6))
    G = B @ B.T + 0.1 * np.eye(6)
    L = np.tril(cholesky_lower(G))
    np.testing.assert_allclose(L, np.linalg.cholesky(G), rtol=1e-13, atol=1e-14)
    b = rng.standard_normal(6)
    np.testing.assert_allclose(
        cholesky_solve(cholesky_lower(G), b), np.linalg.solve(G, b), rtol=1e-11
    )
    M = rng.standard_normal((6, 3))
    np.testing.assert_allclose(
        cholesky_solve(cholesky_lower(G), M), np.linalg.solve(G, M), rtol=1e-11
    )


def test_cholesky_lower_refuses_bad_matrices():
    with pytest.raises(np.linalg.LinAlgError):
        cholesky_lower(np.array([[1.0, 2.0], [2.0, 1.0]]))  # indefinite
    with pytest.raises(ValueError, match="non-finite"):
        cholesky_lower(np.array([[1.0, np.nan], [np.nan, 1.0]]))
    with pytest.raises(ValueError, match="non-finite"):
        solve_spd(np.array([[np.inf, 0.0], [0.0, 1.0]]), np.ones(2))
    G = np.array([[1.0, 1.0], [1.0, 1.0 + 4.5e-16]])  # rank one up to rounding
    assert np.linalg.cholesky(G)[1, 1] > 0  # LAPACK factors it
    with pytest.raises(np.linalg.LinAlgError, match="rounding"):
        cholesky_lower(G)

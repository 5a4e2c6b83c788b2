"""Batched linear algebra for metric tensors (solves, never inverses)."""

from __future__ import annotations

import numpy as np
import scipy.linalg

__all__ = ["solve_spd"]


def solve_spd(G: np.ndarray, b: np.ndarray, *, name: str = "metric") -> np.ndarray:
    """Solve ``G x = b`` for symmetric positive-definite ``G``, batched.

    Parameters
    ----------
    G
        Array of shape ``(..., n, n)``.
    b
        Array of shape ``(..., n)``; broadcasts against ``G``'s batch axes.

    Returns
    -------
    x : ndarray of shape ``(..., n)``

    Notes
    -----
    A single system uses a Cholesky factorization (``scipy.linalg.cho_factor``),
    which also certifies positive definiteness; batches use one batched LU solve
    (``numpy.linalg.solve``) after a batched Cholesky check. Neither forms ``G⁻¹``.

    Raises
    ------
    ValueError
        If some ``G`` is not positive definite (singular metrics included); the
        message suggests ``damping``.
    """
    G = np.asarray(G, dtype=float)
    b = np.asarray(b, dtype=float)
    try:
        if G.ndim == 2 and b.ndim == 1:
            return scipy.linalg.cho_solve(scipy.linalg.cho_factor(G, lower=True), b)
        np.linalg.cholesky(G)
        batch = np.broadcast_shapes(G.shape[:-2], b.shape[:-1])
        n = G.shape[-1]
        Gb = np.broadcast_to(G, (*batch, n, n))
        bb = np.broadcast_to(b, (*batch, n))
        return np.linalg.solve(Gb, bb[..., None])[..., 0]
    except np.linalg.LinAlgError as exc:
        raise ValueError(
            f"the {name} is not symmetric positive definite (singular or indefinite) at "
            "some point, so G x = b has no unique solution; pass damping=λ > 0 to solve "
            "with G + λI instead"
        ) from exc

"""Matrix-free pull-back Fisher (generalized Gauss–Newton) products and a CG solve.

For a predictive model with outputs ``ηᵢ(w)`` (one row of ``p`` numbers per example)
and per-example output metric ``Fᵢ`` the pull-back Fisher metric is

    G(w) = (1/n) Σᵢ Jᵢᵀ Fᵢ Jᵢ,        Jᵢ = ∂ηᵢ/∂w.

Its product with a vector needs neither ``G`` nor the Jacobians:

    G v = (1/n) Jᵀ [F (J v)],

a forward-mode Jacobian-vector product ``u = J v`` (autograd ``make_jvp``), the
per-row ``F u``, and one reverse-mode vector-Jacobian product (autograd
``make_vjp``, whose tape is recorded once per ``w`` and reused for every product).
Memory is ``O(n p + dim)``, never ``dim²``. :func:`conjugate_gradient` then solves
``(G + λI) x = b`` with these products.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from autograd import make_jvp, make_vjp

from ..exceptions import ConvergenceError

__all__ = ["conjugate_gradient", "dense_pullback_metric", "pullback_fvp"]


def pullback_fvp(
    outputs: Callable[[np.ndarray], np.ndarray],
    apply_output_metric: Callable[[np.ndarray, np.ndarray], np.ndarray],
    w: np.ndarray,
) -> Callable[[np.ndarray], np.ndarray]:
    """Return ``v ↦ (1/n) Jᵀ F (J v)`` at ``w``, the matrix-free metric product.

    Parameters
    ----------
    outputs
        ``w ↦ η``, shape ``(n, p)``, written with ``autograd.numpy``.
    apply_output_metric
        ``(η, u) ↦ F(η) u`` row by row, both ``(n, p)``.
    w
        The point, shape ``(dim,)``.
    """
    w = np.asarray(w, dtype=float)
    vjp, eta = make_vjp(outputs)(w)
    eta = np.asarray(eta)
    n = eta.shape[0]
    jvp_at_w = make_jvp(outputs)(w)

    def product(v: np.ndarray) -> np.ndarray:
        _, u = jvp_at_w(np.asarray(v, dtype=float))
        return np.asarray(vjp(apply_output_metric(eta, np.asarray(u)))) / n

    return product


def dense_pullback_metric(
    outputs: Callable[[np.ndarray], np.ndarray],
    output_metric: Callable[[np.ndarray], np.ndarray],
    w: np.ndarray,
) -> np.ndarray:
    """Dense ``G = (1/n) Σᵢ Jᵢᵀ F(ηᵢ) Jᵢ`` at one ``w``, shape ``(dim, dim)``.

    The Jacobian ``J`` (``(n, p, dim)``) is built column by column with ``dim``
    forward-mode products; ``output_metric(η)`` returns ``(n, p, p)``.
    """
    w = np.asarray(w, dtype=float)
    dim = w.shape[0]
    jvp_at_w = make_jvp(outputs)(w)
    cols = []
    eta = None
    for j in range(dim):
        e = np.zeros(dim)
        e[j] = 1.0
        eta, col = jvp_at_w(e)
        cols.append(np.asarray(col))
    J = np.stack(cols, axis=-1)  # (n, p, dim)
    F = np.asarray(output_metric(np.asarray(eta)))
    n = J.shape[0]
    FJ = np.einsum("npq,nqd->npd", F, J)
    G = np.einsum("npa,npb->ab", J, FJ) / n
    return 0.5 * (G + G.T)


def conjugate_gradient(
    matvec: Callable[[np.ndarray], np.ndarray],
    b: np.ndarray,
    *,
    tol: float = 1e-10,
    maxiter: int | None = None,
    preconditioner: np.ndarray | Callable[[np.ndarray], np.ndarray] | None = None,
    name: str = "metric",
) -> tuple[np.ndarray, int]:
    """Solve ``A x = b`` for symmetric positive (semi-)definite ``A`` given as ``matvec``.

    Preconditioned conjugate gradient from ``x₀ = 0``, stopping when the residual
    satisfies ``‖b − A x‖₂ ≤ tol · ‖b‖₂``.

    Parameters
    ----------
    matvec
        ``v ↦ A v``.
    b
        Right-hand side, shape ``(dim,)``.
    tol
        Relative residual tolerance (default 1e-10).
    maxiter
        Iteration cap (default ``max(10 · dim, 100)``).
    preconditioner
        Optional positive diagonal ``M`` (shape ``(dim,)``; the iteration then uses
        ``M⁻¹``, Jacobi preconditioning), or a callable ``r ↦ M⁻¹ r`` applying the
        inverse of a symmetric positive definite ``M`` (e.g. a damped K-FAC metric).

    Returns
    -------
    x, iterations

    Raises
    ------
    ConvergenceError
        If the residual tolerance is not met within ``maxiter`` iterations, or a
        direction of non-positive curvature ``pᵀ A p ≤ 0`` appears (``A`` singular in
        the direction needed, or indefinite); ``residual`` carries the relative
        residual reached.
    """
    b = np.asarray(b, dtype=float)
    dim = b.shape[0]
    if maxiter is None:
        maxiter = max(10 * dim, 100)
    bnorm = float(np.linalg.norm(b))
    x = np.zeros_like(b)
    if bnorm == 0.0:
        return x, 0
    if callable(preconditioner):
        apply_pre = preconditioner
    elif preconditioner is not None:
        minv = 1.0 / np.asarray(preconditioner, dtype=float)
        if minv.shape != b.shape or not np.all(np.isfinite(minv)) or np.any(minv <= 0):
            raise ValueError("preconditioner must be a positive finite diagonal of shape (dim,)")
        apply_pre = minv.__mul__
    else:
        apply_pre = None
    r = b.copy()
    z = apply_pre(r) if apply_pre is not None else r
    p = z.copy()
    rz = float(r @ z)
    for k in range(1, maxiter + 1):
        Ap = np.asarray(matvec(p))
        curvature = float(p @ Ap)
        if not curvature > 0.0:
            rel = float(np.linalg.norm(r)) / bnorm
            raise ConvergenceError(
                f"conjugate gradient on the {name} met a direction of non-positive curvature "
                f"pᵀGp = {curvature:.3g} after {k - 1} iterations (relative residual {rel:.3g}); "
                "the metric is singular or indefinite there, pass damping=λ > 0",
                residual=rel,
                tolerance=tol,
            )
        alpha = rz / curvature
        x += alpha * p
        r -= alpha * Ap
        rnorm = float(np.linalg.norm(r))
        if rnorm <= tol * bnorm:
            return x, k
        z = apply_pre(r) if apply_pre is not None else r
        rz_new = float(r @ z)
        p = z + (rz_new / rz) * p
        rz = rz_new
    rel = float(np.linalg.norm(b - matvec(x))) / bnorm
    if rel <= tol:
        return x, maxiter
    raise ConvergenceError(
        f"conjugate gradient on the {name} did not reach relative residual {tol:g} in "
        f"{maxiter} iterations (reached {rel:.3g}); raise cg_maxiter, loosen cg_tol, or "
        "pass damping=λ > 0 to improve the conditioning",
        residual=rel,
        tolerance=tol,
    )

"""Double-double (≈ 106-bit) whitening of a pair of covariance matrices.

Whitening ``(Σ₁, Σ₂, Δμ) ↦ (L⁻¹Σ₂L⁻ᵀ, L⁻¹Δμ)`` with ``L = chol(Σ₁)`` in float64 has a
backward error of ``ε‖Σ₁‖``, i.e. a relative error of about ``ε·cond(Σ₁)`` along the
small eigenvectors of ``Σ₁``: at ``cond(Σ₁) ≈ 1e9`` the Fisher–Rao distance computed
from it is off by about 1e-9 relative, while the distance of the float64 input itself
is perfectly well defined. Here the Cholesky factor and both triangular solves are
carried out on unevaluated sums ``hi + lo`` of two doubles (Dekker 1971; Knuth's
two-sum and Dekker's two-product by splitting, since numpy has no fused
multiply-add), which pushes that error to about ``ε²·cond(Σ₁)``; the results are
rounded to float64 once at the end (entrywise relative error ``ε``).

All functions are vectorized over leading batch axes; the loops run over the matrix
dimension only (``O(d³)`` double-double operations per pair).
"""

from __future__ import annotations

import numpy as np

__all__ = ["dd_factor", "dd_whiten", "two_sum"]

_SPLIT = 134217729.0  # 2^27 + 1


def two_sum(a, b):
    """``(s, e)`` with ``s = fl(a + b)`` and ``s + e = a + b`` exactly (Knuth)."""
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


def _split(a):
    c = _SPLIT * a
    hi = c - (c - a)
    return hi, a - hi


def _two_prod(a, b):
    """``(p, e)`` with ``p = fl(ab)`` and ``p + e = ab`` exactly (Dekker)."""
    p = a * b
    ah, al = _split(a)
    bh, bl = _split(b)
    return p, ((ah * bh - p) + ah * bl + al * bh) + al * bl


def _add(x, y):
    s, e = two_sum(x[0], y[0])
    e = e + (x[1] + y[1])
    return two_sum(s, e)


def _neg(x):
    return -x[0], -x[1]


def _mul(x, y):
    p, e = _two_prod(x[0], y[0])
    e = e + (x[0] * y[1] + x[1] * y[0])
    return two_sum(p, e)


def _div(x, y):
    q1 = x[0] / y[0]
    r = _add(x, _neg(_mul((q1, np.zeros_like(q1)), y)))
    q2 = r[0] / y[0]
    return two_sum(q1, q2)


def _sqrt(x):
    s = np.sqrt(x[0])
    r = _add(x, _neg(_two_prod(s, s)))
    return two_sum(s, r[0] / (2.0 * s))


def _cholesky(A, A_lo=None):
    """Lower Cholesky factor of ``A + A_lo`` (``(..., d, d)``) as ``(hi, lo)``."""
    d = A.shape[-1]
    A_lo = np.zeros_like(A) if A_lo is None else A_lo
    Lh = np.zeros_like(A)
    Ll = np.zeros_like(A)
    for j in range(d):
        acc = (A[..., j, j].copy(), A_lo[..., j, j].copy())
        for k in range(j):
            acc = _add(
                acc, _neg(_mul((Lh[..., j, k], Ll[..., j, k]), (Lh[..., j, k], Ll[..., j, k])))
            )
        if np.any(~(acc[0] > 0)):
            raise np.linalg.LinAlgError("matrix is not positive definite (double-double Cholesky)")
        diag = _sqrt(acc)
        Lh[..., j, j], Ll[..., j, j] = diag
        if j + 1 == d:
            break
        col = (A[..., j + 1 :, j].copy(), A_lo[..., j + 1 :, j].copy())
        for k in range(j):
            lk = (Lh[..., j, k, None], Ll[..., j, k, None])
            col = _add(col, _neg(_mul((Lh[..., j + 1 :, k], Ll[..., j + 1 :, k]), lk)))
        Lh[..., j + 1 :, j], Ll[..., j + 1 :, j] = _div(
            col, (diag[0][..., None], diag[1][..., None])
        )
    return Lh, Ll


def _forward(L, X):
    """``L⁻¹X`` for ``L = (hi, lo)`` lower triangular and ``X = (hi, lo)`` of shape
    ``(..., d, m)``."""
    Lh, Ll = L
    d = Lh.shape[-1]
    Yh = np.empty_like(X[0])
    Yl = np.empty_like(X[1])
    for i in range(d):
        acc = (X[0][..., i, :], X[1][..., i, :])
        for k in range(i):
            lik = (Lh[..., i, k, None], Ll[..., i, k, None])
            acc = _add(acc, _neg(_mul(lik, (Yh[..., k, :], Yl[..., k, :]))))
        Yh[..., i, :], Yl[..., i, :] = _div(acc, (Lh[..., i, i, None], Ll[..., i, i, None]))
    return Yh, Yl


def dd_whiten(S1, S2, dm, dm_lo=None, S2_lo=None, parts=False):
    """``(L, x, S)``: ``L = chol(Σ₁)`` rounded to float64, ``x = L⁻¹Δμ`` and
    ``S = L⁻¹Σ₂L⁻ᵀ`` computed in double-double and rounded once (``S`` symmetrized).

    ``Δμ = dm + dm_lo`` and ``Σ₂ = S2 + S2_lo`` (the low parts, e.g. the rounding
    errors of differences from :func:`two_sum`; zero when omitted).
    ``parts=True`` returns ``x`` and ``S`` as ``(hi, lo)`` pairs, for
    :func:`dd_factor`.
    """
    S1 = np.asarray(S1, dtype=float)
    S2 = np.asarray(S2, dtype=float)
    dm = np.asarray(dm, dtype=float)
    dm_lo = np.zeros_like(dm) if dm_lo is None else np.asarray(dm_lo, dtype=float)
    L = _cholesky(S1)
    x = _forward(L, (dm[..., None], dm_lo[..., None]))
    Y = _forward(L, (S2, np.zeros_like(S2) if S2_lo is None else np.asarray(S2_lo, float)))
    Yt = (np.swapaxes(Y[0], -1, -2), np.swapaxes(Y[1], -1, -2))
    Sh, Sl = _forward(L, Yt)
    if parts:
        sym = (0.5 * (Sh + np.swapaxes(Sh, -1, -2)), 0.5 * (Sl + np.swapaxes(Sl, -1, -2)))
        return L[0], (x[0][..., 0], x[1][..., 0]), sym
    S = Sh + Sl
    return L[0], (x[0] + x[1])[..., 0], 0.5 * (S + np.swapaxes(S, -1, -2))


def dd_factor(S, x):
    """``(K, K⁻¹x)`` rounded to float64, ``K = chol(S)``, from double-double ``S`` and
    ``x`` (``(hi, lo)`` pairs from ``dd_whiten(..., parts=True)``). When ``S`` is
    ill-conditioned, rounding ``S`` itself to float64 moves its small eigenvalues by
    about ``ε·|v|ᵀ|S||v|``; the factor keeps them to about the square root of that
    componentwise condition."""
    K = _cholesky(S[0], S[1])
    xk = _forward(K, (x[0][..., None], x[1][..., None]))
    return K[0], (xk[0] + xk[1])[..., 0]

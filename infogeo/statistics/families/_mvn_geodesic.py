"""Fisher–Rao geodesics of the multivariate normal family in matrix form.

Everything here works on *standardized* pairs: the Fisher metric
``ds² = dμᵀΣ⁻¹dμ + ½ tr(Σ⁻¹dΣ Σ⁻¹dΣ)`` is invariant under ``(μ, Σ) ↦ (Aμ + b, AΣAᵀ)``,
so with ``L = chol(Σ₁)`` the pair ``(μ₁, Σ₁), (μ₂, Σ₂)`` is moved to
``(0, I), (x, S)`` with ``x = L⁻¹(μ₂ − μ₁)``, ``S = L⁻¹Σ₂L⁻ᵀ`` and a velocity
``(μ̇, Σ̇)`` at ``(μ₁, Σ₁)`` to ``(δ, B) = (L⁻¹μ̇, L⁻¹Σ̇L⁻ᵀ)`` at ``(0, I)``.

* **Exponential map** (Eriksen 1987; Calvo & Oller 1991). With the symmetric
  ``(2d+1)×(2d+1)`` matrix ``A = [[−B, δ, 0], [δᵀ, 0, −δᵀ], [0, −δ, B]]`` and
  ``exp(tA) = [[Δ(t), δ(t), ·], …]``, the geodesic from ``(0, I)`` with velocity
  ``(δ, B)`` is ``Σ(t) = Δ(t)⁻¹``, ``μ(t) = Δ(t)⁻¹δ(t)``. ``A`` is symmetric, so one
  ``eigh`` gives ``exp(tA)`` for every ``t``.
* **Logarithm**: Newton's method on that closed-form map (the route of Han & Park
  2014), with the Jacobian from the Daleckii–Krein formula for the derivative of a
  symmetric matrix exponential; started from the closed form of the nearest special
  case and, if needed, continued along a path of targets from that special case.
  Residual: ``ρ = √(‖Kᵀδ(1) − K⁻¹x‖² + ½‖KᵀΔ(1)K − I‖²_F)`` with ``S = KKᵀ``, a
  first-order Fisher distance between the end point and the target, so that the
  distance returned is within ``ρ`` of the length of a geodesic joining the pair.
* **Closed forms** when ``x`` is an eigenvector of ``S`` (equal means, ``x = 0``;
  equal covariances, ``S = I``; more generally ``μ₂ − μ₁`` an eigenvector of
  ``Σ₂Σ₁⁻¹``): the pair lies in the totally geodesic submanifold fixed by the
  reflections that fix the eigenbasis of ``S``, a product of the univariate normal
  half-plane (the ``x`` direction) and a flat factor, so
  ``d² = d_N((0, 1), (‖x‖, s))² + ½ Σᵢ log² sᵢ`` (``s`` the eigenvalue of ``x``, ``sᵢ``
  the others, ``d_N`` the univariate distance in variance coordinates).
* **Bracket**: the Calvo–Oller lower bound (the SPD(d+1) distance between the
  embeddings ``[[Σ + μμᵀ, μ], [μᵀ, 1]]``) and the upper bound
  ``min(√J, two-leg paths)`` with ``J`` the Jeffreys divergence, the energy of the
  e-geodesic (Nielsen 2023), and the two paths that change the mean and the
  covariance one after the other (each leg a closed form).
"""

from __future__ import annotations

import time

import numpy as np
from scipy.special import exprel

from ._double_double import dd_factor, dd_whiten, two_sum
from ._hyperbolic import halfplane_dist, halfplane_log

_SQRT2 = np.sqrt(2.0)


# ----------------------------------------------------------------- linear algebra
def sym(a):
    return 0.5 * (a + np.swapaxes(a, -1, -2))


def tril_solve(L, b):
    """``L⁻¹ b`` for lower-triangular ``L`` (batched)."""
    return np.linalg.solve(L, b)


#: Float64 whitening errs by about ``ε·cond`` relative along the small eigenvectors
#: (of ``Σ₁`` for ``L⁻¹``; of ``S`` for its factor ``K``): up to this condition number
#: (≈ 2e-12) it is used as it is, beyond it the pair goes the double-double route,
#: which costs O(d²) Python-level steps (0.2 → 13 ms at d = 10).
DD_COND = 1e4


def _ill_conditioned(A):
    """Per matrix of ``A`` (batched), whether ``cond(A) > DD_COND`` (or not SPD)."""
    w = np.linalg.eigvalsh(A)
    return ~(w[..., 0] * DD_COND >= w[..., -1])


def _f64_whiten(S1, S2, dm, dm_lo=None, S2_lo=None):
    """``(L, x, S)`` of :func:`~._double_double.dd_whiten` in float64 (low parts
    whitened apart and added)."""
    L = np.linalg.cholesky(S1)

    def both(X):
        return sym(tril_solve(L, np.swapaxes(tril_solve(L, X), -1, -2)))

    x = tril_solve(L, dm[..., None])[..., 0]
    if dm_lo is not None:
        x = x + tril_solve(L, dm_lo[..., None])[..., 0]
    S = both(S2)
    if S2_lo is not None:
        S = S + both(S2_lo)
    return L, x, S


def _sub(args, mask):
    """The batch entries ``mask`` of each argument (``None`` kept)."""
    return tuple(None if a is None else a[mask] for a in args)


def _assemble(ill, fast, slow):
    """One tuple of arrays over the batch: ``fast`` (a tuple, or ``None`` when empty)
    where ``ill`` is False, ``slow`` where it is True."""
    out = []
    for i, ref in enumerate(fast if fast is not None else slow):
        arr = np.empty((*ill.shape, *ref.shape[1:]), dtype=ref.dtype)
        if fast is not None:
            arr[~ill] = fast[i]
        if slow is not None:
            arr[ill] = slow[i]
        out.append(arr)
    return tuple(out)


def _mixed(fast, slow, ill, args):
    """``fast(*args)`` for the batch entries where ``ill`` is False, ``slow(*args)``
    where it is True (each a tuple of arrays with the batch axes first)."""
    if not np.any(ill):
        return fast(*args)
    if np.all(ill):
        return slow(*args)
    return _assemble(ill, fast(*_sub(args, ~ill)), slow(*_sub(args, ill)))


def _broadcast_pair(S1, S2, dm, dm_lo=None, S2_lo=None):
    """The arguments broadcast to one batch shape (``None`` kept)."""
    S1, S2, dm = np.asarray(S1, float), np.asarray(S2, float), np.asarray(dm, float)
    batch = np.broadcast_shapes(S1.shape[:-2], S2.shape[:-2], dm.shape[:-1])
    d = S1.shape[-1]

    def to(a, tail):
        return None if a is None else np.broadcast_to(np.asarray(a, float), (*batch, *tail))

    return to(S1, (d, d)), to(S2, (d, d)), to(dm, (d,)), to(dm_lo, (d,)), to(S2_lo, (d, d))


def whiten_pair(S1, S2, dm, dm_lo=None, S2_lo=None, ill=None):
    """``(L, x, S)``: ``L = chol(Σ₁)``, ``x = L⁻¹Δμ``, ``S = L⁻¹Σ₂L⁻ᵀ``; in float64
    where ``cond(Σ₁) ≤ DD_COND``, in double-double arithmetic elsewhere
    (:func:`~._double_double.dd_whiten`), so that ``x`` and ``S`` are accurate to
    rounding even when ``Σ₁`` is ill-conditioned. ``Δμ = dm + dm_lo``,
    ``Σ₂ = S2 + S2_lo`` (low parts optional); ``ill``: :func:`_ill_conditioned` of
    ``Σ₁`` when the caller has it."""
    args = _broadcast_pair(S1, S2, dm, dm_lo, S2_lo)
    if ill is None:
        ill = _ill_conditioned(args[0])
    if args[0].ndim == 2:  # one pair
        return (dd_whiten if bool(ill) else _f64_whiten)(*args)
    return _mixed(_f64_whiten, dd_whiten, np.broadcast_to(ill, args[0].shape[:-2]), args)


def _dd_parts(S1, S2, dm, dm_lo=None):
    L, xp, Sp = dd_whiten(S1, S2, dm, dm_lo, parts=True)
    K, xk = dd_factor(Sp, xp)
    S = Sp[0] + Sp[1]
    return L, xp[0] + xp[1], 0.5 * (S + np.swapaxes(S, -1, -2)), K, xk


def whiten(m1, S1, m2, S2, m2_lo=None, parts=False):
    """``(L, x, S)`` with ``L = chol(Σ₁)``, ``x = L⁻¹(μ₂ − μ₁)``, ``S = L⁻¹Σ₂L⁻ᵀ``
    (:func:`whiten_pair`: double-double where ``Σ₁`` is ill-conditioned, float64
    loses ``ε·cond(Σ₁)`` relative). ``m2_lo``: the rounding error of ``μ₂`` (its low
    part), when known. ``parts=True``: also ``(K, K⁻¹x)`` with ``K = chol(S)``,
    returned as ``(L, x, S, K, xk)``; from the unrounded double-double ``S``
    (:func:`~._double_double.dd_factor`) where ``Σ₁`` or ``S`` is ill-conditioned
    (rounding ``S`` moves its small eigenvalues by ``ε·|v|ᵀ|S||v|``)."""
    dm = np.asarray(m2, dtype=float) - np.asarray(m1, dtype=float)
    if not parts:
        return whiten_pair(S1, S2, dm, m2_lo)
    args = _broadcast_pair(S1, S2, dm, m2_lo)[:4]
    single = args[0].ndim == 2
    if single:
        args = tuple(None if a is None else a[None] for a in args)
    ill = _ill_conditioned(args[0])
    fast = None
    if not np.all(ill):  # float64 for a well-conditioned Σ₁, if S is well-conditioned too
        L, x, S = _f64_whiten(*_sub(args, ~ill))
        bad = _ill_conditioned(S)
        ill[~ill] = bad
        ok = ~bad
        if np.any(ok):
            K = np.linalg.cholesky(S[ok])
            fast = (L[ok], x[ok], S[ok], K, tril_solve(K, x[ok][..., None])[..., 0])
    slow = _dd_parts(*_sub(args, ill)) if np.any(ill) else None
    out = _assemble(ill, fast, slow)
    return tuple(o[0] for o in out) if single else out


def log_generalized_eigenvalues(S1, S2):
    """Logarithms ``ℓᵢ = log λᵢ(Σ₁⁻¹Σ₂)``, ascending, computed stably.

    ``λ ≥ 2`` from the eigenvalues of ``L₁⁻¹Σ₂L₁⁻ᵀ`` (large ones are accurate there),
    ``λ ≤ ½`` as ``−log`` of the large eigenvalues of ``L₂⁻¹Σ₁L₂⁻ᵀ``, and
    ``½ < λ < 2`` as ``log1p`` of the eigenvalues of ``L₁⁻¹(Σ₂ − Σ₁)L₁⁻ᵀ``.
    """

    def whitened(A, X, X_lo=None, ill=None):
        return whiten_pair(A, X, np.zeros(X.shape[:-1]), S2_lo=X_lo, ill=ill)[2]

    ill1 = _ill_conditioned(S1)  # Σ₁ factors both of the first two whitenings
    lam = np.linalg.eigvalsh(whitened(S1, S2, ill=ill1))
    out = np.log(np.maximum(lam, 1e-300))
    middle = (lam > 0.5) & (lam < 2.0)
    if np.any(middle):
        diff = np.linalg.eigvalsh(whitened(S1, *two_sum(S2, -S1), ill=ill1))
        out = np.where(middle, np.log1p(np.maximum(diff, -0.5)), out)
    small = lam <= 0.5
    if np.any(small):
        lam_rev = np.linalg.eigvalsh(whitened(S2, S1))[..., ::-1]
        out = np.where(small, -np.log(np.maximum(lam_rev, 1e-300)), out)
    return out


# ----------------------------------------------------------------- exponential map
def eriksen_matrix(delta, B):
    """``A = [[−B, δ, 0], [δᵀ, 0, −δᵀ], [0, −δ, B]]``, shape ``(..., 2d+1, 2d+1)``."""
    d = delta.shape[-1]
    A = np.zeros((*np.broadcast_shapes(delta.shape[:-1], B.shape[:-2]), 2 * d + 1, 2 * d + 1))
    A[..., :d, :d] = -B
    A[..., :d, d] = delta
    A[..., d, :d] = delta
    A[..., d, d + 1 :] = -delta
    A[..., d + 1 :, d] = -delta
    A[..., d + 1 :, d + 1 :] = B
    return A


def _from_blocks(Dl, dl):
    """``(μ, Σ) = (Δ⁻¹δ, Δ⁻¹)`` through a Cholesky factor of ``Δ`` (raises
    ``OverflowError`` when ``Δ`` is not finite and positive definite)."""
    if not np.all(np.isfinite(Dl)) or not np.all(np.isfinite(dl)):
        raise OverflowError(
            "the multivariate-normal exponential map overflows float64: the geodesic "
            "runs farther than float64 can represent (shorten the velocity)"
        )
    try:
        C = np.linalg.cholesky(sym(Dl))
    except np.linalg.LinAlgError as exc:
        raise OverflowError(
            "the multivariate-normal exponential map lost positive definiteness in "
            "float64: the geodesic runs too far for double precision (shorten the velocity)"
        ) from exc
    d = Dl.shape[-1]
    Ci = tril_solve(C, np.broadcast_to(np.eye(d), C.shape))
    S = np.swapaxes(Ci, -1, -2) @ Ci
    mu = np.einsum("...ab,...b->...a", S, dl)
    return mu, sym(S)


def exp_standard(delta, B, t=None):
    """Geodesic from ``(0, I)`` with velocity ``(δ, B)`` at times ``t``.

    ``t`` None: time 1, output ``(μ, Σ)`` with the batch shape of ``δ, B``; ``t`` a 1-d
    array for one ``(δ, B)``: outputs with a leading axis of ``len(t)``.
    """
    d = delta.shape[-1]
    lam, Q = np.linalg.eigh(eriksen_matrix(delta, B))
    Q1 = Q[..., :d, :]
    qm = Q[..., d, :]
    with np.errstate(over="ignore", invalid="ignore"):
        if t is None:
            e = np.exp(lam)
            Dl = (Q1 * e[..., None, :]) @ np.swapaxes(Q1, -1, -2)
            dl = np.einsum("...ak,...k->...a", Q1 * e[..., None, :], qm)
        else:
            e = np.exp(np.asarray(t, dtype=float)[:, None] * lam)  # (n, N)
            Dl = np.einsum("ak,nk,bk->nab", Q1, e, Q1)
            dl = np.einsum("ak,nk,k->na", Q1, e, qm)
    return _from_blocks(Dl, dl)


# ----------------------------------------------------------------- closed forms
def normal_halfplane_dist(m, s):
    """Univariate distance between ``N(0, 1)`` and ``N(m, s)`` (variance ``s``):
    ``√2 · d_H((0, 1), (m/√2, √s))``."""
    return _SQRT2 * halfplane_dist(0.0, 1.0, m / _SQRT2, np.sqrt(s))


def eigvec_case_log(x, S):
    """Closed-form ``(δ, B)`` for a standardized pair whose ``x`` is an eigenvector of
    ``S`` (up to rounding), or ``x = 0``; single pair."""
    d = x.shape[-1]
    m = float(np.linalg.norm(x))
    if m == 0.0:
        w, V = np.linalg.eigh(S)
        return np.zeros(d), (V * np.log(w)) @ V.T
    e = x / m
    s = float(e @ S @ e)
    P = np.eye(d) - np.outer(e, e)
    w, V = np.linalg.eigh(P @ S @ P + np.outer(e, e))
    # the eigenvector closest to e carries eigenvalue 1 of the projected matrix; drop it
    k = int(np.argmax(np.abs(V.T @ e)))
    w = np.delete(w, k)
    V = np.delete(V, k, axis=1)
    uh, wh = halfplane_log(0.0, 1.0, m / _SQRT2, np.sqrt(s))
    # (μ/√2, σ) half-plane velocity → μ̇ = √2 uh, variance rate 2σσ̇ = 2 wh at σ = 1
    delta = _SQRT2 * uh * e
    B = 2.0 * wh * np.outer(e, e) + (V * np.log(w)) @ V.T
    return delta, sym(B)


def eigvec_case_dist(x, S):
    """Closed-form distance for standardized pairs with ``x`` an eigenvector of ``S``
    (batched; the caller checks the condition)."""
    m = np.linalg.norm(x, axis=-1)
    safe = np.where(m > 0, m, 1.0)
    e = x / safe[..., None]
    e = np.where((m > 0)[..., None], e, 0.0)
    s = np.where(m > 0, np.einsum("...a,...ab,...b->...", e, S, e), 1.0)
    d = x.shape[-1]
    P = np.eye(d) - e[..., :, None] * e[..., None, :]
    T = P @ S @ P + e[..., :, None] * e[..., None, :]
    logs = np.log(np.linalg.eigvalsh(T))
    # T has eigenvalue 1 in direction e (exactly 0 after log); the others are S on e⊥
    flat = 0.5 * np.sum(logs**2, axis=-1)
    return np.sqrt(normal_halfplane_dist(m, s) ** 2 + flat)


def is_eigvec_case(x, S, rtol=1e-13):
    """Whether ``x`` is (to ``rtol``) an eigenvector of ``S`` or zero."""
    m2 = np.sum(x * x, axis=-1)
    Sx = np.einsum("...ab,...b->...a", S, x)
    ray = np.sum(x * Sx, axis=-1) / np.where(m2 > 0, m2, 1.0)
    res = np.linalg.norm(Sx - ray[..., None] * x, axis=-1)
    scale = np.linalg.norm(S, axis=(-1, -2)) * np.sqrt(m2)
    return (m2 == 0) | (res <= rtol * scale)


def common_mean_dist(S1, S2):
    """``√(½ Σᵢ log² λᵢ(Σ₁⁻¹Σ₂))``."""
    ell = log_generalized_eigenvalues(S1, S2)
    return np.sqrt(0.5 * np.sum(ell**2, axis=-1))


def common_cov_dist(dm, S):
    """``√2 arcosh(1 + m²/4) = 2√2 arsinh(m/(2√2))``, ``m² = Δμᵀ Σ⁻¹ Δμ`` (the
    univariate distance between ``N(0, 1)`` and ``N(m, 1)``), evaluated from ``log m``
    when ``m`` itself would overflow."""
    L = np.linalg.cholesky(S)
    c = np.max(np.abs(dm), axis=-1)
    safe = np.where(c > 0, c, 1.0)
    z = np.linalg.norm(tril_solve(L, (dm / safe[..., None])[..., None])[..., 0], axis=-1)
    with np.errstate(over="ignore"):
        m = c * z
    big = ~np.isfinite(m) | (m > 1e150)
    out = 2.0 * _SQRT2 * np.arcsinh(np.where(big, 1.0, m) / (2.0 * _SQRT2))
    # arsinh(y) = log(2y) + O(1/y²) for huge y; 2y = m/√2
    log_m = np.log(np.where(c > 0, c, 1.0)) + np.log(np.where(z > 0, z, 1.0))
    return np.where(big, 2.0 * _SQRT2 * (log_m - 0.5 * np.log(2.0)), out)


# ----------------------------------------------------------------- bounds
def bracket_standard(x, S, ell=None):
    """``(lower, upper, sqrt_jeffreys)`` for standardized pairs (batched).

    lower: Calvo–Oller, ``√(½ Σ log² λ(C))`` with ``C = [[S + xxᵀ, x], [xᵀ, 1]]``.
    upper: ``min(√J, d_cov(x; I) + d_mean(I, S), d_mean(I, S) + d_cov(x; S))`` with
    ``J = ½(Σ 4 sinh²(ℓᵢ/2) + ‖x‖² + xᵀS⁻¹x)``, ``ℓ = log λ(S)``.
    """
    d = x.shape[-1]
    C = np.zeros((*S.shape[:-2], d + 1, d + 1))
    C[..., :d, :d] = S + x[..., :, None] * x[..., None, :]
    C[..., :d, d] = x
    C[..., d, :d] = x
    C[..., d, d] = 1.0
    eye = np.broadcast_to(np.eye(d + 1), C.shape)
    lower = np.sqrt(0.5 * np.sum(log_generalized_eigenvalues(eye, C) ** 2, axis=-1))
    if ell is None:
        ell = log_generalized_eigenvalues(np.broadcast_to(np.eye(d), S.shape), S)
    K = np.linalg.cholesky(S)
    xs = tril_solve(K, x[..., None])[..., 0]
    J = 0.5 * (
        np.sum(4.0 * np.sinh(0.5 * ell) ** 2, axis=-1) + np.sum(x * x, -1) + np.sum(xs * xs, -1)
    )
    d_mean = np.sqrt(0.5 * np.sum(ell**2, axis=-1))
    m1 = np.linalg.norm(x, axis=-1)
    m2 = np.linalg.norm(xs, axis=-1)
    two_leg = np.minimum(
        normal_halfplane_dist(m1, 1.0) + d_mean, d_mean + normal_halfplane_dist(m2, 1.0)
    )
    sqrt_j = np.sqrt(J)
    return lower, np.minimum(sqrt_j, two_leg), sqrt_j


def step_standard(delta, B, h):
    """Point and velocity at time ``h`` of the geodesic from ``(0, I)`` with velocity
    ``(δ, B)``: with ``Λ = exp(hA)``, ``Σ = Δ⁻¹``, ``μ = Σδ′``, and from
    ``Λ̇ = AΛ``: ``Σ̇ = −ΣΔ̇Σ``, ``μ̇ = Σ̇δ′ + Σδ̇′``."""
    d = delta.shape[-1]
    lam, Q = np.linalg.eigh(eriksen_matrix(delta, B))
    e = np.exp(h * lam)
    Q1 = Q[:d]
    Lam_top = (Q1 * e) @ Q.T  # rows :d of Λ
    dLam_top = (Q1 * (lam * e)) @ Q.T  # rows :d of AΛ
    Dl, dl = Lam_top[:, :d], Lam_top[:, d]
    dD, ddl = dLam_top[:, :d], dLam_top[:, d]
    C = np.linalg.cholesky(sym(Dl))
    Ci = tril_solve(C, np.eye(d))
    S = sym(Ci.T @ Ci)
    mu = S @ dl
    Sd = sym(-S @ dD @ S)
    mud = Sd @ dl + S @ ddl
    return mu, S, mud, Sd


def composed_end(delta, B, steps):
    """End point ``(m, G)`` (covariance ``GGᵀ``, ``G`` lower triangular) of the
    geodesic from ``(0, I)`` with velocity ``(δ, B)``, in ``steps`` steps of length
    ``1/steps``, each from the whitened current point; also the end velocity whitened
    by ``G``, ``(δ₁, B₁)`` (the velocity is ``(Gδ₁, GB₁Gᵀ)``)."""
    d = delta.shape[-1]
    m = np.zeros(d)
    G = np.eye(d)
    for _ in range(steps):
        mu, S, mud, Sd = step_standard(delta, B, 1.0 / steps)
        C = np.linalg.cholesky(S)
        m = m + G @ mu
        G = G @ C
        delta = tril_solve(C, mud[:, None])[:, 0]
        B = sym(tril_solve(C, tril_solve(C, Sd).T))
    return m, G, delta, B


def steps_needed(delta, B, t=1.0):
    """Number of steps for :func:`composed_end` (``max|λ(tA)| ≤ 3`` per step)."""
    lam_max = float(np.max(np.abs(np.linalg.eigvalsh(eriksen_matrix(delta, B))))) * abs(t)
    return int(np.ceil(lam_max / 3.0))


def exp_long(delta, B, t=None):
    """Like :func:`exp_standard`, composing short steps when the geodesic is long
    (``max|λ(A)| > 6``), so that no ``exp`` of a large matrix is formed; batched by a
    loop over the items that need it."""
    times = None if t is None else np.asarray(t, dtype=float).reshape(-1)
    if times is None:
        batch = np.broadcast_shapes(delta.shape[:-1], B.shape[:-2])
        d = delta.shape[-1]
        delta = np.broadcast_to(delta, (*batch, d)).reshape(-1, d)
        B = np.broadcast_to(B, (*batch, d, d)).reshape(-1, d, d)
        items = [(delta[i], B[i], 1.0) for i in range(delta.shape[0])]
    else:
        items = [(delta, B, tk) for tk in times]
        batch = times.shape
    d = delta.shape[-1]
    mus, Ss = np.empty((len(items), d)), np.empty((len(items), d, d))
    for i, (dl, Bl, tk) in enumerate(items):
        steps = steps_needed(dl, Bl, tk)
        if steps <= 2:
            mus[i], Ss[i] = exp_standard(tk * dl, tk * Bl)
            continue
        if steps > 4096:
            raise OverflowError(
                "the multivariate-normal exponential map overflows float64: the geodesic "
                "runs farther than float64 can represent (shorten the velocity)"
            )
        try:
            with np.errstate(over="ignore", invalid="ignore"):
                m, G, _, _ = composed_end(tk * dl, tk * Bl, steps)
                S = sym(G @ G.T)
        except np.linalg.LinAlgError:
            m = S = np.array(np.inf)
        if not (np.all(np.isfinite(m)) and np.all(np.isfinite(S))):
            raise OverflowError(
                "the multivariate-normal exponential map overflows float64: the geodesic "
                "runs farther than float64 can represent (shorten the velocity)"
            )
        mus[i], Ss[i] = m, S
    return mus.reshape(*batch, d), Ss.reshape(*batch, d, d)


# ----------------------------------------------------------------- Newton shooting
class ShootingFailure(Exception):
    def __init__(self, message, residual, tolerance):
        super().__init__(message)
        self.residual = residual
        self.tolerance = tolerance


class StandardLogSolver:
    """Newton's method for ``exp_(0,I)(δ, B) = (x, S)`` in dimension ``d``."""

    def __init__(self, d: int):
        self.d = d
        rows, cols = np.tril_indices(d)
        self.rows, self.cols = rows, cols
        m = rows.size
        self.n = d + m
        N = 2 * d + 1
        gens = np.zeros((self.n, N, N))  # ∂A/∂u_k
        for i in range(d):
            gens[i] = eriksen_matrix(np.eye(d)[i], np.zeros((d, d)))
        for c, (r, s) in enumerate(zip(rows, cols)):
            E = np.zeros((d, d))
            E[r, s] = E[s, r] = 1.0
            gens[d + c] = eriksen_matrix(np.zeros(d), E)
        self.gens = gens
        # residual weights: diagonal entries of the symmetric residual count ½, off-diagonal 1
        self.weights = np.where(rows == cols, np.sqrt(0.5), 1.0)

    def unpack(self, u):
        d = self.d
        B = np.zeros((d, d))
        B[self.rows, self.cols] = u[d:]
        B[self.cols, self.rows] = u[d:]
        return u[:d], B

    def pack(self, delta, B):
        return np.concatenate([delta, B[self.rows, self.cols]])

    def norm(self, u):
        delta, B = self.unpack(u)
        return float(np.sqrt(delta @ delta + 0.5 * np.sum(B * B)))

    def residual(self, u, K, xk, jac=False):
        """Residual vector (and Jacobian) at ``u``; ``xk = K⁻¹x``.

        For short geodesics (``max|λ(A)| ≤ 6``) from ``exp(A/2)`` as a Gram matrix; for
        longer ones the end point is composed from ``k`` short steps, re-whitening
        after each (:func:`composed_end`), which keeps the rounding floor of the
        residual at the level of the data instead of ``ε e^{max|λ|}``; the Jacobian
        (only a Newton direction) still comes from the one-step formula.
        """
        delta, B = self.unpack(u)
        lam_max = float(np.max(np.abs(np.linalg.eigvalsh(eriksen_matrix(delta, B)))))
        steps = int(np.ceil(lam_max / 3.0))
        if steps > 256:
            raise FloatingPointError("geodesic too long for float64 (max|λ(A)| > 768)")
        if steps <= 1:
            return self._gram_residual(u, K, xk, jac)
        out = self._gram_residual(u, K, xk, jac) if jac else None
        d = self.d
        m, G, _, _ = composed_end(delta, B, steps)
        Y = tril_solve(G, K)  # G⁻¹K: KᵀΔ(1)K = YᵀY, Kᵀδ(1) = Yᵀ G⁻¹m
        Gm = tril_solve(G, m[:, None])[:, 0]
        R = Y.T @ Y - np.eye(d)
        r = np.concatenate([Y.T @ Gm - xk, self.weights * R[self.rows, self.cols]])
        if not np.all(np.isfinite(r)):
            raise FloatingPointError("residual overflow")
        if not jac:
            return r
        return r, out[1]

    def _gram_residual(self, u, K, xk, jac=False):
        """Residual vector (and Jacobian) at ``u``; ``xk = K⁻¹x``.

        With ``H = exp(A/2)`` (symmetric) and ``Z = KᵀH[:d, :]``, the end point has
        ``KᵀΔ(1)K = ZZᵀ`` and ``Kᵀδ(1) = Z H[:, d]``: a Gram matrix of half-step
        quantities, which keeps about twice as many digits as forming ``exp(A)``.
        """
        d = self.d
        delta, B = self.unpack(u)
        lam, Q = np.linalg.eigh(eriksen_matrix(delta, B))
        half = np.exp(0.5 * lam)
        H = (Q * half) @ Q.T
        Z = K.T @ H[:d]
        c = H[:, d]
        R = Z @ Z.T - np.eye(d)
        r = np.concatenate([Z @ c - xk, self.weights * R[self.rows, self.cols]])
        if not np.all(np.isfinite(r)):
            raise FloatingPointError("residual overflow")
        if not jac:
            return r
        # Daleckii–Krein: d exp(A/2)[E] = Q (Φ ∘ QᵀEQ) Qᵀ, Φᵢⱼ = (e^{λᵢ/2} − e^{λⱼ/2})/(λᵢ − λⱼ)
        lo = np.minimum(lam[:, None], lam[None, :])
        Phi = 0.5 * np.exp(0.5 * lo) * exprel(0.5 * np.abs(lam[:, None] - lam[None, :]))
        W = (Q.T @ self.gens @ Q) * Phi  # (n, N, N)
        dZ = K.T @ (Q[:d] @ W @ Q.T)  # Kᵀ dH[:d, :], (n, d, N)
        dc = (W @ Q[d]) @ Q.T  # dH[:, d], (n, N)
        ZdZ = Z @ np.swapaxes(dZ, -1, -2)  # Z dZᵀ
        dR = ZdZ + np.swapaxes(ZdZ, -1, -2)
        Jm = dZ @ c + dc @ Z.T
        Js = self.weights * dR[:, self.rows, self.cols]
        return r, np.concatenate([Jm, Js], axis=1).T

    def newton(self, u, K, xk, tol, deadline, max_iter=50):
        """Damped Newton from ``u`` until the residual is below ``tol(u)``, then at most
        two more full steps while they decrease it; returns ``(u, ρ)``."""
        rho = float(np.linalg.norm(self.residual(u, K, xk)))
        polish = 0
        for _ in range(max_iter):
            if time.monotonic() > deadline or rho == 0.0:
                break
            converged = rho <= tol(u)
            if converged:
                polish += 1
                if polish > 2:
                    break
            r, J = self.residual(u, K, xk, jac=True)
            try:
                step = np.linalg.solve(J, -r)
            except np.linalg.LinAlgError:
                break
            alpha, accepted = 1.0, False
            while alpha > (0.5 if converged else 1e-4) and time.monotonic() < deadline:
                try:
                    trial = u + alpha * step
                    rho_t = float(np.linalg.norm(self.residual(trial, K, xk)))
                except (FloatingPointError, np.linalg.LinAlgError):
                    rho_t = np.inf
                if rho_t < (1.0 if converged else 1.0 - 0.25 * alpha) * rho:
                    accepted = True
                    break
                alpha *= 0.5
            if not accepted:
                break
            u, rho = trial, rho_t
        return u, rho

    def solve(self, x, S, *, deadline, rtol=1e-10, atol=1e-14, accept_rtol=1e-9, factor=None):
        """``(u, ρ, method)`` with ``exp_(0,I)(unpack(u)) = (x, S)`` to ``ρ``.

        Raises
        ------
        ShootingFailure
            When neither direct Newton nor continuation meets the tolerance in time.
        """
        if factor is None:  # ``(K, K⁻¹x)``, K = chol(S), when computed more accurately
            K = np.linalg.cholesky(S)
            xk = tril_solve(K, x[:, None])[:, 0]
        else:
            K, xk = factor
        if is_eigvec_case(x, S):
            delta, B = eigvec_case_log(x, S)
            u = self.pack(delta, B)
            return u, float(np.linalg.norm(self.residual(u, K, xk))), "closed form"
        # start: the closed form for S projected so that x is one of its eigenvectors
        m = np.linalg.norm(x)
        e = x / m
        P = np.eye(self.d) - np.outer(e, e)
        s = float(e @ S @ e)
        S0 = P @ S @ P + s * np.outer(e, e)
        with np.errstate(invalid="ignore", divide="ignore"):
            u0 = self.pack(*eigvec_case_log(x, S0))
        if not np.all(np.isfinite(u0)):
            w = np.linalg.eigvalsh(S)
            raise ShootingFailure(
                "the standardized covariance K⁻¹Σ₂K⁻ᵀ (K = chol Σ₁) is singular at float64 "
                f"precision (eigenvalues {w.min():.3g} … {w.max():.3g}): no start for Newton "
                "shooting; rescale the coordinates or use dist_bounds(p, q)",
                np.inf,
                np.inf,
            )

        def tol_for(u):  # Newton's target; it then polishes until stagnation
            return max(rtol * self.norm(u), atol)

        # far pairs: the residual has a float64 floor of about ε‖K⁻¹x‖ times the growth
        # of the covariance along the geodesic; accept_rtol is relative to that scale
        accept_tol = accept_rtol * max(float(np.linalg.norm(xk)), 1.0)

        def accepted(u, rho):
            return rho <= max(tol_for(u), max(accept_tol, accept_rtol * self.norm(u)))

        try:
            u, rho = self.newton(u0, K, xk, tol_for, deadline)
        except (FloatingPointError, np.linalg.LinAlgError):
            u, rho = u0, np.inf
        if accepted(u, rho):
            return u, rho, "Newton shooting"
        # continuation along S(s) = S0 + s (S − S0), x fixed, from the closed form at s = 0
        u, s_reached, prev = u0, 0.0, None
        ds = 0.25
        while s_reached < 1.0 and time.monotonic() < deadline and ds > 1e-4:
            s_next = min(1.0, s_reached + ds)
            St = S0 + s_next * (S - S0)
            Kt = np.linalg.cholesky(St)
            xkt = tril_solve(Kt, x[:, None])[:, 0]
            guess = u if prev is None else u + (u - prev[0]) * (ds / prev[1])
            loose = 1e-8 if s_next < 1.0 else 0.0

            def tol_t(v, loose=loose):
                return max(loose, tol_for(v))

            try:
                cand, rho_c = self.newton(guess, Kt, xkt, tol_t, deadline, 12)
            except (FloatingPointError, np.linalg.LinAlgError):
                cand, rho_c = guess, np.inf  # a failed stage: retried with half the step
            if rho_c <= max(loose, tol_for(cand)):
                prev = (u, s_next - s_reached)
                u, s_reached = cand, s_next
                ds = min(2 * ds, 0.5)
            else:
                ds *= 0.5
        if s_reached >= 1.0:
            try:
                u, rho = self.newton(u, K, xk, tol_for, deadline)
            except (FloatingPointError, np.linalg.LinAlgError):
                rho = np.inf
            if accepted(u, rho):
                return u, rho, "Newton shooting with continuation"
        raise ShootingFailure(
            f"Newton shooting on the closed-form exponential map reached residual "
            f"{rho:.3g} (tolerance {max(tol_for(u), accept_tol):.3g}); continuation from "
            f"the closed-form special case reached s = {s_reached:.3g} of 1",
            rho,
            max(tol_for(u), accept_tol),
        )

"""The geodesic boundary-value problem by Chebyshev spectral collocation.

Given pairs ``p, q`` (batched), find the curve ``x : [0, 1] → M`` with
``ẍᵏ + Γᵏᵢⱼ(x) ẋⁱ ẋʲ = 0``, ``x(0) = p``, ``x(1) = q``; its initial velocity is
``log_p(q)``.

Method
------
The curve is the polynomial of degree ``N`` through its values ``X_j`` at the
Chebyshev–Gauss–Lobatto nodes ``t_j = (1 − cos(πj/N)) / 2``, ``j = 0, …, N``, with
``X_0 = p`` and ``X_N = q`` fixed. With ``D`` the spectral differentiation matrix on
``[0, 1]`` (built once per ``N`` and cached), the unknown interior values solve

``R_j = (D²X)_j + Γ(X_j)[(DX)_j, (DX)_j] = 0``,  ``j = 1, …, N − 1``,

by Newton's method from the straight line, with the analytic Jacobian

``∂R_jᵏ/∂X_mˡ = (D²)_jm δᵏₗ + D_jm (Γᵏᵢₗ + Γᵏₗᵢ) Vⁱ_j + δ_jm ∂ₗΓᵏᵢⱼ Vⁱ_j Vʲ_j``,

``V = DX``: one dense ``(N − 1) d`` square system per pair, all pairs solved by one
batched :func:`numpy.linalg.solve`, and the connection terms (contractions only, no
dense ``Γ, ∂Γ``) for every node of every pair from one vectorized
:meth:`~RiemannianManifold.geodesic_jacobians` call per iteration. When the manifold
gives them as diagonal plus low rank (``_geodesic_jacobians_lowrank``, e.g. Dirichlet)
and ``d ≥ 8``, the system is solved by Woodbury instead (:func:`_solve_lowrank`: one
``(N − 1)`` square system per coordinate).
A step is halved (up to ``max_halvings`` times) while some node leaves
the domain (:meth:`~RiemannianManifold.belongs`) or the residual norm ``‖R‖₂`` does
not decrease; a pair whose ``‖R‖₂`` has not halved in 5 iterations is given up.

Homotopy
--------
Pairs whose Newton from the straight line fails skip the degrees below 80; at the
first degree of at least 80 they are solved by homotopy in the connection,
``ẍ + λ Γ(x)[ẋ, ẋ] = 0`` for ``λ`` rising geometrically from a value at which the
straight line nearly solves it to 1 (see :func:`_homotopy`): far-apart pairs
(``(0, 1)`` and ``(1000, 1)`` on the half-plane) converge this way.

Continuation
------------
Pairs that the homotopy does not bring to ``λ = 1`` (e.g. a tall arc between two
low points of the half-plane, on which Newton from the straight line only creeps)
are solved by continuation in the end point: towards ``q_s = p + s (q − p)`` for
``s = 1/3, 2/3, 1``, each solution's deviation from its straight line the start of
the next stage (a stage that fails is retried with half the step in ``s``, down to
1/48), all such pairs in one batch per stage.

Certificate
-----------
A pair is accepted only if all three hold (``s = max(‖q − p‖₂, 1e-4 · max(‖p‖₂, ‖q‖₂))``
the scale of the curve, ``tol`` the requested relative tolerance):

1. **Newton converged**: the last Newton update satisfies ``‖δ‖_∞ ≤ 1e-12 · s``
   (Newton converges quadratically, so the iterate after it is at round-off), or
   two full steps in a row, the last one below ``1e-5 · s``, predict by quadratic
   convergence a next update ``‖δ‖³ / ‖δ_prev‖² ≤ 1e-13 · s``; the last update is
   then applied after a domain check without a new evaluation of the connection.
2. **Resolved**: the Chebyshev coefficients ``c_k`` of the curve (a DCT-I of the node
   values) have a negligible tail: ``max_{k > N − 3} ‖c_k‖_∞ ≤ tail_factor · tol · s``.
3. **Small defect off the grid**: the geodesic equation's residual
   ``‖ẍ + Γ(x)[ẋ, ẋ]‖_∞`` of the interpolating polynomial, evaluated at the ``2N``
   Chebyshev points of the first kind (none of them a collocation node), is at most
   ``tol · max(s, max_t ‖ẋ(t)‖_∞)`` (the velocity term: on far pairs of a hyperbolic
   geometry the velocity along the curve peaks far above ``s``, and the defect, a
   difference of velocities, cannot be resolved below round-off of that size).

Conditions 2–3 bound the interpolation error of the curve and the size of the
forcing of the linearized problem that the polynomial solves exactly; for a pair
that is not close to conjugate points the error of ``v = (DX)_0`` is then of order
``tol · s``. Pairs that fail are retried with ``2N`` nodes (mesh refinement:
degrees 20, 40, 80, 160, 320 by default, as long as ``(N − 1)·dim ≤ 1000`` so that
one dense Newton step stays cheap; far-apart pairs of a hyperbolic geometry, whose
geodesics bend sharply near their ends, need the high degrees), in chunks of pairs
that keep the batched Jacobians within about 32 MB; those still uncertified are
reported as failed so that the caller can fall back to shooting
(:mod:`~infogeo.geometry.shooting`). A pair whose Newton converged but whose tail
failed skips the degrees below the one its coefficients' geometric decay predicts
(:func:`_predicted_degree`; the curve is resampled exactly on the way).

Budget
------
With a :class:`~infogeo.geometry.budget.Budget`, Newton, the continuation and the
degree loop stop as soon as its deadline has passed; the pairs not certified by
then are handed back uncertified.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

__all__ = ["collocation_log"]

#: Newton's last update must be below this times the curve's scale.
_NEWTON_TOL = 1e-12
#: Quadratic-convergence test: a full step below ``_QUADRATIC · s`` after a full step
#: ``δ_prev`` ends Newton when ``‖δ‖³ / ‖δ_prev‖² ≤ _PREDICTED · s``.
_QUADRATIC = 1e-5
_PREDICTED = 1e-13
#: Number of trailing Chebyshev coefficients checked by the tail certificate.
_TAIL = 3
#: A pair whose residual norm has not fallen below ``_STALL_FACTOR`` times its value
#: ``_STALL_ITERS`` Newton iterations earlier is given up (then continuation takes over).
_STALL_ITERS = 5
_STALL_FACTOR = 0.5
#: Continuation in the end point (pairs whose Newton from the straight line fails):
#: the first step in ``s`` and the smallest after halvings.
_CONT_STEP = 1.0 / 3.0
_CONT_MIN_STEP = 1.0 / 48.0
#: Homotopy in the connection: the first factor by which λ grows, and the smallest.
_HOMOTOPY_GROWTH = 4.0
_HOMOTOPY_MIN_GROWTH = 1.02
_HOMOTOPY_MAX_GROWTH = 16.0
#: Newton iterations per homotopy or continuation stage (a stage starts next to its
#: solution; one that does not converge quickly is retried with a shorter step).
_STAGE_ITER = 10
_STAGE_HALVINGS = 4
#: The homotopy runs at the first polynomial degree at least this high.
_HOMOTOPY_DEGREE = 80
#: Largest number of unknowns ``(N − 1)·dim`` per pair of the degrees above the first.
_MAX_UNKNOWNS = 1000
#: Largest number of entries of the batched dense Jacobians solved at once.
_CHUNK_ENTRIES = 4_000_000
#: Floor of the curve scale relative to ``max(‖p‖, ‖q‖)`` (as in shooting).
_SCALE_FLOOR = 1e-4


def _dct_matrix(N: int) -> np.ndarray:
    """``C`` with ``c = C f``: Chebyshev coefficients of the interpolant of values ``f``
    at the points ``cos(πj/N)`` (DCT-I)."""
    j = np.arange(N + 1)
    w = np.ones(N + 1)
    w[0] = w[-1] = 0.5
    C = (2.0 / N) * np.cos(np.pi * np.outer(j, j) / N) * w[None, :]
    C[0] *= 0.5
    C[-1] *= 0.5
    return C


def _derivative_coefficients(N: int) -> np.ndarray:
    """``A`` with ``A[:, k]`` the Chebyshev coefficients of ``T_k′``:
    ``T_k′ = 2k Σ T_j`` over ``j < k``, ``k − j`` odd, the ``T_0`` term halved."""
    j, k = np.meshgrid(np.arange(N + 1), np.arange(N + 1), indexing="ij")
    A = np.where((j < k) & ((k - j) % 2 == 1), 2.0 * k, 0.0)
    A[0] *= 0.5
    return A


def _integral_coefficients(N: int) -> np.ndarray:
    """``A`` ``(N + 2, N + 1)`` with ``A[:, k]`` the coefficients of ``∫₁ˣ T_k``:
    ``∫T_0 = T_1``, ``∫T_1 = T_2/4``, ``∫T_k = T_{k+1}/(2(k+1)) − T_{k−1}/(2(k−1))``,
    plus the constant that makes it vanish at ``x = 1`` (``T_j(1) = 1``)."""
    A = np.zeros((N + 2, N + 1))
    A[1, 0] = 1.0
    if N >= 1:
        A[2, 1] = 0.25
    k = np.arange(2, N + 1)
    A[k + 1, k] = 1.0 / (2.0 * (k + 1))
    A[k - 1, k] -= 1.0 / (2.0 * (k - 1))
    A[0] = -A[1:].sum(axis=0)
    return A


@lru_cache(maxsize=16)
def _operators(N: int):
    """Nodes ``t``, ``D``, ``D²`` on ``[0, 1]``, the DCT-I matrix ``C``, and for the
    defect certificate on the ``2N`` grid: values ``E0`` and ``t``-derivatives ``E1``
    of the degree-``N`` interpolant, and the integration matrix ``S`` (``∫₀ᵗ f``)."""
    j = np.arange(N + 1)
    x = np.cos(np.pi * j / N)  # descending on [-1, 1]
    c = np.ones(N + 1)
    c[0] = c[-1] = 2.0
    c = c * (-1.0) ** j
    Dx = np.outer(c, 1.0 / c) / (x[:, None] - x[None, :] + np.eye(N + 1))
    Dx -= np.diag(Dx.sum(axis=1))  # negative-sum trick for the diagonal
    t = (1.0 - x) / 2.0
    D = -2.0 * Dx  # d/dt = −2 d/dx
    D2 = D @ D
    C = _dct_matrix(N)
    cheb = np.polynomial.chebyshev
    M = 2 * N
    y = np.cos(np.pi * np.arange(M + 1) / M)
    E0 = cheb.chebvander(y, N) @ C
    E1 = -2.0 * cheb.chebvander(y, N) @ _derivative_coefficients(N) @ C
    # ∫₀ᵗ f dt' = −½ ∫₁ˣ f dx' (t = (1 − x)/2), f interpolated on the 2N grid
    S = -0.5 * cheb.chebvander(y, M + 1) @ _integral_coefficients(M) @ _dct_matrix(M)
    return t, D, D2, C, E0, E1, S


def collocation_log(
    manifold,
    P: np.ndarray,
    Q: np.ndarray,
    *,
    tol: float,
    nodes: tuple[int, ...] = (20, 40, 80, 160, 320),
    max_iter: int = 30,
    max_halvings: int = 3,
    tail_factor: float = 1.0,
    budget=None,
    rescue: bool = True,
):
    """Initial velocities ``log_p(q)`` by Chebyshev collocation, with a certificate.

    Parameters
    ----------
    manifold : RiemannianManifold
        Supplies ``christoffel``, ``christoffel_and_derivative`` and ``belongs``.
    P, Q : ndarray, shape ``(B, dim)``
        Start and end points, validated.
    tol : float
        Relative tolerance of the certificate (see the module docstring).
    nodes : tuple of int
        Polynomial degrees tried in turn for the pairs not yet certified.
    max_iter, max_halvings : int
        Newton iterations per degree; step halvings per iteration.
    tail_factor : float
        The tail certificate's bound is ``tail_factor · tol · s``.
    budget : Budget, optional
        Wall-clock deadline (:class:`~infogeo.geometry.budget.Budget`): Newton,
        continuation and the degree loop stop when it has passed, leaving the pairs
        not yet certified to the caller.
    rescue : bool
        Run the homotopy and the continuation for pairs whose Newton fails, and
        allow the defect bound relative to the curve's speed (False: Newton from the
        straight line only and the defect bound ``tol · s``, a quick first pass).

    Returns
    -------
    V : ndarray, shape ``(B, dim)``
        Initial velocities (meaningful where ``ok``).
    ok : ndarray of bool, shape ``(B,)``
        Pairs whose solution passed the certificate.
    """
    P = np.asarray(P, dtype=float)
    Q = np.asarray(Q, dtype=float)
    B, d = P.shape
    V = np.zeros((B, d))
    ok = np.zeros(B, dtype=bool)
    scale = _scale(P, Q)
    todo = np.arange(B)
    Y = None
    N_prev = None
    usable = [N for N in nodes if N == nodes[0] or (N - 1) * d <= _MAX_UNKNOWNS]
    # the homotopy needs a degree that resolves bent curves: the first one ≥ 80
    homotopy_N = next((N for N in usable if N >= _HOMOTOPY_DEGREE), usable[-1])
    stalled = np.zeros(B, dtype=bool)  # Newton from the line failed: wait for homotopy_N
    wait = np.zeros(B, dtype=int)  # converged but unresolved: the degree predicted to do
    kept = np.zeros(0, dtype=bool)  # which pairs of todo carry a converged polynomial
    for N in usable:
        if todo.size == 0 or (budget is not None and budget.expired()):
            break
        if Y is None:
            Y = np.zeros((todo.size, N + 1, d))  # the straight line
        else:
            Y = _resample(Y, N_prev, N)  # restart from the coarser polynomial
        # pairs predicted to need a higher degree keep their (exactly resampled) curve
        waiting = (wait[todo] > N) & (N < usable[-1])
        conv = waiting & (kept if kept.size == todo.size else False)
        good = np.zeros(todo.size, dtype=bool)
        # pairs whose Newton stalled skip the degrees below homotopy_N
        work = np.flatnonzero((~stalled[todo] | (N >= homotopy_N)) & ~waiting)
        # chunks of pairs keep the dense Jacobians of high degrees within memory
        size = max(1, int(_CHUNK_ENTRIES // ((N - 1) * d) ** 2))
        for lo in range(0, work.size, size):
            c = work[lo : lo + size]
            Pt, Qt, st = P[todo[c]], Q[todo[c]], scale[todo[c]]
            Yc, cc = Y[c], np.zeros(c.size, dtype=bool)
            fresh = np.flatnonzero(~stalled[todo[c]])  # the stalled go to the homotopy
            if fresh.size:
                Yc[fresh], cc[fresh] = _newton(
                    manifold,
                    Pt[fresh],
                    Qt[fresh],
                    Yc[fresh],
                    N,
                    st[fresh],
                    max_iter,
                    max_halvings,
                    budget,
                )
            failed = np.flatnonzero(~cc)
            if failed.size and rescue and N >= homotopy_N:  # homotopy, then
                Yc[failed], cc[failed] = _homotopy(  # continuation in the end point
                    manifold, Pt[failed], Qt[failed], N, _STAGE_ITER, _STAGE_HALVINGS, budget
                )
                failed = np.flatnonzero(~cc)
                if failed.size:
                    Yc[failed], cc[failed] = _continuation(
                        manifold, Pt[failed], Qt[failed], N, _STAGE_ITER, max_halvings, budget
                    )
            stalled[todo[c]] = ~cc
            gc = cc.copy()
            if np.any(gc):
                g = np.flatnonzero(gc)
                gc[g] = _certify(manifold, Pt[g], Qt[g], Yc[g], N, st[g], tol, tail_factor, rescue)
            Y[c], conv[c], good[c] = Yc, cc, gc
            unresolved = np.flatnonzero(cc & ~gc)
            if unresolved.size:
                wait[todo[c[unresolved]]] = _predicted_degree(
                    Yc[unresolved], N, st[unresolved], tol * tail_factor
                )
        D = _operators(N)[1]
        Pt, Qt = P[todo], Q[todo]
        V[todo[good]] = np.einsum("m,bmd->bd", D[0], Y[good]) + (Qt - Pt)[good]
        ok[todo[good]] = True
        # refine the pairs whose Newton converged from their polynomial, the others anew
        keep = ~good
        Y = np.where(conv[keep, None, None], Y[keep], 0.0)
        kept = conv[keep]
        N_prev = N
        todo = todo[keep]
    return V, ok


def _predicted_degree(Y, N, scale, tol):
    """The degree at which the Chebyshev coefficients ``c_k`` of converged but
    unresolved curves are predicted to fall below ``tol · s``, from their geometric
    decay between the second and the last quarter of ``0 … N`` (analytic curves:
    ``‖c_k‖ ~ ρ^{−k}``), with a 25 % margin; ``2N`` when they do not decay.

    The degree loop skips the degrees below it for these pairs (their curve is
    resampled exactly), so that a pair needing degree 80 does not also solve at 40.
    """
    C = _operators(N)[3]
    mag = np.max(np.abs(np.einsum("kj,bjd->bkd", C, Y)), axis=2)  # (B, N + 1)
    q = max(N // 4, 1)
    tiny = np.finfo(float).tiny
    early = np.log(np.max(mag[:, q : 2 * q + 1], axis=1) + tiny)
    late = np.log(np.max(mag[:, N - q :], axis=1) + tiny)
    rate = (early - late) / (N - 2 * q)  # decay of log‖c_k‖ per degree
    target = np.log(tol * scale)
    with np.errstate(all="ignore"):
        need = N + (late - target) / rate
    need = np.where((rate > 0) & np.isfinite(need), 1.25 * need + _TAIL, 2 * N)
    return np.ceil(np.clip(need, 2 * N, 1e9)).astype(int)


def _scale(P, Q):
    """The curve scale ``s = max(‖q − p‖₂, 1e-4 · max(‖p‖₂, ‖q‖₂))`` of each pair (the
    floor relative to the coordinates: pairs at scale 1e-6 keep their accuracy)."""
    return np.maximum(
        np.linalg.norm(Q - P, axis=-1),
        _SCALE_FLOOR * np.maximum(np.linalg.norm(P, axis=-1), np.linalg.norm(Q, axis=-1)),
    )


def _continuation(manifold, P, Q, N, max_iter, max_halvings, budget=None):
    """Newton by continuation in the end point, for pairs whose Newton from the
    straight line stalls; returns ``(Y, converged)`` for ``(P, Q)``.

    Each pair solves towards ``q_s = p + s (q − p)`` for ``s`` rising from 0 to 1 in
    steps of ``_CONT_STEP``; the deviation ``Y`` from the straight line that solves
    one stage is the start of the next (the previous curve with its end moved
    linearly to ``q_s``). A stage whose Newton fails is retried with half the step,
    down to ``_CONT_MIN_STEP``; the pairs still short of ``s = 1`` are not converged.
    All pairs of a stage are solved in one batch.
    """
    B, d = P.shape
    Y = np.zeros((B, N + 1, d))
    done = np.zeros(B)  # the s each pair has reached
    ds = np.full(B, _CONT_STEP)
    conv = np.zeros(B, dtype=bool)
    active = np.arange(B)
    while active.size and not (budget is not None and budget.expired()):
        s = np.minimum(done[active] + ds[active], 1.0)
        Qs = P[active] + s[:, None] * (Q[active] - P[active])
        Ys, ok = _newton(
            manifold,
            P[active],
            Qs,
            Y[active],
            N,
            _scale(P[active], Qs),
            max_iter,
            max_halvings,
            budget,
        )
        a = active[ok]
        Y[a], done[a] = Ys[ok], s[ok]
        conv[a] = s[ok] >= 1.0
        ds[active[~ok]] *= 0.5
        active = active[~conv[active] & (ds[active] >= _CONT_MIN_STEP)]
    return Y, conv


def _homotopy(manifold, P, Q, N, max_iter, max_halvings, budget=None):
    """Newton by homotopy in the connection, ``ẍ + λ Γ(x)[ẋ, ẋ] = 0`` for ``λ`` rising
    from ``λ₀`` to 1; returns ``(Y, converged)`` for ``(P, Q)``.

    ``λ₀ = min(1, 0.05 s / max_j ‖Γ(x_j)[q − p, q − p]‖)`` on the straight line
    ``x_j`` (``s`` the pair's scale), so that the first problem is a small
    perturbation of the line. Each solved stage multiplies ``λ`` by a factor ``g``
    (first 4, doubled after a success up to 16, square-rooted after a failure, given
    up below 1.02), the last solution the start of
    the next stage. On the half-plane, scaling ``Γ`` by ``λ`` is the same as lifting
    both end points by ``−½ log λ`` in ``log y``: far pairs become near ones, and the
    stages bring them down step by step.
    """
    B, d = P.shape
    Y = np.zeros((B, N + 1, d))
    t = _operators(N)[0]
    line = P[:, None, :] + t[None, :, None] * (Q - P)[:, None, :]
    scale = _scale(P, Q)
    with np.errstate(all="ignore"):
        chord = np.broadcast_to((Q - P)[:, None, :], line.shape).reshape(-1, d)
        acc = manifold.geodesic_acceleration(line.reshape(-1, d), chord).reshape(B, N + 1, d)
        force = np.linalg.norm(acc, axis=-1).max(axis=1)  # max_j ‖Γ(x_j)[q − p, q − p]‖
    lam0 = np.where(np.isfinite(force) & (force > 0), 0.05 * scale / force, 0.0)
    done = np.clip(lam0, 0.0, 1.0)  # the λ each pair has solved (λ₀: the line, nearly)
    conv = np.zeros(B, dtype=bool)
    growth = np.full(B, _HOMOTOPY_GROWTH)
    active = np.flatnonzero(done > 0)
    first = True  # stage 0 solves at λ₀ itself; a pair that fails it is given up
    while active.size and not (budget is not None and budget.expired()):
        lam = done[active] if first else np.minimum(done[active] * growth[active], 1.0)
        Ys, ok = _newton(
            manifold,
            P[active],
            Q[active],
            Y[active],
            N,
            scale[active],
            max_iter,
            max_halvings,
            budget,
            lam,
        )
        a = active[ok]
        Y[a], done[a] = Ys[ok], lam[ok]
        conv[a] = lam[ok] >= 1.0
        if first:
            keep = ok
        else:
            growth[a] = np.minimum(growth[a] * 2.0, _HOMOTOPY_MAX_GROWTH)
            growth[active[~ok]] = np.sqrt(growth[active[~ok]])
            keep = growth[active] >= _HOMOTOPY_MIN_GROWTH
        active = active[~conv[active] & keep]
        first = False
    return Y, conv


def _resample(Y, N_old, N_new):
    """Values of the degree-``N_old`` interpolant of ``Y`` at the ``N_new`` nodes."""
    C = _operators(N_old)[3]
    t = _operators(N_new)[0]
    T = np.polynomial.chebyshev.chebvander(1.0 - 2.0 * t, N_old)
    out = np.einsum("tk,kj,bjd->btd", T, C, Y)
    out[:, 0] = out[:, -1] = 0.0
    return out


def _curve(P, Q, Y, D, D2, rows, t):
    """Points, velocities and accelerations of ``X = P + t (Q − P) + Y`` at ``rows``."""
    X = P[:, None, :] + t[rows][None, :, None] * (Q - P)[:, None, :] + Y[:, rows]
    Vel = np.einsum("jm,bmd->bjd", D[rows], Y) + (Q - P)[:, None, :]
    Acc = np.einsum("jm,bmd->bjd", D2[rows], Y)
    return X, Vel, Acc


def _evaluate(manifold, P, Q, Y, N, lam=None):
    """Residual ``R`` ``(B, (N − 1) d)`` and the Jacobian's connection parts at the
    interior nodes: ``Cs = (Γᵏᵢₗ + Γᵏₗᵢ) Vⁱ`` and ``A = ∂ₗΓᵏᵢⱼ Vⁱ Vʲ``, ``(B, N − 1, d, d)``;
    ``ok`` is False where a node is outside the domain or something is not finite
    (its rows are then NaN, or unspecified when every pair is inside the domain).

    With ``lam`` (per pair) the connection is scaled by ``λ`` (the homotopy
    ``ẍ + λ Γ(x)[ẋ, ẋ] = 0`` of :func:`_homotopy`)."""
    t, D, D2, *_ = _operators(N)
    B, _, d = Y.shape
    n = N - 1
    X, Vel, Acc = _curve(P, Q, Y, D, D2, slice(1, N), t)
    ok = manifold.belongs(X.reshape(-1, d)).reshape(B, n).all(axis=1)
    with np.errstate(all="ignore"):
        if ok.all():  # the usual case: no NaN-filled copies
            R, Cs, A = _connection_terms(manifold, X, Vel, Acc)
        else:
            width = _terms_width(manifold, d)
            R = np.full((B, n * d), np.nan)
            Cs = np.full((B, n, d, width), np.nan)
            A = np.full((B, n, d, width), np.nan)
            w = np.flatnonzero(ok)
            if w.size:
                R[w], Cs[w], A[w] = _connection_terms(manifold, X[w], Vel[w], Acc[w])
        if lam is not None:  # R = Acc + λ Γ[V, V]: scale the connection's part
            acc = Acc.reshape(B, n * d)
            R = acc + lam[:, None] * (R - acc)
            scale = lam[:, None, None, None]
            if Cs.shape[-1] == d:
                Cs, A = scale * Cs, scale * A
            else:  # packed [diag | U | W] of diag + U Wᵀ: scale diag and U, not W
                r1 = 1 + (Cs.shape[-1] - 1) // 2
                Cs = np.concatenate([scale * Cs[..., :r1], Cs[..., r1:]], axis=-1)
                A = np.concatenate([scale * A[..., :r1], A[..., r1:]], axis=-1)
        # one sum per array flags any non-finite entry (an overflow only adds caution)
        ok &= np.isfinite(R.sum(axis=1) + Cs.sum(axis=(1, 2, 3)) + A.sum(axis=(1, 2, 3)))
    return R, Cs, A, ok


def _connection_terms(manifold, X, Vel, Acc):
    """``R``, ``Cs``, ``A`` of :func:`_evaluate` from one
    :meth:`~RiemannianManifold.geodesic_jacobians` call at the nodes ``X`` ``(B, n, d)``
    (``Cs = −∂acc/∂v``, ``A = −∂acc/∂x``, ``R = Acc − acc``)."""
    B, n, d = X.shape
    width = _terms_width(manifold, d)
    if width != d:  # diagonal plus low rank, packed as [diag | U | W]: −(diag + U Wᵀ)
        acc, dp, dv = manifold._geodesic_jacobians_lowrank(X.reshape(-1, d), Vel.reshape(-1, d))
        Cs, A = (-np.concatenate([f[0][..., None], f[1], -f[2]], axis=-1) for f in (dv, dp))
    else:
        acc, dp, dv = manifold.geodesic_jacobians(X.reshape(-1, d), Vel.reshape(-1, d))
        Cs, A = -dv, -dp
    R = (Acc - acc.reshape(B, n, d)).reshape(B, n * d)
    return R, Cs.reshape(B, n, d, width), A.reshape(B, n, d, width)


#: Smallest dimension at which a manifold's diagonal-plus-low-rank connection
#: Jacobians (``_geodesic_jacobians_lowrank``) replace the dense ones in Newton.
_LOWRANK_MIN_DIM = 8


def _terms_width(manifold, d):
    """Last axis of ``Cs``/``A``: ``d`` (dense ``d × d`` blocks) or ``1 + 2r`` for the
    packed form ``[diag | U | W]`` of a ``diag + U Wᵀ`` block of rank ``r``."""
    r = getattr(manifold, "_jacobian_rank", None)
    if r is None or d < _LOWRANK_MIN_DIM or 1 + 2 * r >= d:
        return d
    return 1 + 2 * r


@lru_cache(maxsize=16)
def _jacobian_layout(N: int, d: int):
    """Constant parts of the collocation Jacobian ``(B, n, d, n, d)``, ``n = N − 1``:
    ``(D²)_jm δᵏₗ``, the factor ``D_jm`` broadcast against ``Cs[b, j, k, :, l]``, and
    the flat positions of the diagonal blocks ``(j, k, j, l)``."""
    _, D, D2, *_ = _operators(N)
    n = N - 1
    inner = slice(1, N)
    base = np.einsum("jm,kl->jkml", D2[inner, inner], np.eye(d))
    Dint = D[inner, inner][None, :, None, :, None]
    j, k, l_ = np.meshgrid(np.arange(n), np.arange(d), np.arange(d), indexing="ij")
    diag = (((j * d + k) * n + j) * d + l_).ravel()
    return base, Dint, diag


def _newton(manifold, P, Q, Y, N, scale, max_iter, max_halvings, budget=None, lam=None):
    """Damped Newton on the collocation equations for the deviation ``Y`` from the
    straight line; returns ``(Y, converged)``.

    The connection is evaluated once per trial iterate: the residual that decides
    a step's acceptance also provides the next Jacobian. The final (round-off
    size) step is accepted after a domain check alone.
    """
    t, *_ = _operators(N)
    B, _, d = Y.shape
    inner = slice(1, N)
    n = N - 1
    base, Dint, diag = _jacobian_layout(N, d)
    line = P[:, None, :] + t[inner][None, :, None] * (Q - P)[:, None, :]  # straight line
    Y = Y.copy()
    conv = np.zeros(B, dtype=bool)
    tiny, quadratic, predicted_tol = _NEWTON_TOL * scale, _QUADRATIC * scale, _PREDICTED * scale
    R, Cs, A, alive = _evaluate(manifold, P, Q, Y, N, lam)
    last = np.full(B, np.inf)  # the previous full Newton step (inf after a damped one)
    checkpoint = np.linalg.norm(R, axis=1)
    for it in range(max_iter):
        if budget is not None and budget.expired():
            break
        if it and it % _STALL_ITERS == 0:  # give up pairs whose ‖R‖ has not halved
            rn = np.linalg.norm(R, axis=1)
            alive &= conv | (rn <= _STALL_FACTOR * checkpoint)
            checkpoint = rn
        act = np.flatnonzero(~conv & alive)
        m = act.size
        if m == 0:
            break
        every = m == B
        Ra, Ca, Aa = (R, Cs, A) if every else (R[act], Cs[act], A[act])
        if Ca.shape[-1] == d:
            J = (Dint * Ca[:, :, :, None, :] + base).reshape(m, -1)
            J[:, diag] += Aa.reshape(m, -1)
            delta = _solve(J.reshape(m, n * d, n * d), Ra)
        else:
            delta = _solve_lowrank(Ca, Aa, Ra, N)
        step = np.max(np.abs(delta), axis=1)  # NaN or inf where delta is not finite
        usable = np.isfinite(step)
        alive[act[~usable]] = False
        delta = delta.reshape(m, n, d)
        # converged: this step is round-off size, or quadratic convergence (two full
        # steps in a row) predicts that the next one, ~‖δ‖³/‖δ_prev‖², would be
        with np.errstate(all="ignore"):
            predicted = np.where(step <= quadratic[act], step**3 / last[act] ** 2, np.inf)
        small = usable & ((step <= tiny[act]) | (predicted <= predicted_tol[act]))
        # converged: the round-off-size last step only needs to stay in the domain
        if small.any():
            fin = np.flatnonzero(small)
            b = act[fin]
            trial = Y[b]
            trial[:, inner] += delta[fin]
            X = line[b] + trial[:, inner]
            inside = manifold.belongs(X.reshape(-1, d)).reshape(fin.size, n).all(axis=1)
            Y[b[inside]] = trial[inside]
            conv[b] = inside
            alive[b[~inside]] = False
        # line search: halve while a node leaves the domain or ‖R‖ does not decrease
        pending = np.flatnonzero(usable & ~small)
        if pending.size == 0:
            continue
        rnorm = np.linalg.norm(Ra, axis=1)
        alpha = 1.0
        for _h in range(max_halvings + 1):
            b = act[pending]
            trial = Y[b]
            trial[:, inner] += alpha * delta[pending]
            Rt, Ct, At, okt = _evaluate(
                manifold, P[b], Q[b], trial, N, None if lam is None else lam[b]
            )
            rt = np.linalg.norm(np.where(okt[:, None], Rt, 0.0), axis=1)
            accept = okt & (rt < rnorm[pending])
            if accept.all() and b.size == B:  # every pair took the full step
                Y, R, Cs, A = trial, Rt, Ct, At
            else:
                a = b[accept]
                Y[a], R[a], Cs[a], A[a] = trial[accept], Rt[accept], Ct[accept], At[accept]
            last[b[accept]] = step[pending[accept]] if _h == 0 else np.inf
            pending = pending[~accept]
            if pending.size == 0:
                break
            alpha *= 0.5
        alive[act[pending]] = False
    return Y, conv


def _solve(J, R):
    """Batched ``−J⁻¹R``; NaN rows for singular systems."""
    try:
        return -np.linalg.solve(J, R[..., None])[..., 0]
    except np.linalg.LinAlgError:
        out = np.full_like(R, np.nan)
        for b in range(R.shape[0]):
            try:
                out[b] = -np.linalg.solve(J[b], R[b])
            except np.linalg.LinAlgError:
                pass
        return out


def _solve_lowrank(Cs, A, R, N):
    """Batched ``−J⁻¹R`` for blocks ``Cs_j = diag(c_j) + X_j Y_jᵀ`` and
    ``A_j = diag(α_j) + Z_j W_jᵀ`` (packed ``[diag | U | W]``, rank ``r``), by Woodbury.

    Without the low-rank parts ``J`` splits into one ``n × n`` system per coordinate
    ``k``, ``M_k = D² + diag(c_{·k}) D + diag(α_{·k})`` (interior nodes). The low-rank
    parts enter through ``ξ_jr = Y_jr·(Dδ)_j`` and ``η_jr = W_jr·δ_j``; with
    ``δ = δ₀ − T ζ`` (``δ₀ = −M⁻¹R``, ``ζ = (ξ, η)``) they solve the ``2rn`` square
    capacitance system ``(I + PT) ζ = P δ₀``. Cost ``O(d n³ + d r² n²)`` per pair
    instead of ``O(d³ n³)``; NaN rows where a system is singular.
    """
    _, D, D2, *_ = _operators(N)
    inner = slice(1, N)
    Di, D2i = D[inner, inner], D2[inner, inner]
    B, n, d, w = Cs.shape
    r = (w - 1) // 2
    c, X, Y = Cs[..., 0], Cs[..., 1 : 1 + r], Cs[..., 1 + r :]
    al, Z, W = A[..., 0], A[..., 1 : 1 + r], A[..., 1 + r :]
    # M[b, k] = D² + diag(c[b, :, k]) D + diag(α[b, :, k])
    M = D2i + np.moveaxis(c, 1, 2)[..., :, None] * Di
    idx = np.arange(n)
    M[..., idx, idx] += np.moveaxis(al, 1, 2)
    Rk = np.moveaxis(R.reshape(B, n, d), 1, 2)  # (B, d, n)
    try:
        Minv = np.linalg.solve(M, np.broadcast_to(np.eye(n), M.shape))
    except np.linalg.LinAlgError:
        return np.full_like(R, np.nan)
    DM = Di @ Minv  # (B, d, n, n)
    d0 = -np.einsum("bkjm,bkm->bjk", Minv, Rk)  # (B, n, d)
    # capacitance: rows (ξ_jr, η_jr), columns (ξ_Js, η_Js)
    cap = np.empty((B, 2, n, r, 2, n, r))
    for a, (Pm, L) in enumerate(((Y, DM), (W, Minv))):
        for b_, U in enumerate((X, Z)):
            cap[:, a, :, :, b_] = np.einsum("bjkr,bkjJ,bJks->bjrJs", Pm, L, U)
    q = 2 * n * r
    cap = cap.reshape(B, q, q) + np.eye(q)
    Dd0 = np.einsum("jm,bmk->bjk", Di, d0)
    rhs = np.concatenate(
        [np.einsum("bjkr,bjk->bjr", Y, Dd0), np.einsum("bjkr,bjk->bjr", W, d0)], axis=1
    ).reshape(B, q)
    try:
        zeta = np.linalg.solve(cap, rhs[..., None])[..., 0].reshape(B, 2, n, r)
    except np.linalg.LinAlgError:
        return np.full_like(R, np.nan)
    forcing = np.einsum("bjkr,bjr->bkj", X, zeta[:, 0]) + np.einsum("bjkr,bjr->bkj", Z, zeta[:, 1])
    delta = d0 - np.einsum("bkjm,bkm->bjk", Minv, forcing)
    return delta.reshape(B, n * d)


def _certify(manifold, P, Q, Y, N, scale, tol, tail_factor, by_speed=True):
    """The tail and integrated-defect certificates of the module docstring."""
    _, _, _, C, E0, E1, S = _operators(N)
    B, _, d = Y.shape
    # X − Y is linear, so X's coefficients of degree ≥ 2 are Y's
    coef = np.einsum("kj,bjd->bkd", C[-_TAIL:], Y)
    tail = np.max(np.abs(coef), axis=(1, 2))
    ok = tail <= tail_factor * tol * scale
    M = E0.shape[0]
    s = (1.0 - np.cos(np.pi * np.arange(M) / (M - 1))) / 2.0
    x = P[:, None, :] + s[None, :, None] * (Q - P)[:, None, :] + np.einsum("tj,bjd->btd", E0, Y)
    w = np.einsum("tj,bjd->btd", E1, Y)  # ẋ − (q − p)
    inside = np.all(manifold.belongs(x.reshape(-1, d)).reshape(B, M), axis=1)
    xs = np.where(inside[:, None, None], x, P[:, None, :])
    with np.errstate(all="ignore"):
        vel = (w + (Q - P)[:, None, :]).reshape(-1, d)
        force = -manifold.geodesic_acceleration(xs.reshape(-1, d), vel).reshape(B, M, d)
        # ẋ(t) − ẋ(0) + ∫₀ᵗ Γ(x)[ẋ, ẋ] vanishes along a geodesic
        defect = w - w[:, :1] + np.einsum("ts,bsd->btd", S, force)
        defect = np.max(np.abs(defect), axis=(1, 2))
        speed = np.max(np.abs(w + (Q - P)[:, None, :]), axis=(1, 2))
    bound = tol * (np.maximum(scale, speed) if by_speed else scale)
    return ok & inside & np.isfinite(defect) & (defect <= bound)

"""The geodesic boundary-value problem: ``log_p(q)`` by collocation, then Newton shooting.

Given pairs of points ``p, q`` (batched, coordinates last), find the initial velocity
``v`` with ``exp_p(v) = q``, i.e. a root of the shooting map ``F(v) = γ_v(1) − q``
where ``γ_v`` solves ``γ̈ᵏ + Γᵏᵢⱼ γ̇ⁱ γ̇ʲ = 0``, ``γ(0) = p``, ``γ̇(0) = v``.

Method
------
0. **Chebyshev collocation first.** All pairs are first solved by spectral
   collocation (:func:`~infogeo.geometry.collocation.collocation_log`: Newton on
   the curve's values at Chebyshev–Gauss–Lobatto nodes, a few vectorized
   evaluations of the connection instead of about a thousand ODE right-hand sides),
   which accepts a pair only under an a posteriori certificate (converged Newton,
   negligible Chebyshev tail, small integrated defect of the geodesic equation off
   the grid, all at ``tol``). The pairs it cannot certify go through the steps below.

1. **Newton shooting with Jacobi fields.** The Jacobian ``∂γ(1)/∂v`` comes from the
   variational equations integrated alongside the geodesic: with ``J = ∂x/∂v₀`` and
   ``K = ∂ẋ/∂v₀``,

   ``J̇ = K``,  ``K̇ = A J + C K``,  ``J(0) = 0``, ``K(0) = I``,

   ``Aᵏₗ = −∂ₗΓᵏᵢⱼ ẋⁱ ẋʲ`` (from :meth:`~RiemannianManifold.geodesic_jacobians`),
   ``Cᵏⱼ = −(Γᵏᵢⱼ + Γᵏⱼᵢ) ẋⁱ``. The whole batch of pairs (state ``x, ẋ, J, K`` per
   pair) is one ODE system for DOP853, so the Christoffel symbols are evaluated for
   every pair in one vectorized call. The start is the straight-line guess
   ``v₀ = q − p``. A Newton step is first shortened to at most half of
   ``max(‖v‖, ‖q − p‖)`` (a trust region in coordinates); a step that leaves the
   domain or does not decrease the residual (Armijo-type test
   ``ρ_new ≤ (1 − 10⁻⁴ α) ρ``) is halved, up to ``max_halvings`` times; small sets
   of backtracking pairs try ``α, α/2, α/4, α/8`` in one integration. Far from the
   solution the ODE tolerance is loosened to ``10⁻³ ×`` the median residual
   (between ``coarse_tol`` and 1e-4): the residual need not be resolved finely there.

   Newton runs in two phases: first with the variational system integrated at the
   loose tolerance ``coarse_tol`` until the residual is below ``1e-5`` (relative, see
   below), then at the manifold's tight tolerances (``ode_rtol``, ``ode_atol``,
   default 1e-12), where the residual comes from the geodesic alone and the last
   Jacobian is reused while it contracts the residual at least tenfold per step (it
   is recomputed at the tight tolerance otherwise). The Jacobian only steers Newton;
   the answer is certified by the tight residual.

2. **Verification.** A pair is solved when its endpoint residual, integrated at the
   tight tolerance, satisfies

   ``‖γ_v(1) − q‖₂ ≤ tol · max(‖q − p‖₂, 1e-4 · max(‖p‖₂, ‖q‖₂))``

   with ``tol = manifold.log_tol`` (default 1e-10), so ``v`` and the distance are
   accurate to about ``tol`` relative (distances to 1e-9 relative) for all but
   extremely close pairs, whose accuracy is limited by the floating-point spacing
   of the coordinates themselves.

3. **Fallback.** Pairs that fail (the shooting map cannot be integrated, the
   Jacobian is singular, or backtracking stalls) are solved by collocation with
   :func:`scipy.integrate.solve_bvp` (straight-line initial mesh, analytic Jacobian
   from the Christoffel symbols and their derivatives), whose initial velocity then
   restarts Newton. Pairs that still fail raise :class:`~infogeo.ConvergenceError`
   carrying the per-pair residuals.
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy.integrate import solve_bvp, solve_ivp

from .._validation import check_positive, check_positive_int
from ..exceptions import ConvergenceError, ConvergenceWarning
from .budget import Budget, OutOfTime, resolve_max_time
from .collocation import collocation_log
from .internal_chart import _IDENTITY, internal_chart

__all__ = ["solve_log"]

#: The quick first pass of ``chart="auto"``: low collocation degrees, few iterations.
_QUICK_DEGREES = (20, 40)
_QUICK_ITER = 6
_QUICK_HALVINGS = 2
_QUICK_GAP = np.log(4.0) + 1e-9
_QUICK_SPREAD = np.log(1e3)
#: Phase-one target on the relative residual before switching to tight tolerances.
_SWITCH = 1e-5
#: Largest Newton step relative to ``max(‖v‖, ‖q − p‖)`` (before halving).
_MAX_STEP = 0.5
#: Loosest ODE tolerance of phase one; the tolerance of a Newton step there is
#: ``1e-3 ×`` the median relative residual of the active pairs, clipped to
#: ``[coarse_tol, _LOOSEST]``.
_LOOSEST = 1e-4
#: Step lengths tried at once (α, α/2, …) when at most ``_SMALL`` pairs backtrack.
_CANDIDATES = 4
_SMALL = 256
#: Smallest accepted step-halving factor before phase one hands a pair to the fallback.
_MIN_ALPHA = 1.0 / 128
#: Floor of the residual scale, relative to ``max(‖p‖, ‖q‖)`` (see module docstring).
_SCALE_FLOOR = 1e-4


class _IntegrationFailed(Exception):
    pass


def solve_log(
    manifold,
    p,
    q,
    *,
    tol: float | None = None,
    max_iter: int = 50,
    max_halvings: int = 10,
    coarse_tol: float = 1e-8,
    fallback: bool = True,
    collocation: bool = True,
    max_time: float | None = None,
    errors: str = "raise",
    chart: str = "auto",
) -> np.ndarray:
    """Riemannian logarithm ``log_p(q)`` by collocation and Newton shooting, batched.

    Parameters
    ----------
    manifold : RiemannianManifold
        Supplies ``christoffel``, ``christoffel_and_derivative``, ``belongs``,
        ``ode_rtol``, ``ode_atol`` and ``log_tol``.
    p, q : array_like, shape ``(..., dim)``
        Start and end points (broadcast against each other), already validated.
    tol : float, optional
        Relative endpoint tolerance (default ``manifold.log_tol``, 1e-10); see the
        module docstring for the exact criterion.
    max_iter : int
        Newton iterations per phase (of collocation, per polynomial degree, and of
        each shooting phase).
    max_halvings : int
        Step halvings before a Newton step is given up for a pair (phase one hands
        a pair to the fallback as well when it accepts a step damped below 1/128).
    coarse_tol : float
        ``rtol`` and ``atol`` of the phase-one integrations.
    fallback : bool
        Try :func:`scipy.integrate.solve_bvp` for the pairs that shooting cannot solve.
    collocation : bool
        Try Chebyshev collocation first (pairs it cannot certify go to shooting).
    max_time : float, optional
        Wall-clock budget of the whole call in seconds (default
        ``manifold.max_time + manifold.max_time_per_pair · (pairs − 1)``, see
        :class:`~infogeo.geometry.manifold.RiemannianManifold`).
    errors : {"raise", "nan"}
        What to do with pairs that are not solved: raise
        :class:`~infogeo.ConvergenceError`, or return NaN rows for them and warn
        (:class:`~infogeo.exceptions.ConvergenceWarning`) naming their indices.
    chart : {"auto", "internal", "original"}
        ``"auto"`` first tries a quick collocation pass (degree 20, at most 6
        Newton iterations of at most 2 step halvings) in the manifold's own chart on
        the pairs whose bounded coordinates differ by at most a factor of 4 (their
        distances to the bound),
        which certifies easy pairs at the least cost, then solves the rest in the
        well-conditioned internal coordinates of
        :mod:`~infogeo.geometry.internal_chart` (when a coordinate is bounded), then
        retries the pairs left over in the manifold's own chart; the other values
        use one chart only.

    Returns
    -------
    v : ndarray, shape ``(..., dim)``
        Initial velocities with ``exp_p(v) = q``.

    Raises
    ------
    ConvergenceError
        If some pair cannot be solved to ``tol`` within the budget (and
        ``errors="raise"``); ``residual`` holds the relative endpoint residual of every
        pair (``inf`` where the geodesic could not be integrated), ``tolerance`` the
        tolerance, ``failed`` the batch indices of the failed pairs, ``method`` the
        methods tried, ``timed_out`` whether the budget ran out.
    """
    tol = check_positive(manifold.log_tol if tol is None else tol, "tol")
    check_positive(coarse_tol, "coarse_tol")
    max_iter = check_positive_int(max_iter, "max_iter", minimum=0)
    max_halvings = check_positive_int(max_halvings, "max_halvings", minimum=0)
    if errors not in ("raise", "nan"):
        raise ValueError(f'errors must be "raise" or "nan", got {errors!r}')
    if chart not in ("auto", "internal", "original"):
        raise ValueError(f'chart must be "auto", "internal" or "original", got {chart!r}')
    p = np.asarray(p, dtype=float)
    q = np.asarray(q, dtype=float)
    p, q = np.broadcast_arrays(p, q)
    batch, dim = p.shape[:-1], p.shape[-1]
    P = p.reshape(-1, dim).copy()
    Q = q.reshape(-1, dim).copy()
    budget = Budget(resolve_max_time(manifold, max_time, P.shape[0]))
    V = np.full_like(P, np.nan)
    rho = np.full(P.shape[0], np.inf)
    V[np.all(P == Q, axis=-1)] = 0.0
    rho[np.all(P == Q, axis=-1)] = 0.0
    inner = internal_chart(manifold) if chart != "original" else None
    charts = [inner] if inner is not None else []
    if chart == "original" or (chart == "auto") or inner is None:
        charts.append(None)
    methods = []
    last_error = None
    if inner is not None and chart == "auto" and collocation:
        # quick pass in the manifold's own chart: easy pairs are certified here at
        # the cost of main-chart evaluations; the rest go to the internal chart
        # only pairs that the internal chart maps almost affinely: at most a factor
        # of 4 between the distances of p and q to each bound (else the original
        # chart can be ill-conditioned enough to spoil the certificate's accuracy)
        # and whose bounded coordinates are of comparable size (distances to their
        # bounds within a factor _QUICK_SPREAD): the certificate's scale is the
        # Euclidean size of the curve, which does not see an error in a coordinate
        # 1e5 times smaller than the others (Dirichlet (0.37, 3.6e-4, 25.5) →
        # (0.32, 1.2e-4, 18.3) was certified 1.5e-9 off)
        with np.errstate(all="ignore"):
            UP, UQ = inner.to_internal(P), inner.to_internal(Q)
            gap = np.abs(UQ - UP).max(axis=-1)
            bounded = inner.kinds != _IDENTITY
            spread = np.zeros(P.shape[0])
            if np.count_nonzero(bounded) > 1:
                both = np.concatenate([UP[:, bounded], UQ[:, bounded]], axis=1)
                spread = both.max(axis=1) - both.min(axis=1)
        todo = np.flatnonzero(~(rho <= tol) & (gap <= _QUICK_GAP) & (spread <= _QUICK_SPREAD))
        try:
            Vq, okq = collocation_log(
                manifold,
                P[todo],
                Q[todo],
                tol=tol,
                nodes=_QUICK_DEGREES,
                max_iter=min(_QUICK_ITER, max_iter),
                max_halvings=_QUICK_HALVINGS,
                budget=budget,
                rescue=False,
            )
        except (ValueError, np.linalg.LinAlgError, FloatingPointError):
            Vq, okq = V[todo], np.zeros(todo.size, dtype=bool)
        V[todo[okq]], rho[todo[okq]] = Vq[okq], 0.0
    for ch in charts:
        todo = np.flatnonzero(~(rho <= tol))
        if todo.size == 0 or (methods and budget.expired()):
            break
        where = "in the manifold's chart" if ch is None else "in internal coordinates"
        methods.append(
            ("Chebyshev collocation, " if collocation else "")
            + "Newton shooting"
            + (", solve_bvp" if fallback else "")
            + f" ({where})"
        )
        if ch is None:
            M, Pc, Qc = manifold, P[todo], Q[todo]
        else:
            M, Pc, Qc = ch, ch.to_internal(P[todo]), ch.to_internal(Q[todo])
        Vc, rc, err = _solve_in_chart(
            M, Pc, Qc, tol, max_iter, max_halvings, coarse_tol, fallback, collocation, budget
        )
        last_error = err or last_error
        if ch is not None:
            with np.errstate(all="ignore"):
                Vc = ch.velocity_to_external(Pc, Vc)
            rc = np.where(np.all(np.isfinite(Vc), axis=1), rc, np.inf)
        better = rc < rho[todo]
        V[todo[better]], rho[todo[better]] = Vc[better], rc[better]
    bad = ~(rho <= tol)
    if np.any(bad):
        _report_failures(
            manifold, P, Q, V, rho, bad, batch, tol, methods, budget, last_error, errors
        )
    return V.reshape(*batch, dim)


def _solve_in_chart(
    manifold, P, Q, tol, max_iter, max_halvings, coarse_tol, fallback, colloc, budget
):
    """Collocation, shooting, then ``solve_bvp`` + shooting on ``(P, Q)`` in one chart;
    returns ``(V, rho, last_error)``."""
    V = np.zeros_like(P)
    rho = np.full(P.shape[0], np.inf)
    todo = np.arange(P.shape[0])
    if colloc and todo.size:
        try:
            Vc, certified = collocation_log(
                manifold, P, Q, tol=tol, max_iter=max_iter, budget=budget
            )
        except (ValueError, np.linalg.LinAlgError, FloatingPointError):
            Vc, certified = V, np.zeros(P.shape[0], dtype=bool)
        V[certified] = Vc[certified]
        rho[certified] = 0.0
        todo = np.flatnonzero(~certified)
    solver = _Shooter(manifold, tol, max_iter, max_halvings, coarse_tol, budget)
    if todo.size and not budget.expired():
        try:
            V[todo], rho[todo] = solver.solve(P[todo], Q[todo], Q[todo] - P[todo])
        except OutOfTime:
            pass
    bad = ~(rho <= tol)
    if np.any(bad) and fallback and not budget.expired():
        try:
            guesses = {}
            for i in np.flatnonzero(bad):
                guesses[int(i)] = _bvp_guess(manifold, P[i], Q[i], budget=budget)
            idx = np.array([i for i, g in guesses.items() if g is not None], dtype=int)
            if idx.size:
                # restart Newton from the collocation solutions, all in one batch
                V2, rho2 = solver.solve(P[idx], Q[idx], np.stack([guesses[i] for i in idx]))
                better = ~(rho2 >= rho[idx])
                V[idx[better]], rho[idx[better]] = V2[better], rho2[better]
        except OutOfTime:
            pass
    return V, rho, solver.last_error


def _report_failures(manifold, P, Q, V, rho, bad, batch, tol, methods, budget, last_error, errors):
    """Raise the :class:`ConvergenceError` for the failed pairs, or (``errors="nan"``)
    set their rows of ``V`` to NaN and warn."""
    flat = np.flatnonzero(bad)
    failed = [tuple(int(j) for j in np.unravel_index(i, batch)) if batch else () for i in flat]
    i = int(flat[0])
    shown = ", ".join(map(str, failed[:10])) + (", …" if len(failed) > 10 else "")
    cause = f" Last integration error: {last_error}." if last_error else ""
    timing = (
        f"the time budget max_time={budget.max_time:g} s ran out"
        if budget.ran_out
        else f"the methods gave up after {budget.elapsed:.3g} s"
    )
    message = (
        f"log/dist on {manifold!r}: {flat.size} of {bad.size} pair(s) not solved to the "
        f"relative endpoint tolerance {tol:g} ({timing}); methods tried: "
        f"{'; '.join(methods) or 'none (no time left)'}. Failed batch indices: {shown}. "
        f"First failure: p = {P[i]}, q = {Q[i]}, best residual {rho[i]:.3g}.{cause} "
        "To try: a larger max_time=, a looser manifold.log_tol, points closer together "
        "(or an intermediate point: d(p, q) ≤ d(p, m) + d(m, q)), or errors='nan' to keep "
        "the pairs that were solved. A solver that does not converge is no proof that no "
        "geodesic joins the points."
    )
    if errors == "nan":
        V[bad] = np.nan
        warnings.warn(message, ConvergenceWarning, stacklevel=4)
        return
    raise ConvergenceError(
        message,
        residual=rho.reshape(batch),
        tolerance=tol,
        failed=failed,
        method="; ".join(methods),
        elapsed=budget.elapsed,
        timed_out=budget.ran_out,
    )


class _Shooter:
    """Damped Newton shooting on a batch of pairs (see the module docstring)."""

    def __init__(self, manifold, tol, max_iter, max_halvings, coarse_tol, budget=None):
        self.m = manifold
        self.budget = budget
        self.tol = tol
        self.max_iter = max_iter
        self.max_halvings = max_halvings
        self.coarse = (coarse_tol, coarse_tol)
        self.tight = (manifold.ode_rtol, manifold.ode_atol)
        self.last_error = None

    # -------------------------------------------------------------- driver
    def solve(self, P, Q, V):
        """Return ``(V, rho)``: velocities and relative tight residuals per pair."""
        B = P.shape[0]
        V = np.array(V, dtype=float)
        dist = np.linalg.norm(Q - P, axis=-1)
        size = np.maximum(np.linalg.norm(P, axis=-1), np.linalg.norm(Q, axis=-1))
        self.scale = np.maximum(dist, _SCALE_FLOOR * size)
        # phase one: coarse variational Newton down to _SWITCH
        loose = (max(self.coarse[0], _LOOSEST), max(self.coarse[1], _LOOSEST))
        X1, J, ok = self.shoot(P, V, True, loose)
        rho = self._rho(X1, Q, ok, np.arange(B))
        J[~ok] = np.nan
        V, _, J, _ = self.newton(P, Q, V, X1 - Q, rho, J, _SWITCH, self.coarse, reuse=False)
        # phase two: tight residual; reuse J while it contracts well
        X1, _, ok = self.shoot(P, V, False, self.tight)
        rho = self._rho(X1, Q, ok, np.arange(B))
        V, rho, J, _ = self.newton(P, Q, V, X1 - Q, rho, J, self.tol, self.tight, reuse=True)
        return V, rho

    def _rho(self, X1, Q, ok, idx):
        rho = np.linalg.norm(X1 - Q, axis=-1) / self.scale[idx]
        rho[~ok] = np.inf
        return rho

    def newton(self, P, Q, V, R, rho, J, target, tols, reuse):
        """Damped Newton until ``rho <= target`` (per pair).

        With ``reuse`` the residuals are integrated without the variational part and
        ``J`` is only recomputed (with the variational system at ``tols``) for pairs
        whose last step contracted the residual less than tenfold.
        """
        B = P.shape[0]
        failed = ~np.isfinite(rho)
        J_fresh = np.zeros(B, dtype=bool)
        need_J = ~np.all(np.isfinite(J.reshape(B, -1)), axis=1) & ~failed
        for _ in range(self.max_iter):
            if self.budget is not None and self.budget.expired():
                break
            if reuse and np.any(need_J & (rho > target)):
                idx = np.flatnonzero(need_J & (rho > target))
                X1, Jn, ok = self.shoot(P[idx], V[idx], True, tols)
                J[idx] = Jn
                R[idx] = X1 - Q[idx]
                rho[idx] = self._rho(X1, Q[idx], ok, idx)
                J_fresh[idx] = True
                need_J[idx] = False
                failed[idx[~ok]] = True
            active = np.flatnonzero(~failed & (rho > target))
            if active.size == 0:
                break
            delta, good = _newton_steps(J[active], R[active])
            if reuse:
                # a singular reused Jacobian: recompute it before giving up
                stale = active[~good & ~J_fresh[active]]
                need_J[stale] = True
                failed[active[~good & J_fresh[active]]] = True
            else:
                failed[active[~good]] = True
            active, delta = active[good], delta[good]
            # trust region: a step may change v by at most _MAX_STEP · max(‖v‖, ‖q − p‖)
            radius = _MAX_STEP * np.maximum(
                np.linalg.norm(V[active], axis=-1), np.linalg.norm(Q[active] - P[active], axis=-1)
            )
            step = np.linalg.norm(delta, axis=-1)
            alpha = np.minimum(1.0, radius / np.maximum(step, 1e-300))
            alpha0 = alpha.copy()
            step_tols = tols
            if not reuse and active.size:
                # far from the solution the residual need not be resolved finely
                loose = min(_LOOSEST, 1e-3 * float(np.median(rho[active])))
                step_tols = (max(tols[0], loose), max(tols[1], loose))
            pending = np.arange(active.size)
            old_rho = rho[active].copy()
            halvings_left = 3 if reuse else self.max_halvings
            while pending.size:
                # small sets try several step lengths α, α/2, α/4, … in one integration
                k = min(_CANDIDATES if pending.size <= _SMALL else 1, halvings_left + 1)
                factors = 0.5 ** np.arange(k)
                idx = active[pending]
                m = idx.size
                steps = alpha[pending][None, :, None] * factors[:, None, None]
                trial = (V[idx][None] + steps * delta[pending][None]).reshape(k * m, -1)
                tiled = np.tile(idx, k)
                X1, Jn, ok = self.shoot(P[tiled], trial, not reuse, step_tols)
                rho_t = self._rho(X1, Q[tiled], ok, tiled).reshape(k, m)
                limit = (1.0 - 1e-4 * alpha[pending][None, :] * factors[:, None]) * rho[idx]
                acc = rho_t <= limit
                accept = acc.any(axis=0)
                which = np.argmax(acc, axis=0)[accept]  # longest accepted step
                rows = which * m + np.flatnonzero(accept)
                acc_idx = idx[accept]
                V[acc_idx] = trial[rows]
                R[acc_idx] = X1[rows] - Q[acc_idx]
                rho[acc_idx] = rho_t.reshape(-1)[rows]
                if not reuse:
                    J[acc_idx] = Jn[rows]
                alpha[pending[accept]] *= factors[which]
                pending = pending[~accept]
                alpha[pending] *= 0.5**k
                halvings_left -= k
                if halvings_left < 0:
                    break
            stalled = active[pending]
            if not reuse:
                # accepted, but so heavily damped that Newton is not getting anywhere
                crawling = active[alpha < _MIN_ALPHA * alpha0]
                failed[crawling] = True
            if reuse:
                contracted = rho[active] <= 0.1 * old_rho
                redo = active[~contracted & (rho[active] > target)]
                give_up = redo[J_fresh[redo] & np.isin(redo, stalled)]
                failed[give_up] = True
                refresh = redo[~J_fresh[redo]]
                need_J[refresh] = True
                J_fresh[active] = False
                J_fresh[give_up] = True
            else:
                failed[stalled] = True
        return V, rho, J, failed

    # -------------------------------------------------------------- shooting map
    def shoot(self, P, V, variational, tols):
        """Integrate to ``t = 1``: ``(x(1), J(1) or None, ok)`` per pair.

        A batch whose integration fails is bisected until the failing pairs are
        isolated; those get ``ok = False``.
        """
        B, d = P.shape
        if B == 0:
            return np.empty((0, d)), np.empty((0, d, d)), np.zeros(0, dtype=bool)
        try:
            X1, J1, ok = _integrate(self.m, P, V, variational, *tols, budget=self.budget)
        except _IntegrationFailed as exc:
            self.last_error = str(exc)
            if B == 1:
                return np.full((1, d), np.nan), np.full((1, d, d), np.nan), np.zeros(1, bool)
            h = B // 2
            a = self.shoot(P[:h], V[:h], variational, tols)
            b = self.shoot(P[h:], V[h:], variational, tols)
            return tuple(np.concatenate([x, y]) for x, y in zip(a, b))
        return X1, J1, ok


def _newton_steps(J, R):
    """Newton steps ``δ = −J⁻¹ R`` (``R = x(1) − q``), batched; ``good`` marks pairs
    whose Jacobian is usable (finite and with condition number below 1e13)."""
    B, d = R.shape
    finite = np.all(np.isfinite(J.reshape(B, -1)), axis=1)
    Jsafe = np.where(finite[:, None, None], J, np.eye(d))
    with np.errstate(all="ignore"):
        cond = np.linalg.cond(Jsafe)
    good = finite & np.isfinite(cond) & (cond < 1e13) & np.all(np.isfinite(R), axis=1)
    Jsafe = np.where(good[:, None, None], Jsafe, np.eye(d))
    Rsafe = np.where(good[:, None], R, 0.0)
    return -np.linalg.solve(Jsafe, Rsafe[..., None])[..., 0], good


def _integrate(manifold, P, V, variational, rtol, atol, budget=None):
    """One DOP853 solve of the (variational) geodesic system for the whole batch."""
    B, d = P.shape
    m = 2 * d + (2 * d * d if variational else 0)
    y0 = np.zeros((B, m))
    y0[:, :d] = P
    y0[:, d : 2 * d] = V
    if variational:
        y0[:, 2 * d + d * d :] = np.eye(d).ravel()  # K(0) = I
    poisoned = np.zeros(B, dtype=bool)

    def rhs(_t, y):
        if budget is not None:
            budget.check()
        Y = y.reshape(B, m)
        x, xd = Y[:, :d], Y[:, d : 2 * d]
        inside = manifold.belongs(x) & np.all(np.isfinite(xd), axis=1)
        xs = np.where(inside[:, None], x, P)
        vs = np.where(inside[:, None], xd, 0.0)
        out = np.zeros_like(Y)
        with np.errstate(all="ignore"):
            out[:, :d] = vs
            if variational:
                acc, A, C = manifold.geodesic_jacobians(xs, vs)
                out[:, d : 2 * d] = acc
                Jm = Y[:, 2 * d : 2 * d + d * d].reshape(B, d, d)
                Km = Y[:, 2 * d + d * d :].reshape(B, d, d)
                out[:, 2 * d : 2 * d + d * d] = Km.reshape(B, -1)
                out[:, 2 * d + d * d :] = (A @ Jm + C @ Km).reshape(B, -1)
            else:
                out[:, d : 2 * d] = manifold.geodesic_acceleration(xs, vs)
        finite = np.all(np.isfinite(out), axis=1)
        poisoned[inside & ~finite] = True
        out[~(inside & finite)] = 0.0
        return out.ravel()

    if variational:
        atol_vec = np.empty((B, m))
        atol_vec[:, : 2 * d] = atol
        atol_vec[:, 2 * d :] = max(atol, 1e-8)
        atol_arg = atol_vec.ravel()
    else:
        atol_arg = atol
    try:
        sol = solve_ivp(rhs, (0.0, 1.0), y0.ravel(), method="DOP853", rtol=rtol, atol=atol_arg)
    except (ValueError, np.linalg.LinAlgError, FloatingPointError) as exc:
        raise _IntegrationFailed(str(exc)) from exc
    if sol.status != 0:
        raise _IntegrationFailed(sol.message)
    Y1 = sol.y[:, -1].reshape(B, m)
    X1 = Y1[:, :d]
    ok = np.all(np.isfinite(Y1), axis=1) & ~poisoned
    ok &= manifold.belongs(np.where(ok[:, None], X1, P))
    J1 = Y1[:, 2 * d : 2 * d + d * d].reshape(B, d, d) if variational else None
    return X1, J1, ok


def _bvp_guess(manifold, p, q, tol: float = 1e-6, max_nodes: int = 2000, budget=None):
    """Initial velocity of the geodesic from ``p`` to ``q`` by collocation, or None.

    Solves ``ẋ = w, ẇ = −Γ(x)[w, w]``, ``x(0) = p``, ``x(1) = q`` with
    :func:`scipy.integrate.solve_bvp` from the straight line, with the analytic
    Jacobian of the right-hand side.
    """
    d = p.size

    def safe(x, w):
        inside = manifold.belongs(x)
        return np.where(inside[:, None], x, p), np.where(inside[:, None], w, 0.0)

    def fun(_t, y):
        if budget is not None:
            budget.check()
        x, w = safe(y[:d].T, y[d:].T)
        with np.errstate(all="ignore"):
            acc = manifold.geodesic_acceleration(x, w)
        return np.vstack([w.T, acc.T])

    def fun_jac(_t, y):
        x, w = safe(y[:d].T, y[d:].T)
        with np.errstate(all="ignore"):
            _, A, C = manifold.geodesic_jacobians(x, w)
        n = x.shape[0]
        jac = np.zeros((n, 2 * d, 2 * d))
        jac[:, :d, d:] = np.eye(d)
        jac[:, d:, :d] = A
        jac[:, d:, d:] = C
        return np.moveaxis(jac, 0, -1)

    def bc(ya, yb):
        return np.concatenate([ya[:d] - p, yb[:d] - q])

    t = np.linspace(0.0, 1.0, 21)
    y_init = np.vstack([p[:, None] + np.outer(q - p, t), np.repeat((q - p)[:, None], t.size, 1)])
    try:
        with np.errstate(all="ignore"):
            sol = solve_bvp(fun, bc, t, y_init, fun_jac=fun_jac, tol=tol, max_nodes=max_nodes)
    except (ValueError, np.linalg.LinAlgError):
        return None
    if not sol.success or not np.all(np.isfinite(sol.y)):
        return None
    if not np.all(manifold.belongs(sol.y[:d].T)):
        return None
    return sol.y[d:, 0].copy()

"""Fisher–Rao geodesics of the Gamma family by Clairaut's relation (quadrature + a
one-dimensional root), much faster than the generic boundary-value solver.

In the coordinates ``(α, u)``, ``u = log μ = log(α/β)`` (``μ`` the mean), the Fisher
metric is diagonal and does not depend on ``u``:

    ``ds² = f(α) dα² + α du²``,   ``f(α) = ψ′(α) − 1/α > 0``,

a surface of revolution with radius ``√α``. Along a unit-speed geodesic the momentum
``c = α u̇`` is constant (Clairaut), so ``α u̇² = c²/α ≤ 1`` and ``α ≥ c²``. With
``a ≤ b`` the end values of ``α`` and ``φ`` the angle of the geodesic at the lower end
(``sin φ = c/√a``; ``φ ≤ π/2``: ``α`` rises monotonically from ``a`` to ``b``;
``φ > π/2``: it first falls to the turning point ``α* = c²``, then rises):

    ``Δu = ∫ c √f / √(α(α − c²)) dα``,   ``d = ∫ √f √α / √(α − c²) dα``,

over ``[a, b]`` (plus twice ``[c², a]`` when turning). The substitution
``√α = eˣ + (c²/4) e⁻ˣ`` (i.e. ``√α = c cosh τ``, ``x = τ + log(c/2)``) removes the
inverse square root at the turning point and stays valid as ``c → 0``:

    ``Δu = ∫ 2c √f(α) dx``,   ``d = ∫ 2α √f(α) dx``,   ``x(α) = log((√α + √(α − c²))/2)``,

smooth integrands (``2α√f → 2`` as ``α → 0``, ``→ √2`` as ``α → ∞``), integrated by
composite 10-point Gauss–Legendre on panels of length ≤ 1 in ``x`` (the integrands are
analytic in a strip of half-width about π/2, so each panel is exact to rounding). The
Gamma manifold has negative curvature, so ``Δu(φ)`` increases monotonically from 0 at
``φ = 0`` to ``∞`` as ``φ → π``; the angle is bracketed and found by regula falsi
(Illinois) with a 6-point rule to ``1e-7 Δu``, then polished by secant steps with the
10-point rule to ``|Δu(φ) − Δu| ≤ 1e-13 max(1, Δu)`` (or to the rounding floor of the
quadrature, at most 100 times that).
"""

from __future__ import annotations

import numpy as np

from ...exceptions import ConvergenceError

__all__ = ["gamma_angle", "gamma_dist", "gamma_exp", "gamma_log"]

#: Gauss–Legendre rules per panel: 10 points (exact to rounding on unit panels) for the
#: answer, 6 points (about 1e-9) while the angle is being bracketed
_FINE = np.polynomial.legendre.leggauss(10)
_COARSE = np.polynomial.legendre.leggauss(6)
#: ``f`` shifts every argument by this many unit steps before the asymptotic series
_SHIFT = 8
#: Bernoulli numbers B₄ … B₂₀: ψ′(y) − 1/y = 1/(2y²) + Σₖ B₂ₖ / y^{2k+1}
_BERNOULLI = (
    1 / 6,
    -1 / 30,
    1 / 42,
    -1 / 30,
    5 / 66,
    -691 / 2730,
    7 / 6,
    -3617 / 510,
    43867 / 798,
    -174611 / 330,
)
_MAX_ITER = 100
#: shared by :func:`_shifted_terms`: the shifts k, the series' powers j and coefficients
_J = np.arange(len(_BERNOULLI), dtype=float)
_B_COEF = np.array(_BERNOULLI)
_B3_COEF = (2.0 * _J + 3.0) * _B_COEF


def _f(alpha: np.ndarray) -> np.ndarray:
    """``f(α) = ψ′(α) − 1/α``, vectorized without branches: eight steps of the recurrence
    ``ψ′(α) = 1/α² + ψ′(α + 1)`` for every argument, then, at ``y = α + 8``, the
    asymptotic series ``ψ′(y) − 1/y = 1/(2y²) + Σ_{k=1}^{10} B₂ₖ / y^{2k+1}`` (next term
    below 2e-15 relative at ``y = 8``):

        ``f(α) = Σ_{k<8} 1/(α + k)² − 8/(α(α + 8)) + [ψ′(y) − 1/y]``

    (the two sums cancel to ``O(1/α³)`` for large ``α``, losing at most a factor ~16 of
    the rounding error). About 1e-15 relative on ``(0, ∞)``; autograd is not needed."""
    acc = np.zeros_like(alpha)
    r = np.empty_like(alpha)
    for k in range(_SHIFT):  # in place: no temporaries in the loop
        np.add(alpha, k, out=r)
        np.reciprocal(r, out=r)
        np.multiply(r, r, out=r)
        acc += r
    y = alpha + _SHIFT
    iy = np.reciprocal(y)
    iy2 = iy * iy
    series = np.full_like(y, _BERNOULLI[-1])
    for coef in reversed(_BERNOULLI[:-1]):
        series *= iy2
        series += coef
    series *= iy
    series += 0.5
    series *= iy2
    np.multiply(alpha, y, out=y)
    np.divide(_SHIFT, y, out=y)
    acc -= y
    acc += series
    return acc


def _horner(x: np.ndarray, coefs) -> np.ndarray:
    """``Σⱼ coefs[j] xʲ`` by Horner's rule (no array of powers)."""
    acc = np.full_like(x, coefs[-1])
    for c in coefs[-2::-1]:
        acc = acc * x + c
    return acc


def _shifted_terms(a: np.ndarray, slope: bool = False):
    """The pieces both :func:`_A` and :func:`_A_and_slope` are built from (``a`` at most
    1e4): the sums ``Σ_{k<8} r_k²`` (and, with ``slope``, ``Σ r_k³``) of the ratios
    ``r_k = α/(α + k)``, ``1/y`` with ``y = α + 8``, and the Bernoulli series of
    ``S(y) = ψ′(y) − 1/y`` (and of its derivative) in powers of ``y⁻²`` by Horner's rule.
    This runs at every quadrature node of the Clairaut route, so it is a loop of eight
    vector operations and a Horner pass: an ``(n, 8)`` ratio array and an array of
    powers ``y^{−2j}`` made the whole distance 2.2× slower."""
    s2 = np.zeros_like(a)
    s3 = np.zeros_like(a) if slope else None
    for k in range(_SHIFT):
        r = a / (a + k)
        r2 = r * r
        s2 += r2
        if slope:
            s3 += r2 * r
    iy = 1.0 / (a + _SHIFT)
    iy2 = iy * iy
    series3 = _horner(iy2, _B3_COEF) if slope else None
    return s2, s3, iy, _horner(iy2, _B_COEF), series3


def _A_of(a, s2, iy, series):
    """``A = α² f(α) = Σ_{k<8} (α/(α + k))² − 8α/y + (α/y)² y²S(y)``, with
    ``y²S(y) = ½ + Σ B₂ₖ y^{1−2k}`` (:func:`_f` times ``α²``, without forming ``α²``
    or ``f``); ``s2`` the first sum."""
    ai = a * iy
    return s2 + ai * ai * (0.5 + series * iy) - _SHIFT * ai


def _A_big(alpha):
    """``A = ½ + 1/(6α) − 1/(30α³) + 1/(42α⁵)`` for ``α > 10⁴``."""
    i = 1.0 / alpha
    i2 = i * i
    return 0.5 + i * (1.0 / 6.0 + i2 * (-1.0 / 30.0 + i2 / 42.0))


def _A(alpha: np.ndarray) -> np.ndarray:
    """``A = α² f(α)`` (``→ 1`` as ``α → 0``, ``→ ½`` as ``α → ∞``), finite from the
    smallest to the largest float64: :func:`_A_of` up to ``α = 10⁴``,
    :func:`_A_big` above."""
    alpha = np.asarray(alpha, dtype=float)
    big = alpha > 1e4
    a = np.where(big, 1.0, alpha)
    s2, _, iy, series, _ = _shifted_terms(a)
    A = _A_of(a, s2, iy, series)
    if np.any(big):
        A = np.where(big, _A_big(np.where(big, alpha, 1e5)), A)
    return A


def _A_and_slope(alpha: np.ndarray):
    """``A`` (:func:`_A`) and ``dA/dℓ = 2A + α³f′(α)`` (``ℓ = log α``) from the same
    terms (this runs in every right-hand side of :func:`gamma_exp`), with

        ``α³f′ = −2 Σ_{k<8} (α/(α + k))³ + 8α(2α + 8)/y² − (α/y)³ (1 + y⁻¹ Σₖ (2k + 1)
        B₂ₖ y^{2−2k})``

    (the derivative of the shifted form of :func:`_f` times ``α³``; about 1e-14
    absolute). Above ``α = 10⁴``, ``dA/dℓ = −1/(6α) + 1/(10α³) − 5/(42α⁵)``."""
    alpha = np.asarray(alpha, dtype=float)
    big = alpha > 1e4
    a = np.where(big, 1.0, alpha)
    s2, s3, iy, series, series3 = _shifted_terms(a, slope=True)
    A = _A_of(a, s2, iy, series)
    ai = a * iy
    a3f = -2.0 * s3 + _SHIFT * a * (2.0 * a + _SHIFT) * iy * iy
    a3f -= ai**3 * (1.0 + series3 * iy)
    dA = 2.0 * A + a3f
    if np.any(big):
        i = 1.0 / np.where(big, alpha, 1e5)
        i2 = i * i
        A = np.where(big, _A_big(np.where(big, alpha, 1e5)), A)
        dA = np.where(big, i * (-1.0 / 6.0 + i2 * (1.0 / 10.0 - i2 * 5.0 / 42.0)), dA)
    return A, dA


def gamma_exp(p: np.ndarray, v: np.ndarray, budget=None, rtol: float = 1e-13) -> np.ndarray:
    """``exp_p(v)`` in ``(α, β)`` by integrating the geodesic in ``(ℓ, u)``,
    ``ℓ = log α``, ``u = log(α/β)``, where ``ds² = A(ℓ) dℓ² + α du²`` with
    ``A = α² f(α)`` bounded (``→ 1`` as ``α → 0``, ``→ ½`` as ``α → ∞``), so the
    system is well conditioned at every scale:

        ``α u̇ = c`` (Clairaut, constant),   ``ℓ̈ = (½ c²/α − ½ A′ ℓ̇²) / A``,
        ``A′ = dA/dℓ = 2A + α³ f′(α)``,

    DOP853 on the state ``(ℓ, u, ℓ̇)`` of the whole batch at ``rtol`` (absolute
    tolerance ``rtol`` too: ``ℓ``, ``u`` are logarithms). ``budget`` (a
    :class:`~infogeo.geometry.budget.Budget`) is checked in every right-hand side.

    Raises
    ------
    OverflowError
        If the end point's ``α`` or ``β`` is beyond float64.
    ValueError
        If the integration fails.
    """
    from scipy.integrate import solve_ivp

    p, v = np.broadcast_arrays(np.asarray(p, dtype=float), np.asarray(v, dtype=float))
    batch = p.shape[:-1]
    P, V = p.reshape(-1, 2), v.reshape(-1, 2)
    a, b = P[:, 0], P[:, 1]
    ldot = V[:, 0] / a
    udot = ldot - V[:, 1] / b
    c = a * udot
    n = a.size

    def rhs(_t, y):
        if budget is not None:
            budget.check()
        ell, ld = y[:n], y[2 * n :]
        alpha = np.exp(ell)
        A, dA = _A_and_slope(alpha)
        return np.concatenate([ld, c / alpha, (0.5 * c * c / alpha - 0.5 * dA * ld * ld) / A])

    def beyond_float64(_t, y):  # stops where e^ℓ or e^{ℓ−u} is about to overflow
        return 705.0 - np.max(np.maximum(np.abs(y[:n]), np.abs(y[:n] - y[n : 2 * n])))

    beyond_float64.terminal = True
    y0 = np.concatenate([np.log(a), np.log(a / b), ldot])
    if not np.any(V):
        return p.copy()
    with np.errstate(all="ignore"):
        sol = solve_ivp(
            rhs, (0.0, 1.0), y0, method="DOP853", rtol=rtol, atol=rtol, events=beyond_float64
        )
    y1 = sol.y[:, -1]
    if sol.status == 1:
        raise OverflowError(
            f"exp: the geodesic reaches a shape or rate beyond 1e±306 at t = {sol.t[-1]:.3g} "
            "< 1, beyond float64"
        )
    if sol.status != 0 or not np.all(np.isfinite(y1)):
        raise ValueError(f"the Gamma geodesic could not be integrated to t = 1 ({sol.message})")
    ell, u = y1[:n], y1[n : 2 * n]
    log_b = ell - u
    big = np.maximum(np.abs(ell), np.abs(log_b))
    if np.any(big > 709.0):
        raise OverflowError(
            f"exp: the end point has a shape or rate of about 1e{big.max() / np.log(10):+.0f}, "
            "beyond float64"
        )
    return np.stack([np.exp(ell), np.exp(log_b)], axis=-1).reshape(*batch, 2)


def _x_of(alpha: np.ndarray, c: np.ndarray) -> np.ndarray:
    """``x(α) = log((√α + √(α − c²))/2)``."""
    return np.log(0.5 * (np.sqrt(alpha) + np.sqrt(np.maximum(alpha - c * c, 0.0))))


def _integrals(x0: np.ndarray, x1: np.ndarray, c: np.ndarray, rule=_FINE):
    """``(∫ 2c√f dx, ∫ 2α√f dx)`` over ``[x0, x1]`` per pair (composite Gauss–Legendre,
    the same number of unit-or-shorter panels for every pair of the batch)."""
    length = x1 - x0
    if length.size == 0:
        return np.zeros_like(x0), np.zeros_like(x0)
    panels = max(1, int(np.ceil(float(np.max(length)))))
    half = length / (2 * panels)
    centres = x0[:, None] + (2 * np.arange(panels) + 1)[None, :] * half[:, None]
    nodes, weights = rule
    x = centres[:, :, None] + half[:, None, None] * nodes
    c2 = (0.25 * c * c)[:, None, None]
    sigma = np.exp(x) + c2 * np.exp(-x)
    alpha = sigma * sigma
    root_a = np.sqrt(_A(alpha))  # α√f, finite at every scale
    w = half[:, None, None] * weights
    du = 2.0 * c * np.sum(root_a / alpha * w, axis=(1, 2))
    d = 2.0 * np.sum(root_a * w, axis=(1, 2))
    return du, d


def _shoot(phi: np.ndarray, a: np.ndarray, b: np.ndarray, rule=_FINE):
    """``(Δu, d)`` of the geodesic leaving the lower end ``a`` at angle ``φ``."""
    c = np.sqrt(a) * np.sin(phi)
    xa, xb = _x_of(a, c), _x_of(b, c)
    du, d = _integrals(xa, xb, c, rule)
    turning = phi > 0.5 * np.pi
    if np.any(turning):
        t = np.flatnonzero(turning)
        ct = c[t]
        du2, d2 = _integrals(np.log(0.5 * ct), xa[t], ct, rule)
        du[t] += 2.0 * du2
        d[t] += 2.0 * d2
    return du, d


def _coordinates(p: np.ndarray, q: np.ndarray):
    a1, a2 = p[..., 0], q[..., 0]
    # Δu = log(μ₂/μ₁), μ = α/β
    du = np.log(a2 / a1) - np.log(q[..., 1] / p[..., 1])
    return a1, a2, du


def gamma_angle(p: np.ndarray, q: np.ndarray):
    """Solve for the geodesic from ``p`` to ``q`` (arrays ``(N, 2)`` of ``(α, β)``).

    Returns ``(phi, d, a, b, target)``: the angle at the lower end, the distance, the
    lower and upper ``α`` and ``|Δu|``.

    Raises
    ------
    ConvergenceError
        If the root search does not meet its tolerance in 100 iterations.
    """
    a1, a2, du = _coordinates(p, q)
    a, b = np.minimum(a1, a2), np.maximum(a1, a2)
    target = np.abs(du)
    n = a.shape[0]
    phi = np.zeros(n)
    d = np.zeros(n)
    todo = np.flatnonzero(target > 0)
    flat = np.flatnonzero(target == 0)
    if flat.size:
        z = np.zeros(flat.size)
        d[flat] = _integrals(_x_of(a[flat], z), _x_of(b[flat], z), z)[1]
    if todo.size == 0:
        return phi, d, a, b, target
    A, B, T = a[todo], b[todo], target[todo]
    tol = 1e-13 * np.maximum(1.0, T)
    # relative: below tol when Δu is tiny (then no polish is needed)
    x, slope = _illinois(A, B, T, 1e-7 * T, _COARSE)
    x, dist, missed = _polish(x, A, B, T, tol, slope)
    if np.any(missed):  # rare: the whole search again with the fine rule
        m = np.flatnonzero(missed)
        x[m], _ = _illinois(A[m], B[m], T[m], tol[m], _FINE)
        dist[m] = _shoot(x[m], A[m], B[m])[1]
    phi[todo] = x
    d[todo] = dist
    return phi, d, a, b, target


def _illinois(A, B, T, tol, rule):
    """Bracket the angle (``φ_hi = π − (π/2)2^{-k}`` until ``Δu(φ_hi) ≥ T``), then regula
    falsi (Illinois) with ``rule`` to ``|Δu(φ) − T| ≤ tol``; returns the angles and the
    final bracket slopes."""
    lo = np.zeros(T.size)
    f_lo = -T
    hi = np.full(T.size, 0.5 * np.pi)
    f_hi = _shoot(hi, A, B, rule)[0] - T
    gap = 0.5 * np.pi
    for _ in range(60):
        low = f_hi < 0
        if not np.any(low):
            break
        gap *= 0.5
        lo[low], f_lo[low] = hi[low], f_hi[low]
        hi[low] = np.pi - gap
        f_hi[low] = _shoot(hi[low], A[low], B[low], rule)[0] - T[low]
    else:
        raise ConvergenceError("Gamma geodesic: could not bracket the angle", None)
    side = np.zeros(T.size, dtype=int)
    x = hi.copy()
    slope = np.ones(T.size)
    open_ = np.ones(T.size, dtype=bool)
    for _ in range(_MAX_ITER):
        idx = np.flatnonzero(open_)
        if idx.size == 0:
            break
        l, h, fl, fh = lo[idx], hi[idx], f_lo[idx], f_hi[idx]
        xn = (l * fh - h * fl) / (fh - fl)
        bad = ~((xn > l) & (xn < h))
        xn[bad] = 0.5 * (l[bad] + h[bad])
        fn = _shoot(xn, A[idx], B[idx], rule)[0] - T[idx]
        x[idx] = xn
        slope[idx] = (fh - fl) / np.maximum(h - l, 1e-300)
        done = (np.abs(fn) <= tol[idx]) | (h - l <= 4e-16 * np.pi)
        right = fn > 0
        # Illinois: halve the kept end's value when the same side moves twice
        hi[idx[right]], f_hi[idx[right]] = xn[right], fn[right]
        lo[idx[~right]], f_lo[idx[~right]] = xn[~right], fn[~right]
        s = np.where(right, 1, -1)
        again = s == side[idx]
        f_lo[idx[again & right]] *= 0.5
        f_hi[idx[again & ~right]] *= 0.5
        side[idx] = s
        open_[idx[done]] = False
    if np.any(open_):
        raise ConvergenceError(
            f"Gamma geodesic: the angle search missed its tolerance for {int(open_.sum())} pair(s)",
            None,
            float(np.max(tol)),
        )
    return x, slope


def _polish(x, A, B, T, tol, slope):
    """Secant steps with the fine rule from the coarse root (error ~1e-8): two or three
    evaluations reach ``|Δu(φ) − Δu| ≤ tol``; returns the angles, the distances of the
    last evaluation and a mask of the pairs that did not converge in 20 steps."""
    x = x.copy()
    fx, dist = _shoot(x, A, B)
    fx = fx - T
    slope = np.where(np.isfinite(slope) & (slope > 0), slope, 1.0)
    open_ = np.abs(fx) > tol
    for _ in range(20):
        idx = np.flatnonzero(open_)
        if idx.size == 0:
            break
        step = -fx[idx] / slope[idx]
        xn = np.clip(x[idx] + step, 0.0, np.pi * (1 - 1e-16))
        fn, dn = _shoot(xn, A[idx], B[idx])
        fn = fn - T[idx]
        moved = xn - x[idx]
        secant = (fn - fx[idx]) / np.where(moved != 0, moved, 1.0)
        slope[idx] = np.where((moved != 0) & (secant > 0), secant, slope[idx])
        better = np.abs(fn) < np.abs(fx[idx])
        upd = idx[better]
        x[upd], fx[upd], dist[upd] = xn[better], fn[better], dn[better]
        # stop at the tolerance, or where the rounding of the quadrature stalls the secant
        stalled = (~better & (np.abs(fx[idx]) <= 100 * tol[idx])) | (np.abs(moved) <= 1e-15 * np.pi)
        open_[idx[(np.abs(fx[idx]) <= tol[idx]) | stalled]] = False
    return x, dist, open_


def gamma_dist(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Fisher–Rao distances between Gamma distributions ``p``, ``q`` (``(..., 2)`` in
    ``(α, β)``, broadcast), shape ``(...)``."""
    p, q = np.broadcast_arrays(np.asarray(p, dtype=float), np.asarray(q, dtype=float))
    batch = p.shape[:-1]
    return gamma_angle(p.reshape(-1, 2), q.reshape(-1, 2))[1].reshape(batch)


def gamma_log(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """``log_p(q)`` in ``(α, β)`` coordinates, shape ``(..., 2)``.

    At ``p`` the unit tangent has ``√f α̇ = ±√(1 − c²/α_p)`` (``+`` when ``p`` is the lower
    end of a monotone geodesic, ``−`` otherwise) and ``u̇ = sign(Δu) c/α_p``; with
    ``β = α e^{−u}``, ``β̇ = β (α̇/α − u̇)``; ``log_p q = d · (α̇, β̇)``.
    """
    p, q = np.broadcast_arrays(np.asarray(p, dtype=float), np.asarray(q, dtype=float))
    batch = p.shape[:-1]
    P, Q = p.reshape(-1, 2), q.reshape(-1, 2)
    phi, d, a, _, _ = gamma_angle(P, Q)
    a1, a2, du = _coordinates(P, Q)
    c = np.sqrt(a) * np.sin(phi)
    p_is_lower = a1 < a2
    rising = p_is_lower & (phi <= 0.5 * np.pi)
    speed_a = a1 * np.sqrt(np.maximum(1.0 - c * c / a1, 0.0) / _A(a1))
    adot = np.where(rising, speed_a, -speed_a)
    udot = np.sign(du) * c / a1
    bdot = P[:, 1] * (adot / a1 - udot)
    out = d[:, None] * np.stack([adot, bdot], axis=-1)
    return out.reshape(*batch, 2)

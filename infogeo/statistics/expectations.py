"""Expectations under p(x | θ): exact sums, double-exponential quadrature, Monte Carlo.

Every rule produces *nodes* ``xᵢ`` and *base log-weights* ``log Wᵢ`` such that

``E_θ[f] ≈ Σᵢ exp(log Wᵢ + log p(xᵢ|θ)) f(xᵢ) / Σᵢ exp(log Wᵢ + log p(xᵢ|θ))``,

computed in log space (shifted by the largest log-weight before exponentiating, so no
underflow produces NaN; nodes whose relative weight is below e⁻⁴⁰ ≈ 4e-18 are
dropped). Self-normalizing by the computed mass cancels the truncation error of the
rule in the leading order.

* finite supports: every value, ``log W = 0`` (exact);
* integers: all of ``{low, …, high}`` or, when unbounded, blocks of doubling length
  until the mass of the last block is below 1e-17 of the total and decreasing
  (remaining mass below 1e-16);
* continuous supports: the support is mapped to the real line (identity, ``log(x − a)``,
  ``log(b − x)`` or ``logit``), then the sinh–sinh double-exponential rule
  ``y = c + s·sinh(π/2·sinh t)`` on a grid of step ``h`` is applied, with centre ``c``
  and scale ``s`` adapted to the density (median and interquartile range of ``y``,
  so heavy tails are fine) and ``h`` halved until the result changes by less than
  ``rtol``. Many densities (one per parameter point) are done at once on the same
  ``t`` grid (:func:`continuous_expectations`): ``log p`` is evaluated at every
  density's nodes in one call per step, and the levels are nested, so the fine rule
  also gives the coarse one for the convergence test;
* ``("sampled", n)``: ``n`` draws from ``p(·|θ₀)`` with ``log W = −log p(x|θ₀)``
  (importance weights, so the estimate is differentiable in ``θ``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np
from scipy.special import logsumexp

from ..exceptions import ConvergenceError

__all__ = ["Nodes", "continuous_expectations", "continuous_nodes", "integer_nodes"]

_ORDERS = np.array([1.0, 2.0])
_IQR_NORMAL = 1.3489795003921634  # interquartile range of the standard normal
_DROP = 40.0  # nodes with log-weight below max − 40 are dropped (relative 4e-18)
_EXP_DROP = float(np.exp(-_DROP))


class Nodes:
    """Nodes ``x`` and base log-weights ``log_w`` of an expectation rule."""

    def __init__(self, x: np.ndarray, log_w: np.ndarray):
        self.x = x
        self.log_w = log_w

    def prune(self, log_p: np.ndarray) -> tuple[Nodes, np.ndarray]:
        """Keep the nodes that carry weight; return them and their normalized weights."""
        total = self.log_w + log_p
        top = np.max(total)
        keep = total > top - _DROP
        w = np.exp(total[keep] - top)
        return Nodes(self.x[keep], self.log_w[keep]), w / w.sum()


def _safe_log_prob(log_prob: Callable, x: np.ndarray) -> np.ndarray:
    """``log p`` at the nodes with NaN read as ``−inf`` (checked by the caller)."""
    with np.errstate(all="ignore"):
        lp = np.asarray(log_prob(x), dtype=float)
    if lp.shape != x.shape[:1]:
        raise ValueError(
            f"log_prob(x, theta) must return one value per x: for x of shape {x.shape} it "
            f"returned shape {lp.shape}"
        )
    return lp


def integer_nodes(log_prob: Callable, low: int, high: int | None) -> Nodes:
    """Exact-sum nodes on ``{low, …, high}``; unbounded above: truncated where the
    remaining mass is below 1e-16 (blocks of doubling length; at most 2²⁴ values)."""
    if high is not None and high - low < 2**24:
        x = np.arange(low, high + 1, dtype=float)
        return Nodes(x, np.zeros_like(x))
    xs, lps = [], []
    start, block = low, 64
    while True:
        stop = start + block if high is None else min(start + block, high + 1)
        x = np.arange(start, stop, dtype=float)
        lp = _safe_log_prob(log_prob, x)
        lp = np.where(np.isnan(lp), -np.inf, lp)
        xs.append(x)
        lps.append(lp)
        all_lp = np.concatenate(lps)
        total = logsumexp(all_lp) if np.any(np.isfinite(all_lp)) else -np.inf
        last = logsumexp(lp) if np.any(np.isfinite(lp)) else -np.inf
        decreasing = lp[-1] <= lp[0] if np.isfinite(lp[0]) else True
        if np.isfinite(total) and last < total - 39.0 and decreasing:
            break
        if high is not None and stop > high:
            break
        start, block = stop, block * 2
        if start - low > 2**24:
            raise ConvergenceError(
                "the sum over the integers did not converge: the mass beyond "
                f"{start} is still above 1e-17 of the total",
                residual=float(np.exp(last - total)) if np.isfinite(total) else None,
                tolerance=1e-17,
            )
    x = np.concatenate(xs)
    return Nodes(x, np.zeros_like(x))


# ------------------------------------------------------------------ continuous
def _to_support(y: np.ndarray, a: float, b: float) -> tuple[np.ndarray, np.ndarray]:
    """Map ``y ∈ ℝ`` to ``x ∈ (a, b)``; return ``x`` and ``log |dx/dy|``."""
    with np.errstate(over="ignore", under="ignore"):
        if np.isinf(a) and np.isinf(b):
            return y, np.zeros_like(y)
        if np.isinf(b):
            e = np.exp(y)
            return a + e, y
        if np.isinf(a):
            e = np.exp(y)
            return b - e, y
        w = b - a
        small = w / (1.0 + np.exp(np.abs(y)))  # distance to the nearer end point
        x = np.where(y < 0, a + small, b - small)
        log_j = np.log(w) - np.abs(y) - 2.0 * np.log1p(np.exp(-np.abs(y)))
        return x, log_j


@functools.lru_cache(maxsize=16)
def _de_grid(h: float, t_max: float = 4.5) -> tuple[np.ndarray, np.ndarray]:
    """The parameter-free part of the sinh–sinh rule on ``t = kh``, ``|t| ≤ t_max``:
    ``sinh(π/2 sinh t)`` and ``log(h · π/2 · cosh t · cosh(π/2 sinh t))`` (cached per
    step; the rule for centre ``c`` and scale ``s`` is ``y = c + s·sinh(…)`` with
    ``log s`` added to the log-Jacobian)."""
    k = np.floor(t_max / h)
    t = np.arange(-k, k + 1) * h
    u = 0.5 * np.pi * np.sinh(t)
    log_cosh_u = np.abs(u) + np.log1p(np.exp(-2.0 * np.abs(u))) - np.log(2.0)
    log_j = np.log(h * 0.5 * np.pi) + np.log(np.cosh(t)) + log_cosh_u
    sinh_u = np.sinh(u)
    sinh_u.flags.writeable = False
    log_j.flags.writeable = False
    return sinh_u, log_j


def _rule(log_prob, a, b, c, s, h, owner):
    """The rule with centres ``c`` and scales ``s`` (one per row) at step ``h``.

    Returns ``x``, ``y`` (mapped variable), base log-weights (``−inf`` off the support)
    and ``log p``, each of shape ``(rows, nodes)``; ``log_prob(x, owner)`` is called once
    on the flattened valid nodes, ``owner`` giving each node's row label.
    """
    sinh_u, log_jt = _de_grid(h)
    y = c[:, None] + s[:, None] * sinh_u
    x, log_jx = _to_support(y, a, b)
    ok = np.isfinite(x) & (x > a) & (x < b) & np.isfinite(log_jx)
    with np.errstate(invalid="ignore"):
        log_w = np.where(ok, log_jt + np.log(s)[:, None] + log_jx, -np.inf)
    labels = np.broadcast_to(owner[:, None], x.shape)[ok]
    lp = np.full(x.shape, -np.inf)
    lp[ok] = _safe_log_prob(lambda z: log_prob(z, labels), x[ok])
    nan = np.isnan(lp)
    if np.any(nan):
        lp = np.where(nan, -np.inf, lp)
        total = log_w + lp
        heavy = total > np.max(total, axis=1, keepdims=True) - _DROP
        near = np.zeros_like(nan)
        near[:, 1:] |= heavy[:, :-1]
        near[:, :-1] |= heavy[:, 1:]
        bad = nan & near
        if np.any(bad):
            r, j = np.argwhere(bad)[0]
            raise ValueError(
                f"log_prob returned NaN at x = {x[r, j]!r}, where the density is not small"
            )
    return x, y, log_w, lp


def _row_exp(total: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``exp(total − top)`` per row with ``top`` the row's largest log-weight, entries
    below e⁻⁴⁰ (relative) set to 0; returns it and ``top`` (shape ``(rows,)``)."""
    top = np.max(total, axis=1)
    if not np.all(np.isfinite(top)):
        raise ValueError("log_prob is -inf at every quadrature node")
    e = np.exp(total - top[:, None])
    e[e < _EXP_DROP] = 0.0
    return e, top


def _row_quantiles(y: np.ndarray, w: np.ndarray, qs) -> np.ndarray:
    """Quantiles per row of the discrete distribution ``w`` (normalized per row) on
    increasing ``y``: each node's mass centred on it, linear interpolation between
    nodes, shape ``(rows, len(qs))``. One ``np.interp`` for all rows: row ``r``'s
    cumulative masses, in [0, 1], are shifted by ``2r`` so the rows follow each other."""
    rows = y.shape[0]
    shift = 2.0 * np.arange(rows)[:, None]
    F = np.cumsum(w, axis=1) - 0.5 * w + shift
    # clamped to the row's own range (the first / last node beyond it)
    q = np.clip(np.asarray(qs, dtype=float) + shift, F[:, :1], F[:, -1:])
    return np.interp(q.ravel(), F.ravel(), y.ravel()).reshape(rows, -1)


def _parabola_peak(y: np.ndarray, f: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per row, the vertex and width of the parabola through the largest ``f`` and its
    two neighbours: ``c = (y₀ + y₁)/2 − D₀₁ / (2a)``, ``s = 1/√(−2a)`` with ``D₀₁`` the
    first and ``a`` the second divided difference (exact for a normal density in
    ``y``). Also returns which rows have a concave interior peak."""
    rows = np.arange(y.shape[0])
    j = np.clip(np.argmax(f, axis=1), 1, y.shape[1] - 2)
    y0, y1, y2 = y[rows, j - 1], y[rows, j], y[rows, j + 1]
    f0, f1, f2 = f[rows, j - 1], f[rows, j], f[rows, j + 1]
    with np.errstate(all="ignore"):
        d01 = (f1 - f0) / (y1 - y0)
        a = ((f2 - f1) / (y2 - y1) - d01) / (y2 - y0)
        c = 0.5 * (y0 + y1) - d01 / (2.0 * a)
        s = 1.0 / np.sqrt(-2.0 * a)
    ok = np.isfinite(c) & np.isfinite(s) & (s > 0) & (c > y0) & (c < y2)
    return c, s, ok


def _centre_scale(log_prob, a, b, c, s, owner):
    """Fixed-point search of the rule's centre and scale, all rows at once: the median
    and the interquartile range / 1.349 (the standard deviation for a normal density)
    of the mapped variable, robust to heavy tails (a Cauchy density has no variance).

    A row settles when the rule resolves its density (at least 8 nodes carry more than
    1e-3 of the mass and 2 lie between its quartiles) and the centre and scale have
    reached their fixed point (moved by less than 0.25 scale and a factor 1/0.7; a
    looser test lets heavy tails, which put weight on many far nodes, settle on a scale
    the refinement cannot recover from).
    Where the density falls between a few nodes, the quartiles are unreliable and the
    next guess is the parabola through the peak of the log-density in ``y``
    (:func:`_parabola_peak`), exact for a normal density. Returns ``c``, ``s`` and
    which rows settled."""
    c, s = c.copy(), s.copy()
    done = np.zeros(c.shape, dtype=bool)
    log_jt = _de_grid(0.25)[1]
    for _ in range(8):
        act = np.flatnonzero(~done)
        if act.size == 0:
            break
        ca, sa = c[act], s[act]
        _, y, log_w, lp = _rule(log_prob, a, b, ca, sa, 0.25, owner[act])
        total = log_w + lp
        top = np.max(total, axis=1, keepdims=True)
        if not np.all(np.isfinite(top)):
            raise ValueError(f"log_prob is -inf at every quadrature node on ({a:g}, {b:g})")
        w = np.exp(total - top)
        w /= np.sum(w, axis=1, keepdims=True)
        q25, c_new, q75 = _row_quantiles(y, w, (0.25, 0.5, 0.75)).T
        s_new = (q75 - q25) / _IQR_NORMAL
        inside = np.sum((y > q25[:, None]) & (y < q75[:, None]), axis=1)
        resolved = (np.sum(w > 1e-3, axis=1) >= 8) & (inside >= 2)
        if not np.all(resolved):
            r = np.flatnonzero(~resolved)
            dens = total[r] - log_jt - np.log(sa[r])[:, None]  # log-density in y
            c_new[r], s_new[r] = _coarse_guess(y[r], w[r], dens, sa[r], c_new[r], s_new[r])
        ratio = s_new / sa
        done[act] = (
            resolved & (np.abs(c_new - ca) < 0.25 * s_new) & (ratio > 0.7) & (ratio < 1.0 / 0.7)
        )
        c[act], s[act] = c_new, s_new
    return c, s, done


def _coarse_guess(y, w, dens, s, c_q, s_q):
    """Next centre and scale for rows whose density falls between a few nodes of the
    search rule (scale ``s``): the parabola through the peak of the log-density
    ``dens``; failing that, when the density is narrow (fewer than 5 nodes carry
    weight), the best node and ``s/8``; else the quartile estimates ``c_q``, ``s_q``."""
    pc, ps, ok = _parabola_peak(y, np.where(np.isfinite(dens), dens, -np.inf))
    significant = np.sum(w > _EXP_DROP * np.max(w, axis=1, keepdims=True), axis=1)
    narrow = ~ok & ((significant < 5) | (s_q == 0.0))
    best = y[np.arange(y.shape[0]), np.argmax(w, axis=1)]
    c_new = np.where(ok, pc, np.where(narrow, best, c_q))
    s_new = np.where(ok, ps, np.where(narrow, s / 8.0, s_q))
    return c_new, s_new


def continuous_expectations(
    log_prob: Callable,
    a: float,
    b: float,
    integrand: Callable,
    n: int,
    *,
    rtol: float = 1e-12,
    max_level: int = 9,
    start: np.ndarray | None = None,
):
    """Double-exponential quadrature on ``(a, b)`` for ``n`` densities at once.

    Parameters
    ----------
    log_prob
        ``log_prob(x, owner) -> log p`` for a 1-d array of nodes ``x``, node ``i`` under
        density number ``owner[i]`` (called once per refinement step for all densities).
    a, b
        The support (either may be infinite).
    integrand
        ``integrand(x, owner, W)``: with ``owner`` sorted (nodes of one density
        contiguous) and ``W`` of shape ``(2, len(x))`` two sets of normalized weights,
        the two expectations for each distinct owner, shape ``(2, n_owners, ...)``.
        Used to decide convergence.
    n
        Number of densities.
    rtol
        Each density's step ``h`` is halved until halving it changes the total mass
        by less than ``max(rtol, 1e-9)`` and the mean and variance of ``y`` by less than
        ``rtol`` (numpy only), then until the expectation changes by less than ``rtol``
        (relative to its largest entry) between the last two levels. The levels are
        nested (the coarse rule is every other node of the fine one), so both come
        from one evaluation of the fine rule.
    start
        Initial ``(centre, scale)`` per density, shape ``(n, 2)`` (e.g. from a nearby
        parameter); densities whose search does not settle from it restart from
        ``(0, 1)``.

    Returns
    -------
    value, centre_scale, (x, owner, w, log_w)
        The expectations (shape ``(n, ...)``), the rule's ``(centre, scale)`` per
        density (shape ``(n, 2)``), and the final nodes with their owners, normalized
        weights and base log-weights (zero-weight nodes dropped).

    Raises
    ------
    ValueError
        If ``log p`` is ``−inf`` at every node or does not integrate to 1.
    ConvergenceError
        If the rule has not converged at the finest level.
    """
    ids = np.arange(n)
    if start is None:
        c, s, done = _centre_scale(log_prob, a, b, np.zeros(n), np.ones(n), ids)
    else:
        start = np.broadcast_to(np.asarray(start, dtype=float), (n, 2))
        c, s, done = _centre_scale(log_prob, a, b, start[:, 0], start[:, 1], ids)
        if not np.all(done):  # a warm start far from these densities: start over
            redo = np.flatnonzero(~done)
            c[redo], s[redo], _ = _centre_scale(
                log_prob, a, b, np.zeros(redo.size), np.ones(redo.size), redo
            )
    values: list = [None] * n
    final: list = [None] * n
    active = ids
    change = np.inf
    for level in range(6, max_level + 1):
        if active.size == 0:
            break
        h = 2.0**-level
        x, y, log_w, lp = _rule(log_prob, a, b, c[active], s[active], h, active)
        # the coarse level (step 2h) is every other node: mass, mean and variance of y
        e, top = _row_exp(log_w + lp)
        cheap = []
        for ee, yy, shift in ((e, y, 0.0), (e[:, ::2], y[:, ::2], np.log(2.0))):
            M = np.sum(ee, axis=1)
            m1 = np.sum(ee * yy, axis=1) / M
            var = np.sum(ee * (yy - m1[:, None]) ** 2, axis=1) / M
            cheap.append((np.expm1(np.log(M) + top + shift), m1, var, M))
        scale = np.maximum(s[active], np.abs(c[active]))
        settled = (
            (np.abs(cheap[0][0] - cheap[1][0]) <= max(rtol, 1e-9))
            & (np.abs(cheap[0][1] - cheap[1][1]) <= rtol * scale)
            & (np.abs(cheap[0][2] - cheap[1][2]) <= rtol * scale**2)
        )
        rows = np.arange(active.size) if level == max_level else np.flatnonzero(settled)
        if rows.size == 0:
            continue
        fine = e[rows] / cheap[0][3][rows, None]
        coarse = np.zeros_like(fine)
        coarse[:, ::2] = e[rows, ::2] / cheap[1][3][rows, None]
        keep = fine > 0
        owner = np.broadcast_to(active[rows][:, None], keep.shape)[keep]
        xs = x[rows][keep]
        base = log_w[rows][keep]
        out = np.asarray(integrand(xs, owner, np.stack([fine[keep], coarse[keep]])))
        new, old = out[0], out[1]
        axes = tuple(range(1, new.ndim))
        big = np.maximum(np.max(np.abs(new), axis=axes) if axes else np.abs(new), 1e-300)
        err = (np.max(np.abs(new - old), axis=axes) if axes else np.abs(new - old)) / big
        ok = err <= rtol
        mass = cheap[0][0][rows]
        unresolved = ok & (np.abs(mass) > 1e-6) & ~settled[rows]
        if np.any(unresolved):
            # the rule never resolved the density (e.g. a kink or tails it cannot
            # reach): the agreement of the last two levels is spurious
            r_i = int(np.flatnonzero(unresolved)[0])
            r = rows[r_i]
            raise ConvergenceError(
                f"the quadrature over ({a:g}, {b:g}) did not converge with step "
                f"h = {h:g}: the computed mass {1.0 + mass[r_i]:.10g} still changes "
                "between the finest steps",
                residual=float(abs(cheap[0][0][r] - cheap[1][0][r])),
                tolerance=max(rtol, 1e-9),
            )
        wrong_mass = ok & (np.abs(mass) > 1e-6)
        if np.any(wrong_mass):
            r_i = int(np.flatnonzero(wrong_mass)[0])
            raise ValueError(
                f"log_prob does not integrate to 1 over ({a:g}, {b:g}): the integral "
                f"is {1.0 + mass[r_i]:.10g}"
            )
        # each row's nodes are contiguous in xs / owner / base
        bounds = np.concatenate([[0], np.cumsum(np.sum(keep, axis=1))])
        for r_i in np.flatnonzero(ok):
            p = active[rows[r_i]]
            part = slice(bounds[r_i], bounds[r_i + 1])
            values[p] = new[r_i]
            final[p] = (xs[part], fine[r_i][keep[r_i]], base[part])
        if not np.all(ok):
            change = float(np.max(err[~ok]))
        finished = np.zeros(active.size, dtype=bool)
        finished[rows[ok]] = True
        active = active[~finished]
    if active.size:
        raise ConvergenceError(
            f"the quadrature of the expectation over ({a:g}, {b:g}) did not converge to "
            f"rtol={rtol:g} with step h = {2.0**-max_level:g}",
            residual=float(change),
            tolerance=rtol,
        )
    x_all = np.concatenate([f[0] for f in final])
    owner_all = np.repeat(ids, [f[0].size for f in final])
    w_all = np.concatenate([f[1] for f in final])
    log_w_all = np.concatenate([f[2] for f in final])
    return np.stack(values), np.stack([c, s], -1), (x_all, owner_all, w_all, log_w_all)


def continuous_nodes(
    log_prob: Callable,
    a: float,
    b: float,
    integrand: Callable[[Nodes, np.ndarray], np.ndarray],
    *,
    rtol: float = 1e-12,
    max_level: int = 9,
    start: tuple[float, float] | None = None,
) -> tuple[Nodes, np.ndarray, np.ndarray, tuple[float, float]]:
    """:func:`continuous_expectations` for one density ``x ↦ log_prob(x)`` and an
    ``integrand(nodes, normalized weights)``.

    Returns
    -------
    nodes, weights, value, centre_scale
        The final nodes (zero-weight ones dropped) with their base log-weights, their
        normalized weights, the expectation, and the ``(centre, scale)`` of the rule
        (a warm ``start`` for a nearby density).
    """

    def lp(x, owner):
        return log_prob(x)

    def both(x, owner, W):
        nodes = Nodes(x, np.zeros_like(x))
        return np.stack([np.asarray(integrand(nodes, W[0])), np.asarray(integrand(nodes, W[1]))])[
            :, None
        ]

    value, cs, (x, _, w, log_w) = continuous_expectations(
        lp,
        a,
        b,
        both,
        1,
        rtol=rtol,
        max_level=max_level,
        start=None if start is None else np.array([start], dtype=float),
    )
    return Nodes(x, log_w), w, value[0], (float(cs[0, 0]), float(cs[0, 1]))

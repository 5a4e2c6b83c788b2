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
  and scale ``s`` adapted to the density and ``h`` halved until the result changes
  by less than ``rtol``;
* ``("sampled", n)``: ``n`` draws from ``p(·|θ₀)`` with ``log W = −log p(x|θ₀)``
  (importance weights, so the estimate is differentiable in ``θ``).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy.special import logsumexp

from ..exceptions import ConvergenceError

__all__ = ["Nodes", "continuous_nodes", "integer_nodes"]

_ORDERS = np.array([1.0, 2.0])
_DROP = 40.0  # nodes with log-weight below max − 40 are dropped (relative 4e-18)


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


def _check_nan(x, lp, log_w):
    """NaN log-densities are allowed only where the density is negligible."""
    nan = np.isnan(lp)
    if not np.any(nan):
        return lp
    lp = np.where(nan, -np.inf, lp)
    total = log_w + lp
    top = np.max(total)
    # a NaN node next to a node carrying weight is inside the mass
    near = np.zeros_like(nan)
    heavy = total > top - _DROP
    near[1:] |= heavy[:-1]
    near[:-1] |= heavy[1:]
    bad = nan & near
    if np.any(bad):
        i = int(np.argwhere(bad)[0][0])
        raise ValueError(f"log_prob returned NaN at x = {x[i]!r}, where the density is not small")
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


def _from_support(x: np.ndarray, a: float, b: float) -> np.ndarray:
    if np.isinf(a) and np.isinf(b):
        return x
    if np.isinf(b):
        return np.log(x - a)
    if np.isinf(a):
        return np.log(b - x)
    return np.log(x - a) - np.log(b - x)


def _sinh_sinh(c: float, s: float, h: float, t_max: float = 4.5) -> tuple[np.ndarray, np.ndarray]:
    """Nodes ``y = c + s sinh(π/2 sinh t)``, ``t = kh``, and ``log(h · dy/dt)``."""
    t = np.arange(-np.floor(t_max / h), np.floor(t_max / h) + 1) * h
    u = 0.5 * np.pi * np.sinh(t)
    y = c + s * np.sinh(u)
    log_cosh_u = np.abs(u) + np.log1p(np.exp(-2.0 * np.abs(u))) - np.log(2.0)
    log_j = np.log(h * s * 0.5 * np.pi) + np.log(np.cosh(t)) + log_cosh_u
    return y, log_j


def _rule(log_prob, a, b, c, s, h):
    y, log_jy = _sinh_sinh(c, s, h)
    x, log_jx = _to_support(y, a, b)
    ok = np.isfinite(x) & (x > a) & (x < b) & np.isfinite(log_jx)
    x, log_w = x[ok], (log_jy + log_jx)[ok]
    lp = _check_nan(x, _safe_log_prob(log_prob, x), log_w)
    return Nodes(x, log_w), lp


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
    """Double-exponential quadrature on ``(a, b)`` for ``E[integrand]``.

    Parameters
    ----------
    log_prob
        ``x ↦ log p(x)`` on an array of nodes.
    a, b
        The support (either may be infinite).
    integrand
        ``(nodes, normalized weights) ↦`` the expectation as an array (e.g. the
        Fisher matrix); used to decide convergence.
    rtol
        Refine ``h`` until halving it changes the total mass by less than
        ``max(rtol, 1e-9)`` and the mean and variance of ``y`` by less than ``rtol``
        (numpy only), then until the expectation itself changes by less than
        ``rtol`` (relative to its largest entry) between successive levels.

    Returns
    -------
    nodes, weights, value, centre_scale
        The final nodes (pruned), their normalized weights, the expectation, and the
        ``(centre, scale)`` of the rule in the mapped variable (a warm ``start`` for a
        nearby density).

    Raises
    ------
    ValueError
        If ``log p`` is ``−inf`` at every node or does not integrate to 1.
    ConvergenceError
        If the rule has not converged at the finest level.

    Notes
    -----
    ``start`` is an initial ``(centre, scale)`` in the mapped variable (e.g. from the
    previous call at a nearby parameter); if the centre/scale search does not settle
    from it, the search restarts from ``(0, 1)``.
    """
    # 1. centre and scale in the mapped variable y, from the density itself
    c, s = (0.0, 1.0) if start is None else start
    done = False
    for _ in range(8):
        nodes, lp = _rule(log_prob, a, b, c, s, 0.25)
        if not np.any(np.isfinite(lp)):
            raise ValueError(f"log_prob is -inf at every quadrature node on ({a:g}, {b:g})")
        kept, w = nodes.prune(lp)
        y = _from_support(kept.x, a, b)
        c_new = float(np.sum(w * y))
        s_new = float(np.sqrt(np.sum(w * (y - c_new) ** 2)))
        if kept.x.size < 5 or s_new == 0.0:
            # the density is narrow compared with the grid: shrink around the best node
            c_new = float(y[np.argmax(w)])
            s_new = s / 8.0
        done = abs(c_new - c) < 0.1 * s_new and 0.8 < s_new / s < 1.25
        c, s = c_new, s_new
        if done:
            break
    if not done and start is not None:
        # a warm start far from this density: start over from (0, 1)
        return continuous_nodes(log_prob, a, b, integrand, rtol=rtol, max_level=max_level)
    # 2. halve h until the mass and the first moments of y settle (numpy only), then
    #    certify with the expectation itself at two successive levels
    previous, previous_cheap, value, change = None, None, None, np.inf
    for level in range(2, max_level + 1):
        h = 2.0**-level
        nodes, lp = _rule(log_prob, a, b, c, s, h)
        mass = logsumexp(nodes.log_w + lp)
        kept, w = nodes.prune(lp)
        y = _from_support(kept.x, a, b)
        m1 = float(np.sum(w * y))
        cheap = np.array([np.expm1(mass), m1, float(np.sum(w * (y - m1) ** 2))])
        settled = previous_cheap is not None and (
            abs(cheap[0] - previous_cheap[0]) <= max(rtol, 1e-9)
            and np.all(
                np.abs(cheap[1:] - previous_cheap[1:]) <= rtol * max(s, abs(c)) ** np.array([1, 2])
            )
        )
        previous_cheap = cheap
        if not settled and level < max_level:
            previous = (kept, w)
            continue
        if value is None and previous is not None:
            value = integrand(*previous)
        new_value = integrand(kept, w)
        if value is not None:
            scale = max(np.max(np.abs(new_value)), 1e-300)
            change = np.max(np.abs(new_value - value)) / scale
            if change <= rtol:
                if abs(np.expm1(mass)) > 1e-6:
                    raise ValueError(
                        f"log_prob does not integrate to 1 over ({a:g}, {b:g}): the integral "
                        f"is {np.exp(mass):.10g}"
                    )
                return kept, w, new_value, (c, s)
        value, previous = new_value, (kept, w)
    raise ConvergenceError(
        f"the quadrature of the expectation over ({a:g}, {b:g}) did not converge to "
        f"rtol={rtol:g} with step h = {2.0**-max_level:g}",
        residual=float(change),
        tolerance=rtol,
    )

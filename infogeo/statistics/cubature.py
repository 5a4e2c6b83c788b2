"""Deterministic cubature for expectations over vector-valued observations.

The observations ``x`` of ``("vector", d)`` (``x ∈ ℝᵈ``) and ``("simplex", k)`` (``k``
positive entries summing to 1) supports are written as ``x = φ(y)`` with ``y ∈ ℝᵐ``:

* ``("vector", d)``: ``φ`` is the identity, ``m = d``;
* ``("simplex", k)``: stick-breaking, ``m = k − 1``: ``uⱼ = σ(yⱼ)``,
  ``xⱼ = uⱼ ∏_{i<j} (1 − uᵢ)``, ``x_k = ∏_{i<k} (1 − uᵢ)``, with every ``log uⱼ = log σ(yⱼ)``
  and ``log(1 − uⱼ) = log σ(−yⱼ)`` computed directly (so no entry of ``x`` loses
  relative precision near a face) and ``log |det ∂x/∂y| = Σⱼ log uⱼ + (k − j) log(1 − uⱼ)``.
  The density of ``y`` is smooth with exponential tails even when that of ``x`` is
  unbounded at the faces (Dirichlet with ``αᵢ < 1``).

Then ``y = c + L z``, where ``c`` and ``L Lᵀ`` are the mean and covariance of ``y`` (found
by a search, below), and each ``zⱼ = sinh(β tⱼ)/β`` (``β = 1/2``) on the grid ``tⱼ = kⱼ h``:
a tensor-product trapezoidal rule whose base log-weights are

``log W = Σⱼ log(h cosh(β tⱼ)) + log det L + log |det ∂x/∂y|``,

and ``E[f] ≈ Σ exp(log W + log p(x)) f(x) / Σ exp(log W + log p(x))`` (self-normalized,
computed in log space; nodes whose weight is below e⁻⁴⁰ ≈ 4e-18 of the largest are
dropped). The map is single-exponential, not the sinh–sinh map of the scalar rule: on a
standardized normal the sinh–sinh rule's error falls more slowly than exponentially in
``1/h`` (about 1e-7 at ``h = 1/8``, 1e-11 at ``h = 1/16``), too slow for tensor grids,
while ``sinh(βt)/β`` keeps exponential convergence for normal-like and exponential
tails (error about 1e-16 at ``h = 1/4`` on a normal) and still reaches algebraic tails.

Only nodes that carry weight are evaluated: the first level (``h = 1/2``) is a full grid
over ``|t| ≤ 3`` grown outwards from every node within e⁻⁴⁶ of the largest weight; each
next level (``h/2``) evaluates the new nodes next to the previous level's nodes within
e⁻⁴⁶ (all points of the finer grid around them) and again grows outwards from every node
within e⁻⁴⁰. The levels are nested: the nodes of the finer level whose indices are all
even are the coarser rule, so both come from one evaluation. Refinement stops when, from
``2h`` to ``h``, the mass, the mean and covariance of ``z`` and then the caller's
expectation (relative to its largest entry) all change by less than ``√rtol``: the
trapezoidal rule's error squares when ``h`` halves (once in its exponential regime), so
the error of the finer rule is then about ``rtol``.

The centre and the factor come from a search on the sinh–sinh grid
``z = sinh(π/2 sinh t)``, ``h = 1/2``, ``|t| ≤ 3`` (13 nodes per axis, ``|z|`` up to 3e6):
moment matching (``c ← c + L μ_z``, ``L ← chol(L C_z Lᵀ)``) while
the weight is spread over at least 5 grid values along every axis, and otherwise, when
the density is narrow compared with the grid, the Laplace step of a quadratic fitted to
``log p`` of ``y`` on the 3ᵐ grid nodes around the heaviest one (exact for a normal
density however far off), falling back to centring on the heaviest node and shrinking
the narrow axes by 8. The search stops when the mean of ``z`` is within 0.1 of 0 and
the eigenvalues of its covariance within (0.8, 1.25). On the simplex the sticks are
then reordered by decreasing mean of ``x`` (the largest entry broken off first, which
makes the stick variables less skewed) and the search is run once more.

The tensor grid has about ``(c/h)ᵐ`` nodes: deterministic cubature is practical up to
``m ≈ 4``; beyond a node budget it raises :class:`~infogeo.exceptions.ConvergenceError`.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import numpy as np

from ..exceptions import ConvergenceError
from .expectations import _de_grid

__all__ = ["VECTOR_KINDS", "cubature_dim", "simplex_from_logits", "vector_expectations"]

#: support kinds with vector-valued observations
VECTOR_KINDS = ("vector", "simplex")

_H0 = 0.5  # step of the search grid and of the first level
_K_SEARCH = 6  # the search grid: |k| ≤ 6 at h = 1/2, i.e. |t| ≤ 3
_T_MAX = 4.5  # extent of the sinh–sinh rule of the search (as _de_grid)
_BETA = 0.5  # the rule z = sinh(βt)/β
_T_RULE = 80.0  # extent of the sinh rule: |z| ≤ sinh(40)/β ≈ 5e17
_DROP = 40.0  # nodes with log-weight below max − 40 are dropped (relative 4e-18)
_MARGIN = 6.0  # refined around nodes down to max − 46, so the dropped ones stay dropped
_SEARCH_STEPS = 40
_WARM_STEPS = 10


def cubature_dim(support) -> int:
    """Dimension ``m`` of the cubature for a support in canonical form."""
    return support[1] if support[0] == "vector" else support[1] - 1


def simplex_from_logits(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Stick-breaking map ``y ∈ ℝᵐ → x`` in the open ``(m+1)``-simplex.

    Parameters
    ----------
    y
        Logits, shape ``(..., m)``.

    Returns
    -------
    x, log_j
        ``x`` of shape ``(..., m + 1)`` with ``xⱼ = σ(yⱼ) ∏_{i<j} σ(−yᵢ)`` and
        ``x_{m+1} = ∏ σ(−yᵢ)``, each computed as the exponential of its logarithm (full
        relative precision near the faces), and
        ``log |det ∂(x₁…x_m)/∂y| = Σⱼ log σ(yⱼ) + (m + 1 − j) log σ(−yⱼ)``.
    """
    y = np.asarray(y, dtype=float)
    m = y.shape[-1]
    with np.errstate(over="ignore", under="ignore"):
        log_u = -np.logaddexp(0.0, -y)  # log σ(y)
        log_v = -np.logaddexp(0.0, y)  # log σ(−y) = log(1 − u)
        rest = np.cumsum(log_v, axis=-1)  # log ∏_{i≤j}(1 − uᵢ)
        before = np.concatenate([np.zeros((*y.shape[:-1], 1)), rest[..., :-1]], axis=-1)
        log_x = np.concatenate([log_u + before, rest[..., -1:]], axis=-1)
        x = np.exp(log_x)
    log_j = np.sum(log_u + np.arange(m, 0, -1) * log_v, axis=-1)
    return x, log_j


def _observations(y: np.ndarray, kind: str, order=None):
    """``x = φ(y)``, ``log |det ∂x/∂y|`` and whether ``x`` is a valid observation; on the
    simplex, the ``j``-th stick broken off is ``x[order[j]]``."""
    if kind == "vector":
        return y, np.zeros(y.shape[0]), np.all(np.isfinite(y), axis=1)
    sticks, log_j = simplex_from_logits(y)
    x = np.empty_like(sticks)
    x[:, order] = sticks
    ok = np.all(x > 0.0, axis=1) & np.all(np.isfinite(y), axis=1) & np.isfinite(log_j)
    return x, log_j, ok


def _centre0(kind: str, m: int) -> np.ndarray:
    """Cold start of the search: ``y = 0``, or the simplex's centre (``xᵢ = 1/k``)."""
    if kind == "vector":
        return np.zeros(m)
    return -np.log(np.arange(m, 0, -1, dtype=float))  # uⱼ = 1/(k − j + 1)


class _Level:
    """A one-dimensional rule at step ``h`` indexed by ``k`` (``t = k h``): the sinh rule
    ``z = sinh t`` (``|t| ≤ 40``) of the cubature, or the sinh–sinh rule of the search."""

    def __init__(self, h: float, de: bool = False):
        self.h = h
        if de:
            self.z, self.log_j = _de_grid(h, _T_MAX)
        else:
            t = np.arange(-np.floor(_T_RULE / h), np.floor(_T_RULE / h) + 1) * h
            bt = _BETA * np.abs(t)
            self.z = np.sinh(_BETA * t) / _BETA
            self.log_j = np.log(h) + bt + np.log1p(np.exp(-2.0 * bt)) - np.log(2.0)
        self.kmax = (self.z.size - 1) // 2

    def keys(self, K: np.ndarray) -> np.ndarray:
        """One integer per multi-index (row of ``K``)."""
        base = 2 * self.kmax + 1
        if base ** K.shape[1] >= 2**62:
            raise ConvergenceError(
                f"the cubature over {K.shape[1]} dimensions at step h = {self.h:g} has too "
                "many grid points to index; use support ('sampled', n) with a sample function"
            )
        scale = base ** np.arange(K.shape[1], dtype=np.int64)
        return (K + self.kmax).astype(np.int64) @ scale

    def inside(self, K: np.ndarray) -> np.ndarray:
        return np.all(np.abs(K) <= self.kmax, axis=1)


class _Cloud:
    """The evaluated nodes of one density at the current level (sorted by key)."""

    def __init__(self, c: np.ndarray, L: np.ndarray, order):
        self.c, self.L, self.order = c, L, order
        self.logdet = float(np.sum(np.log(np.abs(np.diag(L)))))
        self.K = None
        self.keys = None
        self.x = self.z = self.base = self.lp = self.nan = None

    def total(self) -> np.ndarray:
        return self.base + self.lp

    def merge(self, level: _Level, K, x, z, base, lp, nan) -> None:
        parts = (K, x, z, base, lp, nan)
        if self.K is not None:
            parts = tuple(
                np.concatenate([old, new])
                for old, new in zip((self.K, self.x, self.z, self.base, self.lp, self.nan), parts)
            )
        keys = level.keys(parts[0])
        order = np.argsort(keys, kind="stable")
        self.keys = keys[order]
        self.K, self.x, self.z, self.base, self.lp, self.nan = (p[order] for p in parts)

    def missing(self, level: _Level, K: np.ndarray) -> np.ndarray:
        """The rows of ``K`` (unique, inside the rule) not yet evaluated."""
        K = K[level.inside(K)]
        keys, first = np.unique(level.keys(K), return_index=True)
        K = K[first]
        if self.keys is None or self.keys.size == 0:
            return K
        pos = np.clip(np.searchsorted(self.keys, keys), 0, self.keys.size - 1)
        return K[self.keys[pos] != keys]


class _Evaluator:
    """Maps multi-indices to observations and calls ``log_prob`` once for many densities."""

    def __init__(self, log_prob: Callable, kind: str, m: int, max_nodes: int):
        self.log_prob = log_prob
        self.kind = kind
        self.m = m
        self.max_nodes = max_nodes

    def nodes(self, cloud: _Cloud, level: _Level, K: np.ndarray):
        """``x``, ``z``, base log-weights (``−inf`` where ``x`` is not valid) of ``K``, and
        ``log |det ∂x/∂y|``."""
        idx = K + level.kmax
        z = level.z[idx]
        with np.errstate(over="ignore", invalid="ignore"):
            y = cloud.c + z @ cloud.L.T
            x, log_jx, ok = _observations(y, self.kind, cloud.order)
            base = np.sum(level.log_j[idx], axis=1) + cloud.logdet + log_jx
        base = np.where(ok & np.isfinite(base), base, -np.inf)
        return x, z, base, log_jx

    def log_p(self, xs: list[np.ndarray], bases: list[np.ndarray], owners: list[int]):
        """``log p`` of every density's nodes in one call (``−inf`` off the support,
        NaN read as ``−inf`` and flagged)."""
        valid = [np.isfinite(b) for b in bases]
        X = np.concatenate([x[v] for x, v in zip(xs, valid)])
        labels = np.concatenate([np.full(int(v.sum()), o) for v, o in zip(valid, owners)])
        if X.shape[0]:
            with np.errstate(all="ignore"):
                lp = np.asarray(self.log_prob(X, labels), dtype=float)
            if lp.shape != (X.shape[0],):
                raise ValueError(
                    f"log_prob(x, theta) must return one value per row of x: for x of shape "
                    f"{X.shape} it returned shape {lp.shape}"
                )
        else:
            lp = np.zeros(0)
        out, nans, start = [], [], 0
        for v in valid:
            full = np.full(v.shape, -np.inf)
            full[v] = lp[start : start + int(v.sum())]
            start += int(v.sum())
            nan = np.isnan(full)
            out.append(np.where(nan, -np.inf, full))
            nans.append(nan)
        return out, nans

    def add(self, clouds: dict[int, _Cloud], level: _Level, requests: dict[int, np.ndarray]):
        """Evaluate the multi-indices ``requests[i]`` of density ``i`` and merge them."""
        requests = {i: K for i, K in requests.items() if K.shape[0]}
        if not requests:
            return
        for i, K in requests.items():
            have = 0 if clouds[i].K is None else clouds[i].K.shape[0]
            if have + K.shape[0] > self.max_nodes:
                raise ConvergenceError(
                    f"the cubature over {self.m} dimensions would need more than "
                    f"{self.max_nodes} nodes at step h = {level.h:g} (it has {have} and "
                    f"asks for {K.shape[0]} more): deterministic cubature is practical up "
                    "to about 4 dimensions; use support ('sampled', n) with a sample "
                    "function, or raise the node budget (ParametricFamily.cubature_max_nodes)",
                    residual=None,
                    tolerance=None,
                )
        parts = {i: self.nodes(clouds[i], level, K) for i, K in requests.items()}
        owners = list(requests)
        lps, nans = self.log_p([parts[i][0] for i in owners], [parts[i][2] for i in owners], owners)
        for i, lp, nan in zip(owners, lps, nans):
            x, z, base, _ = parts[i]
            clouds[i].merge(level, requests[i], x, z, base, lp, nan)


_FACE_CACHE: dict[int, np.ndarray] = {}
_CUBE_CACHE: dict[int, np.ndarray] = {}


def _search_grid(m: int) -> np.ndarray:
    """The multi-indices ``{−6, …, 6}ᵐ`` of the search grid (and of the first level)."""
    k = np.arange(-_K_SEARCH, _K_SEARCH + 1, dtype=np.int64)
    return np.stack(np.meshgrid(*([k] * m), indexing="ij"), -1).reshape(-1, m)


def _face(m: int) -> np.ndarray:
    """The ``2m`` offsets ``±eⱼ``."""
    if m not in _FACE_CACHE:
        eye = np.eye(m, dtype=np.int64)
        _FACE_CACHE[m] = np.concatenate([eye, -eye])
    return _FACE_CACHE[m]


def _cube(m: int) -> np.ndarray:
    """The ``3ᵐ`` offsets in ``{−1, 0, 1}ᵐ``."""
    if m not in _CUBE_CACHE:
        _CUBE_CACHE[m] = np.array(list(itertools.product((-1, 0, 1), repeat=m)), dtype=np.int64)
    return _CUBE_CACHE[m]


def _grow(clouds: dict[int, _Cloud], level: _Level, ev: _Evaluator, drop: float) -> None:
    """Evaluate the neighbours (``±eⱼ``) of every node within ``e^−drop`` of the largest
    weight until there are none left (all densities together)."""
    m = ev.m
    while True:
        requests = {}
        for i, cl in clouds.items():
            total = cl.total()
            heavy = total > np.max(total) - drop
            K = (cl.K[heavy][:, None, :] + _face(m)[None]).reshape(-1, m)
            requests[i] = cl.missing(level, K)
        if not any(K.shape[0] for K in requests.values()):
            return
        ev.add(clouds, level, requests)


def _check_nan(cl: _Cloud, level: _Level, m: int) -> None:
    """A NaN of ``log_prob`` next to a node that carries weight is an error."""
    if not np.any(cl.nan):
        return
    total = cl.total()
    heavy_keys = cl.keys[total > np.max(total) - _DROP]
    bad = np.flatnonzero(cl.nan)
    for j in bad:
        near = level.keys(cl.K[j][None, :] + _face(m))
        if np.any(np.isin(near, heavy_keys)):
            raise ValueError(
                f"log_prob returned NaN at x = {cl.x[j]!r}, where the density is not small"
            )


def _weights(total: np.ndarray) -> np.ndarray:
    """Normalized weights; relative weight below e⁻⁴⁰ → 0."""
    top = np.max(total)
    keep = total > top - _DROP
    w = np.where(keep, np.exp(np.where(keep, total - top, 0.0)), 0.0)
    return w / np.sum(w)


def _moments(total: np.ndarray, z: np.ndarray, shift: float):
    """``mass − 1``, the mean and the covariance of ``z`` under one rule."""
    top = np.max(total)
    mass = np.expm1(top + np.log(np.sum(np.exp(total - top))) + shift)
    w = _weights(total)
    mean = w @ z
    dz = z - mean
    return mass, mean, (w[:, None] * dz).T @ dz


# ------------------------------------------------------------------ the search
def _laplace(K: np.ndarray, Z: np.ndarray, g: np.ndarray, best: int, m: int):
    """Laplace step from a quadratic fitted to ``g`` (the log-density of ``z``) on the
    grid nodes around ``best``: the maximizer and ``(−∇²g)``, or ``None`` when the fit
    is not concave or not determined."""
    n_grid = 2 * _K_SEARCH + 1
    stencil = K[best] + _cube(m)
    stencil = stencil[np.all(np.abs(stencil) <= _K_SEARCH, axis=1)]
    rows = np.ravel_multi_index(tuple((stencil + _K_SEARCH).T), (n_grid,) * m)
    rows = rows[np.isfinite(g[rows])]
    n_coef = 1 + m + m * (m + 1) // 2
    if rows.size < n_coef:
        return None
    dz = Z[rows] - Z[best]
    s = np.max(np.abs(dz), axis=0)
    if np.any(s == 0):
        return None
    u = dz / s
    pairs = [(a, b) for a in range(m) for b in range(a, m)]
    design = np.column_stack([np.ones(rows.size), u] + [u[:, a] * u[:, b] for a, b in pairs])
    vals = g[rows] - g[best]
    coef, _, rank, _ = np.linalg.lstsq(design, vals, rcond=None)
    if rank < n_coef:
        return None
    grad = coef[1 : m + 1] / s
    hess = np.zeros((m, m))
    for (a, b), q in zip(pairs, coef[m + 1 :]):
        if a == b:
            hess[a, a] = 2.0 * q / (s[a] * s[a])
        else:
            hess[a, b] = hess[b, a] = q / (s[a] * s[b])
    try:
        np.linalg.cholesky(-hess)
    except np.linalg.LinAlgError:
        return None
    step = np.linalg.solve(-hess, grad)
    if not np.all(np.isfinite(step)):
        return None
    return Z[best] + step, -hess


def _search_update(K, Z, base, lp, log_jx, c, L, m):
    """One step of the search of ``(c, L)`` for one density; returns ``c, L, settled``."""
    total = base + lp
    top = np.max(total)
    if not np.isfinite(top):
        raise ValueError("log_prob is -inf at every cubature node")
    keep = total > top - _DROP
    spread = np.array([np.unique(K[keep, j]).size for j in range(m)])
    if np.all(spread >= 5):
        w = np.exp(total[keep] - top)
        w /= w.sum()
        z = Z[keep]
        mean = w @ z
        dz = z - mean
        C = (w[:, None] * dz).T @ dz
        eig = np.linalg.eigvalsh(C)
        if np.max(np.abs(mean)) < 0.1 and eig[0] > 0.8 and eig[-1] < 1.25:
            return c, L, True
        if eig[0] > 0:
            cov = L @ C @ L.T
            return c + L @ mean, np.linalg.cholesky(0.5 * (cov + cov.T)), False
    best = int(np.argmax(total))
    fit = _laplace(K, Z, lp + log_jx, best, m)
    if fit is not None:
        z_star, P = fit
        cov = L @ np.linalg.solve(P, L.T)  # L (−∇²g)⁻¹ Lᵀ, by a solve
        try:
            return c + L @ z_star, np.linalg.cholesky(0.5 * (cov + cov.T)), False
        except np.linalg.LinAlgError:
            pass
    shrink = np.where(spread < 5, 1.0 / 8.0, 1.0)
    return c + L @ Z[best], L * shrink, False


def _search(ev: _Evaluator, starts: dict[int, tuple], steps: int):
    """Run the search for several densities at once from ``starts[i] = (c, L, order)``;
    returns ``{i: (c, L, order, settled)}``.

    On the simplex, once settled, the sticks are reordered by decreasing mean of ``x``
    (the largest entry broken off first, which makes the stick variables less skewed)
    and the search starts over once in that order."""
    m = ev.m
    level = _Level(_H0, de=True)
    n_grid = (2 * _K_SEARCH + 1) ** m
    if n_grid > ev.max_nodes:
        raise ConvergenceError(
            f"the cubature over {m} dimensions would need more than {ev.max_nodes} nodes "
            f"(its coarsest grid has {n_grid}): deterministic cubature is practical up to "
            "about 4 dimensions; use support ('sampled', n) with a sample function",
            residual=None,
            tolerance=None,
        )
    K = _search_grid(m)
    state = {
        i: (np.asarray(c, float), np.asarray(L, float), order, False, False)
        for i, (c, L, order) in starts.items()
    }
    for _ in range(steps):
        active = [i for i, s in state.items() if not s[3]]
        if not active:
            break
        clouds = {i: _Cloud(state[i][0], state[i][1], state[i][2]) for i in active}
        parts = {i: ev.nodes(clouds[i], level, K) for i in active}
        lps, _ = ev.log_p([parts[i][0] for i in active], [parts[i][2] for i in active], active)
        for i, lp in zip(active, lps):
            x, z, base, log_jx = parts[i]
            c, L, order, _, reordered = state[i]
            c, L, settled = _search_update(K, z, base, lp, log_jx, c, L, m)
            if settled and ev.kind == "simplex" and not reordered:
                best = np.argsort(-(_weights(base + lp) @ x), kind="stable")
                if not np.array_equal(best, order):
                    state[i] = (_centre0(ev.kind, m), np.eye(m), best, False, True)
                    continue
            state[i] = (c, L, order, settled, reordered or settled)
    return {i: (c, L, order, settled) for i, (c, L, order, settled, _) in state.items()}


# ------------------------------------------------------------------ the expectations
def vector_expectations(
    log_prob: Callable,
    kind: str,
    k: int,
    integrand: Callable,
    n: int,
    *,
    rtol: float = 1e-12,
    max_level: int = 6,
    max_nodes: int = 300_000,
    start: tuple | None = None,
):
    """Cubature over ``("vector", k)`` or ``("simplex", k)`` for ``n`` densities at once.

    Parameters
    ----------
    log_prob
        ``log_prob(x, owner) -> log p`` for observations ``x`` of shape ``(N, d)`` (``d = k``),
        row ``i`` under density number ``owner[i]`` (called once per step for all
        densities).
    kind, k
        The support, ``"vector"`` (``x ∈ ℝᵏ``) or ``"simplex"`` (``k`` positive entries
        summing to 1).
    integrand
        ``integrand(x, owner, W)``: with ``owner`` sorted and ``W`` of shape ``(2, N)`` two
        sets of normalized weights (the rules of steps ``h`` and ``2h``), the two
        expectations for each distinct owner, shape ``(2, n_owners, ...)``; decides
        convergence together with the mass and the moments of ``z``.
    n
        Number of densities.
    rtol
        Target error of the finer rule: refinement stops when halving ``h`` changes the
        mass, the moments of ``z`` and the expectation by less than ``√rtol`` (see the
        module docstring); the mass must also be 1 to within 1e-6.
    max_level
        Finest step ``h = 2^−(1 + max_level)``.
    max_nodes
        Node budget per density.
    start
        ``(c, L, order)`` to start the search from (e.g. from a nearby parameter); densities
        whose search does not settle from it restart from the cold start.

    Returns
    -------
    value, (c, L, order), (x, owner, w, log_w)
        The expectations (shape ``(n, ...)``), the centre, factor and stick order
        (``None`` for vectors) of the last density (a warm start for the next call),
        and the final nodes with their owners, normalized weights and base log-weights
        (zero-weight nodes dropped).

    Raises
    ------
    ValueError
        If ``log p`` is ``−inf`` at every node, NaN where the density is not small, or
        does not integrate to 1.
    ConvergenceError
        If the rule has not converged at the finest level or within the node budget.
    """
    m = k if kind == "vector" else k - 1
    tol = np.sqrt(rtol)  # the change from 2h to h; the error at h is about its square
    ev = _Evaluator(log_prob, kind, m, max_nodes)
    cold = (_centre0(kind, m), np.eye(m), None if kind == "vector" else np.arange(k))
    ids = list(range(n))
    if start is not None:
        found = _search(ev, {i: start for i in ids}, _WARM_STEPS)
        redo = [i for i in ids if not found[i][3]]
        if redo:  # a warm start far from these densities: start over
            found.update(_search(ev, {i: cold for i in redo}, _SEARCH_STEPS))
    else:
        found = _search(ev, {i: cold for i in ids}, _SEARCH_STEPS)

    values: list = [None] * n
    final: list = [None] * n
    clouds = {i: _Cloud(*found[i][:3]) for i in ids}
    grid = _search_grid(m)
    change = np.nan
    level = None
    for lev in range(max_level + 1):
        if not clouds:
            break
        new_level = _Level(_H0 / 2**lev)
        if lev == 0:
            ev.add(clouds, new_level, {i: grid for i in clouds})
            _grow(clouds, new_level, ev, _DROP + _MARGIN)
        else:
            refined = {i: _refine(cl, level, new_level, ev) for i, cl in clouds.items()}
            clouds = {i: r[0] for i, r in refined.items()}
            ev.add(clouds, new_level, {i: r[1] for i, r in refined.items()})
            _grow(clouds, new_level, ev, _DROP)
        level = new_level
        last = lev == max_level
        ready = []
        for i, cl in clouds.items():
            _check_nan(cl, level, m)
            total = cl.total()
            if not np.isfinite(np.max(total)):
                raise ValueError("log_prob is -inf at every cubature node")
            even = np.all(cl.K % 2 == 0, axis=1)
            fine = _moments(total, cl.z, 0.0)
            coarse = _moments(total[even], cl.z[even], m * np.log(2.0))
            scale = max(1.0, float(np.sqrt(np.max(np.diag(fine[2])))))
            settled = (
                abs(fine[0] - coarse[0]) <= tol
                and np.max(np.abs(fine[1] - coarse[1])) <= tol * scale
                and np.max(np.abs(fine[2] - coarse[2])) <= tol * scale**2
            )
            if settled and abs(fine[0]) > 1e-6:
                raise ValueError(
                    f"log_prob does not integrate to 1 over the support: the integral is "
                    f"{1.0 + fine[0]:.10g}"
                )
            if settled or last:
                ready.append(i)
        if not ready:
            continue
        xs, owners, W, bases = [], [], [], []
        for i in ready:
            cl = clouds[i]
            total = cl.total()
            even = np.all(cl.K % 2 == 0, axis=1)
            fine_w = _weights(total)
            coarse_w = np.zeros_like(fine_w)
            coarse_w[even] = _weights(total[even])
            keep = fine_w > 0
            xs.append(cl.x[keep])
            owners.append(np.full(int(keep.sum()), i))
            W.append(np.stack([fine_w[keep], coarse_w[keep]]))
            bases.append(cl.base[keep])
        out = np.asarray(
            integrand(np.concatenate(xs), np.concatenate(owners), np.concatenate(W, axis=1))
        )
        new, old = out[0], out[1]
        axes = tuple(range(1, new.ndim))
        big = np.maximum(np.max(np.abs(new), axis=axes) if axes else np.abs(new), 1e-300)
        err = (np.max(np.abs(new - old), axis=axes) if axes else np.abs(new - old)) / big
        for r, i in enumerate(ready):
            if err[r] <= tol:
                values[i] = new[r]
                final[i] = (xs[r], W[r][0], bases[r])
                del clouds[i]
        if np.any(err > tol):
            change = float(np.max(err[err > tol]))
    if clouds:
        raise ConvergenceError(
            f"the cubature of the expectation over {m} dimensions did not converge to "
            f"rtol={rtol:g} with step h = {level.h:g} (relative change {change:.3g} "
            "between the last two steps)",
            residual=float(change),
            tolerance=rtol,
        )
    x_all = np.concatenate([f[0] for f in final])
    owner_all = np.repeat(np.arange(n), [f[0].shape[0] for f in final])
    w_all = np.concatenate([f[1] for f in final])
    log_w_all = np.concatenate([f[2] for f in final])
    last_start = found[n - 1][:3]
    return np.stack(values), last_start, (x_all, owner_all, w_all, log_w_all)


def _refine(cl: _Cloud, old: _Level, new: _Level, ev: _Evaluator):
    """The next level's nodes around the old level's nodes within e⁻⁴⁶ of the largest
    weight: every point of the finer grid next to them. Returns the new cloud holding
    the old nodes (which keep their ``log p``) and the multi-indices still to evaluate."""
    m = ev.m
    total = cl.total()
    keep = total > np.max(total) - (_DROP + _MARGIN)
    K_old = cl.K[keep]
    out = _Cloud(cl.c, cl.L, cl.order)
    # the old nodes themselves (even indices at the new level): no new evaluation
    x, z, base, _ = ev.nodes(out, new, 2 * K_old)
    out.merge(new, 2 * K_old, x, z, base, cl.lp[keep], cl.nan[keep])
    cand = (2 * K_old[:, None, :] + _cube(m)[None]).reshape(-1, m)
    return out, out.missing(new, cand)

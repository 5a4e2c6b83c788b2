"""A statistical manifold from nothing but a log-density: the Fisher metric is computed."""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Callable

import autograd
import autograd.numpy as anp
import numpy as np
from autograd.tracer import Box

from .._jet import value_grad_hessian
from .._validation import check_positive_int
from ..exceptions import ConvergenceError
from .cubature import VECTOR_KINDS, cubature_dim, simplex_from_logits, vector_expectations
from .expectations import Nodes, continuous_expectations, continuous_nodes, integer_nodes
from .manifold import StatisticalManifold, untrace
from .support import normalize_support

__all__ = ["ParametricFamily"]

#: supports whose expectations come from an adaptive rule certified by refinement
_CERTIFIED = ("interval", *VECTOR_KINDS)


def _last_derivatives(calls, n: int):
    """Each point's per-node scores and Hessians from the last of ``calls`` (a list of
    ``(owner, S, H)``) that included it, ordered by owner (a point leaves the active set
    of an adaptive rule once it has converged)."""
    last = np.full(n, -1)
    for c, (owner, _, _) in enumerate(calls):
        last[owner] = c
    picked = []
    for c, (owner, S, H) in enumerate(calls):
        mine = last[owner] == c
        picked.append((owner[mine], S[mine], H[mine]))
    owner, S, H = (np.concatenate([p[i] for p in picked]) for i in range(3))
    order = np.argsort(owner, kind="stable")
    return S[order], H[order]


def _per_owner(values: np.ndarray, owner: np.ndarray, axis: int = 0) -> np.ndarray:
    """Sum ``values`` along ``axis`` over runs of equal ``owner`` (owners contiguous)."""
    starts = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])
    return np.add.reduceat(values, starts, axis=axis)


class ParametricFamily(StatisticalManifold):
    """Any family ``p(x | θ)`` given by an autograd-differentiable log-density.

    Parameters
    ----------
    log_prob
        ``log_prob(x, θ)``, written with ``autograd.numpy`` / ``autograd.scipy``; it
        receives the observations ``x`` (a 1-d array, or for vector-valued supports an
        array of shape ``(n, d)`` with one observation per row) and one parameter
        vector ``θ`` of shape ``(dim,)`` and returns one value per observation.
    dim
        Number of parameters.
    support
        Scalar observations: ``"real"``, ``"positive"``, ``"unit"`` (0, 1),
        ``("interval", a, b)``, ``("integers", low, high)`` (``high`` may be ``None``),
        ``("finite", values)``. Vector-valued observations: ``("vector", d)`` (``x ∈ ℝᵈ``)
        or ``("simplex", k)`` (``k ≥ 2`` positive entries summing to 1), by deterministic
        cubature (:mod:`~infogeo.statistics.cubature`, practical up to about 4
        dimensions: ``d`` or ``k − 1``). Any observations: ``("sampled", n)`` (Monte Carlo
        with ``n`` draws of ``sample``).
    bounds
        Optional ``(low, high)`` per parameter (the parameter domain).
    sample
        ``sample(θ, size, rng)`` drawing observations (one scalar, or one array of shape
        ``(d,)`` for vector-valued supports, when ``size`` is ``None``); required for
        ``("sampled", n)``.
    names
        Optional parameter names (used in messages).

    Notes
    -----
    The Fisher metric is ``F(θ) = −E_θ[∇²_θ log p(x|θ)]``, the expectation computed by
    :mod:`~infogeo.statistics.expectations` (exact sums, double-exponential quadrature
    evaluated from the log-density, or Monte Carlo) or, for vector-valued observations,
    :mod:`~infogeo.statistics.cubature` (tensor-product rule, ``cubature_rtol = 1e-9``);
    :meth:`fisher_outer` gives the
    other form ``E[s sᵀ]`` for checking. Both are self-normalized by the computed mass.
    ``fisher`` is traceable by autograd (nodes fixed at the evaluation point).
    ``kl`` is computed by the same rule: ``E_θ₁[log p(x|θ₁) − log p(x|θ₂)]``.

    Batches are one vectorized computation when ``log_prob`` also accepts one parameter
    vector per observation (``θ`` of shape ``(dim, n)`` when it indexes ``t[0]``,
    ``t[1]``, or ``(n, dim)`` when it indexes ``t[..., 0]``; detected once): the
    quadrature of every point shares one double-exponential grid, ``log_prob`` is
    called once per refinement step for all points' nodes. ``fisher``, ``christoffel``,
    ``fisher_outer`` and ``kl`` all use it; other ``log_prob``s are handled point by
    point.

    The per-node scores and Hessians come from one call of ``log_prob`` with ``θ`` as a
    second-order forward-mode jet (:mod:`infogeo._jet`), checked once against autograd
    on a few nodes. A ``log_prob`` using an operation jets lack (``anp.stack``,
    ``anp.linalg``, …) is differentiated by autograd instead: one traced gradient and
    ``dim`` backward passes over all nodes when it takes one parameter vector per
    node, else ``dim (dim + 3) / 2`` forward-mode passes per point (reverse-mode
    Jacobians, one pass per node, only where autograd lacks a forward rule).
    """

    #: relative tolerance of the adaptive quadrature on continuous supports
    quad_rtol: float = 1e-12
    #: seed of the Monte Carlo draws for ``("sampled", n)``
    seed: int = 0
    #: points per vectorized metric computation (bounds memory: a few hundred nodes each)
    batch_chunk: int = 1024
    #: relative tolerance of the cubature on vector-valued supports (see
    #: :func:`~infogeo.statistics.cubature.vector_expectations`)
    cubature_rtol: float = 1e-9
    #: node budget per point of the cubature on vector-valued supports
    cubature_max_nodes: int = 300_000

    def __init__(
        self,
        log_prob: Callable,
        dim: int,
        support,
        bounds=None,
        sample: Callable | None = None,
        names=None,
    ):
        if not callable(log_prob):
            raise TypeError(
                f"log_prob must be a callable (x, theta) -> log p, got {type(log_prob).__name__}"
            )
        if sample is not None and not callable(sample):
            raise TypeError(f"sample must be a callable (theta, size, rng), got {sample!r}")
        dim = check_positive_int(dim, "dim")
        self.support = normalize_support(support)
        if self.support[0] == "simplex" and self.support[1] < 2:
            raise ValueError(
                f"support ('simplex', k) needs k >= 2 entries, got k = {self.support[1]}"
            )
        if self.support[0] in VECTOR_KINDS:
            self.event_shape = (self.support[1],)
        if self.support[0] == "sampled" and sample is None:
            raise ValueError("support ('sampled', n) needs a sample(theta, size, rng) function")
        if names is not None:
            names = tuple(str(n) for n in names)
            if len(names) != dim:
                raise ValueError(f"names must give {dim} names, got {len(names)}")
        self._names = names
        self._user_log_prob = log_prob
        self._user_sample = sample
        super().__init__(dim, bounds)

    def __repr__(self) -> str:
        return f"ParametricFamily(dim={self.dim}, support={self.support!r})"

    # ------------------------------------------------------------------ input
    def check_data(self, x, name: str = "x") -> np.ndarray:
        if self.support[0] == "sampled":
            from .._validation import as_float_array

            return as_float_array(x, name)
        return super().check_data(x, name)

    def _log_prob(self, x, theta):
        """Broadcast ``x`` (any shape; ``(..., d)`` for vector-valued supports) against
        ``θ`` (``(dim,)`` or batched)."""
        theta_shape = untrace(theta).shape
        event = self.event_shape
        x_batch = np.shape(x)[: np.ndim(x) - len(event)]
        if len(theta_shape) == 1:
            flat = anp.reshape(x, (-1, *event)) if np.ndim(x) else anp.reshape(x, (1,))
            return anp.reshape(self._user_log_prob(flat, theta), x_batch)
        batch = np.broadcast_shapes(x_batch, theta_shape[:-1])
        xb = np.broadcast_to(x, (*batch, *event))
        tb = theta if isinstance(theta, Box) else np.broadcast_to(theta, (*batch, self.dim))
        out = [self._user_log_prob(xb[idx][None], tb[idx])[0] for idx in np.ndindex(*batch)]
        return anp.reshape(anp.stack(out), batch)

    def _sample(self, theta, rng):
        if self._user_sample is None:
            raise NotImplementedError("this ParametricFamily was built without sample")
        batch = theta.shape[:-1]
        event = self.event_shape
        out = np.empty((*batch, *event))
        for idx in np.ndindex(*batch):
            draw = np.asarray(self._user_sample(theta[idx], None, rng), dtype=float)
            if draw.shape != event:
                raise ValueError(
                    f"sample(theta, None, rng) must return one observation of shape {event}, "
                    f"got shape {draw.shape}"
                )
            out[idx] = draw
        return out

    # ------------------------------------------------------------------ expectations
    def _nodes(self, theta0: np.ndarray, integrand=None) -> tuple[Nodes, np.ndarray]:
        """Expectation nodes for ``p(·|θ₀)`` and their normalized weights."""
        kind = self.support[0]

        def lp(x):
            return np.asarray(self._user_log_prob(x, theta0), dtype=float)

        if kind == "finite":
            x = self.support[1]
            nodes = Nodes(x, np.zeros_like(x))
        elif kind == "integers":
            nodes = integer_nodes(lp, self.support[1], self.support[2])
        elif kind == "sampled":
            rng = np.random.default_rng(self.seed)
            x = np.asarray(self._user_sample(theta0, self.support[1], rng), dtype=float)
            with np.errstate(all="ignore"):
                nodes = Nodes(x, -lp(x))
        elif kind in VECTOR_KINDS:
            return self._vector_nodes(theta0)
        elif self._batched_layout(theta0) is not None:
            _, (x, _, w, log_w) = self._certified(theta0[None])
            return Nodes(x, log_w), w
        else:
            a, b = self.support[1], self.support[2]

            def solve(start):
                return continuous_nodes(
                    lp,
                    a,
                    b,
                    lambda n, w: self._neg_hessian(n, w, theta0),
                    rtol=self.quad_rtol,
                    start=start,
                )

            warm = getattr(self, "_centre_scale", None)
            try:
                nodes, w, _, centre_scale = solve(warm)
            except (ValueError, ConvergenceError):
                if warm is None:
                    raise
                nodes, w, _, centre_scale = solve(None)  # the previous point was far away
            # warm start for the next call (geodesic solvers call at nearby points)
            self._centre_scale = centre_scale
            return nodes, w
        with np.errstate(all="ignore"):
            log_p = lp(nodes.x)
        if np.any(np.isnan(log_p)):
            i = int(np.argwhere(np.isnan(log_p))[0][0])
            raise ValueError(f"log_prob returned NaN at x = {nodes.x[i]!r}")
        if not np.any(np.isfinite(log_p)):
            raise ValueError("log_prob is -inf on the whole support")
        kept, w = nodes.prune(log_p)
        return kept, w

    def _vector_nodes(self, theta0: np.ndarray) -> tuple[Nodes, np.ndarray]:
        """Cubature nodes and normalized weights of ``p(·|θ₀)`` on a vector-valued support
        (all nodes in one ``log_prob`` call per step; the Hessians of the convergence test
        per node when ``log_prob`` takes one parameter vector per node, else by one
        autograd Hessian of the weighted sum per weight set)."""
        if self._batched_layout(theta0) is not None:
            _, (x, _, w, log_w) = self._certified(theta0[None])
            return Nodes(x, log_w), w

        def lp(x, owner):
            return self._user_log_prob(x, theta0)

        def sums(x, owner, W):
            nodes = Nodes(x, np.zeros(x.shape[0]))
            return np.stack([self._neg_hessian(nodes, W[i], theta0) for i in range(2)])[:, None]

        _, start, (x, _, w, log_w) = self._vector_expectations(lp, sums, 1)
        self._cubature_start = start
        return Nodes(x, log_w), w

    def _vector_expectations(self, lp, integrand, n: int):
        """:func:`~infogeo.statistics.cubature.vector_expectations` on this support, warm
        started from the previous call."""
        return vector_expectations(
            lp,
            self.support[0],
            self.support[1],
            integrand,
            n,
            rtol=self.cubature_rtol,
            max_nodes=self.cubature_max_nodes,
            start=getattr(self, "_cubature_start", None),
        )

    def _neg_hessian(self, nodes: Nodes, w: np.ndarray, theta):
        """``−Σᵢ wᵢ ∇²_θ log p(xᵢ|θ)`` (weights fixed)."""
        if not isinstance(theta, Box) and not isinstance(w, Box):
            SH = self._jet_derivatives(nodes.x, np.asarray(theta, dtype=float)[None])
            if SH is not None and np.all(np.isfinite(SH[1])):
                return -np.einsum("m,mab->ab", w, SH[1])
        H = autograd.hessian(lambda t: anp.sum(w * self._user_log_prob(nodes.x, t)))(theta)
        if not np.all(np.isfinite(untrace(H))):
            raise ValueError(
                "the Hessian of log_prob is not finite at some node carrying weight; the "
                "Fisher information is undefined there"
            )
        return -H

    def _fisher_one(self, theta):
        """Fisher matrix at one point; traceable (nodes fixed at the point's value).

        ``F(θ) = −Σᵢ wᵢ(θ) ∇² log p(xᵢ|θ)``, ``wᵢ(θ) ∝ Wᵢ p(xᵢ|θ)``: at the point it is the
        expectation, and its derivative is that of the expectation.
        """
        theta0 = np.asarray(untrace(theta), dtype=float)
        nodes, w0 = self._nodes(theta0)
        if not isinstance(theta, Box):
            return self._neg_hessian(nodes, w0, theta0)
        lw = nodes.log_w + self._user_log_prob(nodes.x, theta)
        lw = lw - np.max(untrace(lw))
        w = anp.exp(lw)
        w = w / anp.sum(w)
        return self._neg_hessian(nodes, w, theta)

    def _metric(self, theta):
        batch = untrace(theta).shape[:-1]
        if not isinstance(theta, Box):
            flat = np.asarray(theta, dtype=float).reshape(-1, self.dim)
            if flat.shape[0] == 0:
                return np.zeros((*batch, self.dim, self.dim))
            if self._batched_layout(flat[0]) is not None:
                step = self.batch_chunk
                out = [self._fisher_batch(flat[i : i + step]) for i in range(0, len(flat), step)]
                return np.concatenate(out).reshape(*batch, self.dim, self.dim)
        if not batch:
            return self._fisher_one(theta)
        flat = anp.reshape(theta, (-1, self.dim))
        out = [self._fisher_one(flat[i]) for i in range(flat.shape[0])]
        return anp.reshape(anp.stack(out), (*batch, self.dim, self.dim))

    def _batched_layout(self, theta: np.ndarray) -> str | None:
        """:meth:`_layout`, probed (once) on a few observations of ``p(·|θ)``."""
        cached = getattr(self, "_layout_cache", "unset")
        if cached != "unset":
            return cached
        return self._layout(self._probe_x(theta), theta)

    def _probe_x(self, theta: np.ndarray) -> np.ndarray:
        """A few points inside the support (to probe how ``log_prob`` takes ``θ``)."""
        kind = self.support[0]
        if kind == "finite":
            return np.asarray(self.support[1], dtype=float)
        if kind == "integers":
            return float(self.support[1]) + np.arange(4.0)
        if kind == "sampled":  # a few draws (scalars, or rows for vector observations)
            rng = np.random.default_rng(self.seed)
            return np.asarray(self._user_sample(theta, 4, rng), dtype=float)
        if kind in VECTOR_KINDS:
            m = cubature_dim(self.support)
            y = np.random.default_rng(0).uniform(-1.0, 1.0, (4, m))
            return y if kind == "vector" else simplex_from_logits(y)[0]
        a, b = self.support[1], self.support[2]
        if np.isinf(a) and np.isinf(b):
            return np.linspace(-1.0, 1.0, 4)
        if np.isinf(b):
            return a + np.array([0.5, 1.0, 1.5, 2.0])
        if np.isinf(a):
            return b - np.array([0.5, 1.0, 1.5, 2.0])
        return a + (b - a) * np.array([0.2, 0.4, 0.6, 0.8])

    def _tiled(self, theta_rows: np.ndarray) -> np.ndarray:
        """Per-node parameters ``(n, dim)`` in the layout ``log_prob`` takes."""
        return theta_rows.T.copy() if self._layout_cache == "first" else theta_rows

    def _node_neg_hessians(self, x: np.ndarray, theta_rows: np.ndarray) -> np.ndarray:
        """``−∇²_θ log p(x_m|θ_m)`` per node, shape ``(n, dim, dim)`` (see
        :meth:`_tiled_derivatives`)."""
        return -self._tiled_derivatives(x, theta_rows, hessian=True)[1]

    def _tiled_derivatives(self, x: np.ndarray, theta_rows: np.ndarray, hessian: bool):
        """Scores ``S[m, a] = ∂ₐ log p(x_m|θ_m)`` and (optionally) Hessians ``H[m, a, b]``
        when ``log_prob`` takes one parameter vector per node.

        Forward-mode jets (:mod:`infogeo._jet`) when ``log_prob`` runs on them: one call
        gives every node's score and Hessian. Otherwise reverse mode: the nodes are
        independent, so one traced gradient of ``Σ_m log p(x_m|θ_m)`` gives every
        node's score, and ``dim`` backward passes through it (cotangent ``e_a`` on every
        node) give row ``a`` of every node's Hessian.
        """
        SH = self._jet_derivatives(x, theta_rows)
        if SH is None:
            SH = self._reverse_tiled_derivatives(x, theta_rows, hessian)
        S, H = SH
        H = H if hessian else None
        if not np.all(np.isfinite(S)) or (H is not None and not np.all(np.isfinite(H))):
            raise ValueError(
                "the score or Hessian of log_prob is not finite at some node carrying "
                "weight; the Fisher information is undefined there"
            )
        return S, H

    def _reverse_tiled_derivatives(self, x: np.ndarray, theta_rows: np.ndarray, hessian: bool):
        """:meth:`_tiled_derivatives` by autograd (reverse mode)."""
        first = self._layout_cache == "first"
        T = self._tiled(theta_rows)

        def total(T):
            return anp.sum(self._user_log_prob(x, T))

        def as_rows(G):  # the tiled layout -> (n, dim)
            return np.asarray(G, dtype=float).T if first else np.asarray(G, dtype=float)

        with np.errstate(all="ignore"), warnings.catch_warnings():
            # a log-density linear in θ has a constant score: its Hessian is 0
            warnings.filterwarnings("ignore", "Output seems independent of input")
            grad = autograd.elementwise_grad(total)
            H = None
            if not hessian:
                S = as_rows(grad(T))
            else:
                vjp, G = autograd.make_vjp(grad)(T)
                S = as_rows(G)
                H = np.empty((x.shape[0], self.dim, self.dim))
                for a in range(self.dim):
                    e = np.zeros(T.shape)
                    if first:
                        e[a] = 1.0
                    else:
                        e[:, a] = 1.0
                    H[:, a, :] = as_rows(vjp(e))
        return S, H

    def _reverse_point_derivatives(self, x: np.ndarray, theta: np.ndarray):
        """Per-node scores and Hessians at one ``θ`` by autograd, for a ``log_prob`` that
        takes neither tiled layout and does not run on jets.

        Forward mode first: column ``a`` of the scores is the directional derivative
        along ``e_a`` and ``H[:, a, b]`` that of column ``a`` along ``e_b``, so
        ``dim (dim + 3) / 2`` passes over all nodes at once. Where a primitive has no
        forward rule in autograd (``gammaln``, for one), reverse-mode Jacobians: one
        backward pass per node.
        """
        E = np.eye(self.dim)
        n = x.shape[0]

        def lp(u):
            return self._user_log_prob(x, u)

        def along(a):
            return lambda u: autograd.make_jvp(lp)(u)(E[a])[1]

        def column(f):
            return np.broadcast_to(np.asarray(f, dtype=float), (n,))

        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.filterwarnings("ignore", "Output seems independent of input")
            try:
                S = np.empty((n, self.dim))
                H = np.empty((n, self.dim, self.dim))
                for a in range(self.dim):
                    S[:, a] = column(along(a)(theta))
                    for b in range(a, self.dim):
                        H[:, a, b] = H[:, b, a] = column(
                            autograd.make_jvp(along(a))(theta)(E[b])[1]
                        )
            except NotImplementedError:
                S = np.asarray(autograd.jacobian(lp)(theta), dtype=float)
                H = np.asarray(autograd.jacobian(autograd.jacobian(lp))(theta), dtype=float)
        return S.reshape(n, self.dim), H.reshape(n, self.dim, self.dim)

    #: nodes on which the jets are checked against autograd before they are trusted
    _jet_check_nodes: int = 6

    def _jet_derivatives(self, x: np.ndarray, theta_rows: np.ndarray):
        """Per-node scores and Hessians ``(S, H)`` by forward-mode jets, or ``None`` when
        ``log_prob`` does not run on them.

        Rows all equal (one point): ``θ`` itself is the seed, so ``log_prob`` sees the
        usual ``(dim,)`` parameter; otherwise the tiled layout. The first time, the
        result on a few nodes is compared with autograd's; a family whose
        ``log_prob`` fails or disagrees (beyond rounding) uses autograd from then on.
        """
        state = getattr(self, "_jets", None)
        if state is False or x.shape[0] == 0:
            return None
        one = bool(np.all(theta_rows == theta_rows[0]))
        layout = getattr(self, "_layout_cache", None)
        if not one and layout is None:
            return None
        try:
            with np.errstate(all="ignore"):
                if one:
                    _, S, H = value_grad_hessian(lambda t: self._user_log_prob(x, t), theta_rows[0])
                else:
                    _, S, H = value_grad_hessian(
                        lambda T: self._user_log_prob(x, T),
                        self._tiled(theta_rows),
                        axis=0 if layout == "first" else -1,
                    )
        except Exception:  # an operation without a jet rule, or code jets cannot run
            self._jets = False
            return None
        if S.shape != (x.shape[0], self.dim):
            self._jets = False
            return None
        if state is None:
            k = min(self._jet_check_nodes, x.shape[0])
            if layout is None:
                S_ref, H_ref = self._reverse_point_derivatives(x[:k], theta_rows[0])
            else:
                S_ref, H_ref = self._reverse_tiled_derivatives(x[:k], theta_rows[:k], True)
            with np.errstate(invalid="ignore"):
                agree = np.allclose(S[:k], S_ref, rtol=1e-9, atol=1e-12, equal_nan=True)
                agree &= np.allclose(H[:k], H_ref, rtol=1e-9, atol=1e-12, equal_nan=True)
            self._jets = bool(agree)
            if not agree:
                return None
        return S, H

    def _fisher_batch(self, thetas: np.ndarray) -> np.ndarray:
        """``F(θ) = −E_θ[∇²_θ log p]`` for the rows of ``thetas`` (shape ``(n, dim)``) in
        one vectorized computation: ``log_prob`` is evaluated at the nodes of every
        point in one call per refinement step, the per-node Hessians in ``1 + dim``
        autograd passes, and the weighted sums per point in numpy."""
        if self.support[0] in _CERTIFIED:
            return self._certified(thetas)[0]
        x, owner, w = self._batch_nodes(thetas)
        return _per_owner(w[:, None, None] * self._node_neg_hessians(x, thetas[owner]), owner)

    def _batch_nodes(self, thetas: np.ndarray):
        """Nodes ``x``, their point ``owner`` (contiguous) and normalized weights ``w``
        for every row of ``thetas``: one vectorized quadrature on continuous supports,
        sums / Monte Carlo nodes point by point (numpy) otherwise."""
        if self.support[0] in _CERTIFIED:
            return self._certified(thetas)[1][:3]
        xs, ws = [], []
        for t in thetas:
            nodes, w = self._nodes(t)
            xs.append(nodes.x)
            ws.append(w)
        owner = np.repeat(np.arange(thetas.shape[0]), [x.shape[0] for x in xs])
        return np.concatenate(xs), owner, np.concatenate(ws)

    def _weighted_neg_hessians(self, x, owner, W, thetas):
        """``Σ_m W[r, m] (−∇²_θ log p(x_m|θ_owner(m)))`` per owner (owners contiguous),
        shape ``(len(W), n_owners, dim, dim)``."""
        V = self._node_neg_hessians(x, thetas[owner])
        return _per_owner(W[:, :, None, None] * V, owner, axis=1)

    def _batch_derivatives(self, thetas: np.ndarray, hessian: bool):
        """Nodes ``x``, ``owner``, weights ``w`` of every row of ``thetas`` with the
        per-node scores ``S`` and Hessians ``H`` (``None`` unless ``hessian``); on
        continuous supports the derivatives are those the quadrature computed to
        certify its convergence (not recomputed)."""
        if self.support[0] in _CERTIFIED:
            _, (x, owner, w, _), S, H = self._certified(thetas, keep_derivatives=True)
            return x, owner, w, S, H if hessian else None
        x, owner, w = self._batch_nodes(thetas)
        S, H = self._tiled_derivatives(x, thetas[owner], hessian)
        return x, owner, w, S, H

    def _certified(self, thetas: np.ndarray, keep_derivatives: bool = False):
        """Fisher matrices of the rows of ``thetas`` on a continuous support (interval:
        :func:`~infogeo.statistics.expectations.continuous_expectations`; vector-valued:
        :func:`~infogeo.statistics.cubature.vector_expectations`) and the final nodes
        ``(x, owner, w, log_w)``; with ``keep_derivatives``, also the per-node scores and
        Hessians at those nodes. The refinement stops when ``−E[∇² log p]`` has
        converged, together with the mass and the moments of the density (which decide
        it alone for a Hessian that does not depend on ``x``). Each rule is warm
        started from the previous call (geodesic solvers call at nearby points)."""
        calls = []

        def lp(x, owner):
            return self._user_log_prob(x, self._tiled(thetas[owner]))

        def sums(x, owner, W):
            S, H = self._tiled_derivatives(x, thetas[owner], hessian=True)
            if keep_derivatives:
                calls.append((owner, S, H))
            return _per_owner(W[:, :, None, None] * -H, owner, axis=1)

        if self.support[0] in VECTOR_KINDS:
            value, self._cubature_start, nodes = self._vector_expectations(
                lp, sums, thetas.shape[0]
            )
        else:
            warm = getattr(self, "_centre_scale", None)
            value, centre_scale, nodes = continuous_expectations(
                lp,
                self.support[1],
                self.support[2],
                sums,
                thetas.shape[0],
                rtol=self.quad_rtol,
                start=None if warm is None else np.array(warm, dtype=float),
            )
            self._centre_scale = (float(centre_scale[-1, 0]), float(centre_scale[-1, 1]))
        if not keep_derivatives:
            return value, nodes
        S, H = _last_derivatives(calls, thetas.shape[0])
        return value, nodes, S, H

    def _node_derivatives(self, x: np.ndarray, theta: np.ndarray, hessian: bool):
        """Per-node scores ``S[m, a] = ∂ₐ log p(x_m|θ)`` and (optionally) Hessians
        ``H[m, a, b]`` at one ``θ``: forward-mode jets when ``log_prob`` runs on them,
        else autograd, vectorized when ``log_prob`` also accepts one parameter vector
        per node (see :meth:`_tiled_derivatives`), else one Jacobian pass per node.
        """
        SH = self._jet_derivatives(x, theta[None])
        if SH is not None:
            S, H = SH
        elif self._layout(x, theta) is not None:
            return self._tiled_derivatives(x, np.tile(theta, (x.shape[0], 1)), hessian)
        else:
            S, H = self._reverse_point_derivatives(x, theta)
        return S, H if hessian else None

    def _layout(self, x: np.ndarray, theta: np.ndarray) -> str | None:
        """Whether ``log_prob`` takes one parameter vector per node (see above)."""
        if getattr(self, "_layout_cache", "unset") != "unset":
            return self._layout_cache
        # dim + 2 observations (rows for vector-valued ones): not square, so the two
        # layouts differ
        probe = x[np.arange(self.dim + 2) % x.shape[0]]
        # distinct parameters per node and coordinate, so that a layout that silently
        # mixes or reuses copies fails
        wiggle = np.random.default_rng(0).uniform(-1e-4, 1e-4, (probe.shape[0], self.dim))
        thetas = theta * (1.0 + wiggle) + 1e-3 * wiggle
        with np.errstate(all="ignore"):  # NaN compares equal below
            ref = np.array(
                [
                    float(np.asarray(self._user_log_prob(probe[i : i + 1], thetas[i]))[0])
                    for i in range(probe.shape[0])
                ]
            )
        found = None
        for layout, T in (("first", thetas.T.copy()), ("last", thetas)):
            try:
                with np.errstate(all="ignore"):
                    out = np.asarray(self._user_log_prob(probe, T), dtype=float)
            except Exception:
                continue
            if out.shape == ref.shape and np.allclose(out, ref, rtol=1e-13, atol=0, equal_nan=True):
                found = layout
                break
        self._layout_cache = found
        return found

    def christoffel(self, p):
        """Levi-Civita symbols from expectations at the same nodes as the metric:

        ``Γ_{ij,l} = E[(∂ᵢ∂ⱼℓ + ½ ∂ᵢℓ ∂ⱼℓ) ∂ₗℓ]`` (the α = 0 connection, ``ℓ = log p``),
        raised with ``F⁻¹`` by a solve (all points at once when ``log_prob`` takes one
        parameter vector per node).
        """
        p = self.check_point(p)
        flat = p.reshape(-1, self.dim)
        n = self.dim
        if flat.shape[0] and self._batched_layout(flat[0]) is not None:
            _, owner, w, S, H = self._batch_derivatives(flat, hessian=True)
            F = -_per_owner(w[:, None, None] * H, owner)
            lij = np.einsum("mij,ml->mlij", H + 0.5 * S[:, :, None] * S[:, None, :], S)
            first = _per_owner(w[:, None, None, None] * lij, owner)
            out = np.linalg.solve(F, first.reshape(-1, n, n * n))
            return out.reshape(*p.shape[:-1], n, n, n)
        out = np.empty((flat.shape[0], n, n, n))
        for i, t in enumerate(flat):
            nodes, w = self._nodes(t)
            S, H = self._node_derivatives(nodes.x, t, hessian=True)
            F = -np.einsum("m,mab->ab", w, H)
            first = np.einsum("m,mij,ml->lij", w, H + 0.5 * S[:, :, None] * S[:, None, :], S)
            out[i] = np.linalg.solve(F, first.reshape(n, n * n)).reshape(n, n, n)
        return out.reshape(*p.shape[:-1], n, n, n)

    def christoffel_derivative(self, p):
        """Central differences of :meth:`christoffel` (about 1e-8 relative; used to
        steer the shooting method, whose answer is certified by the endpoint
        residual)."""
        return self._christoffel_derivative_fd(self.check_point(p))

    def fisher_outer(self, theta) -> np.ndarray:
        """The other form of the Fisher information, ``E_θ[s sᵀ]`` with ``s = ∇_θ log p``
        (same nodes), shape ``(..., dim, dim)``; equals :meth:`fisher` for a normalized
        family."""
        theta = self.check_point(theta, "theta")
        flat = theta.reshape(-1, self.dim)
        if flat.shape[0] and self._batched_layout(flat[0]) is not None:
            _, owner, w, S, _ = self._batch_derivatives(flat, hessian=False)
            out = _per_owner(w[:, None, None] * S[:, :, None] * S[:, None, :], owner)
            return out.reshape(*theta.shape[:-1], self.dim, self.dim)
        out = np.empty((flat.shape[0], self.dim, self.dim))
        for i, t in enumerate(flat):
            nodes, w = self._nodes(t)
            S, _ = self._node_derivatives(nodes.x, t, hessian=False)
            out[i] = np.einsum("n,na,nb->ab", w, S, S)
        return out.reshape(*theta.shape[:-1], self.dim, self.dim)

    def _skewness(self, theta):
        """``Tᵢⱼₖ = E_θ[sᵢ sⱼ sₖ]`` at the certified nodes of the metric (same rule and
        tolerance as :meth:`fisher_outer`)."""
        flat = theta.reshape(-1, self.dim)
        n = self.dim
        if flat.shape[0] and self._batched_layout(flat[0]) is not None:
            _, owner, w, S, _ = self._batch_derivatives(flat, hessian=False)
            sss = S[:, :, None, None] * S[:, None, :, None] * S[:, None, None, :]
            out = _per_owner(w[:, None, None, None] * sss, owner)
            return out.reshape(*theta.shape[:-1], n, n, n)
        out = np.empty((flat.shape[0], n, n, n))
        for i, t in enumerate(flat):
            nodes, w = self._nodes(t)
            S, _ = self._node_derivatives(nodes.x, t, hessian=False)
            out[i] = np.einsum("m,ma,mb,mc->abc", w, S, S, S)
        return out.reshape(*theta.shape[:-1], n, n, n)

    def _neg_log_affinity(self, t1, t2, a):
        """``J_a = −log ∫ p₁^a p₂^{1−a}`` by quadrature, computed twice: at the nodes of
        ``p₁`` as ``E₁[exp((1−a)(ℓ₂ − ℓ₁))]`` and at those of ``p₂`` as
        ``E₂[exp(a(ℓ₁ − ℓ₂))]``; the two must agree to 1e-8 relative (each rule covers
        the other density's tails only where they overlap), else ``ConvergenceError``."""
        batch = np.broadcast_shapes(t1.shape[:-1], t2.shape[:-1], np.shape(a))
        A = np.broadcast_to(t1, (*batch, self.dim))
        B = np.broadcast_to(t2, (*batch, self.dim))
        alpha = np.broadcast_to(np.asarray(a, dtype=float), batch)
        out = np.empty(batch)
        for idx in np.ndindex(*batch):
            estimates = []
            for p, q, s in ((A[idx], B[idx], 1.0 - alpha[idx]), (B[idx], A[idx], alpha[idx])):
                nodes, w = self._nodes(np.array(p))
                with np.errstate(all="ignore"):
                    diff = np.asarray(self._user_log_prob(nodes.x, q)) - np.asarray(
                        self._user_log_prob(nodes.x, p)
                    )
                    estimates.append(float(np.sum(w * np.exp(s * diff))))
            r1, r2 = estimates
            ok = r1 > 0 and r2 > 0 and np.isfinite(r1) and np.isfinite(r2)
            if not ok or abs(r1 - r2) > 1e-8 * max(r1, r2):
                raise ConvergenceError(
                    f"∫p₁^a p₂^(1−a) (a = {alpha[idx]:g}) by quadrature: the rules of p₁ and p₂ "
                    f"disagree ({r1:.12g} against {r2:.12g}); the densities overlap too little "
                    "for a certified value",
                    residual=abs(r1 - r2),
                    tolerance=1e-8,
                )
            out[idx] = -np.log(0.5 * (r1 + r2))
        return out

    def _tv_exact(self, t1, t2):
        """Total variation of scalar supports (see :meth:`_tv_pair`); ``None`` (no TV) for
        vector-valued and sampled ones."""
        if self.support[0] not in ("finite", "integers", "interval"):
            return None
        out = np.empty(t1.shape[:-1])
        for idx in np.ndindex(*out.shape):
            out[idx] = 0.0 if np.array_equal(t1[idx], t2[idx]) else self._tv_pair(t1[idx], t2[idx])
        return out

    def _tv_pair(self, a, b):
        """``½∫|p₁ − p₂|`` for one pair (``log_prob`` normalized, as for :meth:`kl`).

        Discrete supports: ``Σ (p₁ − p₂)₊`` over the exact-sum nodes of ``p₁`` and, again,
        ``Σ (p₂ − p₁)₊`` over those of ``p₂``; the two must agree to 1e-12. Intervals: the
        crossings of ``log p₁ − log p₂`` are located on the quadrature nodes of both
        densities and refined by ``brentq``; ``∫(p₁ − p₂)`` on each piece between them by
        ``scipy.integrate.quad`` (error estimates summed ≤ 1e-10), and ``∫|p₁ − p₂|`` on
        each piece must equal ``|∫(p₁ − p₂)|`` to 1e-9 (the sign is constant on every
        piece: no crossing was missed). Else ``ConvergenceError``.
        """
        from scipy.integrate import quad
        from scipy.optimize import brentq

        def lp(x, t):
            with np.errstate(all="ignore"):
                return np.asarray(self._user_log_prob(np.asarray(x, dtype=float), t), dtype=float)

        estimates, xs = [], []
        for p, q in ((a, b), (b, a)):
            nodes, w = self._nodes(np.array(p))
            with np.errstate(all="ignore"):
                gap = -np.expm1(lp(nodes.x, q) - lp(nodes.x, p))
            estimates.append(float(np.sum(w * np.maximum(np.nan_to_num(gap, nan=1.0), 0.0))))
            xs.append(nodes.x)
        if self.support[0] != "interval":
            e1, e2 = estimates
            if abs(e1 - e2) > 1e-12:
                raise ConvergenceError(
                    f"total variation: the sums over the support of p₁ and p₂ disagree ({e1!r} "
                    f"against {e2!r})",
                    residual=abs(e1 - e2),
                    tolerance=1e-12,
                )
            return 0.5 * (e1 + e2)
        lo, hi = self.support[1], self.support[2]
        x = np.unique(np.concatenate(xs))
        x = x[(x > lo) & (x < hi)]
        r = lp(x, a) - lp(x, b)
        ok = np.isfinite(r)
        x, r = x[ok], r[ok]

        def r1(u):
            return float(lp(np.array([u]), a)[0] - lp(np.array([u]), b)[0])

        change = np.flatnonzero(np.sign(r[1:]) * np.sign(r[:-1]) < 0)
        roots = [
            brentq(r1, x[i], x[i + 1], xtol=1e-14, rtol=4 * np.finfo(float).eps) for i in change
        ]
        edges = [lo, *roots, hi]

        def diff(u):
            return float(np.exp(lp(np.array([u]), a)[0]) - np.exp(lp(np.array([u]), b)[0]))

        tv, tv_abs, err = 0.0, 0.0, 0.0
        for left, right in itertools.pairwise(edges):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                opts = {"limit": 200, "epsabs": 1e-13, "epsrel": 1e-12}
                v, e = quad(diff, left, right, **opts)
                va, ea = quad(lambda u: abs(diff(u)), left, right, **opts)
            tv, tv_abs, err = tv + 0.5 * abs(v), tv_abs + 0.5 * va, err + e + ea
        # p₁ − p₂ keeps its sign on every piece iff ∫|p₁ − p₂| = |∫(p₁ − p₂)| piece by piece
        if not (err <= 1e-10 and abs(tv_abs - tv) <= 1e-9 + err):
            raise ConvergenceError(
                f"total variation by quadrature between the crossings: {tv:.12g} (error "
                f"estimate {err:.2g}; with |p₁ − p₂| integrated directly {tv_abs:.12g}, so a "
                "crossing was missed)",
                residual=float(max(err, abs(tv_abs - tv))),
                tolerance=1e-10,
            )
        return tv

    def _kl(self, t1, t2):
        batch = np.broadcast_shapes(t1.shape[:-1], t2.shape[:-1])
        a = np.broadcast_to(t1, (*batch, self.dim))
        b = np.broadcast_to(t2, (*batch, self.dim))
        fa, fb = a.reshape(-1, self.dim), b.reshape(-1, self.dim)
        if fa.shape[0] and self._batched_layout(fa[0]) is not None:
            # all pairs at once: nodes of every p(·|θ₁), log-ratios in two calls
            x, owner, w = self._batch_nodes(fa)
            with np.errstate(all="ignore"):
                diff = np.asarray(self._user_log_prob(x, self._tiled(fa[owner]))) - np.asarray(
                    self._user_log_prob(x, self._tiled(fb[owner]))
                )
            finite = _per_owner(np.isfinite(diff).astype(float), owner) == np.bincount(owner)
            kl = _per_owner(w * np.where(np.isfinite(diff), diff, 0.0), owner)
            return np.where(finite, kl, np.inf).reshape(batch)
        out = np.empty(batch)
        for idx in np.ndindex(*batch):
            nodes, w = self._nodes(a[idx])
            with np.errstate(all="ignore"):
                diff = np.asarray(self._user_log_prob(nodes.x, a[idx])) - np.asarray(
                    self._user_log_prob(nodes.x, b[idx])
                )
            if not np.all(np.isfinite(diff)):
                out[idx] = np.inf
            else:
                out[idx] = float(np.sum(w * diff))
        return out

    def initial_point(self, data) -> np.ndarray:
        """No generic method of moments: the centre of the parameter domain (a point
        of :meth:`random_point` with a fixed seed)."""
        self._data_for_fit(data)
        return self._interior_point()

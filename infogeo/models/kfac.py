"""K-FAC: a block-diagonal, Kronecker-factored approximation of the Fisher metric.

For a dense layer ``s = ā W̄`` (``ā = [a, 1]`` the layer input with a constant for the
bias, ``W̄ = [W; bᵀ]``) the per-example weight gradient is ``ā δᵀ``, ``δ = ∂ℓ/∂s``, and
the layer's block of the Fisher metric ``E[vec(āδᵀ) vec(āδᵀ)ᵀ] = E[āāᵀ ⊗ δδᵀ]`` is
approximated (Martens & Grosse, *Optimizing neural networks with Kronecker-factored
approximate curvature*, ICML 2015) by

    F_l ≈ A_l ⊗ G_l,        A_l = (1/n) Σᵢ āᵢāᵢᵀ,   G_l = (1/n) Σᵢ E_{y∼p(·|xᵢ)}[δᵢδᵢᵀ],

where the expectation over the model's own labels is taken exactly:
``E[δδᵀ] = Σ_k cₖcₖᵀ`` backpropagated from the ``K`` output factors
``cₖ = √pₖ (eₖ − p)`` of ``diag(p) − ppᵀ``. The approximation is exact whenever ``ā`` is
the same for every term of the sum (one example, or a single linear layer with one
input vector).

With eigendecompositions ``A = Q_A S_A Q_Aᵀ``, ``G = Q_G S_G Q_Gᵀ`` the damped solve

    (A ⊗ G + γ I)⁻¹ vec(V) = vec(Q_A [(Q_Aᵀ V Q_G) ⊘ (s_A s_Gᵀ + γ)] Q_Gᵀ)

costs ``O(p²q + pq²)`` for a ``p × q`` block, for any ``γ`` without refactoring, so the
factors need recomputing only every few steps (``update_every``) and a changing damping
is free.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .._validation import check_positive, check_positive_int

__all__ = ["KFAC", "KroneckerFactors"]

_TINY = 1e-300


@dataclass(frozen=True)
class Block:
    """A contiguous row-major ``rows × cols`` block of the weight vector at ``start``."""

    start: int
    rows: int
    cols: int

    @property
    def stop(self) -> int:
        return self.start + self.rows * self.cols


class KroneckerFactors:
    """``blockdiag(A_l ⊗ G_l)`` on a weight vector cut into row-major blocks.

    Parameters
    ----------
    blocks
        The :class:`Block` layout (``A_l`` is ``rows × rows``, ``G_l`` ``cols × cols``).
    A, G
        The factors, symmetric positive semi-definite.
    """

    def __init__(self, blocks, A, G):
        if not (len(blocks) == len(A) == len(G)):
            raise ValueError("blocks, A and G must have one entry per block")
        self.blocks = list(blocks)
        self.A = [np.asarray(a, dtype=float) for a in A]
        self.G = [np.asarray(g, dtype=float) for g in G]
        self._eig = []
        for blk, a, g in zip(self.blocks, self.A, self.G):
            if a.shape != (blk.rows, blk.rows) or g.shape != (blk.cols, blk.cols):
                raise ValueError(
                    f"factor shapes {a.shape}, {g.shape} do not fit a {blk.rows}x{blk.cols} block"
                )
            sa, qa = np.linalg.eigh(0.5 * (a + a.T))
            sg, qg = np.linalg.eigh(0.5 * (g + g.T))
            # rounding can leave tiny negative eigenvalues of a PSD factor
            self._eig.append((np.maximum(sa, 0.0), qa, np.maximum(sg, 0.0), qg))

    def _blocks_of(self, v):
        return [v[b.start : b.stop].reshape(b.rows, b.cols) for b in self.blocks]

    def matvec(self, v: np.ndarray) -> np.ndarray:
        """``blockdiag(A_l ⊗ G_l) v`` (``vec(A V G)`` per block)."""
        out = np.array(v, dtype=float)
        for blk, V, a, g in zip(self.blocks, self._blocks_of(v), self.A, self.G):
            out[blk.start : blk.stop] = (a @ V @ g).ravel()
        return out

    def solve(
        self, v: np.ndarray, damping: float, factored: bool = False, relative: float = 0.0
    ) -> np.ndarray:
        """``(blockdiag(A_l ⊗ G_l) + γ_l I)⁻¹ v`` by the eigendecompositions, with
        ``γ_l = damping + relative · s_l``, ``s_l = mean(s_A) mean(s_G)`` the mean
        eigenvalue of block ``l`` (``relative`` makes the damping scale-free).

        With ``factored=True`` the damping is split between the factors instead
        (factored Tikhonov damping, Martens & Grosse §6.3):
        ``((A_l + π_l√γ I) ⊗ (G_l + √γ/π_l I))⁻¹ v`` with
        ``π_l = √((tr A_l / rows) / (tr G_l / cols))``, which damps each layer in
        proportion to its own curvature scale.

        Raises
        ------
        ValueError
            If ``γ = 0`` and a factor is singular (the approximation is then not
            invertible): pass damping > 0.
        """
        out = np.array(v, dtype=float)
        for blk, V, (sa, qa, sg, qg) in zip(self.blocks, self._blocks_of(v), self._eig):
            damping_l = damping + relative * float(sa.mean() * sg.mean()) if relative else damping
            if factored and damping_l > 0:
                pi = np.sqrt(max(sa.mean(), _TINY) / max(sg.mean(), _TINY))
                root = np.sqrt(damping_l)
                denom = np.outer(sa + pi * root, sg + root / pi)
            else:
                denom = np.outer(sa, sg) + damping_l
            if not np.all(denom > 0):
                raise ValueError(
                    "the Kronecker-factored metric is singular (a factor has a zero "
                    "eigenvalue); pass damping=λ > 0"
                )
            out[blk.start : blk.stop] = (qa @ ((qa.T @ V @ qg) / denom) @ qg.T).ravel()
        return out

    def dense(self) -> np.ndarray:
        """The dense block-diagonal matrix (for tests and small models)."""
        dim = max(b.stop for b in self.blocks)
        out = np.zeros((dim, dim))
        for blk, a, g in zip(self.blocks, self.A, self.G):
            out[blk.start : blk.stop, blk.start : blk.stop] = np.kron(a, g)
        return out


class KFAC:
    """K-FAC natural-gradient directions with periodic factor updates.

    Parameters
    ----------
    damping
        ``γ > 0``, the approximation's own Tikhonov damping, relative to each block's
        curvature scale (default 1e-6): block ``l`` is solved with
        ``A_l ⊗ G_l + (γ s_l + λ + l2) I``, ``s_l = (tr A_l / rows)(tr G_l / cols)``
        the mean eigenvalue of ``A_l ⊗ G_l``, ``λ`` the loop's damping and ``l2`` the
        model's. Relative, it keeps the direction a natural-gradient one when the
        whole metric shrinks by orders of magnitude (a likelihood approaching a
        separating solution, where an absolute γ = 1e-6 turned K-FAC into gradient
        descent and stalled the loss near 1e-9).
    update_every
        Recompute the factors (and their eigendecompositions) every this many
        directions (default 1); in between the last ones are reused.
    decay
        ``β ∈ [0, 1)``: exponential moving average ``A ← βA + (1 − β)A_new`` of the
        factors across updates (default 0: the newest factors only). Useful with
        minibatch estimates.
    batch_size
        Estimate the factors on this many examples drawn at random at each update
        (default None: all examples).
    rescale
        Scale the K-FAC direction ``Δ`` by ``α = ∇fᵀΔ / Δᵀ(G + λI)Δ``, the minimizer
        of the exact quadratic model along ``Δ`` (one exact Fisher-vector product;
        default True), so that step 1 is the best step the Gauss–Newton model predicts.
    momentum
        With ``rescale``: minimize the exact quadratic model
        ``−∇fᵀd + ½ dᵀ(G + λI)d`` over ``d = αΔ + μδ`` with ``δ`` the previous step
        taken (Martens & Grosse, §7; one more Fisher-vector product; default True).
    seed
        Seed (or ``numpy.random.Generator``) of the minibatches.
    factored_damping
        Split ``γ + λ`` between the two factors of each block
        (:meth:`KroneckerFactors.solve` with ``factored=True``) instead of adding it
        to the product (default False).
    """

    def __init__(
        self,
        *,
        damping: float = 1e-6,
        update_every: int = 1,
        decay: float = 0.0,
        batch_size: int | None = None,
        rescale: bool = True,
        momentum: bool = True,
        seed=0,
        factored_damping: bool = False,
    ):
        self.damping = check_positive(damping, "kfac damping")
        self.update_every = check_positive_int(update_every, "update_every")
        if isinstance(decay, bool) or not (0.0 <= float(decay) < 1.0):
            raise ValueError(f"decay must lie in [0, 1), got {decay!r}")
        self.decay = float(decay)
        self.batch_size = (
            None if batch_size is None else check_positive_int(batch_size, "batch_size")
        )
        self.rescale = bool(rescale)
        self.momentum = bool(momentum)
        self.seed = seed
        self.factored_damping = bool(factored_damping)
        self.reset()

    def reset(self) -> None:
        """Forget the factors (the next direction recomputes them)."""
        self.factors: KroneckerFactors | None = None
        self._factors_w = None
        self.calls = 0
        self.updates = 0
        self._last_w = None
        self._previous_step = None
        self._rng = np.random.default_rng(self.seed)

    def options(self) -> dict:
        return {
            "damping": self.damping,
            "update_every": self.update_every,
            "decay": self.decay,
            "batch_size": self.batch_size,
            "rescale": self.rescale,
            "momentum": self.momentum,
            "seed": self.seed,
            "factored_damping": self.factored_damping,
        }

    def rows(self, n: int):
        """Examples for the next factor estimate (``None``: all ``n``)."""
        if self.batch_size is None or self.batch_size >= n:
            return None
        return np.sort(self._rng.choice(n, size=self.batch_size, replace=False))

    def current_factors(self, estimate: Callable, w: np.ndarray | None = None) -> KroneckerFactors:
        """The factors to use now; ``estimate()`` returns fresh ``KroneckerFactors``.

        A call at the point ``w`` of the previous call (a step the loop rejected,
        asking again with more damping) reuses the factors and does not count
        towards ``update_every``."""
        if w is not None and self.factors is not None and self._factors_w is not None:
            if np.array_equal(w, self._factors_w):
                return self.factors
        self._factors_w = None if w is None else np.array(w, dtype=float)
        due = self.factors is None or self.calls % self.update_every == 0
        self.calls += 1
        if due:
            new = estimate()
            if self.factors is not None and self.decay:
                b = self.decay
                new = KroneckerFactors(
                    new.blocks,
                    [b * old + (1 - b) * a for old, a in zip(self.factors.A, new.A)],
                    [b * old + (1 - b) * g for old, g in zip(self.factors.G, new.G)],
                )
            self.factors = new
            self.updates += 1
        return self.factors

    def direction(
        self,
        factors: KroneckerFactors,
        egrad: np.ndarray,
        damping: float,
        gram: Callable[[np.ndarray], np.ndarray] | None,
        w: np.ndarray | None = None,
    ) -> np.ndarray:
        """The direction ``d`` (steps go along ``−d``) at ``w``.

        ``Δ = (F̂ + (γ s_l + λ) I)⁻¹ ∇f`` (per block, see the class); with ``rescale``
        and ``gram`` (``V ↦ V(G + λI)Vᵀ`` for the rows of ``V``) ``d = αΔ`` (or
        ``αΔ + μδ`` with ``momentum``) minimizing the exact quadratic model
        ``−∇fᵀd + ½ dᵀ(G + λI)d``.
        """
        delta = factors.solve(egrad, damping, self.factored_damping, relative=self.damping)
        previous = None
        if w is not None:
            if self._last_w is not None and not np.array_equal(w, self._last_w):
                self._previous_step = self._last_w - w  # the last move was w − last = −δ
            self._last_w = np.array(w, dtype=float)
            previous = self._previous_step if self.momentum else None
        if not self.rescale or gram is None:
            return delta
        two = previous is not None and bool(np.any(previous))
        M = np.asarray(gram(np.stack([delta, previous]) if two else delta[None, :]))
        a11, b1 = float(M[0, 0]), float(egrad @ delta)
        if not (b1 > 0 and a11 > 0 and np.isfinite(a11)):
            return delta
        if two:
            a12, a22 = float(M[0, 1]), float(M[1, 1])
            b2 = float(egrad @ previous)
            det = a11 * a22 - a12 * a12
            if det > 1e-12 * a11 * a22 and np.isfinite(det):
                alpha = (a22 * b1 - a12 * b2) / det
                mu = (a11 * b2 - a12 * b1) / det
                d = alpha * delta + mu * previous
                if float(egrad @ d) > 0:
                    return d
        return (b1 / a11) * delta

"""The Dirichlet-type Fisher metric ``G = diag(ψ′(αᵢ)) − ψ′(α₀) 11ᵀ`` and its derivatives.

Shared by :class:`~infogeo.statistics.families.dirichlet.Dirichlet` (any k) and
:class:`~infogeo.statistics.families.beta.Beta` (k = 2), so that the metric, its closed-
form first and second derivatives, the Christoffel symbols and their derivatives are
written once.
"""

from __future__ import annotations

import functools

import autograd.numpy as anp
import numpy as np
from scipy.special import polygamma

from ..._special import polygamma as apolygamma
from ._polygamma import (
    inverse_trigamma_excess,
    polygamma12,
    polygamma123,
    polygamma_excess,
    trigamma,
)

__all__ = [
    "DiagonalPlusRankOne",
    "dirichlet_excess",
    "dirichlet_geodesic_jacobians",
    "dirichlet_metric",
    "dirichlet_metric_derivative",
    "dirichlet_metric_second_derivative",
    "exclusive_sums",
    "sherman_morrison_denominator",
]


def dirichlet_metric(alpha):
    """``G_ab = δ_ab ψ′(α_a) − ψ′(α₀)``, ``α₀ = Σα``; autograd-traceable."""
    k = alpha.shape[-1]
    a0 = anp.sum(alpha, axis=-1)
    diag = apolygamma(1, alpha)
    return diag[..., :, None] * np.eye(k) - apolygamma(1, a0)[..., None, None]


@functools.cache
def _others_matrix(k: int) -> np.ndarray:
    """``11ᵀ − I`` of size ``k`` (read-only, shared)."""
    out = 1.0 - np.eye(k)
    out.flags.writeable = False
    return out


def exclusive_sums(a: np.ndarray) -> np.ndarray:
    """``Σ_{j≠i} a_j`` for each ``i`` (last axis), never as ``Σa − aᵢ`` (which cancels
    when ``aᵢ`` dominates): up to 64 entries as ``a (11ᵀ − I)`` (a product whose zero
    coefficients drop ``aᵢ`` exactly), beyond as prefix plus suffix sums."""
    k = a.shape[-1]
    if k == 2:
        return a[..., ::-1].copy()
    if k <= 64:
        return a @ _others_matrix(k)
    zero = np.zeros_like(a[..., :1])
    before = np.concatenate([zero, np.cumsum(a[..., :-1], axis=-1)], axis=-1)
    after = np.concatenate([np.cumsum(a[..., :0:-1], axis=-1)[..., ::-1], zero], axis=-1)
    return before + after


#: below this ``α₀`` (and without a dominant shape) the direct forms are used: the
#: Sherman–Morrison denominator ``1 − cΣu`` loses about ``log₁₀ α₀`` digits (≤ 4e-13)
_LARGE_SHAPE = 1e3

#: ``Δₙ`` is taken directly as ``ψ⁽ⁿ⁾(αᵢ) − ψ⁽ⁿ⁾(α₀)`` where the other shapes add at
#: least this fraction of ``αᵢ`` (the difference then keeps all but about 6 bits: ≲ 1e-14
#: relative), and by :func:`~._polygamma.polygamma_excess` below it
_DIRECT_FROM = 1.0 / 64.0


def needs_care(alpha: np.ndarray, total: np.ndarray) -> bool:
    """Whether some point of ``alpha`` (sums ``total`` = ``α₀``) needs the
    cancellation-free forms: a shape with ``αᵢ > α₀ / (1 + _DIRECT_FROM)``, or
    ``α₀ ≥ _LARGE_SHAPE`` — by two reductions (the solvers ask at every evaluation)."""
    if total.max() >= _LARGE_SHAPE:  # ndarray methods: no dispatch wrappers
        return True
    return bool((alpha.max(-1) * (1.0 + _DIRECT_FROM) > total).any())


def dominated(alpha: np.ndarray, total: np.ndarray):
    """``(others, close)``: ``Σ_{j≠i} αⱼ`` and the mask of the entries whose
    ``ψ⁽ⁿ⁾(αᵢ) − ψ⁽ⁿ⁾(α₀)`` must be taken without cancellation: where ``αᵢ`` dominates
    (the others add less than ``_DIRECT_FROM · αᵢ``), and where ``αᵢ`` is the larger part
    of an ``α₀ ≥ _LARGE_SHAPE`` (the metric's condition number, about ``α₀``, amplifies
    the few bits the direct difference loses there); ``None`` when there is none."""
    others = exclusive_sums(alpha)
    close = others < _DIRECT_FROM * alpha
    if total.max() >= _LARGE_SHAPE:
        close |= (total >= _LARGE_SHAPE)[..., None] & (others < alpha)
    return others, (close if close.any() else None)


def dirichlet_excess(alpha: np.ndarray, values=None, orders=(1, 2, 3)):
    """``Δₙ`` for each ``n`` in ``orders``, ``Δₙᵢ = ψ⁽ⁿ⁾(αᵢ) − ψ⁽ⁿ⁾(α₀)``: the diagonal
    entries of ``G``, ``∂ᵢGᵢᵢ`` and ``∂ᵢ²Gᵢᵢ``, to full relative precision also where
    ``αᵢ`` dominates (``α₀ − αᵢ ≪ αᵢ``; see :func:`~._polygamma.polygamma_excess`, used
    only for those entries). ``values``: ``(ψ′, ψ″, ψ‴)`` of ``[α, α₀]`` (the orders
    asked for) if the caller has them."""
    k = alpha.shape[-1]
    total = alpha.sum(-1)
    if values is None:
        extended = np.concatenate([alpha, total[..., None]], axis=-1)
        values = (trigamma(extended),) if orders == (1,) else polygamma123(extended)
    out = [values[n - 1][..., :k] - values[n - 1][..., k:] for n in orders]
    if not needs_care(alpha, total):
        return tuple(out)
    others, close = dominated(alpha, total)
    if close is not None:
        exact = polygamma_excess(alpha[close], others[close], orders)
        for o, d in zip(out, exact):
            o[close] = d
    return tuple(out)


def sherman_morrison_denominator(extended, trigamma_extended) -> np.ndarray:
    """``1 − c Σ 1/aᵢ`` for ``aᵢ = ψ′(αᵢ)``, ``c = ψ′(α₀)``, from ``extended = [α, α₀]``
    and its ψ′ values, as ``c (g(α₀) − Σ g(αᵢ))`` with ``g(x) = 1/ψ′(x) − x`` (exact since
    ``α₀ = Σαᵢ``): the direct form cancels to ``O(1/α₀)`` once a shape is large (two
    shapes of 1e5: 10 digits lost)."""
    g = inverse_trigamma_excess(extended, trigamma_extended)
    return trigamma_extended[..., -1] * (g[..., -1] - g[..., :-1].sum(-1))


def dirichlet_metric_derivative(alpha: np.ndarray) -> np.ndarray:
    """``∂_c G_ab = δ_abc ψ″(α_a) − ψ″(α₀)``, shape ``(..., k, k, k)``; the entries
    ``a = b = c`` as ``Δ₂`` of :func:`dirichlet_excess` (no cancellation)."""
    k = alpha.shape[-1]
    a0 = alpha.sum(-1)
    out = np.broadcast_to(-polygamma(2, a0)[..., None, None, None], (*alpha.shape, k, k)).copy()
    idx = np.arange(k)
    out[..., idx, idx, idx] = dirichlet_excess(alpha, orders=(2,))[0]
    return out


def dirichlet_metric_second_derivative(alpha: np.ndarray) -> np.ndarray:
    """``∂_c∂_d G_ab = δ_abcd ψ‴(α_a) − ψ‴(α₀)``, shape ``(..., k, k, k, k)``; the
    entries ``a = b = c = d`` as ``Δ₃`` of :func:`dirichlet_excess`."""
    k = alpha.shape[-1]
    a0 = alpha.sum(-1)
    shape = (*alpha.shape, k, k, k)
    out = np.broadcast_to(-polygamma(3, a0)[..., None, None, None, None], shape).copy()
    idx = np.arange(k)
    out[..., idx, idx, idx, idx] = dirichlet_excess(alpha, orders=(3,))[0]
    return out


class DiagonalPlusRankOne:
    """``G = diag(a) − c 11ᵀ`` (positive definite), batched over leading axes.

    Solves by Sherman–Morrison: ``G⁻¹x = u∘x + s u (u·x)`` with ``u = 1/a`` and
    ``s = c / (1 − c Σu)``, ``O(k)`` per system; ``1 − cΣu > 0`` because ``G`` is
    positive definite. ``denominator``: ``1 − cΣu`` when the caller has it more
    accurately than the direct form (:func:`sherman_morrison_denominator`).
    """

    def __init__(self, a: np.ndarray, c: np.ndarray, denominator=None):
        self.u = 1.0 / a
        if denominator is None:
            denominator = 1.0 - c * self.u.sum(-1)
        self.s = c / denominator

    @classmethod
    def dirichlet(cls, extended, trigamma_extended, damping: float = 0.0, careful=None):
        """``G + λI`` of the Dirichlet-type metric from ``extended = [α, α₀]`` and its ψ′
        values, with :func:`sherman_morrison_denominator` where :func:`needs_care` (or
        ``careful``) says so and ``λ = 0`` (a damping keeps the denominator away from
        its cancellation)."""
        a, c = trigamma_extended[..., :-1], trigamma_extended[..., -1]
        if damping:
            return cls(a + damping, c)
        if careful is None:
            careful = needs_care(extended[..., :-1], extended[..., -1])
        return cls(
            a, c, sherman_morrison_denominator(extended, trigamma_extended) if careful else None
        )

    def solve(self, x: np.ndarray) -> np.ndarray:
        """``G⁻¹x`` for ``x`` of shape ``(..., k)``."""
        ux = self.u * x
        return ux + (self.s * ux.sum(-1))[..., None] * self.u

    def solve_lowrank(self, d: np.ndarray, beta: np.ndarray):
        """``G⁻¹(diag(d) − β 11ᵀ) = diag(ud) + U Wᵀ`` with ``U = [s u, −β G⁻¹1]`` and
        ``W = [ud, 1]``: returns ``(ud, U, W)``, shapes ``(..., k)``, ``(..., k, 2)``."""
        u, s = self.u, self.s[..., None]
        ud = u * d
        h = u * (1.0 + s * u.sum(-1, keepdims=True))  # G⁻¹1
        U = np.stack([s * u, -beta[..., None] * h], axis=-1)
        W = np.stack([ud, np.ones_like(ud)], axis=-1)
        return ud, U, W

    def solve_structured(self, d: np.ndarray, beta: np.ndarray) -> np.ndarray:
        """``G⁻¹(diag(d) − β 11ᵀ)`` as a dense ``(..., k, k)`` array."""
        diag, U, W = self.solve_lowrank(d, beta)
        out = U @ np.swapaxes(W, -1, -2)
        idx = np.arange(diag.shape[-1])
        out[..., idx, idx] += diag
        return out


def dirichlet_geodesic_jacobians(
    alpha: np.ndarray, v: np.ndarray, derivatives: bool = True, lowrank: bool = False
):
    """``(acc, ∂acc/∂α, ∂acc/∂v)`` of the Dirichlet-type metric in ``O(k)`` per point
    (plus the ``k × k`` outputs), from ``ψ′, ψ″, ψ‴``.

    With ``aᵢ = ψ′(αᵢ)``, ``c = ψ′(α₀)``, ``∂ₘG_ij = δ_ijm a′_i − c′``, the first-kind
    symbols are ``Γ_lij = ½(δ_lij a′_l − c′)``, so with ``S = Σvᵢ``:

    * ``w = Γ(v, v) = ½(a′∘v² − c′S² 1)``, ``acc = −G⁻¹w`` (``w`` and the Sherman–Morrison
      denominator in the cancellation-free forms of :func:`dirichlet_excess` and
      :func:`sherman_morrison_denominator`, so that shapes of 1e6 beside 1e-4 keep
      full precision);
    * ``∂w/∂v = diag(a′∘v) − c′S 11ᵀ``, ``∂acc/∂v = −G⁻¹ ∂w/∂v``;
    * ``∂w/∂α + ∂G·acc = diag(½a″∘v² + a′∘acc) − (½c″S² + c′Σacc) 11ᵀ``,
      ``∂acc/∂α = −G⁻¹(that)``.

    ``derivatives=False`` returns ``(acc, None, None)``; ``lowrank=True`` returns each
    derivative as ``(diag, U, W)`` with ``∂acc = diag(diag) + U Wᵀ`` (rank two).
    """
    k = alpha.shape[-1]
    extended = np.concatenate([alpha, alpha.sum(-1, keepdims=True)], axis=-1)
    both = polygamma123(extended) if derivatives else polygamma12(extended)
    a1, c1 = both[1][..., :k], both[1][..., k]
    # the cancellation-free forms where they matter (a dominant shape, or α₀ ≥ 1e3 where
    # the direct Sherman–Morrison denominator loses log₁₀ α₀ digits); elsewhere the
    # direct ones, as cheap as before
    careful = needs_care(alpha, extended[..., -1])
    G = DiagonalPlusRankOne.dirichlet(extended, both[0], careful=careful)
    S = v.sum(-1)
    if careful:
        # wᵢ = ½(a′ᵢvᵢ² − c′S²) = ½(Δ₂ᵢvᵢ² − c′σᵢ(2vᵢ + σᵢ)), σᵢ = Σ_{j≠i} vⱼ: without
        # the cancellation of a′ᵢ against c′ where αᵢ dominates α₀
        sigma = exclusive_sums(v)
        (d2,) = dirichlet_excess(alpha, both, orders=(2,))
        w = 0.5 * (d2 * v * v - c1[..., None] * sigma * (2.0 * v + sigma))
    else:
        w = 0.5 * (a1 * v * v - (c1 * S * S)[..., None])
    acc = -G.solve(w)
    if not derivatives:
        return acc, None, None
    a2, c2 = both[2][..., :k], both[2][..., k]
    parts = (
        (0.5 * a2 * v * v + a1 * acc, 0.5 * c2 * S * S + c1 * acc.sum(-1)),  # ∂/∂α
        (a1 * v, c1 * S),  # ∂/∂v
    )
    if lowrank:
        dp, dv = ((-dg, -U, W) for dg, U, W in (G.solve_lowrank(*x) for x in parts))
        return acc, dp, dv
    dp, dv = (-G.solve_structured(*x) for x in parts)
    return acc, dp, dv

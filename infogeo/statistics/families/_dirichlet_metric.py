"""The Dirichlet-type Fisher metric ``G = diag(ψ′(αᵢ)) − ψ′(α₀) 11ᵀ`` and its derivatives.

Shared by :class:`~infogeo.statistics.families.dirichlet.Dirichlet` (any k) and
:class:`~infogeo.statistics.families.beta.Beta` (k = 2), so that the metric, its closed-
form first and second derivatives, the Christoffel symbols and their derivatives are
written once.
"""

from __future__ import annotations

import autograd.numpy as anp
import numpy as np
from scipy.special import polygamma

from ..._special import polygamma as apolygamma
from ._polygamma import polygamma123

__all__ = [
    "DiagonalPlusRankOne",
    "dirichlet_geodesic_jacobians",
    "dirichlet_metric",
    "dirichlet_metric_derivative",
    "dirichlet_metric_second_derivative",
]


def dirichlet_metric(alpha):
    """``G_ab = δ_ab ψ′(α_a) − ψ′(α₀)``, ``α₀ = Σα``; autograd-traceable."""
    k = alpha.shape[-1]
    a0 = anp.sum(alpha, axis=-1)
    diag = apolygamma(1, alpha)
    return diag[..., :, None] * np.eye(k) - apolygamma(1, a0)[..., None, None]


def dirichlet_metric_derivative(alpha: np.ndarray) -> np.ndarray:
    """``∂_c G_ab = δ_abc ψ″(α_a) − ψ″(α₀)``, shape ``(..., k, k, k)``."""
    k = alpha.shape[-1]
    a0 = alpha.sum(-1)
    out = np.broadcast_to(-polygamma(2, a0)[..., None, None, None], (*alpha.shape, k, k)).copy()
    idx = np.arange(k)
    out[..., idx, idx, idx] += polygamma(2, alpha)
    return out


def dirichlet_metric_second_derivative(alpha: np.ndarray) -> np.ndarray:
    """``∂_c∂_d G_ab = δ_abcd ψ‴(α_a) − ψ‴(α₀)``, shape ``(..., k, k, k, k)``."""
    k = alpha.shape[-1]
    a0 = alpha.sum(-1)
    shape = (*alpha.shape, k, k, k)
    out = np.broadcast_to(-polygamma(3, a0)[..., None, None, None, None], shape).copy()
    idx = np.arange(k)
    out[..., idx, idx, idx, idx] += polygamma(3, alpha)
    return out


class DiagonalPlusRankOne:
    """``G = diag(a) − c 11ᵀ`` (positive definite), batched over leading axes.

    Solves by Sherman–Morrison: ``G⁻¹x = u∘x + s u (u·x)`` with ``u = 1/a`` and
    ``s = c / (1 − c Σu)``, ``O(k)`` per system; ``1 − cΣu > 0`` because ``G`` is
    positive definite.
    """

    def __init__(self, a: np.ndarray, c: np.ndarray):
        self.u = 1.0 / a
        self.s = c / (1.0 - c * self.u.sum(-1))

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

    * ``w = Γ(v, v) = ½(a′∘v² − c′S² 1)``, ``acc = −G⁻¹w``;
    * ``∂w/∂v = diag(a′∘v) − c′S 11ᵀ``, ``∂acc/∂v = −G⁻¹ ∂w/∂v``;
    * ``∂w/∂α + ∂G·acc = diag(½a″∘v² + a′∘acc) − (½c″S² + c′Σacc) 11ᵀ``,
      ``∂acc/∂α = −G⁻¹(that)``.

    ``derivatives=False`` returns ``(acc, None, None)``; ``lowrank=True`` returns each
    derivative as ``(diag, U, W)`` with ``∂acc = diag(diag) + U Wᵀ`` (rank two).
    """
    k = alpha.shape[-1]
    both = polygamma123(np.concatenate([alpha, alpha.sum(-1, keepdims=True)], axis=-1))
    (a, c), (a1, c1), (a2, c2) = ((x[..., :k], x[..., k]) for x in both)
    G = DiagonalPlusRankOne(a, c)
    S = v.sum(-1)
    w = 0.5 * (a1 * v * v - (c1 * S * S)[..., None])
    acc = -G.solve(w)
    if not derivatives:
        return acc, None, None
    parts = (
        (0.5 * a2 * v * v + a1 * acc, 0.5 * c2 * S * S + c1 * acc.sum(-1)),  # ∂/∂α
        (a1 * v, c1 * S),  # ∂/∂v
    )
    if lowrank:
        dp, dv = ((-dg, -U, W) for dg, U, W in (G.solve_lowrank(*x) for x in parts))
        return acc, dp, dv
    dp, dv = (-G.solve_structured(*x) for x in parts)
    return acc, dp, dv

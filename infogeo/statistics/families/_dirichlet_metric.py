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

__all__ = ["dirichlet_metric", "dirichlet_metric_derivative", "dirichlet_metric_second_derivative"]


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

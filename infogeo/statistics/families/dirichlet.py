"""The Dirichlet family on the (k−1)-simplex, in its concentrations."""

from __future__ import annotations

import autograd.numpy as anp
import numpy as np
from scipy.special import digamma
from scipy.special import gammaln as sgammaln

from ..._special import gammaln
from ..._validation import check_positive_int
from ..manifold import StatisticalManifold
from ._closed_connection import ClosedFormConnection
from ._dirichlet_metric import (
    DiagonalPlusRankOne,
    dirichlet_excess,
    dirichlet_geodesic_jacobians,
    dirichlet_metric,
    dirichlet_metric_derivative,
    dirichlet_metric_second_derivative,
)
from ._expfam import DirichletEF
from ._polygamma import polygamma123, trigamma

__all__ = ["Dirichlet"]


class _DirichletGeometry(ClosedFormConnection, StatisticalManifold):
    """Shared by Dirichlet(k) and Beta: metric ``diag(ψ′(αᵢ)) − ψ′(α₀)11ᵀ`` with closed-
    form first and second derivatives (so Christoffel symbols and their derivatives are
    analytic), the KL divergence, and geodesics from the numerical solvers."""

    def _metric(self, theta):
        return dirichlet_metric(theta)

    def _closed_geometry(self, p, second: bool):
        """Sherman–Morrison: ``G⁻¹ = diag(u) + s uuᵀ``, ``uᵢ = 1/ψ′(αᵢ)``,
        ``s = ψ′(α₀) / (1 − ψ′(α₀) Σu)``; ``∂G``, ``∂²G`` closed form. The denominator and
        the diagonal entries ``ψ⁽ⁿ⁾(αᵢ) − ψ⁽ⁿ⁾(α₀)`` in cancellation-free form
        (:func:`~._dirichlet_metric.dirichlet_excess`)."""
        k = p.shape[-1]
        batch = p.shape[:-1]
        extended = np.concatenate([p, p.sum(-1)[..., None]], axis=-1)
        both = polygamma123(extended)
        q2, q3 = both[1][..., k], both[2][..., k]
        d2, d3 = dirichlet_excess(p, both, orders=(2, 3))  # ψ⁽ⁿ⁾(αᵢ) − ψ⁽ⁿ⁾(α₀), exact
        G = DiagonalPlusRankOne.dirichlet(extended, both[0])
        u, s = G.u, G.s
        idx = np.arange(k)
        G_inv = s[..., None, None] * u[..., :, None] * u[..., None, :]
        G_inv[..., idx, idx] += u
        D = np.broadcast_to(-q2[..., None, None, None], (*batch, k, k, k)).copy()
        D[..., idx, idx, idx] = d2
        if not second:
            return G_inv, D, None
        D2 = np.broadcast_to(-q3[..., None, None, None, None], (*batch, k, k, k, k)).copy()
        D2[..., idx, idx, idx, idx] = d3
        return G_inv, D, D2

    def geodesic_acceleration(self, p, v):
        """``−Γ(α)[v, v] = −G⁻¹ · ½(ψ″(α)∘v² − ψ″(α₀)(Σv)² 1)``, ``O(k)`` per point
        (Sherman–Morrison; see :func:`dirichlet_geodesic_jacobians`)."""
        p, v = np.broadcast_arrays(np.asarray(p, dtype=float), np.asarray(v, dtype=float))
        return dirichlet_geodesic_jacobians(p, v, derivatives=False)[0]

    def geodesic_jacobians(self, p, v):
        """Closed forms in ``O(k)`` per point (besides the ``k × k`` outputs): the
        metric is diagonal plus rank one, see :func:`dirichlet_geodesic_jacobians`."""
        p = self.check_point(p)
        v = self._vectors(v)
        return dirichlet_geodesic_jacobians(*np.broadcast_arrays(p, v))

    def riemannian_gradient(self, p, egrad, damping: float = 0.0):
        """``(F(α) + λI)⁻¹ ∇f`` by Sherman–Morrison in ``O(k)`` per point:
        ``F + λI = diag(ψ′(α) + λ) − ψ′(α₀) 11ᵀ``, positive definite for ``λ ≥ 0``."""
        p = self.check_point(p)
        egrad = self._vectors(egrad, "egrad")
        self._check_damping(damping)
        p, egrad = np.broadcast_arrays(p, egrad)
        extended = np.concatenate([p, p.sum(-1)[..., None]], axis=-1)
        return DiagonalPlusRankOne.dirichlet(extended, trigamma(extended), damping).solve(egrad)

    #: rank of the low-rank part of the connection Jacobians (collocation solves by
    #: Woodbury, see :func:`infogeo.geometry.collocation._solve_lowrank`)
    _jacobian_rank = 2

    def _geodesic_jacobians_lowrank(self, p, v):
        """As :meth:`geodesic_jacobians`, each derivative as ``(diag, U, W)`` with
        ``∂acc = diag(diag) + U Wᵀ``, ``U, W`` of shape ``(..., k, 2)``."""
        return dirichlet_geodesic_jacobians(*np.broadcast_arrays(p, v), lowrank=True)

    def _metric_np(self, p):
        """``G = diag(ψ′(α)) − ψ′(α₀)11ᵀ`` with the diagonal as ``ψ′(αᵢ) − ψ′(α₀)`` in
        cancellation-free form (a shape of 3e5 beside 3e-4 had it 1.5e-7 off)."""
        k = p.shape[-1]
        trig = trigamma(np.concatenate([p, p.sum(-1)[..., None]], axis=-1))
        G = np.broadcast_to(-trig[..., k, None, None], (*p.shape, k)).copy()
        idx = np.arange(k)
        G[..., idx, idx] = dirichlet_excess(p, (trig,), orders=(1,))[0]
        return G

    def metric_derivative(self, p):
        return dirichlet_metric_derivative(self._coords(p))

    def metric_second_derivative(self, p):
        return dirichlet_metric_second_derivative(self._coords(p))

    def _kl(self, t1, t2):
        a0, b0 = t1.sum(-1), t2.sum(-1)
        return (
            sgammaln(a0)
            - sgammaln(t1).sum(-1)
            - sgammaln(b0)
            + sgammaln(t2).sum(-1)
            + ((t1 - t2) * (digamma(t1) - digamma(a0)[..., None])).sum(-1)
        )


class Dirichlet(DirichletEF, _DirichletGeometry):
    """Dirichlet distributions, coordinates ``θ = (alpha_1, …, alpha_k)``, all ``> 0``.

    * ``log p(x|α) = log Γ(α₀) − Σ log Γ(αᵢ) + Σ (αᵢ − 1) log xᵢ`` on the open simplex
      (``x`` of shape ``(..., k)``), ``α₀ = Σαᵢ``
    * Fisher metric ``F = diag(ψ′(α₁), …, ψ′(α_k)) − ψ′(α₀) 11ᵀ``
    * ``KL = log Γ(α₀) − Σ log Γ(αᵢ) − log Γ(β₀) + Σ log Γ(βᵢ) + Σ (αᵢ − βᵢ)(ψ(αᵢ) − ψ(α₀))``
    * Geodesics are numerical (analytic Christoffel symbols and derivatives).
    """

    mle_data_rule = "all_equal"

    def __init__(self, k: int):
        self.k = check_positive_int(k, "k", minimum=2)
        self._names = tuple(f"alpha_{i + 1}" for i in range(self.k))
        self.event_shape = (self.k,)
        self.support = ("simplex", self.k)
        super().__init__(self.k, bounds=[(0.0, None)] * self.k)

    def __repr__(self) -> str:
        return f"Dirichlet(k={self.k})"

    def _log_prob(self, x, theta):
        return (
            gammaln(anp.sum(theta, -1))
            - anp.sum(gammaln(theta), -1)
            + anp.sum((theta - 1.0) * anp.log(x), -1)
        )

    def _sample(self, theta, rng):
        g = rng.standard_gamma(theta)
        return g / g.sum(-1, keepdims=True)

    def initial_point(self, data) -> np.ndarray:
        """Method of moments: ``α = α₀ x̄`` with ``α₀ = x̄₁(1 − x̄₁)/v₁ − 1`` (from the
        first coordinate), or ``α = k x̄`` when that is not positive."""
        data = self._data_for_fit(data)
        m = data.mean(0)
        v = data.var(0)
        i = int(np.argmax(v))
        a0 = m[i] * (1.0 - m[i]) / v[i] - 1.0 if v[i] > 0 else -1.0
        if not a0 > 0:
            a0 = float(self.k)
        return a0 * m

"""The multivariate normal family N(μ, Σ) with the full Fisher metric."""

from __future__ import annotations

import autograd.numpy as anp
import numpy as np

from ..._validation import as_float_array, check_positive_int
from ..manifold import StatisticalManifold
from ._expfam import MultivariateNormalEF

__all__ = ["MultivariateNormal"]


class MultivariateNormal(MultivariateNormalEF, StatisticalManifold):
    """d-variate normal distributions, coordinates ``θ = (μ, Σ[tril])``: the mean followed
    by the covariance entries at ``numpy.tril_indices(d)``; ``dim = d + d(d+1)/2``.

    * ``log p(x|θ) = −½ (d log 2π + log det Σ + (x − μ)ᵀ Σ⁻¹ (x − μ))``
    * Fisher metric (mean and covariance together, not a product metric):
      ``ds² = dμᵀ Σ⁻¹ dμ + ½ tr(Σ⁻¹ dΣ Σ⁻¹ dΣ)``
    * geodesic equations ``μ̈ = Σ̇ Σ⁻¹ μ̇``, ``Σ̈ = Σ̇ Σ⁻¹ Σ̇ − μ̇ μ̇ᵀ``, from which the
      Christoffel symbols are read off analytically; ``exp``/``log`` are numerical.
    * ``KL = ½ (tr(Σ₂⁻¹Σ₁) + (μ₂ − μ₁)ᵀ Σ₂⁻¹ (μ₂ − μ₁) − d + log(det Σ₂ / det Σ₁))``

    When the means are equal the distance is ``√(½ Σᵢ log² λᵢ(Σ₁⁻¹Σ₂))``.
    """

    def __init__(self, d: int):
        self.d = check_positive_int(d, "d")
        rows, cols = np.tril_indices(self.d)
        self._rows, self._cols = rows, cols
        m = rows.size
        basis = np.zeros((m, self.d, self.d))
        basis[np.arange(m), rows, cols] = 1.0
        basis[np.arange(m), cols, rows] = 1.0
        self._basis = basis  # dΣ/dθ_c
        self._names = tuple(f"mean_{i + 1}" for i in range(self.d)) + tuple(
            f"cov_{r + 1}{c + 1}" for r, c in zip(rows, cols)
        )
        self.event_shape = (self.d,)
        self.support = ("vector", self.d)
        super().__init__(self.d + m)

    def __repr__(self) -> str:
        return f"MultivariateNormal(d={self.d})"

    # --- coordinates
    def pack(self, mean, cov) -> np.ndarray:
        """``θ`` from a mean ``(..., d)`` and a covariance ``(..., d, d)``.

        Raises
        ------
        ValueError
            If the shapes are wrong or ``cov`` is not symmetric positive definite.
        """
        mean = as_float_array(mean, "mean")
        cov = as_float_array(cov, "cov")
        if mean.ndim == 0 or mean.shape[-1] != self.d:
            raise ValueError(f"mean must have shape (..., {self.d}), got {mean.shape}")
        if cov.ndim < 2 or cov.shape[-2:] != (self.d, self.d):
            raise ValueError(f"cov must have shape (..., {self.d}, {self.d}), got {cov.shape}")
        asym = np.max(np.abs(cov - np.swapaxes(cov, -1, -2)))
        if asym > 1e-12 * max(1.0, float(np.max(np.abs(cov)))):
            raise ValueError(f"cov must be symmetric, but cov − covᵀ has entries up to {asym:.3g}")
        eig = np.linalg.eigvalsh(cov)[..., 0]
        if np.any(eig <= 0):
            raise ValueError(
                f"cov must be positive definite, but its smallest eigenvalue is "
                f"{float(np.min(eig)):.6g}"
            )
        batch = np.broadcast_shapes(mean.shape[:-1], cov.shape[:-2])
        mean = np.broadcast_to(mean, (*batch, self.d))
        cov = np.broadcast_to(cov, (*batch, self.d, self.d))
        return np.concatenate([mean, cov[..., self._rows, self._cols]], axis=-1)

    def unpack(self, theta) -> tuple[np.ndarray, np.ndarray]:
        """``(mean, cov)`` of shapes ``(..., d)`` and ``(..., d, d)``."""
        theta = self.check_point(theta, "theta")
        return theta[..., : self.d].copy(), self._cov(theta)

    def _cov(self, theta):
        return anp.einsum("...c,cab->...ab", theta[..., self.d :], self._basis)

    def _violations(self, p):
        eig = np.linalg.eigvalsh(self._cov(p))[..., 0]
        yield eig <= 0, "covariance positive definite (smallest eigenvalue > 0)", eig

    def random_point(self, size=None, rng=None) -> np.ndarray:
        """``μ ~ N(0, I)``, ``Σ = AAᵀ/d + ½I`` with ``A`` standard normal."""
        rng = np.random.default_rng(rng)
        shape = () if size is None else (size,) if np.isscalar(size) else tuple(size)
        A = rng.standard_normal((*shape, self.d, self.d))
        cov = A @ np.swapaxes(A, -1, -2) / self.d + 0.5 * np.eye(self.d)
        return self.pack(rng.standard_normal((*shape, self.d)), cov)

    def retract(self, p, v):
        """``μ + v_μ``, ``Σ + V + ½ V Σ⁻¹ V`` (= ½Σ + ½(Σ + V)Σ⁻¹(Σ + V), always SPD)."""
        p = self.check_point(p)
        v = self._vectors(v)
        p, v = np.broadcast_arrays(p, v)
        S, V = self._cov(p), self._cov(v)
        new = S + V + 0.5 * V @ np.linalg.solve(S, V)
        new = 0.5 * (new + np.swapaxes(new, -1, -2))
        return np.concatenate(
            [p[..., : self.d] + v[..., : self.d], new[..., self._rows, self._cols]], -1
        )

    # --- metric and connection
    def _metric(self, theta):
        S = self._cov(theta)
        P = anp.linalg.inv(S)  # the metric is built from Σ⁻¹ itself
        PB = anp.einsum("...ab,cbe->...cae", P, self._basis)
        Gss = 0.5 * anp.einsum("...cab,...eba->...ce", PB, PB)
        batch = untrace_shape(theta)[:-1]
        m = self._rows.size
        top = anp.concatenate([P, anp.zeros((*batch, self.d, m))], axis=-1)
        bottom = anp.concatenate([anp.zeros((*batch, m, self.d)), Gss], axis=-1)
        return anp.concatenate([top, bottom], axis=-2)

    def geodesic_acceleration(self, p, v):
        """``μ̈ = Σ̇Σ⁻¹μ̇``, ``Σ̈ = Σ̇Σ⁻¹Σ̇ − μ̇μ̇ᵀ`` (tril entries)."""
        p = np.asarray(p, dtype=float)
        v = np.asarray(v, dtype=float)
        S, Sd = self._cov(p), self._cov(v)
        md = v[..., : self.d]
        X = np.linalg.solve(S, np.concatenate([md[..., None], Sd], axis=-1))  # Σ⁻¹[μ̇ Σ̇]
        acc_mu = np.einsum("...ab,...b->...a", Sd, X[..., 0])
        acc_S = Sd @ X[..., 1:] - md[..., :, None] * md[..., None, :]
        return np.concatenate([acc_mu, acc_S[..., self._rows, self._cols]], axis=-1)

    def christoffel(self, p):
        """Read off the geodesic equations: with ``B_c = ∂Σ/∂θ_c`` and ``P = Σ⁻¹``,
        ``Γ^{μ_k}_{μ_a Σ_c} = −½ (B_c P)_{ka}``, ``Γ^{Σ_e}_{μ_a μ_b} = ½(δδ + δδ)``,
        ``Γ^{Σ_e}_{Σ_c Σ_f} = −½ (B_c P B_f + B_f P B_c)_e``; the rest vanish."""
        p = self._coords(p)
        d, m = self.d, self._rows.size
        n = self.dim
        batch = p.shape[:-1]
        S = self._cov(p)
        B = self._basis
        # B_c P = (P B_c)ᵀ, from one solve Σ⁻¹ B_c
        PB = np.linalg.solve(S[..., None, :, :], B)  # (..., m, d, d) = P B_c
        BP = np.swapaxes(PB, -1, -2)
        out = np.zeros((*batch, n, n, n))
        g_mu = -0.5 * np.moveaxis(BP, -3, -1)  # (..., k, a, c)
        out[..., :d, :d, d:] = g_mu
        out[..., :d, d:, :d] = np.swapaxes(g_mu, -1, -2)
        r, c = self._rows, self._cols
        e_idx = np.arange(m)
        out[..., d + e_idx, r, c] += 0.5
        out[..., d + e_idx, c, r] += 0.5
        BPB = np.einsum("...cab,fbe->...cfae", BP, B)  # B_c P B_f
        sym = BPB + np.swapaxes(BPB, -3, -4)
        out[..., d:, d:, d:] = -0.5 * np.moveaxis(sym[..., r, c], -1, -3)
        return out

    def christoffel_derivative(self, p):
        """``∂Γ/∂θ`` from ``∂P/∂Σ_l = −P B_l P``: with ``Q_c = B_c P``,
        ``∂_l Γ^{μ_k}_{μ_a Σ_c} = ½ (Q_c Q_l)_{ka}`` and
        ``∂_l Γ^{Σ_e}_{Σ_c Σ_f} = ½ (Q_c Q_l B_f + Q_f Q_l B_c)_e``; the rest vanish."""
        p = self._coords(p)
        d, n = self.d, self.dim
        batch = p.shape[:-1]
        PB = np.linalg.solve(self._cov(p)[..., None, :, :], self._basis)
        Q = np.swapaxes(PB, -1, -2)  # Q_c = B_c P
        QQ = np.einsum("...cab,...lbe->...clae", Q, Q)  # Q_c Q_l
        out = np.zeros((*batch, n, n, n, n))
        mu_block = 0.5 * np.moveaxis(QQ, (-4, -3), (-1, -2))  # (..., k, a, l, c)
        mu_block = np.swapaxes(mu_block, -1, -2)  # (..., k, a, c, l)
        out[..., :d, :d, d:, d:] = mu_block
        out[..., :d, d:, :d, d:] = np.swapaxes(mu_block, -3, -2)
        T = np.einsum("...clab,fbe->...clfae", QQ, self._basis)  # Q_c Q_l B_f
        S = T + np.swapaxes(T, -5, -3)  # + Q_f Q_l B_c
        r, c = self._rows, self._cols
        # S[..., c, l, f, e] -> out[..., e, c, f, l]
        out[..., d:, d:, d:, d:] = 0.5 * np.moveaxis(
            S[..., r, c], (-4, -3, -2, -1), (-3, -1, -2, -4)
        )
        return out

    # --- statistics
    def _log_prob(self, x, theta):
        mu = theta[..., : self.d]
        S = self._cov(theta)
        diff = x - mu
        # (x − μ)ᵀ Σ⁻¹ (x − μ) by a solve; Σ gets the batch shape of x − μ first because
        # autograd's solve does not broadcast its matrix argument
        S_batch = S + np.zeros((*diff.shape, self.d))
        quad = anp.sum(diff * anp.linalg.solve(S_batch, diff[..., None])[..., 0], axis=-1)
        _, logdet = anp.linalg.slogdet(S)
        return -0.5 * (self.d * np.log(2 * np.pi) + logdet + quad)

    def _kl(self, t1, t2):
        m1, S1 = t1[..., : self.d], self._cov(t1)
        m2, S2 = t2[..., : self.d], self._cov(t2)
        batch = np.broadcast_shapes(S1.shape[:-2], S2.shape[:-2])
        S1 = np.broadcast_to(S1, (*batch, self.d, self.d))
        S2 = np.broadcast_to(S2, (*batch, self.d, self.d))
        dm = np.broadcast_to(m2 - m1, (*batch, self.d))
        L2 = np.linalg.cholesky(S2)
        L1 = np.linalg.cholesky(S1)
        A = np.linalg.solve(L2, L1)  # tr(Σ₂⁻¹Σ₁) = ‖L₂⁻¹L₁‖²_F
        z = np.linalg.solve(L2, dm[..., None])[..., 0]
        logdet = 2 * (
            np.log(np.diagonal(L2, axis1=-2, axis2=-1)).sum(-1)
            - np.log(np.diagonal(L1, axis1=-2, axis2=-1)).sum(-1)
        )
        return 0.5 * (np.sum(A**2, axis=(-1, -2)) + np.sum(z**2, -1) - self.d + logdet)

    def _sample(self, theta, rng):
        L = np.linalg.cholesky(self._cov(theta))
        z = rng.standard_normal((*theta.shape[:-1], self.d))
        return theta[..., : self.d] + np.einsum("...ab,...b->...a", L, z)

    def initial_point(self, data) -> np.ndarray:
        """Sample mean and (biased) sample covariance, with a ridge of 1e-6 × its mean
        variance when it is singular."""
        data = self._data_for_fit(data)
        mean = data.mean(0)
        cov = np.atleast_2d(np.cov(data, rowvar=False, bias=True))
        if np.linalg.eigvalsh(cov)[0] <= 1e-12 * max(np.trace(cov), 1e-300):
            cov = cov + (1e-6 * max(np.trace(cov) / self.d, 1.0)) * np.eye(self.d)
        return self.pack(mean, cov)


def untrace_shape(x) -> tuple[int, ...]:
    from ..manifold import untrace

    return np.shape(untrace(x))

"""The multivariate normal family N(μ, Σ) with the full Fisher metric."""

from __future__ import annotations

import time
import warnings
from typing import NamedTuple

import autograd.numpy as anp
import numpy as np

from ..._validation import as_float_array, check_positive, check_positive_int
from ...exceptions import ConvergenceError
from ..manifold import StatisticalManifold
from . import _mvn_geodesic as mg
from ._double_double import two_sum
from ._expfam import MultivariateNormalEF

__all__ = ["DistanceBracket", "MultivariateNormal"]


class DistanceBracket(NamedTuple):
    """Certified bounds ``lower ≤ d(p, q) ≤ upper`` on a Fisher–Rao distance.

    ``lower`` is the Calvo–Oller bound, ``upper`` the smallest of ``sqrt_jeffreys``
    (``√J``, ``J`` the Jeffreys divergence) and the lengths of the two closed-form
    paths that change mean and covariance one after the other.
    """

    lower: np.ndarray
    upper: np.ndarray
    sqrt_jeffreys: np.ndarray


class MultivariateNormal(MultivariateNormalEF, StatisticalManifold):
    """d-variate normal distributions, coordinates ``θ = (μ, Σ[tril])``: the mean followed
    by the covariance entries at ``numpy.tril_indices(d)``; ``dim = d + d(d+1)/2``.

    * ``log p(x|θ) = −½ (d log 2π + log det Σ + (x − μ)ᵀ Σ⁻¹ (x − μ))``
    * Fisher metric (mean and covariance together, not a product metric):
      ``ds² = dμᵀ Σ⁻¹ dμ + ½ tr(Σ⁻¹ dΣ Σ⁻¹ dΣ)``
    * geodesic equations ``μ̈ = Σ̇ Σ⁻¹ μ̇``, ``Σ̈ = Σ̇ Σ⁻¹ Σ̇ − μ̇ μ̇ᵀ``, from which the
      Christoffel symbols are read off analytically.
    * ``exp`` in closed form (Eriksen 1987; Calvo & Oller 1991) through the symmetric
      ``(2d+1)×(2d+1)`` matrix ``A = [[−B, δ, 0], [δᵀ, 0, −δᵀ], [0, −δ, B]]`` of the
      whitened velocity ``(δ, B) = (L⁻¹μ̇, L⁻¹Σ̇L⁻ᵀ)``, ``L = chol(Σ)``:
      ``exp(A) = [[Δ, δ′, ·], …]`` gives the end point ``(μ + LΔ⁻¹δ′, LΔ⁻¹Lᵀ)``.
    * ``log`` by Newton shooting on that closed form (Han & Park 2014), certified by
      its end-point residual; ``dist`` in closed form when ``μ₂ − μ₁`` is zero or an
      eigenvector of ``Σ₂Σ₁⁻¹`` (equal means: ``√(½ Σᵢ log² λᵢ(Σ₁⁻¹Σ₂))``; equal
      covariances: ``√2 arcosh(1 + Δμᵀ Σ⁻¹ Δμ / 4)``); :meth:`dist_bounds` gives the
      Calvo–Oller / √Jeffreys bracket. See :mod:`._mvn_geodesic`.
    * ``KL = ½ (tr(Σ₂⁻¹Σ₁) + (μ₂ − μ₁)ᵀ Σ₂⁻¹ (μ₂ − μ₁) − d + log(det Σ₂ / det Σ₁))``

    Attributes
    ----------
    max_time
        Default time budget in seconds of one :meth:`log` / :meth:`dist` /
        :meth:`geodesic` call (default 5.0), shared by the pairs of a batch.
    """

    mle_data_rule = "multivariate_normal"

    #: Sufficient statistic with raw second moments: ig.fit certifies its estimate on
    #: the data (see :mod:`infogeo.optim.fit_sufficient`).
    _statistic_cancels = True

    max_time: float = 5.0

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
        if isinstance(theta, np.ndarray):  # plain numpy: fill the two triangles
            out = np.empty((*theta.shape[:-1], self.d, self.d))
            out[..., self._rows, self._cols] = theta[..., self.d :]
            out[..., self._cols, self._rows] = theta[..., self.d :]
            return out
        return anp.einsum("...c,cab->...ab", theta[..., self.d :], self._basis)

    def _violations(self, p):
        S = self._cov(p)
        try:  # the common case: one Cholesky factorization proves positive definiteness
            np.linalg.cholesky(S)
            ok = np.zeros(S.shape[:-2], dtype=bool)
            yield ok, "covariance positive definite (smallest eigenvalue > 0)", ok
            return
        except np.linalg.LinAlgError:
            pass
        eig = np.linalg.eigvalsh(S)[..., 0]
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

    def inner(self, p, u, v) -> np.ndarray:
        """``⟨u, v⟩_θ = μ̇ᵤᵀΣ⁻¹μ̇ᵥ + ½ tr(Σ⁻¹Σ̇ᵤΣ⁻¹Σ̇ᵥ)`` through a Cholesky factor
        ``Σ = LLᵀ`` (``L⁻¹μ̇`` and ``L⁻¹Σ̇L⁻ᵀ``), batched: accurate where the covariance is
        nearly singular, unlike ``uᵀG(θ)v`` with the metric formed explicitly."""
        p = self._coords(p)
        u = self._vectors(u, "u")
        v = self._vectors(v, "v")
        p, u, v = np.broadcast_arrays(p, u, v)
        L = np.linalg.cholesky(self._cov(p))
        d = self.d

        def white(w):
            mean = np.linalg.solve(L, w[..., :d, None])[..., 0]
            half = np.linalg.solve(L, self._cov(np.ascontiguousarray(w)))
            return mean, np.linalg.solve(L, np.swapaxes(half, -1, -2))

        mu_u, S_u = white(u)
        mu_v, S_v = white(v)
        return np.sum(mu_u * mu_v, axis=-1) + 0.5 * np.sum(S_u * S_v, axis=(-1, -2))

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

    def geodesic_jacobians(self, p, v) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(acc, ∂acc/∂p, ∂acc/∂v)`` of :meth:`geodesic_acceleration` in matrix form,
        O(dim · d³) per point; Jacobians have shape ``(..., dim, dim)`` with entry
        ``[k, l] = ∂accₖ/∂xₗ``. With ``P = Σ⁻¹``, ``Y = PΣ̇``, ``E_l = ∂Σ/∂θ_l``:

        * ``∂/∂Σ_l``: ``μ̈ ↦ −Σ̇ P E_l P μ̇``, ``Σ̈ ↦ −Yᵀ E_l Y``;
        * ``∂/∂μ̇_i``: ``μ̈ ↦ (Σ̇P)eᵢ``, ``Σ̈ ↦ −(eᵢμ̇ᵀ + μ̇eᵢᵀ)``;
        * ``∂/∂Σ̇_l``: ``μ̈ ↦ E_l P μ̇``, ``Σ̈ ↦ E_l Y + Yᵀ E_l``.
        """
        p = self._coords(p)
        v = self._vectors(v)
        p, v = np.broadcast_arrays(p, v)
        d, r, c = self.d, self._rows, self._cols
        S, Sd = self._cov(p), self._cov(v)
        md = v[..., :d]
        X = np.linalg.solve(S, np.concatenate([md[..., None], Sd], axis=-1))
        Pm, Y = X[..., 0], X[..., 1:]  # Pμ̇, PΣ̇
        Yt = np.swapaxes(Y, -1, -2)  # Σ̇P
        E = self._basis  # (m, d, d)
        acc_mu = np.einsum("...ab,...b->...a", Sd, Pm)
        acc_S = Sd @ Y - md[..., :, None] * md[..., None, :]
        acc = np.concatenate([acc_mu, acc_S[..., r, c]], axis=-1)
        batch = p.shape[:-1]
        n = self.dim
        dp = np.zeros((*batch, n, n))
        dv = np.zeros((*batch, n, n))
        EPm = np.einsum("lab,...b->...la", E, Pm)  # E_l P μ̇, (..., m, d)
        PEPm = np.linalg.solve(S[..., None, :, :], EPm[..., None])[..., 0]  # P E_l P μ̇
        dp[..., :d, d:] = -np.swapaxes(np.einsum("...ab,...lb->...la", Sd, PEPm), -1, -2)
        YtEY = Yt[..., None, :, :] @ E @ Y[..., None, :, :]  # (..., m, d, d)
        dp[..., d:, d:] = -np.swapaxes(YtEY[..., r, c], -1, -2)
        dv[..., :d, :d] = Yt
        eye = np.eye(d)
        outer = eye[:, :, None] * md[..., None, None, :]  # e_i μ̇ᵀ, (..., i, a, b)
        dv[..., d:, :d] = -np.swapaxes((outer + np.swapaxes(outer, -1, -2))[..., r, c], -1, -2)
        dv[..., :d, d:] = np.swapaxes(EPm, -1, -2)
        EY = E @ Y[..., None, :, :]
        dv[..., d:, d:] = np.swapaxes((EY + np.swapaxes(EY, -1, -2))[..., r, c], -1, -2)
        return acc, dp, dv

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
        # (B_c P B_f)[r_e, c_e] from the sparsity of B_f = E(r_f, c_f) + E(c_f, r_f):
        # (B_c P)[r_e, r_f] [c_e = c_f] + (B_c P)[r_e, c_f] [c_e = r_f ≠ c_f], no products
        same_c = c[:, None] == c[None, :]  # (e, f)
        cross = (c[:, None] == r[None, :]) & (r != c)[None, :]
        BPr = BP[..., :, r, :]  # (..., c, e, b)
        BPB = BPr[..., r] * same_c + BPr[..., c] * cross  # (..., c, e, f)
        BPB = np.moveaxis(BPB, -3, -2)  # (..., e, c, f)
        out[..., d:, d:, d:] = -0.5 * (BPB + np.swapaxes(BPB, -1, -2))
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

    # --- geodesics (closed-form exp, Newton-shooting log)
    def _pair(self, p, q):
        """Broadcast, check and flatten a batch of pairs: returns ``(p, c, S1, dm, S2,
        batch, raw, dm_lo)`` with ``S1, S2`` divided by ``c²`` (``c`` the power of two
        nearest the geometric mean of diag Σ₁, so the scaling is exact),
        ``dm = (μ₂ − μ₁)/c`` (the metric is invariant under this rescaling) and
        ``dm_lo`` its rounding error (two-sum), the batch shape, and
        ``raw = (μ₂ − μ₁, Σ₁, Σ₂)`` unscaled."""
        p = self.check_point(p)
        q = self.check_point(q, "q")
        p, q = np.broadcast_arrays(p, q)
        batch = p.shape[:-1]
        p, q = p.reshape(-1, self.dim), q.reshape(-1, self.dim)
        S1, S2 = self._cov(p), self._cov(q)
        # affine invariance: rescale both covariances by c² (geometric mean of diag Σ₁)
        logc2 = np.mean(np.log(np.diagonal(S1, axis1=-2, axis2=-1)), axis=-1)
        c = np.ldexp(1.0, np.rint(0.5 * logc2 / np.log(2.0)).astype(int))
        with np.errstate(over="ignore", invalid="ignore"):
            hi, lo = two_sum(q[:, : self.d], -p[:, : self.d])
            dm, dm_lo = hi / c[:, None], lo / c[:, None]
        dm_lo = np.where(np.isfinite(dm_lo), dm_lo, 0.0)
        raw = (hi, S1, S2)
        S1c, S2c = S1 / (c * c)[:, None, None], S2 / (c * c)[:, None, None]
        return p, c, S1c, dm, S2c, batch, raw, dm_lo

    @staticmethod
    def _check_errors(errors):
        if errors not in ("raise", "nan"):
            raise ValueError(f'errors must be "raise" or "nan", got {errors!r}')

    def _deadline(self, max_time):
        budget = self.max_time if max_time is None else check_positive(max_time, "max_time")
        return time.monotonic() + budget, budget

    def _solve_standard(self, x, S, deadline, budget, index, factor=None):
        """``(δ, B)`` for one standardized pair, or a ConvergenceError to report."""
        solver = self._solver()
        if time.monotonic() > deadline:
            return None, ConvergenceError(
                f"{self!r}: pair {index} not attempted: the time budget max_time = "
                f"{budget:g} s of this call was spent; pass a larger max_time= or fewer pairs",
                residual=None,
                tolerance=self.log_tol,
            )
        try:
            u, _, _ = solver.solve(x, S, deadline=deadline, rtol=self.log_tol, factor=factor)
        except mg.ShootingFailure as exc:
            return None, ConvergenceError(
                f"{self!r}: pair {index}: {exc} within max_time = {budget:g} s. Try a larger "
                "max_time=, or use dist_bounds(p, q) for a certified bracket",
                residual=exc.residual,
                tolerance=exc.tolerance,
            )
        except (FloatingPointError, OverflowError, np.linalg.LinAlgError) as exc:
            return None, ConvergenceError(
                f"{self!r}: pair {index}: Newton shooting on the closed-form exponential map "
                f"failed in float64 ({exc}); the pair is too far apart for double precision. "
                "Use dist_bounds(p, q) for a certified bracket",
                residual=None,
                tolerance=self.log_tol,
            )
        return solver.unpack(u), None

    @staticmethod
    def _wider_start(x, S):
        """Whether the Mahalanobis length of ``x`` under ``S`` exceeds its length
        under ``I`` (then shooting from the other end is better conditioned)."""
        K = np.linalg.cholesky(S)
        return bool(np.linalg.norm(mg.tril_solve(K, x[:, None])) > np.linalg.norm(x))

    def _solver(self):
        if getattr(self, "_log_solver", None) is None:
            self._log_solver = mg.StandardLogSolver(self.d)
        return self._log_solver

    def _report(self, failures, errors, batch, what):
        if not failures:
            return
        if errors == "raise":
            raise failures[0][1]
        idx = [np.unravel_index(i, batch) if batch else () for i, _ in failures]
        warnings.warn(
            f"{self!r}.{what}: {len(failures)} pair(s) failed and are NaN, at batch "
            f"indices {idx[:20]}{' …' if len(idx) > 20 else ''}; first error: {failures[0][1]}",
            RuntimeWarning,
            stacklevel=3,
        )

    def exp(self, p, v) -> np.ndarray:
        """Closed-form exponential map (Eriksen 1987): with ``L = chol(Σ)``,
        ``(δ, B) = (L⁻¹μ̇, L⁻¹Σ̇L⁻ᵀ)`` (double-double solves) and ``exp(A) = [[Δ, δ′, ·], …]`` for
        ``A = [[−B, δ, 0], [δᵀ, 0, −δᵀ], [0, −δ, B]]``, the end point is
        ``(μ + LΔ⁻¹δ′, LΔ⁻¹Lᵀ)``.

        Raises
        ------
        OverflowError
            If the end point is beyond what float64 represents.
        """
        p = self.check_point(self._points(p))
        v = self._vectors(v)
        p, v = np.broadcast_arrays(p, v)
        # (δ, B) = (L⁻¹μ̇, L⁻¹Σ̇L⁻ᵀ) in double-double: exact to rounding for any cond Σ
        L, delta, B = mg.whiten(0.0, self._cov(p), v[..., : self.d], self._cov(v))
        mu, S = mg.exp_long(delta, B)
        return self._from_standard(p, L, mu, S)

    def _from_standard(self, p, L, mu, S):
        mean = p[..., : self.d] + np.einsum("...ab,...b->...a", L, mu)
        cov = mg.sym(L @ S @ np.swapaxes(L, -1, -2))
        return np.concatenate([mean, cov[..., self._rows, self._cols]], axis=-1)

    def geodesic_points(self, p, v, t) -> np.ndarray:
        """``exp(p, t v)`` for a 1-d array ``t``, from one eigendecomposition."""
        p = self.check_point(self._points(p))
        v = self._vectors(v)
        L, delta, B = mg.whiten(0.0, self._cov(p), v[: self.d], self._cov(v))
        mu, S = mg.exp_long(delta, B, np.asarray(t, dtype=float).reshape(-1))
        return self._from_standard(p, L, mu, S)

    def log(self, p, q, *, max_time=None, errors: str = "raise") -> np.ndarray:
        """Riemannian logarithm ``v`` (in θ coordinates) with ``exp(p, v) = q``.

        Closed form when ``μ_q − μ_p`` is zero or an eigenvector of ``Σ_qΣ_p⁻¹``;
        otherwise Newton shooting on the closed-form :meth:`exp` in whitened
        coordinates, started from the closed form of the nearest such pair and
        continued from it if Newton alone does not converge; shot from ``q`` (and the
        end velocity reversed) when ``q``'s covariance is the wider one along
        ``μ_q − μ_p``. Accepted when the end-point residual ρ (a first-order Fisher
        distance) satisfies ``ρ ≤ max(log_tol · ‖v‖, 1e-9 · max(‖v‖, m, 1))`` with
        ``m`` the Mahalanobis length of ``μ_q − μ_p`` under the target covariance (the
        second term is float64's floor for means thousands of standard deviations
        apart; long geodesics are evaluated by composing short steps).

        Parameters
        ----------
        max_time
            Time budget in seconds for the whole batch (default :attr:`max_time`).
        errors
            ``"raise"`` (default): raise :class:`~infogeo.ConvergenceError` for the
            first failed pair; ``"nan"``: NaN rows for failed pairs and a
            ``RuntimeWarning`` naming their indices.
        """
        self._check_errors(errors)
        deadline, budget = self._deadline(max_time)
        p, c, S1, dm, S2, batch, _, dm_lo = self._pair(p, q)
        L, x, S, K, xk = mg.whiten(np.zeros_like(dm), S1, dm, S2, dm_lo, parts=True)
        out = np.full(p.shape, np.nan)
        failures = []
        for i in range(p.shape[0]):
            Lc = L[i] * c[i]
            if mg.is_eigvec_case(x[i], S[i]):
                delta, B = mg.eigvec_case_log(x[i], S[i])
            elif self._wider_start(x[i], S[i]):
                # shoot from q (the residual's float64 floor grows with the target's
                # Mahalanobis ‖K⁻¹x‖) and reverse the end velocity of that geodesic
                Lq, xq, Sq, Kq, xkq = mg.whiten(
                    np.zeros(self.d), S2[i], -dm[i], S1[i], -dm_lo[i], parts=True
                )
                sol, err = self._solve_standard(xq, Sq, deadline, budget, i, (Kq, xkq))
                if err is not None:
                    failures.append((i, err))
                    continue
                dq, Bq = sol
                _, G, d1, B1 = mg.composed_end(dq, Bq, max(mg.steps_needed(dq, Bq), 1))
                delta, B = -G @ d1, -G @ B1 @ G.T
                Lc = Lq * c[i]
            else:
                sol, err = self._solve_standard(x[i], S[i], deadline, budget, i, (K[i], xk[i]))
                if err is not None:
                    failures.append((i, err))
                    continue
                delta, B = sol
            out[i, : self.d] = Lc @ delta
            out[i, self.d :] = mg.sym(Lc @ B @ Lc.T)[self._rows, self._cols]
        self._report(failures, errors, batch, "log")
        return out.reshape(*batch, self.dim)

    def dist(
        self, p, q, *, max_time=None, errors: str = "raise", bounds: bool = False
    ) -> np.ndarray | tuple[np.ndarray, DistanceBracket]:
        """Fisher–Rao distance, shape ``(...)``.

        * equal means: ``√(½ Σᵢ log² λᵢ)``, ``λ`` the eigenvalues of ``Σ₁⁻¹Σ₂`` from
          Cholesky whitening, small and large ones each from the side where they are
          accurate, ``log1p`` near 1;
        * equal covariances: ``2√2 arsinh(m / (2√2))``, ``m² = Δμᵀ Σ⁻¹ Δμ``;
        * ``Δμ`` an eigenvector of ``Σ₂Σ₁⁻¹`` (eigenvalue ``s``, the others ``sᵢ``):
          ``√(d_N(N(0,1), N(m, s))² + ½ Σᵢ log² sᵢ)``;
        * otherwise ``‖log_p q‖`` from Newton shooting (see :meth:`log`), checked
          against :meth:`dist_bounds` (a length outside the bracket is an error).

        ``bounds=True`` returns ``(distance, DistanceBracket)``. ``max_time`` and
        ``errors`` as in :meth:`log`.
        """
        self._check_errors(errors)
        deadline, budget = self._deadline(max_time)
        p, _, S1, dm, S2, batch, raw, dm_lo = self._pair(p, q)
        n = p.shape[0]
        out = np.full(n, np.nan)
        raw_dm, raw_S1, raw_S2 = raw
        same_mean = np.all(raw_dm == 0, axis=-1)
        same_cov = np.all(raw_S1 == raw_S2, axis=(-1, -2)) & ~same_mean
        if np.any(same_mean):
            out[same_mean] = mg.common_mean_dist(S1[same_mean], S2[same_mean])
        if np.any(same_cov):
            out[same_cov] = mg.common_cov_dist(raw_dm[same_cov], raw_S1[same_cov])
        rest = ~(same_mean | same_cov)
        failures = []
        bracket = None
        if np.any(rest) or bounds:
            _, x, S, Kt, xkt = mg.whiten(np.zeros_like(dm), S1, dm, S2, dm_lo, parts=True)
            if not (np.all(np.isfinite(x[rest])) and np.all(np.isfinite(S[rest]))):
                raise OverflowError(
                    f"{self!r}.dist: whitening the pair overflows float64 (a mean difference "
                    "of more than about 1e300 standard deviations)"
                )
            lower, upper, sqrt_j = mg.bracket_standard(x, S)
            bracket = DistanceBracket(lower, upper, sqrt_j)
            eig = rest & mg.is_eigvec_case(x, S)
            if np.any(eig):
                out[eig] = mg.eigvec_case_dist(x[eig], S[eig])
            todo = rest & ~eig
            if np.any(todo):
                # shoot towards the end whose covariance is wider along Δμ: the
                # residual's float64 floor grows with the target's Mahalanobis ‖K⁻¹x‖
                flip = np.zeros(n, dtype=bool)
                flip[todo] = np.linalg.norm(xkt[todo], axis=-1) > np.linalg.norm(x[todo], axis=-1)
                if np.any(flip):
                    _, x[flip], S[flip], Kt[flip], xkt[flip] = mg.whiten(
                        np.zeros_like(dm[flip]),
                        S2[flip],
                        -dm[flip],
                        S1[flip],
                        -dm_lo[flip],
                        parts=True,
                    )
            for i in np.flatnonzero(todo):
                sol, err = self._solve_standard(x[i], S[i], deadline, budget, i, (Kt[i], xkt[i]))
                if err is None:
                    delta, B = sol
                    dist = float(np.sqrt(delta @ delta + 0.5 * np.sum(B * B)))
                    # plus the absolute float64 floor of whitening (ε·cond Σ per side),
                    # which matters only for nearly equal ill-conditioned pairs
                    ev1, ev2 = np.linalg.eigvalsh(S1[i]), np.linalg.eigvalsh(S2[i])
                    cond = max(ev1[-1] / ev1[0], ev2[-1] / ev2[0])
                    slack = 1e-9 * upper[i] + 64 * np.finfo(float).eps * cond * (
                        1.0 + np.linalg.norm(x[i])
                    )
                    if lower[i] - slack <= dist <= upper[i] + slack:
                        out[i] = dist
                        continue
                    err = ConvergenceError(
                        f"{self!r}.dist: pair {i}: Newton shooting found a geodesic of "
                        f"length {dist:.12g} outside the certified bracket "
                        f"[{lower[i]:.12g}, {upper[i]:.12g}] (not the shortest one). "
                        "Use dist_bounds(p, q)",
                        residual=dist - np.clip(dist, lower[i], upper[i]),
                        tolerance=slack,
                    )
                failures.append((i, err))
        self._report(failures, errors, batch, "dist")
        out = out.reshape(batch)
        if bounds:
            return out, DistanceBracket(*(b.reshape(batch) for b in bracket))
        return out

    def dist_bounds(self, p, q) -> DistanceBracket:
        """Certified bracket ``lower ≤ d(p, q) ≤ upper`` in closed form (batched).

        * ``lower``: Calvo & Oller (1990): ``√(½ Σ log² λᵢ(C₁⁻¹C₂))`` with the
          embeddings ``Cᵢ = [[Σᵢ + μᵢμᵢᵀ, μᵢ], [μᵢᵀ, 1]]`` (exact for equal means);
        * ``sqrt_jeffreys``: ``√J``, ``J = KL(p‖q) + KL(q‖p)``, the energy of the
          e-geodesic, an upper bound by Cauchy–Schwarz (Nielsen 2023);
        * ``upper``: ``min(√J, d_cov + d_mean, d_mean + d_cov)``, the lengths of the
          paths changing the mean at covariance ``Σ₁`` (or ``Σ₂``) and the covariance
          at a fixed mean, each leg a closed form.
        """
        _, _, S1, dm, S2, batch, _, dm_lo = self._pair(p, q)
        _, x, S = mg.whiten(np.zeros_like(dm), S1, dm, S2, dm_lo)
        return DistanceBracket(*(b.reshape(batch) for b in mg.bracket_standard(x, S)))

    def geodesic(self, p, q=None, *, velocity=None, max_time=None):
        """The geodesic from ``p`` to ``q`` (by :meth:`log`) or from ``p`` with
        ``velocity``; evaluated along ``t`` in closed form, ``exp(p, t v)``."""
        from ...geometry.geodesic import Geodesic

        if (q is None) == (velocity is None):
            raise TypeError("geodesic() takes either an end point q or velocity=v, not both")
        p = self.check_point(self._points(p))
        if p.ndim != 1:
            raise ValueError(f"geodesic() takes one start point of shape ({self.dim},)")
        if q is not None:
            q = self.check_point(self._points(q, "q"), "q")
            if q.shape != p.shape:
                raise ValueError(f"q must have shape ({self.dim},), got {q.shape}")
            return Geodesic(self, p, self.log(p, q, max_time=max_time), end=q)
        v = self._vectors(velocity, "velocity")
        if v.shape != p.shape:
            raise ValueError(f"velocity must have shape ({self.dim},), got {v.shape}")
        return Geodesic(self, p, v)

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

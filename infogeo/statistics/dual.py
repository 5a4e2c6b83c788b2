"""Dual geometry of a statistical manifold: α-connections, α-geodesics, divergences.

* Amari–Chentsov tensor ``Tᵢⱼₖ = E[∂ᵢℓ ∂ⱼℓ ∂ₖℓ]`` (``ℓ = log p``);
* α-connection ``Γ^(α)ᵢⱼ,ₖ = Γ^(0)ᵢⱼ,ₖ − (α/2) Tᵢⱼₖ``, i.e.
  ``Γ^(α)ᵏᵢⱼ = Γᵏᵢⱼ − (α/2) Gᵏˡ Tᵢⱼₗ``: α = 1 the exponential (e-), α = −1 the mixture
  (m-), α = 0 the Levi-Civita connection. ``Γ^(α)`` and ``Γ^(−α)`` are dual:
  ``∂ₖgᵢⱼ = Γ^(α)ₖᵢ,ⱼ + Γ^(−α)ₖⱼ,ᵢ``;
* divergences between two members (:meth:`DualGeometry.divergence`); for exponential
  families all of them follow from the log-partition ``ψ`` through the skew Jensen gap
  ``J_α(ϑ₁:ϑ₂) = αψ(ϑ₁) + (1−α)ψ(ϑ₂) − ψ(αϑ₁ + (1−α)ϑ₂) = −log ∫ p₁^α p₂^{1−α}``.
"""

from __future__ import annotations

import numpy as np
from scipy.integrate import solve_bvp

from ..exceptions import ConvergenceError
from ..geometry.geodesic import Geodesic

__all__ = ["DIVERGENCES", "AlphaGeodesic", "DualGeometry"]

#: the divergence kinds accepted by :meth:`DualGeometry.divergence`
DIVERGENCES = (
    "kl",
    "jeffreys",
    "hellinger",
    "bhattacharyya",
    "renyi",
    "alpha",
    "chernoff",
    "tv",
)

_GL = {n: np.polynomial.legendre.leggauss(n) for n in (16, 32, 64, 128)}


class AlphaGeodesic(Geodesic):
    """A geodesic of the α-connection on ``[0, 1]``.

    Callable like :class:`~infogeo.Geodesic`; ``velocity`` is ``γ̇(0)`` and ``length``
    its Fisher–Rao length ``∫‖γ̇‖_G dt`` (α-geodesics with α ≠ 0 are not of constant
    Fisher speed), by Gauss–Legendre quadrature to 1e-11 relative.
    """

    def __init__(self, manifold, alpha, curve, velocity_at):
        self.alpha = float(alpha)
        self._curve = curve
        self._velocity_at = velocity_at
        start = curve(np.zeros(1))[0]
        super().__init__(manifold, start, velocity_at(np.zeros(1))[0], end=curve(np.ones(1))[0])

    def __call__(self, t):
        t_arr = np.asarray(t, dtype=float)
        if t_arr.ndim > 1:
            raise ValueError(f"t must be a scalar or a 1-d array of times, got shape {t_arr.shape}")
        if not np.all(np.isfinite(t_arr)) or np.any((t_arr < 0) | (t_arr > 1)):
            raise ValueError("t must lie in [0, 1]")
        pts = self._curve(np.atleast_1d(t_arr))
        return pts[0] if t_arr.ndim == 0 else pts

    def velocity_at(self, t) -> np.ndarray:
        """``γ̇(t)`` for a 1-d array of times, shape ``(n, dim)``."""
        return self._velocity_at(np.atleast_1d(np.asarray(t, dtype=float)))

    @property
    def length(self) -> float:
        prev = None
        for x, w in _GL.values():
            t = 0.5 * (x + 1.0)
            speed = self.manifold.norm(self._curve(t), self._velocity_at(t))
            val = 0.5 * float(np.sum(w * speed))
            if prev is not None and abs(val - prev) <= 1e-11 * max(abs(val), 1e-300):
                return val
            prev = val
        return val

    def __repr__(self) -> str:
        return f"AlphaGeodesic(alpha={self.alpha:g}, start={self.start}, end={self.end})"


class _AlphaFlow:
    """The α-connection of a family seen as a connection for
    :func:`~infogeo.geometry.geodesic_equation.integrate_geodesic` (which asks for
    ``geodesic_acceleration``, ``belongs`` and the ODE tolerances)."""

    def __init__(self, family, alpha):
        self.family, self.alpha = family, alpha
        self.ode_rtol, self.ode_atol = family.ode_rtol, family.ode_atol

    def geodesic_acceleration(self, x, v):
        """``−Γ^(α)(v, v) = −Γ^(0)(v, v) + (α/2) G⁻¹ T(v, v, ·)``."""
        F = self.family
        x = F.check_point(x, "the alpha-geodesic's point")
        acc = F.geodesic_acceleration(x, v)
        Tvv = F._skewness_vv(x, v)
        return acc + 0.5 * self.alpha * np.linalg.solve(F.metric(x), Tvv[..., None])[..., 0]

    def belongs(self, x):
        return self.family.belongs(x)

    def __repr__(self) -> str:
        return f"{self.family!r} (alpha = {self.alpha:g} connection)"


def _check_kind(kind, alpha):
    if kind not in DIVERGENCES:
        raise ValueError(f"kind must be one of {', '.join(map(repr, DIVERGENCES))}, got {kind!r}")
    if kind in ("renyi", "alpha") and alpha is None:
        raise ValueError(f"kind={kind!r} needs its order: pass alpha=...")
    if alpha is not None:
        a = float(alpha)
        if not np.isfinite(a):
            raise ValueError(f"alpha must be finite, got {alpha}")
        if kind == "renyi" and not a > 0:
            raise ValueError(f"the Rényi order alpha must be > 0, got {alpha}")
        if kind == "chernoff" and not 0 < a < 1:
            raise ValueError(f"the Chernoff alpha must lie in (0, 1), got {alpha}")
        if kind not in ("renyi", "alpha", "chernoff"):
            raise ValueError(f"kind={kind!r} takes no alpha, got alpha={alpha}")


class DualGeometry:
    """Dual structure shared by every statistical manifold (mixin)."""

    is_exponential_family = False

    # ------------------------------------------------------------------ tensors
    def skewness_tensor(self, theta) -> np.ndarray:
        """Amari–Chentsov tensor ``Tᵢⱼₖ(θ) = E_θ[∂ᵢℓ ∂ⱼℓ ∂ₖℓ]``, shape
        ``(..., dim, dim, dim)``, symmetric in its three indices.

        Exponential families: ``∂³ψ`` in natural coordinates (autograd of the closed
        form of ``ψ``) pulled back by ``J = ∂ϑ/∂θ`` in each index.
        """
        theta = self.check_point(theta, "theta")
        return self._skewness(theta)

    def _skewness(self, theta):
        if self.is_exponential_family:
            return self._skewness_closed(theta)
        raise NotImplementedError(f"{self!r} has no skewness tensor")

    def _skewness_vv(self, theta, v):
        """``T(v, v, ·)``, shape ``(..., dim)`` (exponential families override it with
        one directional third derivative of ψ instead of the whole tensor)."""
        return np.einsum("...ijk,...i,...j->...k", self._skewness(theta), v, v)

    def alpha_christoffel(self, theta, alpha) -> np.ndarray:
        """Christoffel symbols of the α-connection, entry ``[..., k, i, j]``:
        ``Γ^(α)ᵏᵢⱼ = Γᵏᵢⱼ − (α/2) Gᵏˡ Tᵢⱼₗ`` (α = 1: e-, α = −1: m-, α = 0: Levi-Civita)."""
        theta = self.check_point(theta, "theta")
        alpha = float(alpha)
        if not np.isfinite(alpha):
            raise ValueError(f"alpha must be a finite number, got {alpha}")
        gamma = self.christoffel(theta)
        if alpha == 0.0:
            return gamma
        n = self.dim
        T = self._skewness(theta)
        raised = np.linalg.solve(self.metric(theta), T.reshape(*T.shape[:-3], n, n * n))
        # T is symmetric, so row l of the solve holds Gᵏˡ Tₗᵢⱼ = Gᵏˡ Tᵢⱼₗ at [k, i, j]
        return gamma - 0.5 * alpha * raised.reshape(*T.shape[:-3], n, n, n)

    # ------------------------------------------------------------------ geodesics
    def alpha_geodesic(self, theta1, theta2, alpha, *, tol: float = 1e-8) -> AlphaGeodesic:
        """The α-geodesic from ``θ1`` (t = 0) to ``θ2`` (t = 1).

        Exponential families: for α = 1 the straight line in natural parameters,
        ``ϑ(t) = (1−t)ϑ₁ + tϑ₂``; for α = −1 the straight line in expectation
        parameters, ``η(t) = (1−t)η₁ + tη₂``. Otherwise the boundary-value problem
        ``γ̈ᵏ + Γ^(α)ᵏᵢⱼ γ̇ⁱγ̇ʲ = 0`` is solved by collocation
        (:func:`scipy.integrate.solve_bvp`, tolerance ``tol``), started from the straight
        line in ``θ``.

        Raises
        ------
        ConvergenceError
            If the boundary-value solver fails.
        """
        p = self.check_point(theta1, "theta1")
        q = self.check_point(theta2, "theta2")
        if p.shape != (self.dim,) or q.shape != (self.dim,):
            raise ValueError(
                f"theta1 and theta2 must be single points of shape ({self.dim},), got "
                f"{p.shape} and {q.shape}"
            )
        alpha = float(alpha)
        if self.is_exponential_family and alpha in (1.0, -1.0):
            return self._flat_geodesic(p, q, alpha)
        return self._bvp_geodesic(p, q, alpha, tol)

    def alpha_exp(self, theta, velocity, alpha) -> np.ndarray:
        """The α-exponential map: ``γ(1)`` of the α-geodesic with ``γ(0) = θ``,
        ``γ̇(0) = velocity``, shape ``(..., dim)`` (batched).

        Exponential families in closed form for α = ±1: α = 1 (e-) is the straight line
        in natural parameters, ``ϑ(1) = ϑ(θ) + J v`` (``J = ∂ϑ/∂θ``); α = −1 (m-) the
        straight line in expectation parameters, ``η(1) = η(θ) + ∇²ψ(ϑ) J v``. Otherwise
        ``γ̈ᵏ + Γ^(α)ᵏᵢⱼ γ̇ⁱγ̇ʲ = 0`` is integrated (DOP853 at ``ode_rtol``/``ode_atol``,
        the batch as one system). α = 0 is the Fisher–Rao :meth:`exp`'s equation.
        ``alpha_exp(θ₁, alpha_geodesic(θ₁, θ₂, α).velocity, α)`` returns ``θ₂``.

        Raises
        ------
        ValueError
            If the α-geodesic leaves the family (the domain of ``θ``) before t = 1.
        """
        p = self.check_point(theta, "theta")
        v = self._vectors(velocity)
        alpha = float(alpha)
        if not np.isfinite(alpha):
            raise ValueError(f"alpha must be a finite number, got {alpha}")
        p, v = np.broadcast_arrays(p, v)
        if self.is_exponential_family and alpha in (1.0, -1.0):
            nat = np.asarray(self._to_natural(p), dtype=float)
            Jv = np.einsum("...ia,...a->...i", self.natural_jacobian(p), v)
            if alpha == 1.0:
                end = nat + Jv
                name, inside = "natural", self._natural_ok(end)
            else:
                end = self._to_expectation(p) + np.einsum(
                    "...ij,...j->...i", self._natural_hessian(nat), Jv
                )
                name, inside = "expectation", self._expectation_ok(end)
            if not np.all(inside):
                raise ValueError(
                    f"the alpha = {alpha:g} geodesic leaves {self!r} before t = 1: the straight "
                    f"line in {name} parameters exits their domain; use a shorter velocity"
                )
            with np.errstate(all="ignore"):
                out = self._from_natural(end) if alpha == 1.0 else self._from_expectation(end)
            return np.asarray(out, dtype=float)
        from ..geometry.geodesic_equation import integrate_geodesic

        pts, _ = integrate_geodesic(_AlphaFlow(self, alpha), p, v, np.ones(1))
        return pts[..., 0, :]

    def _flat_geodesic(self, p, q, alpha):
        if alpha == 1.0:
            n1, n2 = self._to_natural(p), self._to_natural(q)
            d = n2 - n1

            def curve(t):
                return self._from_natural(n1 + t[:, None] * d)

            def velocity(t):  # J θ̇ = Δϑ
                th = curve(t)
                rhs = np.broadcast_to(d, th.shape)[..., None]
                return np.linalg.solve(self.natural_jacobian(th), rhs)[..., 0]

        else:
            e1, e2 = self._to_expectation(p), self._to_expectation(q)
            d = e2 - e1

            def curve(t):
                return self._from_expectation(e1 + t[:, None] * d)

            def velocity(t):  # ∂η/∂θ = J⁻ᵀ G, so θ̇ = G⁻¹ Jᵀ Δη
                th = curve(t)
                rhs = np.einsum("...ia,i->...a", self.natural_jacobian(th), d)
                return np.linalg.solve(self.metric(th), rhs[..., None])[..., 0]

        return AlphaGeodesic(self, alpha, curve, velocity)

    def _bvp_geodesic(self, p, q, alpha, tol):
        n = self.dim

        def rhs(t, y):
            x, v = y[:n].T, y[n:].T
            if not np.all(self.belongs(x)):
                return np.full_like(y, np.nan)
            G = self.alpha_christoffel(x, alpha)
            acc = -np.einsum("mkij,mi,mj->mk", G, v, v)
            return np.concatenate([v.T, acc.T])

        def bc(ya, yb):
            return np.concatenate([ya[:n] - p, yb[:n] - q])

        t = np.linspace(0.0, 1.0, 11)
        y0 = np.concatenate([p[:, None] + t * (q - p)[:, None], np.repeat((q - p)[:, None], 11, 1)])
        with np.errstate(all="ignore"):
            sol = solve_bvp(rhs, bc, t, y0, tol=tol, max_nodes=20000)
        if not sol.success:
            raise ConvergenceError(
                f"the alpha = {alpha:g} geodesic boundary-value problem did not converge: "
                f"{sol.message}",
                residual=float(np.max(sol.rms_residuals)) if sol.rms_residuals.size else None,
                tolerance=tol,
            )

        def curve(tt):
            return sol.sol(tt)[:n].T

        def velocity(tt):
            return sol.sol(tt)[n:].T

        return AlphaGeodesic(self, alpha, curve, velocity)

    # ------------------------------------------------------------------ divergences
    def divergence(self, theta1, theta2, kind: str = "kl", alpha=None) -> np.ndarray:
        """A divergence ``D(p_θ1 : p_θ2)``, shape ``(...)`` (batched like ``kl``).

        With ``ρ_a = ∫ p₁^a p₂^{1−a}`` (``= exp(−J_a)`` for exponential families):

        * ``"kl"``: ``KL(p₁‖p₂) = ∫ p₁ log(p₁/p₂)`` (the family's closed form; equal to
          the Bregman divergence of ψ, :meth:`bregman`);
        * ``"jeffreys"``: ``KL(p₁‖p₂) + KL(p₂‖p₁)`` (``= ⟨ϑ₁ − ϑ₂, η₁ − η₂⟩``);
        * ``"bhattacharyya"``: ``−log ρ_{1/2}``;
        * ``"hellinger"``: ``H = √(1 − ρ_{1/2})``, so ``H² = ½∫(√p₁ − √p₂)²`` ∈ [0, 1];
        * ``"renyi"`` of order ``alpha > 0``: ``log ρ_α / (α − 1)`` (α = 1: KL);
        * ``"alpha"`` (Amari): ``4/(1 − α²) (1 − ρ_{(1−α)/2})``, α = −1: ``KL(p₁‖p₂)``,
          α = 1: ``KL(p₂‖p₁)``;
        * ``"chernoff"``: with ``alpha`` in (0, 1) the skew Bhattacharyya divergence
          ``−log ρ_α``; without, the Chernoff information ``max_α −log ρ_α``
          (golden-section search, α to 1e-10);
        * ``"tv"``: the total variation distance ``½∫|p₁ − p₂|`` (:meth:`total_variation`).

        Exponential families use the closed forms in ``ψ``; a ``ParametricFamily``
        computes ``ρ_a`` by quadrature at the nodes of both densities and requires the
        two values to agree to 1e-8 (else ``ConvergenceError``).

        Raises
        ------
        ValueError
            For an unknown ``kind``, a missing or out-of-range ``alpha``, or an order
            for which ``ρ`` diverges.
        """
        _check_kind(kind, alpha)
        t1 = self.check_point(theta1, "theta1")
        t2 = self.check_point(theta2, "theta2")
        if kind == "tv":
            return self.total_variation(t1, t2)
        if kind == "kl":  # the family's closed form (equal to bregman, fewer cancellations)
            return self.kl(t1, t2)
        if kind == "jeffreys":
            if self.is_exponential_family:
                d = np.sum(
                    (self._to_natural(t1) - self._to_natural(t2))
                    * (self._to_expectation(t1) - self._to_expectation(t2)),
                    -1,
                )
                return np.maximum(d, 0.0)
            return self.kl(t1, t2) + self.kl(t2, t1)
        if kind == "bhattacharyya":
            return self._neg_log_affinity(t1, t2, 0.5)
        if kind == "hellinger":
            return np.sqrt(np.maximum(-np.expm1(-self._neg_log_affinity(t1, t2, 0.5)), 0.0))
        a = float(alpha) if alpha is not None else None
        if kind == "renyi":
            if a == 1.0:
                return self.divergence(t1, t2, "kl")
            return self._neg_log_affinity(t1, t2, a) / (1.0 - a)
        if kind == "alpha":
            if a == -1.0:
                return self.divergence(t1, t2, "kl")
            if a == 1.0:
                return self.divergence(t2, t1, "kl")
            J = self._neg_log_affinity(t1, t2, 0.5 * (1.0 - a))
            return 4.0 / (1.0 - a * a) * -np.expm1(-J)
        if a is not None:
            return self._neg_log_affinity(t1, t2, a)
        return self._chernoff_information(t1, t2)

    # ------------------------------------------------------------------ total variation
    def total_variation(self, theta1, theta2) -> np.ndarray:
        """Total variation distance ``TV(p_θ1, p_θ2) = ½∫|p₁ − p₂| = sup_A |P₁(A) − P₂(A)|``
        ∈ [0, 1], shape ``(...)`` (batched).

        Exact (closed forms in the distribution functions at the crossing points of the
        two densities, :mod:`~infogeo.statistics.total_variation`) for Normal,
        Exponential, Gamma, Beta, Poisson, Geometric, Binomial, Bernoulli and
        Categorical; for MultivariateNormal when the two covariances are equal (or
        d = 1), else by Gil-Pelaez inversion of the log-likelihood ratio's
        characteristic function (error estimate ≤ 1e-8, value checked against the
        certified bracket, else ``ConvergenceError``); Dirichlet when k = 2, and for
        k = 3 by a nested quadrature whose inner integral is closed (checked the same
        way). Dirichlet pairs with k ≥ 4: :meth:`total_variation_bounds` gives a
        certified bracket. A ``ParametricFamily`` with a scalar support: exact sums, or
        quadrature between the crossings certified by a second quadrature of
        ``|p₁ − p₂|``. Reparametrized families: that of the base.

        Raises
        ------
        NotImplementedError
            When the family (or a pair of the batch) has no certified value; the
            message names :meth:`total_variation_bounds`.
        ConvergenceError
            When a MultivariateNormal or Dirichlet(3) value is not certified.
        """
        t1, t2 = self._tv_points(theta1, theta2)
        exact = self._tv_exact(t1, t2)
        if exact is not None:
            return np.asarray(exact, dtype=float)
        lower, upper = self._tv_bracket(t1, t2)
        loose = upper - lower > 4 * np.finfo(float).eps * np.maximum(upper, 1e-300)
        if np.any(loose):
            i = tuple(int(k) for k in np.argwhere(loose)[0]) if np.ndim(loose) else ()
            raise NotImplementedError(
                f"the total variation between these members of {self!r} has no closed form "
                f"(pair {list(i)}: {float(lower[i]):.6g} <= TV <= {float(upper[i]):.6g}); "
                "use total_variation_bounds(theta1, theta2) for certified bounds"
            )
        return 0.5 * (lower + upper)

    def total_variation_bounds(self, theta1, theta2):
        """Certified bounds ``lower ≤ TV(p_θ1, p_θ2) ≤ upper`` as a
        :class:`~infogeo.statistics.total_variation.TotalVariationBracket`.

        Equal (``lower == upper``) where :meth:`total_variation` is exact. For
        MultivariateNormal (unequal covariances) and Dirichlet (k ≥ 3): exact TVs of
        one-dimensional images below (whitened coordinates and the mean-difference
        direction; Beta marginals), the product coupling above (MVN), and the
        Bhattacharyya / Pinsker / Bretagnolle–Huber inequalities both ways.
        """
        t1, t2 = self._tv_points(theta1, theta2)
        return self._tv_bracket(t1, t2)

    def _tv_points(self, theta1, theta2):
        t1 = self.check_point(theta1, "theta1")
        t2 = self.check_point(theta2, "theta2")
        return tuple(np.array(t) for t in np.broadcast_arrays(t1, t2))

    def _tv_exact(self, t1, t2):
        """TV in closed form, or ``None`` (then :meth:`_tv_bracket` is used)."""
        return None

    def _tv_bracket(self, t1, t2):
        from .total_variation import TotalVariationBracket

        exact = self._tv_exact(t1, t2)
        if exact is None:
            raise NotImplementedError(
                f"{self!r} offers no total variation distance (closed form or certified "
                "bounds); the built-in families and reparametrizations of them do"
            )
        exact = np.asarray(exact, dtype=float)
        return TotalVariationBracket(exact, exact.copy())

    def _neg_log_affinity(self, t1, t2, a):
        """``J_a = −log ∫ p₁^a p₂^{1−a}``."""
        if self.is_exponential_family:
            return self.skew_jensen(t1, t2, a)
        raise NotImplementedError(
            f"{self!r} has no closed form or quadrature for ∫p₁^a p₂^(1−a); only kind='kl' "
            "and 'jeffreys' are available"
        )

    def _chernoff_information(self, t1, t2):
        """``max_{α∈(0,1)} J_α`` (``J_α`` is concave in α), golden-section search."""
        batch = np.broadcast_shapes(t1.shape[:-1], t2.shape[:-1])
        lo, hi = np.zeros(batch), np.ones(batch)
        g = 0.5 * (np.sqrt(5.0) - 1.0)
        c, d = hi - g * (hi - lo), lo + g * (hi - lo)
        fc, fd = self._neg_log_affinity(t1, t2, c), self._neg_log_affinity(t1, t2, d)
        for _ in range(60):
            left = fc > fd  # the maximum lies in [lo, d]
            hi = np.where(left, d, hi)
            lo = np.where(left, lo, c)
            c_new = np.where(left, hi - g * (hi - lo), d)
            d_new = np.where(left, c, lo + g * (hi - lo))
            fnew = self._neg_log_affinity(t1, t2, np.where(left, c_new, d_new))
            fc, fd = np.where(left, fnew, fd), np.where(left, fc, fnew)
            c, d = c_new, d_new
        return np.maximum(np.maximum(fc, fd), 0.0)

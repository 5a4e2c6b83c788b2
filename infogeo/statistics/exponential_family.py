"""Exponential families: natural and expectation coordinates, Bregman divergences.

An exponential family has densities ``p(x|ϑ) = h(x) exp(⟨ϑ, t(x)⟩ − ψ(ϑ))`` with
sufficient statistic ``t``, base measure ``h``, natural parameters ``ϑ`` and log-partition
``ψ`` (convex). Its expectation parameters are ``η = ∇ψ(ϑ) = E[t(x)]`` and the Legendre
dual ``φ(η) = ⟨ϑ, η⟩ − ψ(ϑ) = E[log p(x) − log h(x)]`` (the negative entropy when
``h ≡ 1``). In these coordinates

* the Fisher metric is ``∇²ψ(ϑ)`` (and ``∇²φ(η)``, its inverse), in the family's own
  coordinates ``θ`` the pull-back ``Jᵀ ∇²ψ J`` with ``J = ∂ϑ/∂θ``;
* the Amari–Chentsov tensor is ``T = ∂³ψ`` (pulled back by ``J`` in every index);
* ``KL(p_θ1 ‖ p_θ2) = B_ψ(ϑ₂, ϑ₁) = ψ(ϑ₂) − ψ(ϑ₁) − ⟨η₁, ϑ₂ − ϑ₁⟩``.

:class:`ExponentialFamily` is a mixin for the families. Each family supplies, in
``autograd.numpy`` where marked (†):

* ``_to_natural(θ)`` (†), ``_from_natural(ϑ)``, ``_log_partition(ϑ)`` (†),
* ``_to_expectation(θ)``, ``_from_expectation(η)`` (closed form, or a safeguarded
  Newton solve of ``∇ψ(ϑ) = η``: :func:`newton_dual`),
* ``_statistic(x)`` (shape ``(..., dim)``), ``_log_base(x)``, ``_neg_entropy(η)``,
* ``_natural_domain`` and ``_expectation_domain`` (phrases for error messages).

Derivatives of ``ψ`` (Hessian, third derivatives) come from autograd on the closed form
of ``ψ`` (exact up to rounding), unless the family overrides ``_natural_hessian``.
"""

from __future__ import annotations

import autograd
import autograd.numpy as anp
import numpy as np

from .._validation import as_float_array
from ..exceptions import ConvergenceError

__all__ = ["ExponentialFamily", "newton_dual"]


def _eg(fun):
    """Elementwise gradient of ``Σ fun`` (rows independent), warnings silenced."""
    import warnings

    g = autograd.elementwise_grad(fun)

    def wrapped(x):
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "Output seems independent of input")
            return g(x)

    return wrapped


def newton_dual(
    psi,
    grad,
    hess,
    target,
    start,
    ok,
    *,
    offset=None,
    basis=None,
    tol=1e-11,
    max_iter=100,
    what="the dual coordinates",
):
    """Minimize the convex ``f(z) = ψ(a + Mz) − ⟨w, z⟩`` by damped Newton steps.

    Solves ``Mᵀ ∇ψ(a + Mz) = w`` for every row of a batch (``a`` = ``offset``, ``M`` =
    ``basis``; ``None`` means ``a = 0``, ``M = I``). Each step is the Newton direction
    ``−(Mᵀ∇²ψ M)⁻¹ ∇f``, halved until the point stays in the domain (``ok``) and
    ``f`` decreases by the Armijo fraction 1e-4 of the predicted decrease (or, once
    ``λ² ≤ 1e-10 (1 + |f|)``, the full step is taken: the decrease is then below the
    rounding of ``f``). Stops when
    every Newton step is below ``tol·(1 + |z|)`` componentwise (quadratic convergence
    then leaves an error far below ``tol`` after that last step) or the gradient is at
    the rounding level ``16 ε (1 + |w|)``.

    Raises
    ------
    ConvergenceError
        After ``max_iter`` steps or when no step decreases ``f``; ``residual`` is the
        largest ``|∇f|``.
    """
    z = np.array(start, dtype=float)
    batch = z.shape[:-1]
    n = z.shape[-1]
    M = np.eye(n) if basis is None else basis
    a = 0.0 if offset is None else offset
    target = np.broadcast_to(target, z.shape)

    def point(zz):
        return a + np.einsum("...j,ij->...i", zz, M)

    def f(zz):
        th = point(zz)
        return psi(th) - np.sum(target * zz, -1)

    th = point(z)
    fz = f(z)
    for _ in range(max_iter):
        g = np.einsum("...i,ij->...j", grad(th), M) - target
        H = np.einsum("ij,...ik,kl->...jl", M, hess(th), M)
        step = np.linalg.solve(H, -g[..., None])[..., 0]
        dec = -np.sum(g * step, -1)  # Newton decrement λ²
        if not np.all(np.isfinite(dec)):
            break
        small = np.all(np.abs(step) <= tol * (1.0 + np.abs(z)), -1) | np.all(
            np.abs(g) <= 16 * np.finfo(float).eps * (1.0 + np.abs(target)), -1
        )  # steps below tol, or a gradient at the rounding level
        if np.all(small):  # converged quadratically: the last full step is harmless
            final = point(z + step)
            return np.where(ok(final)[..., None], final, th)
        t = np.ones(batch)
        active = ~small
        for _ in range(60):
            trial = z + t[..., None] * step
            tht = point(trial)
            good = ok(tht)
            with np.errstate(all="ignore"):
                ft = np.where(good, f(np.where(good[..., None], trial, z)), np.inf)
            # near the solution the decrease (≈ λ²/2) sinks below the rounding of f:
            # there the full Newton step is taken (its quadratic convergence is the test)
            armijo = (ft <= fz - 1e-4 * t * dec) | (dec <= 1e-10 * (1.0 + np.abs(fz)))
            accept = good & armijo | ~active
            if np.all(accept):
                break
            t = np.where(accept, t, 0.5 * t)
        else:
            raise ConvergenceError(
                f"Newton's method for {what} found no step decreasing the objective "
                f"(largest gradient {float(np.max(np.abs(g))):.3g})",
                residual=float(np.max(np.abs(g))),
                tolerance=tol,
            )
        z = np.where(active[..., None], z + t[..., None] * step, z)
        th = point(z)
        fz = f(z)
    g = np.einsum("...i,ij->...j", grad(th), M) - target
    raise ConvergenceError(
        f"Newton's method for {what} did not converge in {max_iter} steps (largest "
        f"gradient {float(np.max(np.abs(g))):.3g})",
        residual=float(np.max(np.abs(g))),
        tolerance=tol,
    )


def _reject(bad, values, name: str, what: str) -> None:
    """Raise ``ValueError`` naming the first row flagged in ``bad`` and its values."""
    if np.any(bad):
        idx = tuple(int(i) for i in np.argwhere(bad)[0]) if np.ndim(bad) else ()
        row = np.array2string(values[idx], precision=6)
        raise ValueError(f"{name}{list(idx) if idx else ''} = {row} {what}")


class ExponentialFamily:
    """Mixin giving a statistical manifold its exponential-family structure.

    Coordinates: ``θ`` (the family's own), ``ϑ = natural(θ)``, ``η = expectation(θ)``.
    """

    is_exponential_family = True
    _natural_domain = "the natural parameter space"
    _expectation_domain = "the interior of the convex hull of the statistic's range"

    # ------------------------------------------------------------------ checks
    def _natural_points(self, nat, name="natural") -> np.ndarray:
        nat = as_float_array(nat, name)
        if nat.ndim == 0 or nat.shape[-1] != self.dim:
            raise ValueError(f"{name} must have shape (..., {self.dim}), got shape {nat.shape}")
        return nat

    def _theta_from_natural(self, nat, name="natural") -> np.ndarray:
        nat = self._natural_points(nat, name)
        with np.errstate(all="ignore"):
            theta = self._from_natural(nat)
        _reject(
            ~self.belongs(theta),
            nat,
            name,
            f"is outside the natural parameter space of {self!r}: expected {self._natural_domain}",
        )
        return theta

    def _natural_ok(self, nat) -> np.ndarray:
        with np.errstate(all="ignore"):
            theta = self._from_natural(nat)
        return self.belongs(theta)

    # ------------------------------------------------------------------ conversions
    def natural(self, theta) -> np.ndarray:
        """Natural parameters ``ϑ(θ)``, shape ``(..., dim)``."""
        return np.asarray(self._to_natural(self.check_point(theta, "theta")), dtype=float)

    def from_natural(self, natural) -> np.ndarray:
        """The family's coordinates ``θ`` of the natural parameters ``ϑ``.

        Raises
        ------
        ValueError
            If ``ϑ`` is outside the natural parameter space.
        """
        return self._theta_from_natural(natural, "natural")

    def expectation(self, theta) -> np.ndarray:
        """Expectation parameters ``η = E_θ[t(x)] = ∇ψ(ϑ)``, shape ``(..., dim)``."""
        return self._to_expectation(self.check_point(theta, "theta"))

    def from_expectation(self, eta) -> np.ndarray:
        """The family's coordinates ``θ`` whose expectation parameters are ``η``.

        Closed form where one exists, else a safeguarded Newton solve of
        ``∇ψ(ϑ) = η`` (:func:`newton_dual`, steps below 1e-11 relative at the end).

        Raises
        ------
        ValueError
            If ``η`` is outside the expectation domain.
        ConvergenceError
            If the Newton solve does not converge.
        """
        eta = self._natural_points(eta, "eta")
        _reject(
            ~self._expectation_ok(eta),
            eta,
            "eta",
            f"is not an expectation parameter of {self!r}: expected {self._expectation_domain}",
        )
        return self._from_expectation(eta)

    def log_partition(self, natural) -> np.ndarray:
        """Log-partition (cumulant) function ``ψ(ϑ) = log ∫ h(x) exp⟨ϑ, t(x)⟩ dx``."""
        self._theta_from_natural(natural, "natural")
        return np.asarray(self._log_partition(self._natural_points(natural)), dtype=float)

    def sufficient_statistic(self, x) -> np.ndarray:
        """Sufficient statistic ``t(x)``, shape ``(..., dim)`` for observations
        ``(..., *event_shape)``."""
        return self._statistic(self.check_data(x))

    def log_base_measure(self, x) -> np.ndarray:
        """``log h(x)``, so that ``log p(x|θ) = ⟨ϑ, t(x)⟩ − ψ(ϑ) + log h(x)``."""
        return self._log_base(self.check_data(x))

    def neg_entropy(self, eta) -> np.ndarray:
        """Legendre dual ``φ(η) = ⟨ϑ, η⟩ − ψ(ϑ) = −H(p) − E_p[log h(x)]``: the negative
        (differential) entropy when the base measure is 1 (all families here except
        Poisson, ``h = 1/x!``, and Binomial, ``h = C(n, x)``)."""
        theta = self.from_expectation(eta)
        return self._neg_entropy(np.asarray(eta, dtype=float), theta)

    def _neg_entropy(self, eta, theta):
        nat = self._to_natural(theta)
        return np.sum(nat * eta, -1) - self._log_partition(nat)

    # ------------------------------------------------------------------ derivatives of ψ
    def _natural_gradient_psi(self, nat):
        return self._to_expectation(self._from_natural(nat))

    def _natural_hessian(self, nat):
        """``∇²ψ(ϑ)`` (the Fisher metric in natural coordinates) by autograd."""
        flat = nat.reshape(-1, self.dim)
        g = _eg(lambda v: anp.sum(self._log_partition(v)))
        H = np.stack([_eg(lambda v, i=i: anp.sum(g(v)[..., i]))(flat) for i in range(self.dim)], -2)
        return H.reshape(*nat.shape, self.dim)

    def _natural_third(self, nat):
        """``∂³ψ(ϑ)`` by autograd."""
        n = self.dim
        flat = nat.reshape(-1, n)
        g = _eg(lambda v: anp.sum(self._log_partition(v)))
        out = np.empty((flat.shape[0], n, n, n))
        for i in range(n):
            gi = _eg(lambda v, i=i: anp.sum(g(v)[..., i]))
            for j in range(i, n):
                gij = _eg(lambda v, gi=gi, j=j: anp.sum(gi(v)[..., j]))(flat)
                out[:, i, j] = out[:, j, i] = gij
        return out.reshape(*nat.shape, n, n)

    def _skewness_vv(self, theta, v):
        """``T(v, v, ·) = Jᵀ ∂³ψ(Jv, Jv, ·)``: the gradient in ϑ of the second directional
        derivative ``d²/ds² ψ(ϑ + s w)`` (``w = Jv``), three nested autograd passes
        whatever the dimension."""
        theta, v = np.broadcast_arrays(theta, v)
        J = self.natural_jacobian(theta)
        w = np.einsum("...ia,...a->...i", J, v)
        nat = np.asarray(self._to_natural(theta), dtype=float)

        def second(x):  # Σ over the batch of d²/ds² ψ(x + s w) at s = 0
            d1 = _eg(lambda s: anp.sum(self._log_partition(x + s[..., None] * w)))
            d2 = _eg(lambda s: anp.sum(d1(s)))
            return anp.sum(d2(anp.zeros(w.shape[:-1])))

        third = _eg(second)(nat)
        return np.einsum("...ia,...i->...a", J, third)

    def natural_jacobian(self, theta) -> np.ndarray:
        """``J = ∂ϑ/∂θ``, entry ``[..., i, a] = ∂ϑᵢ/∂θₐ`` (autograd of ``_to_natural``)."""
        theta = self.check_point(theta, "theta")
        flat = theta.reshape(-1, self.dim)
        J = np.stack(
            [
                _eg(lambda v, i=i: anp.sum(self._to_natural(v)[..., i]))(flat)
                for i in range(self.dim)
            ],
            -2,
        )
        return J.reshape(*theta.shape, self.dim)

    def natural_vjp(self, theta, v) -> np.ndarray:
        """``Jᵀ v`` with ``J = ∂ϑ/∂θ`` at one point ``θ`` (one reverse-mode pass): a
        gradient in natural coordinates carried to the family's coordinates."""
        theta = self.check_point(theta, "theta")
        vjp, _ = autograd.make_vjp(self._to_natural)(theta)
        return np.asarray(vjp(np.asarray(v, dtype=float)), dtype=float)

    def natural_fisher(self, natural) -> np.ndarray:
        """Fisher metric in natural coordinates, ``∇²ψ(ϑ)``, shape ``(..., dim, dim)``."""
        self._theta_from_natural(natural, "natural")
        return self._natural_hessian(self._natural_points(natural))

    def _skewness_closed(self, theta):
        """``T_abc = Σ J_ia J_jb J_kc ∂³ψ_ijk``: the Amari–Chentsov tensor pulled back from
        natural coordinates."""
        J = self.natural_jacobian(theta)
        T = self._natural_third(np.asarray(self._to_natural(theta), dtype=float))
        return np.einsum("...ijk,...ia,...jb,...kc->...abc", T, J, J, J, optimize=True)

    # ------------------------------------------------------------------ divergences
    def _expectation_ok(self, eta) -> np.ndarray:
        raise NotImplementedError

    def bregman(self, theta1, theta2) -> np.ndarray:
        """Bregman divergence of ψ: ``B_ψ(ϑ₂, ϑ₁) = ψ(ϑ₂) − ψ(ϑ₁) − ⟨∇ψ(ϑ₁), ϑ₂ − ϑ₁⟩``,
        which equals ``KL(p_θ1 ‖ p_θ2)``; shape ``(...)``."""
        t1 = self.check_point(theta1, "theta1")
        t2 = self.check_point(theta2, "theta2")
        n1, n2 = self._to_natural(t1), self._to_natural(t2)
        eta1 = self._to_expectation(t1)
        out = self._log_partition(n2) - self._log_partition(n1) - np.sum(eta1 * (n2 - n1), -1)
        return np.maximum(out, 0.0)

    def skew_jensen(self, theta1, theta2, alpha) -> np.ndarray:
        """``J_α = αψ(ϑ₁) + (1−α)ψ(ϑ₂) − ψ(αϑ₁ + (1−α)ϑ₂) = −log ∫ p₁^α p₂^{1−α}``.

        Raises
        ------
        ValueError
            If ``αϑ₁ + (1−α)ϑ₂`` leaves the natural parameter space (possible for
            ``α`` outside [0, 1]).
        """
        t1 = self.check_point(theta1, "theta1")
        t2 = self.check_point(theta2, "theta2")
        n1, n2 = self._to_natural(t1), self._to_natural(t2)
        a = np.asarray(alpha, dtype=float)[..., None]
        mid = a * n1 + (1.0 - a) * n2
        if not np.all(self._natural_ok(mid)):
            raise ValueError(
                f"alpha = {alpha}: the mixed natural parameter αϑ₁ + (1−α)ϑ₂ leaves the natural "
                f"parameter space of {self!r}, so ∫p₁^α p₂^(1−α) diverges"
            )
        a = a[..., 0]
        return (
            a * self._log_partition(n1)
            + (1.0 - a) * self._log_partition(n2)
            - (self._log_partition(mid))
        )

    # ------------------------------------------------------------------ likelihood
    def mean_statistic(self, data) -> tuple[np.ndarray, float]:
        """Reduce ``data`` (shape ``(n, *event_shape)``) once to ``(t̄, mean log h)`` with
        ``t̄ = (1/n) Σᵢ t(xᵢ)``: the mean negative log-likelihood is then
        ``ψ(ϑ) − ⟨ϑ, t̄⟩ − mean log h`` for every ``θ``, at O(1) cost."""
        return self._reduce(self._data_for_fit(data))

    def _reduce(self, data) -> tuple[np.ndarray, float]:
        """:meth:`mean_statistic` of data already validated (``(n, *event_shape)``)."""
        tbar = self._mean_statistic(data)
        return tbar, float(np.mean(self._log_base(data))) if self._base_varies else 0.0

    def _mean_statistic(self, data):
        stat = self._statistic(data)
        return np.ones(stat.shape[0]) @ stat / stat.shape[0]  # a BLAS pass, not a strided mean

    #: whether ``log h`` is not identically zero (Poisson, Binomial)
    _base_varies = False

    def mle_from_statistic(self, tbar) -> np.ndarray | None:
        """The maximum-likelihood ``θ̂`` with ``η(θ̂) = t̄``, or ``None`` when ``t̄`` is on the
        boundary of the expectation domain (then no MLE exists in the open family)."""
        tbar = np.asarray(tbar, dtype=float)
        if tbar.shape != (self.dim,) or not np.all(np.isfinite(tbar)):
            return None
        if not bool(self._expectation_ok(tbar)):
            return None
        return self._from_expectation(tbar)

    # ------------------------------------------------------------------ projections
    def _constraint(self, constraint, wanted: str, op: str):
        try:
            coords, A, b = constraint
        except (TypeError, ValueError):
            raise TypeError(
                f"constraint must be a tuple (coords, A, b) with coords 'natural' or "
                f"'expectation', A of shape (m, {self.dim}) and b of shape (m,); got {constraint!r}"
            ) from None
        if coords not in ("natural", "expectation"):
            raise ValueError(
                f"constraint coords must be 'natural' or 'expectation', got {coords!r}"
            )
        if coords != wanted:
            flat = (
                "e-flat (linear in natural"
                if wanted == "natural"
                else "m-flat (linear in expectation"
            )
            raise ValueError(
                f"the {op} is unique onto an {flat} parameters) sub-family: pass the constraint as "
                f"({wanted!r}, A, b), got {coords!r}"
            )
        A = np.atleast_2d(as_float_array(A, "A"))
        b = np.atleast_1d(as_float_array(b, "b"))
        if A.ndim != 2 or A.shape[1] != self.dim or b.shape != (A.shape[0],):
            raise ValueError(
                f"constraint needs A of shape (m, {self.dim}) and b of shape (m,), got {A.shape} "
                f"and {b.shape}"
            )
        if np.linalg.matrix_rank(A) < A.shape[0]:
            raise ValueError("constraint rows of A must be linearly independent")
        return A, b

    def _newton_in_natural(self, offset, basis, target, start, what):
        return newton_dual(
            lambda v: np.asarray(self._log_partition(v), dtype=float),
            self._natural_gradient_psi,
            self._natural_hessian,
            target,
            start,
            self._natural_ok,
            offset=offset,
            basis=basis,
            what=what,
        )

    def m_projection(self, theta, constraint, x0=None) -> np.ndarray:
        """``argmin_q KL(p_θ ‖ q)`` over the e-flat sub-family ``{q : A ϑ(q) = b}``.

        ``constraint = ("natural", A, b)``. With ``ϑ = ϑ₀ + N z`` (``N`` a basis of the null
        space of ``A``) the objective ``ψ(ϑ) − ⟨η_θ, ϑ⟩`` is convex in ``z``; its minimizer
        ``q`` matches the moments ``Nᵀη(q) = Nᵀη_θ``, and for every ``r`` in the sub-family
        ``KL(p‖r) = KL(p‖q) + KL(q‖r)`` (generalized Pythagoras). Solved by
        :func:`newton_dual` from the point of the sub-family nearest to ``ϑ_θ`` (or, if
        that is outside the natural parameter space, to the natural parameters of one of
        32 seeded random points of the family; or from ``x0``, a point of the sub-family
        in the family's coordinates).

        Raises
        ------
        ValueError
            For a malformed constraint, or when no start point inside the natural
            parameter space is found (pass ``x0``).
        ConvergenceError
            If Newton's method fails.
        """
        theta = self.check_point(theta, "theta")
        A, b = self._constraint(constraint, "natural", "m-projection")
        if theta.shape != (self.dim,):
            raise ValueError(f"theta must be one point of shape ({self.dim},), got {theta.shape}")
        nat = np.asarray(self._to_natural(theta), dtype=float)
        base = np.linalg.lstsq(A, b, rcond=None)[0]
        _, _, Vt = np.linalg.svd(A)
        N = Vt[A.shape[0] :].T  # orthonormal basis of the null space, (dim, dim − m)
        if x0 is not None:
            start = np.asarray(self._to_natural(self.check_point(x0, "x0")), dtype=float)
            if np.max(np.abs(A @ start - b)) > 1e-9 * (1 + np.max(np.abs(b))):
                raise ValueError("x0 must satisfy the constraint A ϑ(x0) = b")
        else:
            # candidates: ϑ_θ, then natural parameters of seeded random points of the
            # family, each moved orthogonally onto the constraint
            others = np.asarray(self._to_natural(self.random_point(32, rng=0)), dtype=float)
            cands = np.vstack([nat, others])
            cands = base + (cands - base) @ N @ N.T
            inside = np.asarray(self._natural_ok(cands), dtype=bool)
            start = cands[int(np.argmax(inside))]
            if not inside.any():
                raise ValueError(
                    "no start point inside the natural parameter space was found on the "
                    "constraint; pass x0, a point of the sub-family"
                )
        z = self._newton_in_natural(
            base, N, N.T @ self._to_expectation(theta), N.T @ (start - base), "the m-projection"
        )
        return self._from_natural(z)

    def e_projection(self, theta, constraint) -> np.ndarray:
        """``argmin_q KL(q ‖ p_θ)`` over the m-flat sub-family ``{q : A η(q) = b}``.

        ``constraint = ("expectation", A, b)``. The minimizer is ``ϑ(q) = ϑ_θ + Aᵀν``
        (maximum entropy relative to ``p_θ`` under linear moment constraints), with ``ν``
        solving ``A ∇ψ(ϑ_θ + Aᵀν) = b`` (:func:`newton_dual` on the convex
        ``ψ(ϑ_θ + Aᵀν) − ⟨b, ν⟩``); for every ``r`` in the sub-family
        ``KL(r‖p) = KL(r‖q) + KL(q‖p)``.

        Raises
        ------
        ValueError
            For a malformed constraint.
        ConvergenceError
            If Newton's method fails (e.g. the constraint set is empty).
        """
        theta = self.check_point(theta, "theta")
        A, b = self._constraint(constraint, "expectation", "e-projection")
        if theta.shape != (self.dim,):
            raise ValueError(f"theta must be one point of shape ({self.dim},), got {theta.shape}")
        nat = np.asarray(self._to_natural(theta), dtype=float)
        z = self._newton_in_natural(nat, A.T, b, np.zeros(A.shape[0]), "the e-projection")
        return self._from_natural(z)

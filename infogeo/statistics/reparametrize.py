"""A statistical manifold in new coordinates: the pull-back of the Fisher metric."""

from __future__ import annotations

from collections.abc import Callable

import autograd
import autograd.numpy as anp
import numpy as np
from autograd.tracer import Box

from .exponential_family import ExponentialFamily
from .manifold import StatisticalManifold, untrace

__all__ = ["Reparametrized", "ReparametrizedExponentialFamily"]


class Reparametrized(StatisticalManifold):
    """The family ``base`` in coordinates ``ξ = to_new(θ)``, ``θ = to_old(ξ)``.

    Parameters
    ----------
    base
        A :class:`StatisticalManifold` (closed-form family or
        :class:`~infogeo.ParametricFamily`).
    to_new, to_old
        Inverse maps between the coordinates, written with ``autograd.numpy`` and
        broadcasting over leading axes (``(..., dim) → (..., dim)``).
    names
        Optional names of the new coordinates.

    Notes
    -----
    With ``J(ξ) = ∂θ/∂ξ`` (autograd), the metric is ``G(ξ) = J(ξ)ᵀ F(to_old(ξ)) J(ξ)``;
    tangent vectors map by ``v_θ = J v_ξ``. Densities, KL divergences and distances are
    those of ``base`` at ``to_old(ξ)`` (the Fisher–Rao distance does not depend on the
    parametrization); ``exp``/``log`` map the base's (closed-form or numerical) ones,
    ``log`` by solving ``J v_ξ = v_θ``. A point belongs to the domain iff
    ``to_old(ξ)`` belongs to the base's.

    The dual structure is carried over by the chain rule: the Amari–Chentsov tensor is
    pulled back in each index, ``T_ξ,abc = J_ia J_jb J_kc T_θ,ijk`` (so the
    α-connections and α-geodesics are those of ``base``, in the new coordinates), and
    every divergence and the total variation are those of ``base`` at ``to_old(ξ)``.
    When ``base`` is an exponential family the result is a
    :class:`ReparametrizedExponentialFamily`: the same natural and expectation
    parameters, ``ψ``, ``φ``, sufficient statistic, projections and fit, with
    ``natural(ξ) = ϑ(to_old(ξ))`` and ``from_natural(ϑ) = to_new(θ(ϑ))``.
    """

    def __new__(cls, base=None, *args, **kwargs):
        if cls is Reparametrized and getattr(base, "is_exponential_family", False):
            cls = ReparametrizedExponentialFamily
        return super().__new__(cls)

    def __init__(self, base: StatisticalManifold, to_new: Callable, to_old: Callable, names=None):
        if not isinstance(base, StatisticalManifold):
            raise TypeError(f"base must be a StatisticalManifold, got {type(base).__name__}")
        if not callable(to_new) or not callable(to_old):
            raise TypeError("to_new and to_old must be callables (..., dim) -> (..., dim)")
        self.base = base
        self._to_new = to_new
        self._to_old = to_old
        self.event_shape = base.event_shape
        self.support = base.support
        self._closed_support = base._closed_support
        if names is not None:
            names = tuple(str(n) for n in names)
            if len(names) != base.dim:
                raise ValueError(f"names must give {base.dim} names, got {len(names)}")
        self._names = names
        super().__init__(base.dim)
        probe = base._interior_point()
        xi = np.asarray(to_new(probe), dtype=float)
        if xi.shape != probe.shape:
            raise ValueError(
                f"to_new must map a point of shape {probe.shape} to the same shape, got {xi.shape}"
            )
        back = np.asarray(to_old(xi), dtype=float)
        if not np.allclose(back, probe, rtol=1e-10, atol=1e-12):
            raise ValueError(f"to_old(to_new(θ)) must return θ: at θ = {probe} it returned {back}")

    def __repr__(self) -> str:
        return f"{self.base!r}.reparametrize(...)"

    # --- coordinates
    def to_old(self, xi):
        """``θ = to_old(ξ)`` (validated)."""
        return np.asarray(self._to_old(self.check_point(xi, "xi")), dtype=float)

    def to_new(self, theta):
        """``ξ = to_new(θ)`` (validated)."""
        return np.asarray(self._to_new(self.base.check_point(theta, "theta")), dtype=float)

    def jacobian(self, xi) -> np.ndarray:
        """``J = ∂θ/∂ξ``, shape ``(..., dim, dim)``, entry ``[a, b] = ∂θ_a/∂ξ_b``."""
        xi = self._coords(xi)
        return self._jac(xi)

    def _jac(self, xi):
        n = self.dim
        if isinstance(xi, Box):
            flat = anp.reshape(xi, (-1, n))
            rows = [
                anp.stack(
                    [autograd.grad(lambda x, a=a: self._to_old(x)[a])(flat[i]) for a in range(n)]
                )
                for i in range(flat.shape[0])
            ]
            return anp.reshape(anp.stack(rows), (*untrace(xi).shape[:-1], n, n))
        batch = xi.shape[:-1]
        flat = xi.reshape(-1, n)
        cols = [
            autograd.elementwise_grad(lambda x, a=a: self._to_old(x)[..., a])(flat)
            for a in range(n)
        ]
        return np.stack(cols, axis=-2).reshape(*batch, n, n)

    def _violations(self, p):
        theta = np.asarray(self._to_old(p), dtype=float)
        finite = np.all(np.isfinite(theta), axis=-1)
        yield ~finite, "to_old(xi) finite", theta[..., 0]
        safe = np.where(finite[..., None], theta, self.base._interior_point())
        for bad, constraint, values in self.base._violations(safe):
            yield bad & finite, f"{constraint} (of the original parameters)", values

    def random_point(self, size=None, rng=None) -> np.ndarray:
        return np.asarray(self._to_new(self.base.random_point(size, rng)), dtype=float)

    def _interior_point(self):
        return np.asarray(self._to_new(self.base._interior_point()), dtype=float)

    # --- metric
    def _metric(self, xi):
        theta = self._to_old(xi)
        J = self._jac(xi)
        F = self.base._metric(theta)
        return anp.einsum("...ab,...ac,...cd->...bd", J, F, J)

    # --- dual structure (pulled back from the base)
    def _old(self, xi):
        return np.asarray(self._to_old(xi), dtype=float)

    def _skewness(self, xi):
        J = self._jac(xi)
        T = self.base._skewness(self._old(xi))
        return np.einsum("...ijk,...ia,...jb,...kc->...abc", T, J, J, J, optimize=True)

    def _neg_log_affinity(self, t1, t2, a):
        return self.base._neg_log_affinity(self._old(t1), self._old(t2), a)

    def _tv_exact(self, t1, t2):
        return self.base._tv_exact(self._old(t1), self._old(t2))

    def _tv_bracket(self, t1, t2):
        return self.base._tv_bracket(self._old(t1), self._old(t2))

    # --- densities
    def _log_prob(self, x, xi):
        return self.base._log_prob(x, self._to_old(xi))

    def _kl(self, x1, x2):
        return self.base._kl(np.asarray(self._to_old(x1)), np.asarray(self._to_old(x2)))

    def _sample(self, xi, rng):
        return self.base._sample(np.asarray(self._to_old(xi), dtype=float), rng)

    def initial_point(self, data) -> np.ndarray:
        return np.asarray(self._to_new(self.base.initial_point(data)), dtype=float)

    # --- geodesics through the base
    def dist(self, p, q, *, max_time=None, errors="raise"):
        """``d(ξ₁, ξ₂) = d_base(to_old(ξ₁), to_old(ξ₂))``."""
        return self.base.dist(
            self.to_old(p),
            np.asarray(self._to_old(self.check_point(q, "q"))),
            max_time=max_time,
            errors=errors,
        )

    def exp(self, p, v):
        """``to_new(exp_base(θ, J v))``."""
        p = self.check_point(p)
        v = self._vectors(v)
        vt = np.einsum("...ab,...b->...a", self._jac(p), v)
        return np.asarray(self._to_new(self.base.exp(np.asarray(self._to_old(p)), vt)), dtype=float)

    def log(self, p, q, *, max_time=None, errors="raise"):
        """Solve ``J v_ξ = log_base(θ₁, θ₂)``."""
        p = self.check_point(p)
        q = self.check_point(q, "q")
        vt = self.base.log(
            np.asarray(self._to_old(p)),
            np.asarray(self._to_old(q)),
            max_time=max_time,
            errors=errors,
        )
        J = self._jac(p)
        J, vt = np.broadcast_to(J, (*vt.shape[:-1], self.dim, self.dim)), vt
        return np.linalg.solve(J, vt[..., None])[..., 0]

    def retract(self, p, v):
        """``to_new(retract_base(θ, J v))``."""
        p = self.check_point(p)
        v = self._vectors(v)
        vt = np.einsum("...ab,...b->...a", self._jac(p), v)
        theta = np.asarray(self._to_old(p))
        return np.asarray(self._to_new(self.base.retract(theta, vt)), dtype=float)

    def geodesic_points(self, p, v, t):
        t = np.asarray(t, dtype=float)
        return self.exp(np.asarray(p)[None], t[:, None] * np.asarray(v)[None])


class ReparametrizedExponentialFamily(ExponentialFamily, Reparametrized):
    """A reparametrized exponential family (built by :class:`Reparametrized` when the
    base is one): natural and expectation parameters, ``ψ``, ``φ``, ``t(x)`` and ``h(x)``
    are the base's; only the family's own coordinates change, ``θ = to_old(ξ)``.
    ``J = ∂ϑ/∂ξ`` is autograd through ``to_old``, so the skewness tensor, α-geodesics,
    Bregman divergences and projections follow by the chain rule."""

    @property
    def _natural_domain(self):
        return self.base._natural_domain

    @property
    def _expectation_domain(self):
        return self.base._expectation_domain

    @property
    def _base_varies(self):
        return self.base._base_varies

    def _to_natural(self, xi):
        return self.base._to_natural(self._to_old(xi))

    def _from_natural(self, nat):
        return np.asarray(self._to_new(self.base._from_natural(nat)), dtype=float)

    def _natural_ok(self, nat):
        return self.base._natural_ok(nat)

    def _log_partition(self, nat):
        return self.base._log_partition(nat)

    def _natural_gradient_psi(self, nat):
        return self.base._natural_gradient_psi(nat)

    def _natural_hessian(self, nat):
        return self.base._natural_hessian(nat)

    def _natural_third(self, nat):
        return self.base._natural_third(nat)

    def _to_expectation(self, xi):
        return self.base._to_expectation(self._old(xi))

    def _expectation_ok(self, eta):
        return self.base._expectation_ok(eta)

    def _from_expectation(self, eta):
        return np.asarray(self._to_new(self.base._from_expectation(eta)), dtype=float)

    def _statistic(self, x):
        return self.base._statistic(x)

    def _mean_statistic(self, data):
        return self.base._mean_statistic(data)

    def _log_base(self, x):
        return self.base._log_base(x)

    def _neg_entropy(self, eta, xi):
        return self.base._neg_entropy(eta, self._old(xi))

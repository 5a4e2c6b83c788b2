"""An exponential family from its sufficient statistic, log-partition and base measure."""

from __future__ import annotations

from collections.abc import Callable

import autograd
import autograd.numpy as anp
import numpy as np

from .._validation import check_positive_int
from .cubature import VECTOR_KINDS
from .exponential_family import ExponentialFamily, newton_dual
from .manifold import StatisticalManifold
from .support import normalize_support

__all__ = ["CustomExponentialFamily"]


class CustomExponentialFamily(ExponentialFamily, StatisticalManifold):
    """``p(x|ϑ) = h(x) exp(⟨ϑ, t(x)⟩ − ψ(ϑ))`` in its natural parameters ``θ = ϑ``.

    Everything follows from ``ψ``: the Fisher metric ``∇²ψ``, the Christoffel symbols
    and the skewness tensor ``∂³ψ`` (autograd), ``η = ∇ψ``, ``η → ϑ`` by the
    safeguarded Newton solve :func:`~infogeo.statistics.exponential_family.newton_dual`,
    ``KL = B_ψ``, the divergences, projections, ``fit`` by the sufficient statistic and
    mirror descent.

    Parameters
    ----------
    statistic
        ``t(x)``: observations ``(..., *event_shape)`` → ``(..., dim)`` (numpy).
    log_partition
        ``ψ(ϑ)`` for ``ϑ`` of shape ``(..., dim)`` → ``(...)``, written with
        ``autograd.numpy`` (it is differentiated three times).
    dim
        Number of natural parameters.
    support
        As for :class:`~infogeo.ParametricFamily`.
    log_base : optional
        ``log h(x)`` → ``(...)`` (default ``0``).
    bounds : optional
        ``(low, high)`` per natural parameter (the natural parameter space when it is
        a box); ``domain`` adds any other constraint.
    domain : optional
        ``ϑ (..., dim) → bool array (...)``: whether ``ϑ`` is in the natural parameter
        space (default: ``ψ(ϑ)`` finite).
    names : optional
        Coordinate names.
    """

    def __init__(
        self,
        statistic: Callable,
        log_partition: Callable,
        dim: int,
        support,
        log_base: Callable | None = None,
        bounds=None,
        domain: Callable | None = None,
        names=None,
    ):
        for name, f in (("statistic", statistic), ("log_partition", log_partition)):
            if not callable(f):
                raise TypeError(f"{name} must be callable, got {type(f).__name__}")
        if log_base is not None and not callable(log_base):
            raise TypeError(f"log_base must be callable, got {type(log_base).__name__}")
        if domain is not None and not callable(domain):
            raise TypeError(f"domain must be callable, got {type(domain).__name__}")
        dim = check_positive_int(dim, "dim")
        self.support = normalize_support(support)
        if self.support[0] in VECTOR_KINDS:
            self.event_shape = (self.support[1],)
        self._t, self._psi, self._h, self._domain = statistic, log_partition, log_base, domain
        self._names = None if names is None else tuple(str(n) for n in names)
        super().__init__(dim, bounds)

    def __repr__(self) -> str:
        return f"CustomExponentialFamily(dim={self.dim}, support={self.support!r})"

    def _violations(self, p):
        yield from super()._violations(p)
        with np.errstate(all="ignore"):
            if self._domain is not None:
                ok = np.asarray(self._domain(p), dtype=bool)
            else:
                ok = np.isfinite(np.asarray(self._psi(p), dtype=float))
        yield ~ok, "natural parameters inside the natural parameter space", p[..., 0]

    # the coordinates are the natural parameters
    def _to_natural(self, theta):
        return theta

    def _from_natural(self, nat):
        return np.array(nat, dtype=float)

    def _log_partition(self, nat):
        return self._psi(nat)

    def _to_expectation(self, theta):
        g = autograd.elementwise_grad(lambda v: anp.sum(self._psi(v)))
        return np.asarray(g(np.asarray(theta, dtype=float)), dtype=float)

    def _expectation_ok(self, eta):
        return np.all(np.isfinite(eta), -1)

    def _from_expectation(self, eta):
        start = np.broadcast_to(self._interior_point(), eta.shape)
        return newton_dual(
            lambda v: np.asarray(self._psi(v), dtype=float),
            self._to_expectation,
            self._natural_hessian,
            eta,
            start,
            self.belongs,
            what=f"the natural parameters of {self!r} from η",
        )

    def _statistic(self, x):
        return np.asarray(self._t(x), dtype=float)

    def _log_base(self, x):
        shape = x.shape[: x.ndim - len(self.event_shape)]
        return np.zeros(shape) if self._h is None else np.asarray(self._h(x), dtype=float)

    @property
    def _base_varies(self):
        return self._h is not None

    # the statistical-manifold interface
    def _log_prob(self, x, theta):
        t = self._statistic(x)
        out = anp.sum(theta * t, -1) - self._psi(theta)
        return out + self._log_base(x) if self._h is not None else out

    def _metric(self, theta):
        if isinstance(theta, np.ndarray):
            return self._natural_hessian(theta)
        g = autograd.elementwise_grad(lambda v: anp.sum(self._psi(v)))
        rows = [
            autograd.elementwise_grad(lambda v, i=i: anp.sum(g(v)[..., i]))(theta)
            for i in range(self.dim)
        ]
        return anp.stack(rows, -2)

    def _kl(self, t1, t2):
        return self.bregman(t1, t2)

    def _tv_exact(self, t1, t2):
        """Total variation on scalar supports by the certified quadrature of
        :class:`~infogeo.ParametricFamily` applied to this log-density."""
        if self.support[0] not in ("finite", "integers", "interval"):
            return None
        from .parametric import ParametricFamily

        shadow = ParametricFamily(
            lambda x, t: self._log_prob(x, t), self.dim, self.support, bounds=self.bounds
        )
        return shadow._tv_exact(t1, t2)

    def initial_point(self, data) -> np.ndarray:
        """The MLE itself: ``ϑ`` with ``∇ψ(ϑ) = mean t(x)``."""
        tbar, _ = self.mean_statistic(data)
        return self._from_expectation(tbar)

"""The statistical manifold: a family p(x | θ) whose metric is the Fisher information."""

from __future__ import annotations

import autograd
import autograd.numpy as anp
import numpy as np
from autograd.tracer import Box

from ..geometry.manifold import RiemannianManifold
from .dual import DualGeometry
from .support import check_data

__all__ = ["StatisticalManifold"]


def untrace(x):
    """The plain value under (possibly nested) autograd boxes."""
    while isinstance(x, Box):
        x = x._value
    return x


class StatisticalManifold(DualGeometry, RiemannianManifold):
    """A parametric family ``p(x | θ)`` as a Riemannian manifold with the Fisher metric.

    ``F(θ)_ij = E[∂ᵢ log p ∂ⱼ log p] = −E[∂ᵢ∂ⱼ log p]``; :meth:`fisher` is
    :meth:`metric`. Subclasses implement

    * ``_log_prob(x, θ)`` with ``autograd.numpy`` (so scores, ``nll`` gradients and
      the optimizer can differentiate it), broadcasting ``x`` of shape
      ``(..., *event_shape)`` against ``θ`` of shape ``(..., dim)``;
    * ``_metric(θ)`` (the Fisher matrix, batched, with ``autograd.numpy``);
    * ``_kl(θ1, θ2)``, ``_sample(θ, rng)`` (``θ`` already broadcast to the output
      batch shape), ``initial_point(data)``;
    * ``support`` (canonical form, see :mod:`~infogeo.statistics.support`) and
      ``_names`` (coordinate names).

    Every public method validates its arguments: parameters against the domain
    (:meth:`check_point`, messages name the parameter, e.g. ``"sigma > 0"``) and
    observations against the support.
    """

    #: shape of one observation (``()`` for scalar families)
    event_shape: tuple[int, ...] = ()
    #: canonical support, see :func:`~infogeo.statistics.support.normalize_support`
    support: tuple = ("interval", -np.inf, np.inf)
    #: whether the end points of an interval support are admissible observations
    _closed_support: bool = False
    _names: tuple[str, ...] | None = None
    #: which rule of :mod:`infogeo.optim.degenerate` checks data before ``ig.fit`` (where
    #: the MLE does not exist or lies on the boundary); ``None``: no family-specific
    #: rule, a failed fit is diagnosed after the run instead
    mle_data_rule: str | None = None

    # ------------------------------------------------------------------ names
    @property
    def coordinate_names(self) -> tuple[str, ...]:
        if self._names is not None:
            return tuple(self._names)
        return super().coordinate_names

    @property
    def param_names(self) -> tuple[str, ...]:
        """Names of the parameters (the coordinates), e.g. ``("mu", "sigma")``."""
        return self.coordinate_names

    # ------------------------------------------------------------------ input checks
    def _params(self, theta, name: str = "theta"):
        """Validate parameters; autograd boxes are checked on their value and passed on."""
        if isinstance(theta, Box):
            self.check_point(untrace(theta), name)
            return theta
        return self.check_point(theta, name)

    def _coords(self, theta, name: str = "theta"):
        """Shape/finite check only (no domain check); boxes pass through."""
        if isinstance(theta, Box):
            return theta
        return self._points(theta, name)

    def check_data(self, x, name: str = "x") -> np.ndarray:
        """Validate observations against the support; return them as a float array.

        Raises
        ------
        ValueError
            Naming ``name``, the offending entry and the support expected.
        """
        x = check_data(x, self.support, name, closed=self._closed_support)
        if self.event_shape:
            k = len(self.event_shape)
            if x.ndim < k or x.shape[x.ndim - k :] != self.event_shape:
                raise ValueError(
                    f"{name} must have shape (..., {', '.join(map(str, self.event_shape))}), "
                    f"got shape {x.shape}"
                )
        return x

    def _batch_shape_of_data(self, x) -> tuple[int, ...]:
        k = len(self.event_shape)
        return x.shape[: x.ndim - k] if k else x.shape

    # ------------------------------------------------------------------ the metric
    def _metric(self, theta):
        raise NotImplementedError

    #: optional plain-numpy twin of ``_metric`` for checked float64 points (the same
    #: formula without autograd's wrappers: the solvers evaluate the metric at every
    #: iterate, where ``_metric``'s traceable form costs several times more)
    _metric_np = None

    def metric(self, p):
        """Fisher information matrix ``F(θ)``, shape ``(..., dim, dim)``."""
        if isinstance(p, Box):
            return self._metric(p)
        p = self.check_point(p, "theta")
        if self._metric_np is None:
            return self._metric(p)
        G = self._metric_np(p)
        if not np.isfinite(G).all():  # the plain formula overflows silently (ψ′ of 1e-300)
            bad = p[np.any(~np.isfinite(G), axis=(-2, -1))] if G.ndim > 2 else p
            raise OverflowError(
                f"the Fisher metric of {self!r} overflows float64 at θ = {bad}: an entry "
                "exceeds 1.8e308 (e.g. ψ′(α) ≈ 1/α² for a shape α below 7.5e-155)"
            )
        return G

    def fisher(self, theta) -> np.ndarray:
        """Fisher information ``F(θ) = E[s sᵀ] = −E[∇²log p]``, shape ``(..., dim, dim)``
        (the metric tensor)."""
        return self.metric(theta)

    # ------------------------------------------------------------------ densities
    def _log_prob(self, x, theta):
        raise NotImplementedError

    def log_prob(self, x, theta):
        """Log-density (or log-mass) ``log p(x | θ)``, broadcasting ``x`` against ``θ``.

        ``x`` has shape ``(..., *event_shape)``, ``θ`` shape ``(..., dim)``; the result
        has the broadcast batch shape. Traceable by autograd in ``θ``.
        """
        x = self.check_data(x)
        theta = self._params(theta)
        return self._log_prob(x, theta)

    def score(self, x, theta) -> np.ndarray:
        """Score ``s(x, θ) = ∇_θ log p(x | θ)``, shape ``(*batch, dim)``.

        Computed by autograd from the log-density, all points at once (each output
        depends on its own row of the broadcast parameters).
        """
        x = self.check_data(x)
        theta = self._params(theta)
        batch = np.broadcast_shapes(self._batch_shape_of_data(x), theta.shape[:-1])
        tb = np.array(np.broadcast_to(theta, (*batch, self.dim)))
        return autograd.elementwise_grad(lambda t: anp.sum(self._log_prob(x, t)))(tb)

    def kl(self, theta1, theta2) -> np.ndarray:
        """Kullback–Leibler divergence ``KL(p(θ1) ‖ p(θ2)) = E_θ1[log p(x|θ1) − log p(x|θ2)]``
        (closed form), shape ``(...)``."""
        t1 = self._params(theta1, "theta1")
        t2 = self._params(theta2, "theta2")
        return self._kl(t1, t2)

    def _kl(self, theta1, theta2):
        raise NotImplementedError

    # ------------------------------------------------------------------ likelihood
    def _data_for_fit(self, data, name: str = "data") -> np.ndarray:
        data = self.check_data(data, name)
        if data.ndim == len(self.event_shape):
            data = data[None]
        if data.shape[0] == 0:
            raise ValueError(f"{name} must hold at least one observation, got none")
        return data

    def nll(self, theta, data):
        """Mean negative log-likelihood ``−(1/n) Σᵢ log p(xᵢ | θ)``.

        ``θ`` is one point ``(dim,)``; ``data`` has shape ``(n, *event_shape)``.
        Traceable by autograd in ``θ``.

        Raises
        ------
        ValueError
            If ``θ`` is not a point of the family or ``data`` leaves the support.
        """
        theta = self._params(theta)
        if theta.shape != (self.dim,):
            raise ValueError(f"theta must be one point of shape ({self.dim},), got {theta.shape}")
        data = self._data_for_fit(data)
        return -anp.mean(self._log_prob(data, theta))

    def nll_grad(self, theta, data) -> np.ndarray:
        """Euclidean gradient of :meth:`nll` in ``θ``, shape ``(dim,)`` (autograd)."""
        theta = self._params(theta)
        if theta.shape != (self.dim,):
            raise ValueError(f"theta must be one point of shape ({self.dim},), got {theta.shape}")
        data = self._data_for_fit(data)
        return autograd.grad(lambda t: -anp.mean(self._log_prob(data, t)))(theta)

    def initial_point(self, data) -> np.ndarray:
        """A starting point inside the domain for fitting ``data`` (method of moments,
        pulled into the domain)."""
        raise NotImplementedError

    # ------------------------------------------------------------------ sampling
    def sample(self, theta, size=None, rng=None) -> np.ndarray:
        """Draw observations, shape ``(*size, *batch, *event_shape)`` for ``θ`` of shape
        ``(*batch, dim)`` (``size=None`` draws one per parameter point)."""
        theta = self.check_point(theta, "theta")
        rng = np.random.default_rng(rng)
        shape = () if size is None else (size,) if np.isscalar(size) else tuple(size)
        full = (*shape, *theta.shape[:-1])
        tb = np.broadcast_to(theta, (*full, self.dim))
        return self._sample(tb, rng)

    def _sample(self, theta, rng):
        raise NotImplementedError

    # ------------------------------------------------------------------ priors, centroids
    def jeffreys_prior(self, theta) -> np.ndarray:
        """Unnormalized Jeffreys prior density ``√det F(θ)``, shape ``(...)``.

        Computed as ``exp(½ log det F)`` from a batched ``slogdet`` (no overflow of the
        determinant itself); invariant as a density under reparametrization.
        """
        sign, logdet = np.linalg.slogdet(np.asarray(self.fisher(theta), dtype=float))
        if np.any(sign <= 0):
            raise ValueError("the Fisher information is not positive definite at theta")
        return np.exp(0.5 * logdet)

    def kl_centroid(self, points, weights=None, side: str = "right", **options) -> np.ndarray:
        """Weighted KL centroid of ``points``: ``side="right"`` minimizes
        ``Σ wᵢ KL(pᵢ ‖ c)``, ``"left"`` ``Σ wᵢ KL(c ‖ pᵢ)``, ``"symmetric"`` their average.
        See :func:`infogeo.analysis.kl_centroid`."""
        from ..analysis.centroid import kl_centroid

        return kl_centroid(self, points, weights, side, **options)

    # ------------------------------------------------------------------ reparametrization
    def reparametrize(self, to_new, to_old, names=None):
        """The same family in coordinates ``ξ = to_new(θ)``, ``θ = to_old(ξ)``.

        The metric becomes ``Jᵀ F(to_old(ξ)) J`` with ``J = ∂θ/∂ξ``; distances, KL
        divergences and densities are unchanged. See
        :class:`~infogeo.statistics.reparametrize.Reparametrized`.
        """
        from .reparametrize import Reparametrized

        return Reparametrized(self, to_new, to_old, names=names)

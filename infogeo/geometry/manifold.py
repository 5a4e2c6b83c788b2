"""The Riemannian manifold interface: a coordinate chart and a metric tensor.

A subclass supplies :meth:`RiemannianManifold.metric` (the metric tensor ``G(p)`` in
the chart, batched over leading axes) and, where it knows them in closed form,
overrides the rest (Christoffel symbols, ``exp``, ``log``, ``dist``). The base class
computes everything else from the metric alone:

* Christoffel symbols by automatic differentiation of ``G`` (autograd),
* ``exp`` by integrating the geodesic equation with DOP853,
* ``log`` / ``dist`` by solving the geodesic boundary-value problem,
* curvature tensors from the Christoffel symbols,
* curve lengths by adaptive Gauss–Legendre quadrature.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator

import autograd
import numpy as np
from autograd import make_vjp

from .._dask import dask_aware
from .._validation import as_float_array, as_points, as_vectors, check_positive_int
from .linalg import solve_spd

__all__ = ["RiemannianManifold", "dense_geodesic_jacobians"]


def dense_geodesic_jacobians(gamma, dgamma, v):
    """``(acc, dacc_dp, dacc_dv)`` of :meth:`RiemannianManifold.geodesic_jacobians` from
    dense ``Γ[..., k, i, j]`` and ``∂Γ[..., k, i, j, l]`` (two-operand contractions)."""
    n = v.shape[-1]
    batch = v.shape[:-1]
    vv = (v[..., :, None] * v[..., None, :]).reshape(*batch, 1, n * n, 1)
    dacc_dp = -(np.reshape(dgamma, (*batch, n, n * n, n)) * vv).sum(axis=-2)
    half = np.einsum("...kij,...i->...kj", gamma, v)
    dacc_dv = -(half + np.einsum("...kij,...j->...ki", gamma, v))
    acc = 0.5 * np.einsum("...kj,...j->...k", dacc_dv, v)
    return acc, dacc_dp, dacc_dv


#: Batched pointwise methods that also accept Dask arrays (mapped over chunks, see
#: :mod:`infogeo._dask`), with the number of trailing axes of one output row.
_DASK_METHODS = (
    ("dist", 0),
    ("kl", 0),
    ("inner", 0),
    ("norm", 0),
    ("log", 1),
    ("exp", 1),
    ("retract", 1),
)


class RiemannianManifold:
    """A Riemannian manifold given in one coordinate chart by its metric tensor.

    Points and tangent vectors are float arrays with the ``dim`` coordinates on the
    last axis; every method broadcasts over leading batch axes unless it says
    otherwise.

    Parameters
    ----------
    dim
        Dimension of the manifold (number of coordinates).
    bounds
        Optional list of ``(low, high)`` pairs, one per coordinate, giving the open
        interval the coordinate lives in; ``None`` for an unbounded side.

    Attributes
    ----------
    ode_rtol, ode_atol
        Relative and absolute tolerances of the DOP853 integration of the geodesic
        equation used by the numerical :meth:`exp` (defaults 1e-12 and 1e-12).
    log_tol
        Tolerance on the relative endpoint residual
        ``‖γ(1) − q‖ / max(‖q − p‖, 1e-4 · max(‖p‖, ‖q‖))`` (coordinates, 2-norm,
        ``γ(1)`` integrated at ``ode_rtol``/``ode_atol``) that a numerical
        :meth:`log` must meet (default 1e-10, so distances come out to about 1e-10
        relative, well within 1e-9); a solve that cannot meet it raises
        :class:`~infogeo.ConvergenceError`. See :mod:`infogeo.geometry.shooting`.
    max_time, max_time_per_pair
        The wall-clock budget in seconds of one numerical :meth:`log` / :meth:`dist`
        / :meth:`geodesic` / :meth:`exp` call when ``max_time=None`` is passed:
        ``max_time + max_time_per_pair · (pairs − 1)`` (defaults 5 s and 0.2 s, so a
        single pair never runs past about 5 s). A call that runs out of budget ends
        with :class:`~infogeo.ConvergenceError` (or NaN rows with ``errors="nan"``).
    """

    ode_rtol: float = 1e-12
    ode_atol: float = 1e-12
    log_tol: float = 1e-10
    max_time: float = 5.0
    max_time_per_pair: float = 0.2

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        _make_dask_aware(cls)

    def __init__(self, dim: int, bounds=None):
        self.dim = check_positive_int(dim, "dim")
        self.bounds = self._normalize_bounds(bounds)

    # ------------------------------------------------------------------ basics
    def __repr__(self) -> str:
        return f"{type(self).__name__}(dim={self.dim})"

    @property
    def coordinate_names(self) -> tuple[str, ...]:
        """Names of the coordinates, used in error messages."""
        return tuple(f"x{i}" for i in range(self.dim))

    def _normalize_bounds(self, bounds) -> list[tuple[float, float]] | None:
        if bounds is None:
            return None
        try:
            pairs = list(bounds)
        except TypeError as exc:
            raise TypeError("bounds must be a list of (low, high) pairs") from exc
        if len(pairs) != self.dim:
            raise ValueError(
                f"bounds must give one (low, high) pair per coordinate ({self.dim}), "
                f"got {len(pairs)}"
            )
        out = []
        for i, pair in enumerate(pairs):
            if pair is None:
                pair = (None, None)
            try:
                low, high = pair
            except (TypeError, ValueError) as exc:
                raise ValueError(f"bounds[{i}] must be a (low, high) pair, got {pair!r}") from exc
            low = -np.inf if low is None else float(low)
            high = np.inf if high is None else float(high)
            if np.isnan(low) or np.isnan(high) or not low < high:
                raise ValueError(f"bounds[{i}] must satisfy low < high, got ({low}, {high})")
            out.append((low, high))
        return out

    def _points(self, p, name: str = "p") -> np.ndarray:
        return as_points(p, self.dim, name)

    def _vectors(self, v, name: str = "v") -> np.ndarray:
        return as_vectors(v, self.dim, name)

    # ------------------------------------------------------------------ metric
    def metric(self, p) -> np.ndarray:
        """Metric tensor ``G(p)`` in the chart, shape ``(..., dim, dim)``.

        Subclasses implement this with ``autograd.numpy`` operations that broadcast
        over leading axes, so that the default :meth:`christoffel` can differentiate
        it, or override :meth:`christoffel` as well.
        """
        raise NotImplementedError(f"{type(self).__name__} does not define its metric tensor")

    def inner(self, p, u, v) -> np.ndarray:
        """Inner product ``⟨u, v⟩_p = uᵀ G(p) v``, shape ``(...)``."""
        p = self._points(p)
        u = self._vectors(u, "u")
        v = self._vectors(v, "v")
        return self._unchecked_inner(p, u, v)

    def norm(self, p, v) -> np.ndarray:
        """Norm ``‖v‖_p = √(vᵀ G(p) v)``, shape ``(...)``."""
        return np.sqrt(np.maximum(self.inner(p, v, v), 0.0))

    def riemannian_gradient(self, p, egrad, damping: float = 0.0) -> np.ndarray:
        """Riemannian gradient ``G(p)⁻¹ ∇f`` from the Euclidean gradient ``egrad``.

        With ``damping = λ > 0`` it solves ``(G(p) + λI) x = egrad`` instead, the
        Levenberg–Marquardt / damped natural-gradient direction. The system is solved
        (Cholesky for one point, batched solve for many), never inverted.

        Raises
        ------
        ValueError
            If the (damped) metric is not positive definite at ``p``.
        """
        p = self._points(p)
        egrad = self._vectors(egrad, "egrad")
        return self._unchecked_riemannian_gradient(p, egrad, damping)

    def _unchecked_riemannian_gradient(self, p, egrad, damping: float = 0.0) -> np.ndarray:
        """:meth:`riemannian_gradient` of float64 arrays the caller has validated (the
        solvers' iterates and checked gradients): the same computation without the
        argument checks (the damping is still checked)."""
        self._check_damping(damping)
        G = self.metric(p)
        if damping:
            G = G + damping * np.eye(self.dim)
        return solve_spd(G, egrad, name=f"metric of {self!r}")

    @staticmethod
    def _check_damping(damping) -> None:
        if damping < 0 or not np.isfinite(damping):
            raise ValueError(f"damping must be a finite number >= 0, got {damping}")

    # ---------------------------------------------------------- connection
    def metric_derivative(self, p) -> np.ndarray:
        """Partial derivatives of the metric, ``D[..., a, b, c] = ∂G_ab / ∂p_c``.

        Computed with autograd from :meth:`metric`, vectorized over the batch: for each
        entry ``a ≤ b`` of the (symmetric) metric, one gradient of ``Σ_batch G_ab``
        with respect to all points at once (each point's metric depends on that point
        only).
        """
        p = self._points(p)
        flat = p.reshape(-1, self.dim)
        out = np.empty((flat.shape[0], self.dim, self.dim, self.dim))
        for a, b in self._upper_pairs():
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", "Output seems independent of input")
                g = autograd.grad(self._summed_entry(a, b))(flat)
            out[:, a, b] = g
            out[:, b, a] = g
        return out.reshape(*p.shape[:-1], self.dim, self.dim, self.dim)

    def metric_second_derivative(self, p) -> np.ndarray:
        """Second partial derivatives of the metric, ``D2[..., a, b, c, d] = ∂²G_ab/∂p_c∂p_d``.

        Computed with autograd, vectorized over the batch: for each entry ``a ≤ b``,
        the gradient ``x ↦ ∇ Σ_batch G_ab`` is recorded once and differentiated again
        by one backward pass per coordinate ``c``.
        """
        p = self._points(p)
        n = self.dim
        D2 = self._metric_derivatives(p.reshape(-1, n))[1]
        return D2.reshape(*p.shape[:-1], n, n, n, n)

    def _metric_derivatives(self, flat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """First and second metric derivatives on ``(N, dim)`` points, by autograd."""
        n = self.dim
        N = flat.shape[0]
        D = np.empty((N, n, n, n))
        D2 = np.empty((N, n, n, n, n))
        with warnings.catch_warnings():
            # entries that do not depend on the point have zero derivatives, as computed
            warnings.filterwarnings("ignore", "Output seems independent of input")
            for a, b in self._upper_pairs():
                vjp, grad_ab = make_vjp(autograd.grad(self._summed_entry(a, b)))(flat)
                D[:, a, b] = D[:, b, a] = grad_ab
                for c in range(n):
                    seed = np.zeros((N, n))
                    seed[:, c] = 1.0
                    D2[:, a, b, c] = D2[:, b, a, c] = vjp(seed)
        return D, D2

    def _upper_pairs(self) -> list[tuple[int, int]]:
        return [(a, b) for a in range(self.dim) for b in range(a, self.dim)]

    def _summed_entry(self, a: int, b: int):
        """``points ↦ Σ_n G_ab(points[n])``, autograd-traceable."""

        def fun(points):
            return autograd.numpy.sum(self.metric(points)[..., a, b])

        return fun

    def christoffel(self, p) -> np.ndarray:
        """Christoffel symbols of the second kind, entry ``[..., k, i, j] = Γᵏᵢⱼ``.

        ``Γᵏᵢⱼ = ½ Gᵏˡ (∂ᵢ G_lj + ∂ⱼ G_li − ∂ₗ G_ij)``, with the metric derivatives from
        :meth:`metric_derivative` and ``Gᵏˡ`` applied by a linear solve.
        """
        p = self._points(p)
        D = self.metric_derivative(p)
        first_kind = 0.5 * (np.swapaxes(D, -1, -2) + D - np.moveaxis(D, -1, -3))
        return self._raise_index(p, first_kind)

    def christoffel_derivative(self, p) -> np.ndarray:
        """Derivatives of the Christoffel symbols, entry ``[..., k, i, j, l] = ∂Γᵏᵢⱼ/∂pˡ``.

        With ``Γₗᵢⱼ = ½ (∂ᵢG_lj + ∂ⱼG_li − ∂ₗG_ij)`` (first kind) and ``Γᵏᵢⱼ = Gᵏˡ Γₗᵢⱼ``,

        ``∂ₘΓᵏᵢⱼ = Gᵏˡ (∂ₘΓₗᵢⱼ − ∂ₘG_ls Γˢᵢⱼ)``,

        with the first and second metric derivatives from autograd
        (:meth:`metric_derivative`, :meth:`metric_second_derivative`) and ``Gᵏˡ``
        applied by one batched linear solve. Used by the variational (Jacobi-field)
        equations of the shooting method in :mod:`~infogeo.geometry.shooting` and by
        the curvature tensors. Subclasses that know it in closed form override it.

        If the metric cannot be traced by autograd (a ``TypeError``,
        ``AttributeError`` or ``NotImplementedError`` from the tracing), it falls back
        to central differences of :meth:`christoffel` with steps
        ``h = ε^{1/3} max(1, |pˡ|)`` (about 1e-10 relative accuracy).
        """
        p = self._points(p)
        try:
            return self._connection_from_metric(p)[1]
        except (TypeError, AttributeError, NotImplementedError):
            return self._christoffel_derivative_fd(p)

    def christoffel_and_derivative(self, p) -> tuple[np.ndarray, np.ndarray]:
        """Both :meth:`christoffel` and :meth:`christoffel_derivative` at ``p``.

        When neither is overridden, they share one evaluation of the metric and its
        first derivatives; otherwise the (closed-form) overrides are called.
        """
        p = self._points(p)
        cls = type(self)
        if (
            cls.christoffel is RiemannianManifold.christoffel
            and cls.christoffel_derivative is RiemannianManifold.christoffel_derivative
        ):
            try:
                return self._connection_from_metric(p)
            except (TypeError, AttributeError, NotImplementedError):
                pass
        return self.christoffel(p), self.christoffel_derivative(p)

    def _connection_from_metric(self, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(Γ, ∂Γ)`` from the metric and its first and second derivatives."""
        n = self.dim
        batch = p.shape[:-1]
        D, D2 = self._metric_derivatives(p.reshape(-1, n))
        D = D.reshape(*batch, n, n, n)
        D2 = D2.reshape(*batch, n, n, n, n)
        G = self.metric(p)
        first = 0.5 * (np.swapaxes(D, -1, -2) + D - np.moveaxis(D, -1, -3))
        # ∂ₘΓₗᵢⱼ = ½ (∂ₘ∂ᵢG_lj + ∂ₘ∂ⱼG_li − ∂ₘ∂ₗG_ij), layout [l, i, j, m]
        d_first = 0.5 * (np.swapaxes(D2, -2, -3) + D2 - np.moveaxis(D2, -2, -4))
        # one solve with G for Γ = G⁻¹Γ₍₁₎, G⁻¹∂Γ₍₁₎ and G⁻¹∂G together
        rhs = np.concatenate(
            [
                first.reshape(*batch, n, n * n),
                d_first.reshape(*batch, n, n**3),
                D.reshape(*batch, n, n * n),
            ],
            axis=-1,
        )
        sol = np.linalg.solve(G, rhs)
        gamma = sol[..., : n * n].reshape(*batch, n, n, n)
        ginv_d_first = sol[..., n * n : n * n + n**3].reshape(*batch, n, n, n, n)
        ginv_D = sol[..., n * n + n**3 :].reshape(*batch, n, n, n)  # [k, s, m]
        # ∂ₘΓᵏᵢⱼ = Gᵏˡ∂ₘΓₗᵢⱼ − (Gᵏˡ ∂ₘG_ls) Γˢᵢⱼ
        d_gamma = ginv_d_first - np.einsum("...ksm,...sij->...kijm", ginv_D, gamma)
        return gamma, d_gamma

    def _christoffel_derivative_fd(self, p: np.ndarray) -> np.ndarray:
        """Central differences of :meth:`christoffel` (fallback for untraceable metrics)."""
        h = np.finfo(float).eps ** (1 / 3) * np.maximum(1.0, np.abs(p))
        cols = []
        for l in range(self.dim):
            step = np.zeros_like(p)
            step[..., l] = h[..., l]
            diff = self.christoffel(p + step) - self.christoffel(p - step)
            cols.append(diff / (2 * h[..., l, None, None, None]))
        return np.stack(cols, axis=-1)

    def _raise_index(self, p, first_kind: np.ndarray) -> np.ndarray:
        """Apply ``G(p)⁻¹`` to the first index of ``first_kind[..., l, i, j]``."""
        n = self.dim
        G = self.metric(p)
        rhs = first_kind.reshape(*first_kind.shape[:-3], n, n * n)
        out = np.linalg.solve(G, rhs)
        return out.reshape(first_kind.shape)

    def _connection_from_metric_only(self) -> bool:
        """True when no Christoffel method is overridden: the connection then comes
        from :meth:`metric` alone, and contractions can skip the dense symbols."""
        cls = type(self)
        base = RiemannianManifold
        return (
            cls.christoffel is base.christoffel
            and cls.christoffel_derivative is base.christoffel_derivative
            and cls.christoffel_and_derivative is base.christoffel_and_derivative
        )

    def _flat_metric(self, flat):
        """The metric on ``(N, dim)`` points, autograd-traceable (for contractions)."""
        return self.metric(flat)

    def geodesic_acceleration(self, p, v) -> np.ndarray:
        """``γ̈ᵏ = −Γᵏᵢⱼ γ̇ⁱ γ̇ʲ`` at position ``p`` with velocity ``v``, shape ``(..., dim)``.

        When the connection comes from the metric alone (no Christoffel method
        overridden), it is computed as ``−G⁻¹ w`` with ``w_l = Γ_lij vⁱvʲ`` from one
        reverse-mode pass (:func:`~infogeo.geometry.contractions.metric_acceleration`,
        ``O(dim³)`` per point); otherwise from :meth:`christoffel`.
        """
        p = np.asarray(p, dtype=float)
        v = np.asarray(v, dtype=float)
        if self._connection_from_metric_only():
            from .contractions import metric_acceleration

            P, V = np.broadcast_arrays(p, v)
            n = self.dim
            try:
                acc = metric_acceleration(self._flat_metric, P.reshape(-1, n), V.reshape(-1, n))
                return acc.reshape(P.shape)
            except (TypeError, AttributeError, NotImplementedError):
                pass
        return -np.einsum("...kij,...i,...j->...k", self.christoffel(p), v, v)

    def geodesic_jacobians(self, p, v) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The geodesic acceleration and its derivatives: ``(acc, dacc_dp, dacc_dv)``.

        ``accᵏ = −Γᵏᵢⱼ vⁱ vʲ`` (shape ``(..., dim)``),
        ``dacc_dp[..., k, l] = ∂accᵏ/∂pˡ = −∂ₗΓᵏᵢⱼ vⁱ vʲ`` and
        ``dacc_dv[..., k, l] = ∂accᵏ/∂vˡ = −(Γᵏᵢₗ + Γᵏₗᵢ) vⁱ`` (shape ``(..., dim, dim)``),
        broadcasting ``p`` against ``v``. These contractions are all that the geodesic
        solvers (collocation, Jacobi fields of shooting) need at a node.

        The base class contracts :meth:`christoffel_and_derivative` when a subclass
        overrides a Christoffel method; when the connection comes from the metric
        alone it never forms ``Γ`` or ``∂Γ``: ``acc = −G⁻¹w``, ``w_l = Γ_lij vⁱvʲ``,
        ``dacc_dv = −G⁻¹ ∂w/∂v``, ``dacc_dp = −G⁻¹(∂w/∂p + ∂ₗG·acc)``, each row by
        reverse-mode autograd on copies of the points
        (:func:`~infogeo.geometry.contractions.metric_geodesic_jacobians`: ``O(dim³)``
        work and memory per point instead of ``O(dim⁴)``). Subclasses with structure
        (Dirichlet: diagonal plus rank one) override it with closed forms.
        """
        p = self._points(p)
        v = self._vectors(v)
        p, v = np.broadcast_arrays(p, v)
        n = self.dim
        batch = p.shape[:-1]
        if self._connection_from_metric_only():
            from .contractions import metric_geodesic_jacobians

            try:
                acc, dp, dv = metric_geodesic_jacobians(
                    self._flat_metric, p.reshape(-1, n), v.reshape(-1, n)
                )
                return acc.reshape(p.shape), dp.reshape(*batch, n, n), dv.reshape(*batch, n, n)
            except (TypeError, AttributeError, NotImplementedError):
                pass
        gamma, dgamma = self.christoffel_and_derivative(p)
        return dense_geodesic_jacobians(gamma, dgamma, v)

    # ---------------------------------------------------------- geodesics
    def exp(self, p, v, *, max_time: float | None = None) -> np.ndarray:
        """Riemannian exponential: the point ``γ(1)`` of the geodesic with
        ``γ(0) = p``, ``γ̇(0) = v``.

        The base class integrates ``γ̈ᵏ + Γᵏᵢⱼ γ̇ⁱ γ̇ʲ = 0`` with DOP853 at
        ``rtol = ode_rtol``, ``atol = ode_atol``, the whole batch as one system,
        within a wall-clock budget of ``max_time`` seconds (default four times that
        of :meth:`log`, ``4 (self.max_time + self.max_time_per_pair · (points − 1))``:
        an initial-value problem always advances, so the budget only stops a step size
        that collapses, e.g. on a geodesic running off to the boundary).

        Raises
        ------
        ValueError
            If the geodesic leaves the chart's domain before ``t = 1``.
        ConvergenceError
            If the budget runs out first (``timed_out=True``): a very long or very
            fast geodesic; pass a larger ``max_time`` or a shorter ``v``.
        """
        from .budget import Budget, resolve_max_time
        from .geodesic_equation import integrate_geodesic

        p = self._points(p)
        v = self._vectors(v)
        p, v = np.broadcast_arrays(p, v)
        n = int(np.prod(p.shape[:-1]))
        budget = Budget(
            4.0 * resolve_max_time(self, None, n)
            if max_time is None
            else resolve_max_time(self, max_time, n)
        )
        return integrate_geodesic(self, p, v, np.array([1.0]), budget=budget, what="exp")[0][
            ..., 0, :
        ]

    def log(self, p, q, *, max_time: float | None = None, errors: str = "raise") -> np.ndarray:
        """Riemannian logarithm: the initial velocity ``v`` with ``exp(p, v) = q``.

        The base class solves the geodesic boundary-value problem numerically, the
        batch at once, in well-conditioned internal coordinates (log of a coordinate
        bounded on one side, logit of one bounded on both; see
        :mod:`infogeo.geometry.internal_chart`): Chebyshev collocation with an
        accuracy certificate and continuation in the end point (see
        :mod:`infogeo.geometry.collocation`), then Newton shooting with Jacobi fields
        checked by its endpoint residual against ``log_tol``, then
        :func:`scipy.integrate.solve_bvp` (see :mod:`infogeo.geometry.shooting`);
        pairs left over are retried in the manifold's own chart.

        Parameters
        ----------
        p, q : array_like, shape ``(..., dim)``
            Points (broadcast against each other).
        max_time : float, optional
            Wall-clock budget of the call in seconds; default
            ``self.max_time + self.max_time_per_pair · (pairs − 1)``.
        errors : {"raise", "nan"}
            ``"raise"``: pairs not solved within the budget raise
            :class:`~infogeo.ConvergenceError` (``.failed`` lists their batch indices).
            ``"nan"``: their rows are NaN, the others are returned, and a
            :class:`~infogeo.exceptions.ConvergenceWarning` names the failed indices.

        Raises
        ------
        ConvergenceError
            If some pair cannot be solved to tolerance within the budget.
        """
        from .shooting import solve_log

        p = self._points(p)
        q = self._points(q, "q")
        self.check_point(p)
        self.check_point(q, "q")
        return solve_log(self, p, q, max_time=max_time, errors=errors)

    def dist(self, p, q, *, max_time: float | None = None, errors: str = "raise") -> np.ndarray:
        """Geodesic distance ``d(p, q) = ‖log_p q‖_p``, shape ``(...)``.

        ``max_time`` and ``errors`` as in :meth:`log` (with ``errors="nan"`` the
        distances of the failed pairs are NaN, and a warning names them).
        """
        v = self.log(p, q, max_time=max_time, errors=errors)
        solved = np.all(np.isfinite(v), axis=-1)
        if np.all(solved):
            return self.norm(p, v)
        p = np.broadcast_to(self._points(p), v.shape)
        out = np.full(solved.shape, np.nan)  # the failed pairs (errors="nan", warned)
        out[solved] = self.norm(p[solved], v[solved])
        return out

    def geodesic(self, p, q=None, *, velocity=None, max_time: float | None = None):
        """The geodesic from ``p`` to ``q``, or from ``p`` with initial ``velocity``.

        ``max_time`` is the budget of the boundary-value solve (see :meth:`log`);
        a pair that cannot be solved raises :class:`~infogeo.ConvergenceError`.

        Returns
        -------
        Geodesic
            Callable on ``t`` in ``[0, 1]``; has ``.start``, ``.end``,
            ``.velocity`` and ``.length``.
        """
        from .geodesic import Geodesic

        if (q is None) == (velocity is None):
            raise TypeError("geodesic() takes either an end point q or velocity=v, not both")
        p = self._points(p)
        if p.ndim != 1:
            raise ValueError(f"geodesic() takes one start point of shape ({self.dim},)")
        self.check_point(p)
        if q is not None:
            q = self._points(q, "q")
            if q.shape != p.shape:
                raise ValueError(f"q must have shape ({self.dim},), got {q.shape}")
            return Geodesic(self, p, self.log(p, q, max_time=max_time), end=q)
        v = self._vectors(velocity, "velocity")
        if v.shape != p.shape:
            raise ValueError(f"velocity must have shape ({self.dim},), got {v.shape}")
        return Geodesic(self, p, v)

    def geodesic_points(self, p, v, t) -> np.ndarray:
        """Points ``γ(t)`` of the geodesic through ``p`` with velocity ``v``.

        ``p`` and ``v`` are single vectors, ``t`` a 1-d array of times; returns
        ``(len(t), dim)``. The base class integrates once with output at every
        ``t``; subclasses with a closed-form ``exp`` evaluate ``exp(p, t v)``.
        """
        from .geodesic_equation import integrate_geodesic

        return integrate_geodesic(self, p, v, np.asarray(t, dtype=float))[0]

    # ---------------------------------------------------------- curves
    def curve_length(self, curve, t0: float = 0.0, t1: float = 1.0, **options) -> float:
        """Length ``∫_{t0}^{t1} √(γ′ᵀ G(γ) γ′) dt`` of a curve.

        ``curve`` is a callable mapping an array of ``n`` times to an ``(n, dim)``
        array (differentiated with autograd; adaptive Gauss–Legendre quadrature to
        1e-12 relative), or an ``(n, dim)`` array of points on a polyline (each
        segment measured with the metric at its midpoint). See
        :func:`infogeo.geometry.curves.curve_length`.
        """
        from .curves import curve_length

        return curve_length(self, curve, t0, t1, **options)

    def energy(self, curve, t0: float = 0.0, t1: float = 1.0, **options) -> float:
        """Energy ``½ ∫_{t0}^{t1} γ′ᵀ G(γ) γ′ dt`` of a curve (same inputs as
        :meth:`curve_length`)."""
        from .curves import energy

        return energy(self, curve, t0, t1, **options)

    # ---------------------------------------------------------- curvature
    def riemann_tensor(self, p) -> np.ndarray:
        """Riemann curvature tensor ``R[..., l, i, j, k] = Rˡᵢⱼₖ``.

        ``Rˡᵢⱼₖ = ∂ⱼΓˡₖᵢ − ∂ₖΓˡⱼᵢ + ΓˡⱼₘΓᵐₖᵢ − ΓˡₖₘΓᵐⱼᵢ``.
        """
        from .curvature import riemann_tensor

        return riemann_tensor(self, p)

    def ricci_tensor(self, p) -> np.ndarray:
        """Ricci tensor ``Ric[..., i, k] = Rʲᵢⱼₖ``."""
        from .curvature import ricci_tensor

        return ricci_tensor(self, p)

    def scalar_curvature(self, p) -> np.ndarray:
        """Scalar curvature ``S = Gⁱᵏ Ric_ik`` (twice the Gaussian curvature in 2-d)."""
        from .curvature import scalar_curvature

        return scalar_curvature(self, p)

    # ---------------------------------------------------------- domain
    def retract(self, p, v) -> np.ndarray:
        """A cheap first-order retraction ``R_p(v)`` that stays in the domain.

        Coordinate by coordinate (``R_p(tv) = p + tv + O(t²)``):

        * unbounded: ``p + v``;
        * ``(a, ∞)``: ``a + (p − a) exp(v / (p − a))``;
        * ``(−∞, b)``: ``b − (b − p) exp(−v / (b − p))``;
        * ``(a, b)``: the step ``v`` taken in logit coordinates
          ``u = log((p − a)/(b − p))``, i.e. ``a + (b − a) σ(u + v du/dp)``.

        Subclasses with constraints beyond box bounds override it.
        """
        return self._unchecked_retract(self._points(p), self._vectors(v))

    def _unchecked_retract(self, p, v) -> np.ndarray:
        """:meth:`retract` of float64 arrays the caller has validated (no checks)."""
        p, v = np.broadcast_arrays(p, v)
        if self.bounds is None:
            return p + v
        out = np.empty_like(p)
        for i, (low, high) in enumerate(self.bounds):
            x, dx = p[..., i], v[..., i]
            if np.isinf(low) and np.isinf(high):
                out[..., i] = x + dx
            elif np.isinf(high):
                gap = x - low
                out[..., i] = low + gap * np.exp(dx / gap)
            elif np.isinf(low):
                gap = high - x
                out[..., i] = high - gap * np.exp(-dx / gap)
            else:
                width = high - low
                u = np.log(x - low) - np.log(high - x)
                du = dx * width / ((x - low) * (high - x))
                z = u + du
                # σ(z) written to avoid overflow for large |z|
                sig = np.where(z >= 0, 1.0 / (1.0 + np.exp(-np.abs(z))), 0.0)
                sig = np.where(z < 0, np.exp(-np.abs(z)) / (1.0 + np.exp(-np.abs(z))), sig)
                out[..., i] = low + width * sig
        return out

    def _violations(self, p: np.ndarray) -> Iterator[tuple[np.ndarray, str, np.ndarray]]:
        """Yield ``(bad, constraint, values)`` for each constraint of the domain.

        ``bad`` is a boolean array over the batch axes marking points that break the
        constraint, ``constraint`` a phrase such as ``"sigma > 0"``, ``values`` the
        offending quantity per point. Subclasses extend this with
        ``yield from super()._violations(p)``.
        """
        if self.bounds is None:
            return
        names = self.coordinate_names
        for i, (low, high) in enumerate(self.bounds):
            x = p[..., i]
            if np.isfinite(low):
                yield x <= low, f"{names[i]} > {low:g}", x
            if np.isfinite(high):
                yield x >= high, f"{names[i]} < {high:g}", x

    def belongs(self, p) -> np.ndarray:
        """Boolean array ``(...)``: whether each point lies in the domain."""
        p = as_float_array(p, "p", allow_nonfinite=True)
        if p.ndim == 0 or p.shape[-1] != self.dim:
            raise ValueError(f"p must have shape (..., {self.dim}), got shape {p.shape}")
        ok = np.all(np.isfinite(p), axis=-1)
        safe = p if np.all(ok) else np.where(ok[..., None], p, self._interior_point())
        for bad, _, _ in self._violations(safe):
            ok &= ~np.asarray(bad, dtype=bool)
        return ok

    def _interior_point(self) -> np.ndarray:
        """Some point of the domain, used to fill in NaN rows before checking."""
        return self.random_point(rng=np.random.default_rng(0))

    def check_point(self, p, name: str = "p") -> np.ndarray:
        """Validate points; return them as a float array or raise ``ValueError``.

        The message names the argument, the broken constraint and the offending value
        (and its batch index when ``p`` holds several points).
        """
        p = self._points(p, name)
        box = self._box()
        if box is not None and _inside_box(p, *box):
            return p  # inside the open box, the only constraint: nothing to report
        for bad, constraint, values in self._violations(p):
            bad = np.asarray(bad, dtype=bool)
            if np.any(bad):
                idx = tuple(int(i) for i in np.argwhere(bad)[0]) if bad.ndim else ()
                value = np.asarray(values)[idx] if np.ndim(values) else values
                where = f"{name}[{', '.join(map(str, idx))}]" if idx else name
                raise ValueError(
                    f"{where} is not a point of {self!r}: expected {constraint}, got "
                    f"{np.array2string(np.asarray(value), precision=6)}"
                )
        return p

    def _box(self):
        """The finite bounds ``(columns, lows, columns, highs)`` when the bounds are the
        domain's only constraints (``_violations`` not overridden), else ``None``;
        cached per ``bounds`` object."""
        if type(self)._violations is not RiemannianManifold._violations:
            return None
        bounds = self.bounds
        cached = self.__dict__.get("_box_cache")
        if cached is None or cached[0] is not bounds:
            box = ((), (), (), ())
            if bounds is not None:
                low, high = (np.array([b[i] for b in bounds], dtype=float) for i in (0, 1))
                lo, hi = np.flatnonzero(np.isfinite(low)), np.flatnonzero(np.isfinite(high))
                box = (tuple(lo), tuple(low[lo]), tuple(hi), tuple(high[hi]))
            cached = (bounds, box)
            self.__dict__["_box_cache"] = cached
        return cached[1]

    def random_point(self, size=None, rng=None) -> np.ndarray:
        """Random points in the domain, shape ``(*size, dim)`` (``(dim,)`` if None).

        The base class draws each coordinate independently: standard normal when
        unbounded, ``a + LogNormal(0, ½)`` on ``(a, ∞)`` (mirrored for ``(−∞, b)``),
        uniform on the middle 90 % of ``(a, b)``.
        """
        rng = np.random.default_rng(rng)
        shape = () if size is None else (size,) if np.isscalar(size) else tuple(size)
        if self.bounds is None:
            return rng.standard_normal((*shape, self.dim))
        cols = []
        for low, high in self.bounds:
            if np.isinf(low) and np.isinf(high):
                cols.append(rng.standard_normal(shape))
            elif np.isinf(high):
                cols.append(low + rng.lognormal(0.0, 0.5, shape))
            elif np.isinf(low):
                cols.append(high - rng.lognormal(0.0, 0.5, shape))
            else:
                w = high - low
                cols.append(low + w * rng.uniform(0.05, 0.95, shape))
        return np.stack(cols, axis=-1)

    # ---------------------------------------------------------- transport, Hessian
    def parallel_transport(self, p, v, q) -> np.ndarray:
        """Parallel transport of ``v ∈ T_pM`` along the geodesic from ``p`` to ``q``.

        Integrates ``V̇ᵏ + Γᵏᵢⱼ γ̇ⁱ Vʲ = 0`` along ``γ(t) = exp_p(t log_p q)`` (batched;
        about 1e-10 relative). Preserves inner products. See
        :mod:`infogeo.geometry.transport`.
        """
        from .transport import parallel_transport

        return parallel_transport(self, p, v, q)

    def _transport_along_geodesic(self, p, w, v, t) -> np.ndarray:
        """``V(t)`` for ``V(0) = v`` parallel along ``exp_p(t w)``, shape ``(..., n, dim)``."""
        from .transport import transport_along_geodesic

        return transport_along_geodesic(self, p, w, v, t)

    def vector_transport(self, p, v, q) -> np.ndarray:
        """A cheap first-order transport ``T_{p→q} v`` for solvers (not isometric).

        The differential of :meth:`retract` (a per-coordinate scaling for bounded
        coordinates, the identity of the chart otherwise); see
        :mod:`infogeo.geometry.transport`.
        """
        from .transport import vector_transport

        return vector_transport(self, p, v, q)

    def _unchecked_vector_transport(self, p, v, q) -> np.ndarray:
        """:meth:`vector_transport` of float64 arrays the caller has validated."""
        from .transport import unchecked_vector_transport

        return unchecked_vector_transport(self, p, v, q)

    def _unchecked_inner(self, p, u, v) -> np.ndarray:
        """:meth:`inner` of float64 arrays the caller has validated."""
        return np.einsum("...i,...ij,...j->...", u, self.metric(p), v)

    def _contains_point(self, p) -> bool:
        """Whether :meth:`check_point` accepts ``p``, a float64 array the caller made
        (a solver's trial point), answered without raising: the box test alone when the
        bounds are the only constraints, :meth:`check_point` itself otherwise."""
        box = self._box()
        if box is not None:
            return _inside_box(p, *box)
        try:
            self.check_point(p)
        except ValueError:
            return False
        return True

    def hessian_vector(self, p, fun, v) -> np.ndarray:
        """Riemannian Hessian of ``fun`` at ``p`` applied to ``v``: ``∇_v grad f``.

        ``Hess f[v] = G⁻¹(∇²f v − C v)``, ``C_ij = Γᵏᵢⱼ ∂ₖf``, with the derivatives of
        ``fun`` by autograd; see :mod:`infogeo.geometry.hessian`.
        """
        from .hessian import hessian_vector

        return hessian_vector(self, p, fun, v)

    def _hessian_from_euclidean(self, p, egrad):
        """``(Hv, v) ↦ Hess f(p)[v]`` from the Euclidean gradient and Hessian products."""
        from .hessian import chart_hessian_map

        return chart_hessian_map(self, p, egrad)


def _make_dask_aware(cls) -> None:
    """Let ``cls``'s own batched pointwise methods take Dask arrays (chunk by chunk)."""
    for name, out_dims in _DASK_METHODS:
        method = cls.__dict__.get(name)
        if callable(method):
            setattr(cls, name, dask_aware(method, out_dims=out_dims))


_make_dask_aware(RiemannianManifold)


def _inside_box(p: np.ndarray, lo_cols, lows, hi_cols, highs) -> bool:
    """Whether every point of ``p`` lies in the open box: all coordinates finite (the
    infinite bounds) and, column by column, above the finite lower and below the finite
    upper bounds. One pass for finiteness and one reduction per finite bound, not a
    boolean array per bound (1e5 Normal points: 0.09 ms instead of 1 ms)."""
    if p.size == 0:
        return True
    if not np.isfinite(p).all():
        return False
    for j, v in zip(lo_cols, lows):
        if not p[..., j].min() > v:
            return False
    for j, v in zip(hi_cols, highs):
        if not p[..., j].max() < v:
            return False
    return True

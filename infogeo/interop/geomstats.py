"""geomstats spaces as infogeo manifolds: :func:`from_geomstats`.

geomstats (https://geomstats.github.io) is imported only when :func:`from_geomstats`
is called, never by ``import infogeo``.

Layout of points
----------------
infogeo keeps the coordinates of a point on the last axis of an array. A geomstats
point of shape ``space.shape`` (``(n + 1,)`` for the n-sphere in ℝⁿ⁺¹, ``(n, n)`` for an
SPD matrix) is stored *flattened*: the adapter's ``dim`` is ``prod(space.shape)``
(the number of ambient coordinates, ``n + 1`` for the sphere, ``n²`` for n×n SPD
matrices), and ``intrinsic_dim`` is geomstats' ``space.dim``. Use
:meth:`GeomstatsManifold.to_geomstats` / :meth:`GeomstatsManifold.from_geomstats_point`
to convert. For open subsets of ℝᵈ (the Poincaré ball, geomstats' information-geometry
families) the two agree and the chart is geomstats' own.

Geometry
--------
Let ``T_p`` be the tangent space at ``p`` (all of ℝᵈ for an open set) and ``⟨·,·⟩_p``
geomstats' inner product on it. The Riemannian gradient of ``f`` is the tangent vector
``v ∈ T_p`` with ``⟨v, u⟩_p = ∇f · u`` for every ``u ∈ T_p``:

* open sets: ``v = G(p)⁻¹ ∇f`` with ``G`` geomstats' metric matrix;
* the sphere with its induced metric: ``v = (I − p pᵀ) ∇f``, the tangent projection;
* SPD matrices with the affine-invariant metric ``⟨U, V⟩_P = tr(P⁻¹ U P⁻¹ V)``:
  ``v = P sym(∇f) P``;
* the probability simplex with the Fisher metric ``Σ uᵢvᵢ / pᵢ``:
  ``v = p ∘ ∇f − p (p · ∇f)``;
* any other embedded space: ``v = Q (QᵀG̃Q)⁻¹ Qᵀ ∇f`` with ``Q`` an orthonormal basis of
  ``T_p`` (from geomstats' ``to_tangent``) and ``QᵀG̃Q`` the Gram matrix of geomstats'
  inner product on it.

``exp``, ``log`` and ``dist`` are geomstats' (closed form where geomstats has one,
geomstats' own numerical solvers otherwise). ``retract`` is ``(p + v) / ‖p + v‖`` on the
sphere, ``P + V + ½ V P⁻¹ V`` on SPD matrices (a second-order retraction that stays
positive definite), and ``exp`` elsewhere.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator

import numpy as np

from .._validation import check_positive
from ..geometry.linalg import solve_spd
from ..geometry.manifold import RiemannianManifold

__all__ = ["GeomstatsManifold", "from_geomstats"]


def _import_geomstats():
    """Import geomstats with the numpy backend (set before the first import)."""
    os.environ.setdefault("GEOMSTATS_BACKEND", "numpy")
    try:
        import geomstats.backend as gs
    except ImportError as exc:  # pragma: no cover - geomstats is a dependency
        raise ImportError(
            "from_geomstats needs geomstats (pip install 'geomstats>=2.8,<2.9')"
        ) from exc
    backend = getattr(gs, "__name__", "")
    if not backend.endswith("numpy"):
        raise RuntimeError(
            "from_geomstats needs geomstats' numpy backend, but geomstats was imported with "
            f"the backend {backend!r}; set GEOMSTATS_BACKEND=numpy before importing geomstats"
        )
    return gs


def from_geomstats(space, *, atol: float = 1e-10) -> GeomstatsManifold:
    """Wrap a geomstats space as an infogeo :class:`~infogeo.RiemannianManifold`.

    The result works with :func:`infogeo.minimize`, ``dist``, ``geodesic`` and
    ``curve_length``. Supported: any geomstats manifold equipped with a Riemannian metric
    whose points are arrays, in particular ``Hypersphere``, ``PoincareBall``,
    ``Hyperboloid``, ``SPDMatrices`` (affine-invariant metric) and the
    information-geometry families (``NormalDistributions``, ``GammaDistributions``,
    ``BetaDistributions``, ``DirichletDistributions``, ``PoissonDistributions``,
    ``ExponentialDistributions``, ``GeometricDistributions``, ``BinomialDistributions``,
    ``CategoricalDistributions``, ``MultinomialDistributions``).

    Points are geomstats points flattened on the last axis (see the module docstring):
    ``dim = prod(space.shape)``.

    Parameters
    ----------
    space
        A geomstats space (a ``geomstats.geometry.manifold.Manifold`` with a ``metric``).
    atol
        Absolute tolerance of the membership test ``belongs`` (e.g. ``|‖p‖ − 1| ≤ atol``
        on the sphere); default 1e-10.

    Raises
    ------
    TypeError
        If ``space`` is not an equipped geomstats manifold.
    """
    atol = check_positive(atol, "atol")
    _import_geomstats()
    from geomstats.geometry.manifold import Manifold

    if not isinstance(space, Manifold):
        raise TypeError(
            f"space must be a geomstats Manifold (e.g. Hypersphere(2)), got {type(space).__name__}"
        )
    if getattr(space, "metric", None) is None:
        raise TypeError(
            f"space {type(space).__name__} has no Riemannian metric; create it with "
            "equip=True or call space.equip_with_metric(...)"
        )
    return GeomstatsManifold(space, atol=atol)


class GeomstatsManifold(RiemannianManifold):
    """A geomstats space seen through the infogeo manifold interface.

    Create it with :func:`from_geomstats`. Points are geomstats points flattened on
    the last axis, shape ``(..., dim)`` with ``dim = prod(space.shape)``.

    Attributes
    ----------
    space
        The wrapped geomstats space; ``space.metric`` is its metric.
    intrinsic_dim : int
        The manifold's dimension (geomstats' ``space.dim``).
    point_shape : tuple of int
        geomstats' shape of one point.
    kind : str
        Which formula the Riemannian gradient uses: ``"open"``, ``"sphere"``,
        ``"spd-affine"``, ``"simplex"`` or ``"embedded"`` (see the module docstring).
    """

    def __init__(self, space, atol: float = 1e-10):
        self._gs = _import_geomstats()
        self.space = space
        self.point_shape = tuple(int(s) for s in space.shape)
        self.intrinsic_dim = int(space.dim)
        self.atol = float(atol)
        super().__init__(int(np.prod(self.point_shape)))
        self.kind = self._classify(space)

    @staticmethod
    def _classify(space) -> str:
        from geomstats.geometry.base import OpenSet
        from geomstats.geometry.hypersphere import Hypersphere, HypersphereMetric
        from geomstats.geometry.spd_matrices import SPDAffineMetric, SPDMatrices
        from geomstats.information_geometry.multinomial import (
            MultinomialDistributions,
            MultinomialMetric,
        )

        metric = space.metric
        if isinstance(space, Hypersphere) and type(metric) is HypersphereMetric:
            return "sphere"
        if (
            isinstance(space, SPDMatrices)
            and isinstance(metric, SPDAffineMetric)
            and getattr(metric, "power_affine", 1) == 1
        ):
            return "spd-affine"
        if isinstance(space, MultinomialDistributions) and isinstance(metric, MultinomialMetric):
            return "simplex"
        if isinstance(space, OpenSet) and len(space.shape) == 1:
            return "open"
        return "embedded"

    def __repr__(self) -> str:
        return f"from_geomstats({type(self.space).__name__}, dim={self.dim})"

    @property
    def coordinate_names(self) -> tuple[str, ...]:
        if len(self.point_shape) == 2:
            n, m = self.point_shape
            return tuple(f"P[{i},{j}]" for i in range(n) for j in range(m))
        return super().coordinate_names

    # ------------------------------------------------------------ conversion
    def to_geomstats(self, p) -> np.ndarray:
        """Reshape flattened points ``(..., dim)`` to geomstats' ``(..., *point_shape)``."""
        p = np.asarray(p, dtype=float)
        return p.reshape(*p.shape[:-1], *self.point_shape)

    def from_geomstats_point(self, x) -> np.ndarray:
        """Flatten geomstats points ``(..., *point_shape)`` to ``(..., dim)``."""
        x = np.asarray(x, dtype=float)
        k = len(self.point_shape)
        return x.reshape(*x.shape[: x.ndim - k], self.dim)

    def _call(self, fn, *arrays) -> np.ndarray:
        """Call a geomstats function returning one array per point (e.g. a matrix)."""
        arrays = np.broadcast_arrays(*arrays)
        batch = arrays[0].shape[:-1]
        if not batch:
            return np.asarray(fn(*[self.to_geomstats(a) for a in arrays]), dtype=float)
        flat = [self.to_geomstats(a.reshape(-1, self.dim)) for a in arrays]
        out = np.asarray(fn(*flat), dtype=float)
        return out.reshape(*batch, *out.shape[1:])

    def _call_points(self, fn, *arrays) -> np.ndarray:
        """Like :meth:`_call` for functions returning points / tangent vectors."""
        arrays = np.broadcast_arrays(*arrays)
        batch = arrays[0].shape[:-1]
        flat = [self.to_geomstats(a.reshape(-1, self.dim)) for a in arrays]
        out = np.asarray(fn(*flat), dtype=float)
        return out.reshape(*batch, self.dim)

    def _call_scalars(self, fn, *arrays) -> np.ndarray:
        """Like :meth:`_call` for functions returning one number per point."""
        arrays = np.broadcast_arrays(*arrays)
        batch = arrays[0].shape[:-1]
        flat = [self.to_geomstats(a.reshape(-1, self.dim)) for a in arrays]
        out = np.asarray(fn(*flat), dtype=float)
        return out.reshape(batch)

    # ------------------------------------------------------------ metric
    def inner(self, p, u, v) -> np.ndarray:
        """geomstats' inner product ``⟨u, v⟩_p`` of tangent vectors, shape ``(...)``.

        Closed forms on the sphere (``u·v``, the ambient product) and for affine-invariant
        SPD matrices (``tr(P⁻¹UP⁻¹V)``), geomstats' ``inner_product`` otherwise.
        """
        p = self._points(p)
        u = self._vectors(u, "u")
        v = self._vectors(v, "v")
        return self._unchecked_inner(p, u, v)

    def _unchecked_inner(self, p, u, v) -> np.ndarray:
        """:meth:`inner` of float64 arrays the caller has validated."""
        if self.kind == "sphere":
            if u.shape != p.shape:
                u = np.broadcast_arrays(p, u)[1]
            return np.add.reduce(u * v, axis=-1)  # np.sum's reduction, without its wrapper
        if self.kind == "spd-affine":
            P, U, V = (self.to_geomstats(a) for a in np.broadcast_arrays(p, u, v))
            n = self.point_shape[0]
            A = np.linalg.solve(P, np.concatenate([U, V], axis=-1))
            return np.einsum("...ij,...ji->...", A[..., :n], A[..., n:])
        ip = self.space.metric.inner_product
        return self._call_scalars(lambda a, b, x: ip(a, b, x), u, v, p)

    def _tangent_basis(self, p: np.ndarray) -> np.ndarray:
        """Orthonormal (Euclidean) basis ``Q`` of ``T_p``, shape ``(..., dim, intrinsic_dim)``."""
        batch = p.shape[:-1]
        flat = p.reshape(-1, self.dim)
        eye = np.eye(self.dim)
        out = np.empty((flat.shape[0], self.dim, self.intrinsic_dim))
        for i, x in enumerate(flat):
            if self.kind == "open":
                out[i] = eye
                continue
            xs = np.broadcast_to(self.to_geomstats(x), (self.dim, *self.point_shape))
            tangents = self.space.to_tangent(self.to_geomstats(eye), xs)
            rows = np.asarray(tangents, dtype=float).reshape(self.dim, self.dim)
            left, _, _ = np.linalg.svd(rows.T)
            out[i] = left[:, : self.intrinsic_dim]
        return out.reshape(*batch, self.dim, self.intrinsic_dim)

    def _tangent_gram(self, p: np.ndarray, Q: np.ndarray) -> np.ndarray:
        """Gram matrix ``⟨Q_a, Q_b⟩_p`` of geomstats' inner product on the basis ``Q``."""
        k = self.intrinsic_dim
        cols = np.swapaxes(Q, -1, -2)
        qa = np.broadcast_to(cols[..., :, None, :], (*Q.shape[:-2], k, k, self.dim))
        qb = np.broadcast_to(cols[..., None, :, :], qa.shape)
        pts = np.broadcast_to(p[..., None, None, :], qa.shape)
        gram = self.inner(pts, qa, qb)
        return 0.5 * (gram + np.swapaxes(gram, -1, -2))

    def metric(self, p) -> np.ndarray:
        """Metric matrix in the flattened ambient coordinates, ``(..., dim, dim)``.

        On open sets geomstats' metric matrix. On embedded spaces a positive-definite
        matrix that gives geomstats' inner product on tangent vectors: ``I`` on the
        sphere, ``P⁻¹ ⊗ P⁻¹`` for affine-invariant SPD, ``diag(1/p)`` (times the number
        of draws) on the simplex, ``Q (QᵀG̃Q) Qᵀ + (I − QQᵀ)`` otherwise. Only its action
        on tangent vectors is geometric.
        """
        p = self._points(p)
        if self.kind == "sphere":
            return np.broadcast_to(np.eye(self.dim), (*p.shape[:-1], self.dim, self.dim)).copy()
        if self.kind == "spd-affine":
            P = self.to_geomstats(p)
            n = self.point_shape[0]
            Pinv = np.linalg.solve(P, np.broadcast_to(np.eye(n), P.shape))
            K = np.einsum("...ik,...jl->...ijkl", Pinv, Pinv)
            return K.reshape(*p.shape[:-1], self.dim, self.dim)
        if self.kind in ("open", "simplex"):
            try:
                return self._call(self.space.metric.metric_matrix, p)
            except NotImplementedError:
                pass
        Q = self._tangent_basis(p)
        gram = self._tangent_gram(p, Q)
        QQ = Q @ np.swapaxes(Q, -1, -2)
        return Q @ gram @ np.swapaxes(Q, -1, -2) + (np.eye(self.dim) - QQ)

    def riemannian_gradient(self, p, egrad, damping: float = 0.0) -> np.ndarray:
        """The tangent vector ``v`` with ``⟨v, u⟩_p = egrad · u`` for all tangent ``u``.

        See the module docstring for the formula used on each kind of space. With
        ``damping = λ > 0`` the Gram matrix on ``T_p`` is replaced by ``G + λI``.
        """
        p = self._points(p)
        egrad = self._vectors(egrad, "egrad")
        return self._unchecked_riemannian_gradient(p, egrad, damping)

    def _unchecked_riemannian_gradient(self, p, egrad, damping: float = 0.0) -> np.ndarray:
        """:meth:`riemannian_gradient` of float64 arrays the caller has validated (the
        solvers' iterates and checked gradients); the damping is still checked."""
        if damping < 0 or not math.isfinite(damping):
            raise ValueError(f"damping must be a finite number >= 0, got {damping}")
        if self.kind == "sphere" and p.ndim == 1 and egrad.ndim == 1:  # one point: dots
            pp = p @ p
            v = egrad - (p @ egrad / pp) * p
            v -= (p @ v / pp) * p
            return v / (1.0 + damping) if damping else v
        p, egrad = np.broadcast_arrays(p, egrad)
        if self.kind == "open":
            G = self.metric(p)
            if damping:
                G = G + damping * np.eye(self.dim)
            return solve_spd(G, egrad, name=f"metric of {self!r}")
        if self.kind == "sphere":
            # (I − ppᵀ)∇f, projected twice so that p·v is at rounding level even when
            # ∇f is nearly radial (near a critical point), keeping ∇f·v = ‖v‖² ≥ 0.
            pp = np.sum(p * p, axis=-1, keepdims=True)
            v = egrad - np.sum(p * egrad, axis=-1, keepdims=True) / pp * p
            v = v - np.sum(p * v, axis=-1, keepdims=True) / pp * p
            return v / (1.0 + damping)
        if self.kind == "spd-affine" and not damping:
            P = self.to_geomstats(p)
            E = self.to_geomstats(egrad)
            S = 0.5 * (E + np.swapaxes(E, -1, -2))
            return self.from_geomstats_point(P @ S @ P)
        if self.kind == "simplex" and not damping:
            n_draws = getattr(self.space, "n_draws", 1)
            mean = np.sum(p * egrad, axis=-1, keepdims=True) / np.sum(p, axis=-1, keepdims=True)
            v = p * (egrad - mean)
            # second pass: make Σv = 0 to rounding level (tangent to the simplex)
            v = v - p * np.sum(v, axis=-1, keepdims=True) / np.sum(p, axis=-1, keepdims=True)
            return v / n_draws
        return self._projected_gradient(p, egrad, damping)

    def _projected_gradient(self, p, egrad, damping: float = 0.0) -> np.ndarray:
        """General formula ``Q (QᵀG̃Q + λI)⁻¹ Qᵀ egrad`` for any embedded space."""
        Q = self._tangent_basis(p)
        gram = self._tangent_gram(p, Q)
        if damping:
            gram = gram + damping * np.eye(self.intrinsic_dim)
        coeffs = solve_spd(
            gram,
            np.einsum("...ak,...a->...k", Q, egrad),
            name=f"metric of {self!r} on the tangent space",
        )
        return np.einsum("...ak,...k->...a", Q, coeffs)

    def to_tangent(self, p, v) -> np.ndarray:
        """geomstats' projection of ambient vectors ``v`` to the tangent space at ``p``."""
        p = self._points(p)
        v = self._vectors(v)
        if self.kind == "open":
            return np.broadcast_arrays(p, v)[1].copy()
        return self._call_points(lambda a, x: self.space.to_tangent(a, x), v, p)

    def christoffel(self, p) -> np.ndarray:
        """geomstats' Christoffel symbols ``[..., k, i, j] = Γᵏᵢⱼ`` (open sets only).

        Raises
        ------
        NotImplementedError
            When geomstats cannot compute them with its numpy backend, or the space is
            embedded (whose chart is not the flattened ambient coordinates).
        """
        p = self._points(p)
        if self.kind != "open":
            raise NotImplementedError(
                f"{self!r} is embedded in ℝ^{self.dim}; Christoffel symbols need a chart"
            )
        try:
            return self._call(self.space.metric.christoffels, p)
        except NotImplementedError as exc:
            raise NotImplementedError(
                f"geomstats cannot compute the Christoffel symbols of {type(self.space).__name__} "
                f"with its numpy backend: {exc}"
            ) from exc
        except Exception as exc:
            if type(exc).__name__ == "AutodiffNotImplementedError":
                raise NotImplementedError(
                    "geomstats computes the Christoffel symbols of "
                    f"{type(self.space).__name__} by automatic differentiation, which its numpy "
                    "backend does not support"
                ) from exc
            raise

    # ------------------------------------------------------------ geodesics
    #: Below this Riemannian norm, ``exp`` on an open set is ``p + v`` (error O(‖v‖²)).
    small_step: float = 1e-6

    def exp(self, p, v) -> np.ndarray:
        """geomstats' exponential map ``exp_p(v)``.

        On open sets, tangent vectors with ``‖v‖_p ≤ small_step`` (1e-6) map to
        ``p + v`` (exact to O(‖v‖²) ≈ 1e-12): geomstats' hyperbolic models (Poincaré
        ball, half-plane, normal distributions) cut tiny vectors off and return nearly
        ``p`` itself for ``‖v‖ ≲ 1e-8``, which would stall an optimizer near its minimum.
        """
        p = self._points(p)
        v = self._vectors(v)
        p, v = np.broadcast_arrays(p, v)
        out = self._call_points(lambda a, x: self.space.metric.exp(a, x), v, p)
        if self.kind == "open":
            tiny = self.norm(p, v) <= self.small_step
            out = np.where(tiny[..., None], p + v, out)
        return out

    def log(self, p, q, *, max_time=None, errors="raise") -> np.ndarray:
        """geomstats' logarithm ``log_p(q)``."""
        p = self.check_point(p)
        q = self.check_point(q, "q")
        return self._call_points(lambda y, x: self.space.metric.log(y, x), q, p)

    def dist(self, p, q, *, max_time=None, errors="raise") -> np.ndarray:
        """geomstats' geodesic distance ``d(p, q)``, shape ``(...)``."""
        p = self.check_point(p)
        q = self.check_point(q, "q")
        return self._call_scalars(lambda x, y: self.space.metric.dist(x, y), p, q)

    def geodesic_points(self, p, v, t) -> np.ndarray:
        """``exp_p(t v)`` for each time in ``t``, shape ``(len(t), dim)``."""
        t = np.asarray(t, dtype=float)
        p = self._points(p)
        v = self._vectors(v)
        return self.exp(np.broadcast_to(p, (t.size, self.dim)), t[:, None] * v)

    def retract(self, p, v) -> np.ndarray:
        """A retraction: ``(p + v)/‖p + v‖`` on the sphere, ``P + V + ½ V P⁻¹ V`` on SPD
        matrices (affine-invariant), ``exp_p(v)`` elsewhere."""
        return self._unchecked_retract(self._points(p), self._vectors(v))

    def _unchecked_retract(self, p, v) -> np.ndarray:
        """:meth:`retract` of float64 arrays the caller has validated (no checks)."""
        if self.kind == "sphere" and p.ndim == 1 and v.ndim == 1:  # one point
            w = p + v
            return w / math.sqrt(w @ w)
        p, v = np.broadcast_arrays(p, v)
        if self.kind == "sphere":
            w = p + v
            return w / np.linalg.norm(w, axis=-1, keepdims=True)
        if self.kind == "spd-affine":
            P = self.to_geomstats(p)
            V = self.to_geomstats(v)
            V = 0.5 * (V + np.swapaxes(V, -1, -2))
            out = P + V + 0.5 * V @ np.linalg.solve(P, V)
            return self.from_geomstats_point(0.5 * (out + np.swapaxes(out, -1, -2)))
        return self.exp(p, v)

    def _retraction_velocity(self, p, v, t, y) -> np.ndarray | None:
        """``d/dt R_p(t v)`` at ``t``, where ``y = R_p(t v)`` (the solvers' line-search
        slope ``∇f(y)ᵀ d/dt R_p(t v)``), for one point; ``None`` where :meth:`retract` has
        no closed-form derivative here. On the unit sphere, with ``w = p + t v``,

            d/dt (w / ‖w‖) = (v − y (y·v)) / ‖w‖.
        """
        if self.kind != "sphere" or p.ndim != 1:
            return None
        w = p + t * v
        return (v - (y @ v) * y) / math.sqrt(w @ w)

    # ------------------------------------------------------------ transport, Hessian
    def parallel_transport(self, p, v, q) -> np.ndarray:
        """Parallel transport of ``v ∈ T_pM`` along the geodesic from ``p`` to ``q``:
        geomstats' closed form where it has one (sphere, SPD, hyperbolic spaces), the
        integration of ``∇_γ̇ V = 0`` of :mod:`infogeo.geometry.transport` on open sets
        otherwise."""
        p = self.check_point(p)
        q = self.check_point(q, "q")
        v = self._vectors(v)
        return self._transport(p, v, end=q)

    def _transport_along_geodesic(self, p, w, v, t) -> np.ndarray:
        t = np.atleast_1d(np.asarray(t, dtype=float))
        p, w, v = np.broadcast_arrays(self._points(p), self._vectors(w), self._vectors(v))
        steps = [self._transport(p, v, direction=ti * w) for ti in t]
        return np.stack(steps, axis=-2)

    def _transport(self, p, v, end=None, direction=None) -> np.ndarray:
        metric = self.space.metric
        try:
            if end is not None:
                fn = lambda a, x, y: metric.parallel_transport(a, x, end_point=y)  # noqa: E731
                return self._call_points(fn, v, p, end)
            fn = lambda a, x, d: metric.parallel_transport(a, x, direction=d)  # noqa: E731
            return self._call_points(fn, v, p, direction)
        except NotImplementedError:
            if self.kind != "open":
                raise NotImplementedError(
                    f"geomstats has no parallel transport for {type(self.space).__name__}"
                ) from None
        if end is not None:
            return super().parallel_transport(p, v, end)
        return super()._transport_along_geodesic(p, direction, v, np.array([1.0]))[..., 0, :]

    def vector_transport(self, p, v, q) -> np.ndarray:
        """First-order vector transport: the projection of ``v`` onto ``T_qM``
        (``v − (q·v) q`` on the unit sphere; the identity on open sets and SPD matrices,
        whose tangent spaces are all of ℝᵈ or the symmetric matrices)."""
        p, v, q = self._points(p), self._vectors(v), self._points(q, "q")
        return self._unchecked_vector_transport(p, v, q)

    def _unchecked_vector_transport(self, p, v, q) -> np.ndarray:
        """:meth:`vector_transport` of float64 arrays the caller has validated."""
        if self.kind == "sphere" and v.ndim == 1 and q.ndim == 1:  # one vector: dots
            return v - (q @ v / (q @ q)) * q
        if not (p.ndim == 1 and q.ndim == 1):  # one p and q: v has the broadcast shape
            p, v, q = np.broadcast_arrays(p, v, q)
        if self.kind in ("open", "spd-affine"):
            return v.copy()
        if self.kind == "sphere":
            return v - np.sum(q * v, axis=-1, keepdims=True) * q / np.sum(q * q, -1, keepdims=True)
        return self.to_tangent(q, v)

    def _hessian_from_euclidean(self, p, egrad):
        """``(Hv, v) ↦ Hess f[v]``: ``P_p(Hv) − (p·∇f) v`` on the unit sphere,
        ``P sym(Ḣ) P + sym(V sym(∇f) P)`` on SPD matrices (affine-invariant), the chart
        formula on open sets."""
        egrad = np.asarray(egrad, dtype=float)
        if self.kind == "sphere":
            radial = float(p @ egrad)

            def sphere(hv, v):
                hv = np.asarray(hv, dtype=float)
                # np.sum's reduction without its wrapper (it runs per Hessian product)
                proj = hv - np.add.reduce(hv * p, axis=-1, keepdims=True) * p
                return proj - radial * v

            return sphere
        if self.kind == "spd-affine":
            P = self.to_geomstats(p)
            E = self.to_geomstats(egrad)
            SE = 0.5 * (E + E.T)

            def spd(hv, v):
                H = self.to_geomstats(np.asarray(hv, dtype=float))
                V = self.to_geomstats(np.asarray(v, dtype=float))
                A = V @ SE @ P
                out = P @ (0.5 * (H + np.swapaxes(H, -1, -2))) @ P
                return self.from_geomstats_point(out + 0.5 * (A + np.swapaxes(A, -1, -2)))

            return spd
        if self.kind == "open":
            return super()._hessian_from_euclidean(p, egrad)
        raise NotImplementedError(
            f"the Riemannian Hessian on {type(self.space).__name__} (embedded) is not "
            "implemented; use a solver that needs gradients only"
        )

    # ------------------------------------------------------------ curves
    def _polyline(self, curve) -> np.ndarray:
        pts = self._points(curve, "curve")
        if pts.ndim != 2 or pts.shape[0] < 2:
            raise ValueError(
                f"a polyline must be an (n, {self.dim}) array with n >= 2, got shape {pts.shape}"
            )
        return self.check_point(pts, "curve")

    def curve_length(self, curve, t0: float = 0.0, t1: float = 1.0, **options) -> float:
        """Length of a curve: a callable as in :meth:`RiemannianManifold.curve_length`;
        on an embedded space an ``(n, dim)`` polyline is read as piecewise geodesic,
        ``L = Σ d(xᵢ, xᵢ₊₁)`` (chord midpoints would leave the manifold)."""
        if callable(curve) or self.kind == "open":
            return super().curve_length(curve, t0, t1, **options)
        pts = self._polyline(curve)
        return float(np.sum(self.dist(pts[:-1], pts[1:])))

    def energy(self, curve, t0: float = 0.0, t1: float = 1.0, **options) -> float:
        """Energy ``½∫‖γ′‖²dt``; an embedded polyline (piecewise geodesic, points at
        equally spaced times on ``[t0, t1]``) gives ``½ Σ d(xᵢ, xᵢ₊₁)² / h``."""
        if callable(curve) or self.kind == "open":
            return super().energy(curve, t0, t1, **options)
        pts = self._polyline(curve)
        if not (np.isfinite(t0) and np.isfinite(t1) and t0 < t1):
            raise ValueError(f"need finite t0 < t1, got t0={t0}, t1={t1}")
        h = (t1 - t0) / (pts.shape[0] - 1)
        return float(0.5 * np.sum(self.dist(pts[:-1], pts[1:]) ** 2) / h)

    # ------------------------------------------------------------ domain
    def _violations(self, p: np.ndarray) -> Iterator[tuple[np.ndarray, str, np.ndarray]]:
        belongs = self._call_scalars(
            lambda x: self.space.belongs(x, atol=self.atol), p.reshape(-1, self.dim)
        ).astype(bool)
        bad = ~belongs.reshape(p.shape[:-1])
        name = type(self.space).__name__
        if self.kind == "sphere":
            yield bad, f"‖p‖ = 1 (|‖p‖² − 1| ≤ {self.atol:g})", np.linalg.norm(p, axis=-1)
        elif self.kind == "spd-affine":
            P = self.to_geomstats(p)
            asym = np.max(np.abs(P - np.swapaxes(P, -1, -2)), axis=(-1, -2))
            sym = 0.5 * (P + np.swapaxes(P, -1, -2))
            low = np.linalg.eigvalsh(sym)[..., 0]
            yield bad & (asym > self.atol), f"a symmetric matrix (to {self.atol:g})", asym
            yield bad, "a positive-definite matrix (smallest eigenvalue > 0)", low
        elif self.kind == "simplex":
            yield (
                bad,
                f"positive entries summing to 1 (to {self.atol:g})",
                np.where(np.any(p <= 0, axis=-1), np.min(p, axis=-1), np.sum(p, axis=-1)),
            )
        else:
            yield bad, f"a point of geomstats' {name} ({name}.belongs)", p

    def check_point(self, p, name: str = "p") -> np.ndarray:
        """Validate points (one geomstats ``belongs`` call when they are fine); raise
        ``ValueError`` naming the broken constraint otherwise."""
        p = self._points(p, name)
        if np.all(self.belongs(p)):
            return p
        return super().check_point(p, name)

    def _contains_point(self, p) -> bool:
        """Whether :meth:`check_point` accepts ``p``, a float64 array the caller made
        (a solver's trial point), answered without raising. One point on the sphere:
        ``|‖p‖² − 1| ≤ atol`` with ``‖p‖²`` finite, which also rejects NaN/inf entries."""
        if self.kind == "sphere" and p.ndim == 1:
            sq = p @ p
            return math.isfinite(sq) and abs(sq - 1.0) <= self.atol
        return bool(np.isfinite(p).all() and np.all(self.belongs(p)))

    def belongs(self, p) -> np.ndarray:
        """Whether each point is finite and passes geomstats' ``belongs`` (to ``atol``)."""
        p = np.asarray(p, dtype=float)
        if p.ndim == 0 or p.shape[-1] != self.dim:
            raise ValueError(f"p must have shape (..., {self.dim}), got shape {p.shape}")
        if self.kind == "sphere" and p.ndim == 1:  # one point: |‖p‖² − 1| ≤ atol
            sq = p @ p
            return np.bool_(math.isfinite(sq) and abs(sq - 1.0) <= self.atol)
        ok = np.all(np.isfinite(p), axis=-1)
        if self.kind == "sphere":  # geomstats' test |‖p‖² − 1| ≤ atol, without its overhead
            sq = np.sum(np.where(ok[..., None], p, 0.0) ** 2, axis=-1)
            return ok & (np.abs(sq - 1.0) <= self.atol)
        safe = p if np.all(ok) else np.where(ok[..., None], p, self._interior_point())
        member = self._call_scalars(
            lambda x: self.space.belongs(x, atol=self.atol), safe.reshape(-1, self.dim)
        )
        return ok & member.reshape(p.shape[:-1]).astype(bool)

    def random_point(self, size=None, rng=None) -> np.ndarray:
        """geomstats' ``random_point``, shape ``(*size, dim)`` (``(dim,)`` if None).

        geomstats draws from numpy's global generator; with ``rng`` given, that global
        state is seeded from ``rng`` for the draw and restored afterwards.
        """
        rng = np.random.default_rng(rng)
        shape = () if size is None else (size,) if np.isscalar(size) else tuple(size)
        n = int(np.prod(shape)) if shape else 1
        saved = np.random.get_state()  # noqa: NPY002 (geomstats uses the global state)
        try:
            np.random.seed(int(rng.integers(2**32)))  # noqa: NPY002
            pts = np.asarray(self.space.random_point(n), dtype=float)
        finally:
            np.random.set_state(saved)  # noqa: NPY002
        return pts.reshape(*shape, self.dim)

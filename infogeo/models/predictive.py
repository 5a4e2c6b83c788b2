"""Predictive models p(y | x, w) as Riemannian manifolds over the weights w.

A family of distributions with parameters ``η`` (a statistical manifold, metric the
Fisher information ``F(η)``) and a predictor ``η = predict(w, x)`` define the model
``p(y | x, w) = p(y | predict(w, x))``. The natural metric on the weights is the
pull-back of the Fisher metric averaged over the data,

    G(w) = (1/n) Σᵢ Jᵢᵀ F(ηᵢ) Jᵢ,        ηᵢ = predict(w, xᵢ),  Jᵢ = ∂ηᵢ/∂w,

the Fisher information of the conditional model (equal to the generalized
Gauss–Newton matrix of the mean negative log-likelihood). Natural gradient descent
on the model is Riemannian gradient descent on this manifold.
"""

from __future__ import annotations

import copy
from collections.abc import Callable

import autograd
import autograd.numpy as anp
import numpy as np

from .._validation import as_float_array, check_positive, check_positive_int
from ..geometry.linalg import solve_spd
from ..geometry.manifold import RiemannianManifold
from .fisher_vector import conjugate_gradient, dense_pullback_metric, pullback_fvp
from .kfac import KFAC, KroneckerFactors

__all__ = ["PredictiveModel"]

_SOLVERS = ("auto", "dense", "cg", "kfac")
_PRECONDITIONERS = ("jacobi", "kfac", None)
#: names of ``NaturalGradientDescent(model, metric=...)`` → the model's ``solver``
METRICS = {"exact": "dense", "fvp": "cg", "kfac": "kfac", "auto": "auto"}
#: ``solver="auto"`` switches to matrix-free CG when ``n · p · dim`` exceeds this
#: (the dense Jacobian of the generic model would need more than ~400 MB).
_DENSE_MAX_JACOBIAN = 50_000_000
#: CG tolerance of a direct solve when ``cg_tol`` is not given
_CG_TOL = 1e-10


class PredictiveModel(RiemannianManifold):
    """A conditional model ``p(y | x, w) = family(predict(w, x))`` over weights ``w``.

    Parameters
    ----------
    family
        A statistical manifold (e.g. ``ig.Bernoulli()``) providing batched
        ``fisher(η)`` (``(n, p)`` → ``(n, p, p)``) and ``log_prob(y, η)``, with ``η``
        in its coordinates (``p = family.dim``).
    predict
        ``predict(w, X) → η``, shape ``(n, p)`` (or ``(n,)`` when ``p = 1``),
        vectorized over the rows of ``X`` and written with ``autograd.numpy`` so that
        its Jacobian in ``w`` can be taken.
    X
        Inputs, an array whose first axis indexes the ``n`` examples.
    y
        Targets, first axis of length ``n``, in the family's support.
    w0
        Starting weights, shape ``(dim,)``; sets ``dim`` and :meth:`initial_point`.
    dim
        Number of weights when ``w0`` is not given (the start is then ``0``). One of
        ``w0`` / ``dim`` is required: the weight count cannot be read off ``predict``.
    solver
        How :meth:`riemannian_gradient` solves ``(G + λI) x = ∇f``: ``"dense"``
        (form ``G``, Cholesky), ``"cg"`` (matrix-free conjugate gradient with
        :meth:`fisher_vector_product`, memory ``O(n p + dim)``), ``"kfac"`` (the
        Kronecker-factored approximation of :mod:`infogeo.models.kfac`; models with
        dense layers only) or ``"auto"`` (default): ``"cg"`` when ``dim >
        max_dense_dim`` or the dense Jacobian would hold more than 5·10⁷ numbers.
    max_dense_dim
        Dimension above which ``"auto"`` uses CG (default 500).
    cg_tol, cg_maxiter
        Relative residual tolerance and iteration cap (default ``max(10·dim, 100)``)
        of the CG solve; a solve that misses the tolerance raises
        :class:`~infogeo.ConvergenceError`. ``cg_tol=None`` (default) means 1e-10 for
        a direct call of :meth:`riemannian_gradient`, and the inexact-Newton forcing
        sequence ``η = min(0.5, √‖∇f‖₂)`` (floored at 1e-10) inside
        :class:`~infogeo.NaturalGradientDescent` (see :attr:`cg_forcing`).
    preconditioner
        Of the CG solve: ``"jacobi"`` (default; the metric's diagonal when the model
        has it cheaply), ``"kfac"`` (the damped Kronecker-factored metric, models with
        dense layers only) or ``None``.
    kfac
        Options of :class:`~infogeo.models.kfac.KFAC` as a dict (``damping``,
        ``update_every``, ``decay``, ``batch_size``, ``rescale``, ``seed``), used by
        ``solver="kfac"`` and ``preconditioner="kfac"``.

    Notes
    -----
    ``nll(w) = −(1/n) Σᵢ log p(yᵢ | ηᵢ)``; ``nll_grad`` is its autograd gradient.
    The metric is positive semi-definite; it is singular when the weights are not
    identifiable from the data (then pass ``damping=λ > 0``).
    """

    def __init__(
        self,
        family,
        predict: Callable,
        X,
        y,
        *,
        w0=None,
        dim: int | None = None,
        solver: str = "auto",
        max_dense_dim: int = 500,
        cg_tol: float | None = None,
        cg_maxiter: int | None = None,
        preconditioner: str | None = "jacobi",
        kfac: dict | None = None,
    ):
        if w0 is None and dim is None:
            raise TypeError(
                "PredictiveModel needs the number of weights: pass w0=<array of shape (dim,)> "
                "or dim=<int>"
            )
        if w0 is not None:
            w0 = as_float_array(w0, "w0")
            if w0.ndim != 1:
                raise ValueError(f"w0 must be a 1-d array of weights, got shape {w0.shape}")
            if dim is not None and check_positive_int(dim, "dim") != w0.shape[0]:
                raise ValueError(f"dim = {dim} disagrees with w0 of length {w0.shape[0]}")
            dim = w0.shape[0]
        super().__init__(dim)
        self._w0 = np.zeros(self.dim) if w0 is None else w0.copy()
        if not callable(predict):
            raise TypeError(f"predict must be a callable predict(w, X), got {predict!r}")
        self.family = family
        self.predict = predict
        self._configure_solver(solver, max_dense_dim, cg_tol, cg_maxiter)
        self._configure_kfac(preconditioner, kfac)
        self.X, self.y = self._validate_data(X, y)
        self._check_support()

    # ------------------------------------------------------------ set-up
    def _configure_solver(self, solver, max_dense_dim, cg_tol, cg_maxiter) -> None:
        if solver not in _SOLVERS:
            raise ValueError(f"solver must be one of {_SOLVERS}, got {solver!r}")
        self.solver = solver
        self.max_dense_dim = check_positive_int(max_dense_dim, "max_dense_dim")
        self.cg_tol = None if cg_tol is None else check_positive(cg_tol, "cg_tol")
        self.cg_maxiter = (
            None if cg_maxiter is None else check_positive_int(cg_maxiter, "cg_maxiter")
        )
        #: CG iterations used by the last matrix-free solve (``None`` before any).
        self.last_cg_iterations: int | None = None

    def _configure_kfac(self, preconditioner, kfac) -> None:
        if preconditioner not in _PRECONDITIONERS:
            raise ValueError(
                f"preconditioner must be one of {_PRECONDITIONERS}, got {preconditioner!r}"
            )
        self.preconditioner = preconditioner
        if kfac is not None and not isinstance(kfac, dict):
            raise TypeError(f"kfac must be a dict of K-FAC options, got {type(kfac).__name__}")
        try:
            #: the K-FAC state (factors, update counter) of ``solver="kfac"``
            self.kfac = KFAC(**(kfac or {}))
        except TypeError as exc:
            raise TypeError(
                f"unknown K-FAC option in kfac={kfac!r}: {exc}; valid options are "
                f"{sorted(KFAC().options())}"
            ) from exc
        uses_kfac = self.solver == "kfac" or preconditioner == "kfac"
        if uses_kfac and not self.supports_kfac:
            raise ValueError(
                f"{type(self).__name__} has no Kronecker-factored metric; solver='kfac' and "
                "preconditioner='kfac' need a model made of dense layers (MLPClassifier, "
                "SoftmaxRegression)"
            )

    #: whether the model implements :meth:`_kfac_factors`
    supports_kfac = False

    #: With ``cg_tol=None``: solve ``(G + λI) x = ∇f`` by CG only to the relative
    #: residual ``η = min(0.5, √‖∇f‖₂)`` (floored at 1e-10), the forcing sequence of
    #: inexact (truncated) Newton methods (Dembo, Eisenstat & Steihaug 1982; Nocedal &
    #: Wright, *Numerical Optimization*, §7.1): loose far from the optimum, where an
    #: exact direction is wasted, and tightening as ``∇f → 0``, so the iteration keeps
    #: its fast local convergence. :class:`~infogeo.NaturalGradientDescent` turns it on
    #: for the copy it runs on (``with_metric(..., cg_forcing=True)``); a direct call of
    #: :meth:`riemannian_gradient` on a model built as usual solves to 1e-10.
    cg_forcing = False

    def _cg_tolerance(self, egrad: np.ndarray) -> float:
        """The relative residual the CG solve of ``(G + λI) x = egrad`` stops at."""
        if self.cg_tol is not None:
            return self.cg_tol
        if not self.cg_forcing:
            return _CG_TOL
        return float(min(0.5, max(_CG_TOL, np.sqrt(np.linalg.norm(egrad)))))

    def with_metric(self, metric: str, **kfac_options) -> PredictiveModel:
        """A copy of the model whose natural gradient uses ``metric``, with fresh state.

        ``metric`` is ``"exact"`` (the dense pull-back metric, Cholesky), ``"fvp"``
        (Fisher-vector products and conjugate gradient), ``"kfac"`` (Kronecker-factored
        approximation), ``"auto"``, or one of the ``solver`` names. ``kfac_options``
        update the :class:`~infogeo.models.kfac.KFAC` options (``damping``,
        ``update_every``, ``decay``, ``batch_size``, ``rescale``, ``seed``),
        ``preconditioner`` that of the CG solve and ``cg_forcing`` (bool) turns the
        inexact-Newton CG tolerance on or off (see :attr:`cg_forcing`).
        """
        if metric not in METRICS and metric not in _SOLVERS:
            raise ValueError(
                f"metric must be one of {sorted(METRICS)} (or a solver name {_SOLVERS}), "
                f"got {metric!r}"
            )
        out = copy.copy(self)
        preconditioner = kfac_options.pop("preconditioner", self.preconditioner)
        out.cg_forcing = bool(kfac_options.pop("cg_forcing", self.cg_forcing))
        out._configure_solver(
            METRICS.get(metric, metric), self.max_dense_dim, self.cg_tol, self.cg_maxiter
        )
        out._configure_kfac(preconditioner, {**self.kfac.options(), **kfac_options})
        return out

    def _kfac_factors(self, w: np.ndarray, rows) -> KroneckerFactors:
        """The Kronecker factors at ``w`` estimated on the examples ``rows`` (None: all)."""
        raise NotImplementedError

    def _kfac_current(self, w: np.ndarray) -> KroneckerFactors:
        return self.kfac.current_factors(
            lambda: self._kfac_factors(w, self.kfac.rows(self.n_samples)), w
        )

    def _validate_data(self, X, y) -> tuple[np.ndarray, np.ndarray]:
        X = as_float_array(X, "X")
        if X.ndim == 0:
            raise ValueError("X must have a first axis indexing the examples, got a scalar")
        y = as_float_array(y, "y")
        if y.ndim == 0:
            raise ValueError("y must have a first axis indexing the examples, got a scalar")
        if X.shape[0] != y.shape[0]:
            raise ValueError(
                f"X and y must have the same number of rows (examples), got X with "
                f"{X.shape[0]} and y with {y.shape[0]}"
            )
        if X.shape[0] == 0:
            raise ValueError("X and y must hold at least one example, got 0")
        return X, y

    def _check_support(self) -> None:
        """Reject targets outside the family's support (ValueError naming ``y``).

        Uses the family's own data check when it has one (``check_data`` /
        ``_check_data``), and otherwise requires ``log p(yᵢ | ηᵢ)`` to be finite at
        the start weights.
        """
        for attr in ("check_data", "_check_data"):
            check = getattr(self.family, attr, None)
            if callable(check):
                try:
                    check(self.y)
                except ValueError as exc:
                    raise ValueError(f"y is outside the support of {self.family!r}: {exc}") from exc
                return
        eta = self._outputs(self._w0)
        with np.errstate(all="ignore"):
            logp = np.asarray(self.family.log_prob(self._family_y(), eta))
        bad = ~np.isfinite(logp)
        if np.any(bad):
            i = int(np.argwhere(bad.reshape(bad.shape[0], -1).any(axis=1))[0, 0])
            raise ValueError(
                f"y[{i}] = {self.y[i]} has zero probability under {self.family!r} at the start "
                "weights: expected targets in the family's support"
            )

    def _family_y(self):
        return self.y

    # ------------------------------------------------------------ basics
    def __repr__(self) -> str:
        return f"{type(self).__name__}(n={self.n_samples}, dim={self.dim})"

    @property
    def n_samples(self) -> int:
        """Number of examples ``n``."""
        return int(self.X.shape[0])

    def initial_point(self) -> np.ndarray:
        """Starting weights: ``w0`` when given, else zeros (subclasses may do better)."""
        return self._w0.copy()

    def subset(self, index) -> PredictiveModel:
        """The same model on the examples ``X[index]``, ``y[index]`` (a minibatch).

        No revalidation: the rows were checked when the model was built. Checks for
        perfectly separated classes (``check_separation``) are off on the subset: a
        small minibatch can be separable when the full data are not.
        """
        out = copy.copy(self)
        out.X = self.X[index]
        out.y = self.y[index]
        if out.X.shape[0] == 0:
            raise ValueError("index selects no examples")
        out.last_cg_iterations = None
        if hasattr(out, "check_separation"):
            out.check_separation = False
        return out

    def _weights(self, w, name: str = "w") -> np.ndarray:
        w = self._points(w, name)
        if w.ndim != 1:
            raise ValueError(
                f"{name} must be one weight vector of shape ({self.dim},), got {w.shape}"
            )
        return w

    # ------------------------------------------------------------ model hooks
    def _outputs(self, w):
        """``η = predict(w, X)`` as ``(n, p)`` (autograd-traceable in ``w``)."""
        eta = self.predict(w, self.X)
        if anp.ndim(eta) == 1:
            eta = anp.reshape(eta, (-1, 1))
        return eta

    def _output_metric(self, eta: np.ndarray) -> np.ndarray:
        """Per-row output metric ``F(ηᵢ)``, ``(n, p, p)``."""
        F = np.asarray(self.family.fisher(eta))
        p = eta.shape[-1]
        return F.reshape(eta.shape[0], p, p)

    def _apply_output_metric(self, eta: np.ndarray, u: np.ndarray) -> np.ndarray:
        """``F(ηᵢ) uᵢ`` row by row, ``(n, p)``."""
        return np.einsum("npq,nq->np", self._output_metric(eta), u)

    def _nll(self, w):
        """Mean negative log-likelihood, autograd-traceable in ``w``."""
        return -anp.mean(self.family.log_prob(self._family_y(), self._outputs(w)))

    def _metric_gram(self, w: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
        """``V ↦ V G Vᵀ`` for a few vectors (rows of ``V``); default by products."""
        op = self._fvp_operator(w)
        return lambda V: V @ np.stack([op(v) for v in V]).T

    def _l2_value(self) -> float:
        """The ridge penalty ``l2`` folded into the metric (0 for generic models)."""
        return float(getattr(self, "l2", 0.0) or 0.0)

    def _metric_diagonal(self, w: np.ndarray) -> np.ndarray | None:
        """Diagonal of ``G(w)`` for Jacobi preconditioning, when cheap (else None)."""
        return None

    def _metric_single(self, w: np.ndarray) -> np.ndarray:
        return dense_pullback_metric(self._outputs, self._output_metric, w)

    def _fvp_operator(self, w: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
        return pullback_fvp(self._outputs, self._apply_output_metric, w)

    # ------------------------------------------------------------ public API
    def nll(self, w) -> float:
        """Mean negative log-likelihood ``−(1/n) Σᵢ log p(yᵢ | xᵢ, w)``.

        ``+inf`` where some ``ηᵢ = predict(w, xᵢ)`` leaves the family's domain (the
        likelihood is zero there), so that a line search can shorten a step that
        overshoots, e.g. a negative Poisson rate under an identity link.
        """
        w = self._weights(w)
        try:
            return float(self._nll(w))
        except ValueError:
            belongs = getattr(self.family, "belongs", None)
            if belongs is None or np.all(belongs(np.asarray(self._outputs(w)))):
                raise
            return np.inf

    def nll_grad(self, w) -> np.ndarray:
        """Euclidean gradient of :meth:`nll` (autograd unless a subclass has a closed form)."""
        return np.asarray(autograd.grad(self._nll)(self._weights(w)), dtype=float)

    def metric(self, w) -> np.ndarray:
        """Pull-back Fisher metric ``(1/n) Σᵢ Jᵢᵀ F(ηᵢ) Jᵢ``, shape ``(..., dim, dim)``.

        Forms the ``dim × dim`` matrix; for large ``dim`` use
        :meth:`fisher_vector_product` instead. The generic metric is built from
        forward-mode products and cannot itself be differentiated by autograd, so
        :meth:`christoffel` (and the numerical :meth:`exp`) are available only on the
        closed-form GLMs; optimizers use :meth:`retract` (``w + v``).
        """
        if isinstance(w, anp.numpy_boxes.ArrayBox):
            raise NotImplementedError(
                f"the metric of {self!r} cannot be differentiated by autograd, so Christoffel "
                "symbols and the numerical exp are unavailable; use retract (w + v)"
            )
        w = self._points(w, "w")
        flat = w.reshape(-1, self.dim)
        out = np.stack([self._metric_single(x) for x in flat])
        return out.reshape(*w.shape[:-1], self.dim, self.dim)

    def fisher_vector_product(self, w, v) -> np.ndarray:
        """``G(w) v`` without forming ``G`` (one forward and one reverse product).

        ``v`` has shape ``(dim,)`` or ``(m, dim)`` (several vectors at one ``w``).
        """
        w = self._weights(w)
        v = self._vectors(v, "v")
        op = self._fvp_operator(w)
        if v.ndim == 1:
            return op(v)
        return np.stack([op(row) for row in v.reshape(-1, self.dim)]).reshape(v.shape)

    def resolved_solver(self) -> str:
        """The solver ``"auto"`` resolves to for this model (``"dense"`` or ``"cg"``)."""
        if self.solver != "auto":
            return self.solver
        if self._output_width is None:
            self._output_width = int(np.shape(self._outputs(self._w0))[-1])
        too_big = self.n_samples * self._output_width * self.dim > _DENSE_MAX_JACOBIAN
        return "cg" if self.dim > self.max_dense_dim or too_big else "dense"

    #: ``p``, the number of outputs per example (computed on first use).
    _output_width: int | None = None

    def riemannian_gradient(self, w, egrad, damping: float = 0.0, solver: str | None = None):
        """Natural gradient ``(G(w) + λI)⁻¹ ∇f`` by a dense or matrix-free solve.

        Parameters
        ----------
        w, egrad
            Weights and Euclidean gradient, ``(..., dim)`` (batches are looped).
        damping
            ``λ ≥ 0`` added to the metric (Levenberg–Marquardt / Tikhonov damping).
        solver
            ``"dense"``, ``"cg"`` or ``None`` (the model's ``solver`` option).

        Raises
        ------
        ValueError
            If the dense metric is not positive definite (the weights are not
            identifiable at ``w``); the message suggests damping.
        ConvergenceError
            If the CG solve misses ``cg_tol`` within ``cg_maxiter`` iterations.
        """
        w = self._points(w, "w")
        egrad = self._vectors(egrad, "egrad")
        if not np.isfinite(damping) or damping < 0:
            raise ValueError(f"damping must be a finite number >= 0, got {damping}")
        solver = self.resolved_solver() if solver is None else solver
        if solver not in ("dense", "cg", "kfac"):
            raise ValueError(f"solver must be 'dense', 'cg' or 'kfac', got {solver!r}")
        if solver == "kfac" and not self.supports_kfac:
            raise ValueError(f"{type(self).__name__} has no Kronecker-factored metric")
        w, egrad = np.broadcast_arrays(w, egrad)
        if w.ndim > 1:
            flat_w = w.reshape(-1, self.dim)
            flat_g = egrad.reshape(-1, self.dim)
            out = [self.riemannian_gradient(a, b, damping, solver) for a, b in zip(flat_w, flat_g)]
            return np.stack(out).reshape(w.shape)
        if solver == "dense":
            G = self._metric_single(w)
            if damping:
                G = G + damping * np.eye(self.dim)
            return solve_spd(G, egrad, name=f"pull-back Fisher metric of {self!r}")
        if solver == "kfac":
            factors = self._kfac_current(w)
            gram = None
            if self.kfac.rescale:  # the exact G + λI for the quadratic model
                base = self._metric_gram(w)
                gram = (lambda V: base(V) + damping * (V @ V.T)) if damping else base
            return self.kfac.direction(factors, egrad, damping + self._l2_value(), gram, w)
        op = self._fvp_operator(w)
        pre = None
        if self.preconditioner == "kfac":
            factors = self._kfac_current(w)
            shift = damping + self._l2_value()
            pre = lambda v: factors.solve(v, shift, relative=self.kfac.damping)  # noqa: E731
        elif self.preconditioner == "jacobi":
            diag = self._metric_diagonal(w)
            pre = None if diag is None else diag + damping
            if pre is not None and not np.all(pre > 0):
                pre = None

        def matvec(v):
            return op(v) + damping * v if damping else op(v)

        x, its = conjugate_gradient(
            matvec,
            egrad,
            tol=self._cg_tolerance(egrad),
            maxiter=self.cg_maxiter,
            preconditioner=pre,
            name=f"pull-back Fisher metric of {self!r}",
        )
        self.last_cg_iterations = its
        return x

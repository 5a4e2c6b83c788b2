"""Ready-made generalized linear models with closed-form pull-back Fisher metrics.

For a canonical (natural) link the linear predictor ``zᵢ = xᵢ·w`` is the natural
parameter, the per-example Fisher information in ``z`` is the variance
``Var(yᵢ | zᵢ)``, and the pull-back metric is

    G(w) = (1/n) Xᵀ diag(sᵢ) X,

with ``sᵢ = pᵢ(1 − pᵢ)`` (logistic), ``λᵢ = exp(zᵢ)`` (Poisson, log link) or
``1/σ²`` (linear, Normal with known σ). For K-class softmax regression it is the
multinomial Gauss–Newton matrix ``(1/n) Σᵢ (xᵢxᵢᵀ) ⊗ (diag(pᵢ) − pᵢpᵢᵀ)``.
Natural gradient descent with step 1 on these models is Fisher scoring (IRLS).

Every model here forms ``G`` in ``O(n d²)`` or applies it to a vector in ``O(n d)``
(``O(n d K)`` for softmax), so ``solver="cg"`` runs matrix-free with a Jacobi
preconditioner (softmax: a Kronecker-factored one, see :class:`SoftmaxRegression`).
"""

from __future__ import annotations

import functools

import autograd.numpy as anp
import numpy as np
import scipy.linalg.blas
import scipy.special

from .._validation import as_float_array, check_class_labels, check_positive
from ..exceptions import ConvergenceError, NonFiniteError
from .kfac import Block, KroneckerFactors
from .predictive import PredictiveModel

__all__ = [
    "LinearRegression",
    "LogisticRegression",
    "PoissonRegression",
    "SoftmaxRegression",
    "linear_regression",
    "logistic_regression",
    "poisson_regression",
    "softmax_regression",
]

_LOG_2PI = float(np.log(2.0 * np.pi))


def _design(X, intercept: bool) -> np.ndarray:
    X = as_float_array(X, "X")
    if X.ndim == 1:
        X = X[:, None]
    if X.ndim != 2:
        raise ValueError(f"X must be a 2-d array (n examples, d features), got shape {X.shape}")
    if intercept:
        X = np.hstack([np.ones((X.shape[0], 1)), X])
    return X


def _check_l2(l2) -> float:
    if l2 == 0:
        return 0.0
    return check_positive(l2, "l2")


def _sigmoid(z):
    """Logistic function ``1 / (1 + e^{−z})`` without overflow for any finite ``z``."""
    e = anp.exp(-anp.abs(z))
    return anp.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


#: rows of ``diag(√s) X`` formed at a time by :func:`_weighted_gram` (a cache-sized
#: buffer instead of an ``(n, d)`` copy: 250,000 × 20 rows 19 → 14 ms)
_GRAM_ROWS = 8192


def _weighted_gram(X: np.ndarray, s: np.ndarray) -> np.ndarray:
    """``Σᵢ sᵢ xᵢxᵢᵀ = AᵀA`` with ``A = diag(√s) X`` for ``s ≥ 0`` by BLAS ``syrk``
    (half the flops of a general product), accumulated over blocks of ``_GRAM_ROWS``
    rows of ``A`` formed in one reused buffer. Each block is C-contiguous, so its
    transpose is the Fortran-ordered matrix BLAS wants: no transposed copy is made."""
    n, d = X.shape
    root = np.sqrt(s)
    buf = np.empty((min(n, _GRAM_ROWS), d))
    upper = np.zeros((d, d), order="F")
    for lo in range(0, n, _GRAM_ROWS):
        hi = min(lo + _GRAM_ROWS, n)
        block = buf[: hi - lo]
        np.multiply(X[lo:hi], root[lo:hi, None], out=block)
        upper = scipy.linalg.blas.dsyrk(1.0, block.T, beta=1.0, c=upper, overwrite_c=1)
    return np.triu(upper) + np.triu(upper, 1).T


def _try_family(name: str, *args):
    """The statistics family ``name`` when infogeo.statistics provides it, else None."""
    try:
        from .. import statistics
    except ImportError:  # pragma: no cover - statistics is part of the package
        return None
    cls = getattr(statistics, name, None)
    return cls(*args) if cls is not None else None


def _refuse_separated(model, w, egrad, damping) -> None:
    """Raise ConvergenceError when ``w`` separates the classes and nothing bounds it.

    If ``w`` classifies every training example correctly, ``c·w`` does too and
    ``nll(c·w) → 0`` as ``c → ∞``: the likelihood has no finite maximizer, and a
    natural-gradient iteration would let the weights grow without bound. Damping the
    metric does not change that (it only shortens each step), so it is refused with or
    without damping; an ``l2`` penalty on the weights that separate does bound them. An
    intercept is not penalized, so with all labels in one class (separated by the
    intercept alone) the fit is refused even with ``l2 > 0``.
    """
    w_arr = np.asarray(w, dtype=float)
    if not model.check_separation or w_arr.ndim != 1:
        return
    one_class = getattr(model, "intercept", False) and np.unique(model.y).size == 1
    if model.l2 and not one_class:
        return
    if model.separates(w_arr):
        cause = (
            "every label is the same class, so the unpenalized intercept grows without bound"
            if one_class
            else "the current weights classify every training example correctly, so the "
            "likelihood has no finite maximizer and the weights would grow without bound"
        )
        raise ConvergenceError(
            f"the classes are perfectly separated: {cause}. Fit a penalized model with "
            "l2=λ > 0 (e.g. l2=1e-3), which has a finite optimum; damping does not help, it "
            "only slows the weights' growth",
            residual=float(np.linalg.norm(egrad)),
        )


class _CanonicalGLM(PredictiveModel):
    """A one-output GLM with canonical link: ``zᵢ = xᵢ·w``; metric ``Xᵀ diag(s) X / n``.

    Subclasses define ``_mean(z)`` (``E[y | z]``, autograd-traceable),
    ``_cumulant(z)`` (``A(z)``, so ``nll = mean(A(z) − y z) + const``),
    ``_variance(z)`` (``A''(z)``) and ``_check_targets``.
    """

    _family_name: str | None = None
    _scale = 1.0  # dispersion: nll = mean(A(z) − y z) / scale + const

    def __init__(self, X, y, *, intercept=False, l2=0.0, solver="auto", **options):
        X = _design(X, intercept)
        self.intercept = bool(intercept)
        self.l2 = _check_l2(l2)
        # l2 penalizes every weight but the intercept added here (as statsmodels and
        # scikit-learn do): shifting all linear predictors is not shrunk towards 0
        self._l2_diag = np.full(X.shape[1], self.l2)
        if self.intercept:
            self._l2_diag[0] = 0.0
        w0 = np.zeros(X.shape[1])
        family = _try_family(self._family_name) if self._family_name else None
        super().__init__(family, self._predict, X, y, w0=w0, solver=solver, **options)
        if self.y.ndim != 1:
            raise ValueError(f"y must be a 1-d array of n targets, got shape {self.y.shape}")
        self._output_width = 1

    @functools.cached_property
    def _XT(self) -> np.ndarray:
        """``Xᵀ`` as a C-contiguous ``(d, n)`` copy (2× faster repeated ``Xᵀv``), made on
        first use: a model built for one pass over a chunk never pays for it."""
        return np.ascontiguousarray(self.X.T)

    def _xt_dot(self, r: np.ndarray) -> np.ndarray:
        """``Xᵀr``, through the contiguous copy when it exists."""
        return self._XT @ r if "_XT" in self.__dict__ else r @ self.X

    def subset(self, index):
        out = super().subset(index)
        out.__dict__.pop("_XT", None)
        out._z_key = None
        return out

    def _check_support(self) -> None:
        self._check_targets(self.y)

    _z_key: bytes | None = None

    def _linear(self, w):
        """``z = Xw``, kept for the last plain ``w``: nll, gradient and metric at one
        point (one pass of a chunked model) share it; autograd traces go straight."""
        if isinstance(w, anp.numpy_boxes.ArrayBox) or np.ndim(w) != 1:
            return anp.dot(self.X, w)
        key = np.asarray(w, dtype=float).tobytes()
        if key != self._z_key:
            self._z_key, self._z = key, self.X @ w
        return self._z

    # --- the model -----------------------------------------------------------
    def _predict(self, w, X):
        return self._mean(anp.dot(X, w))

    def _nll(self, w):
        z = self._linear(w)
        value = anp.mean(self._cumulant(z) - self.y * z) / self._scale + self._nll_constant()
        if self.l2:
            value = value + 0.5 * anp.dot(self._l2_diag * w, w)
        return value

    def _nll_constant(self) -> float:
        return 0.0

    def nll_grad(self, w) -> np.ndarray:
        """``∇nll = Xᵀ(μ(Xw) − y) / (n·scale) + l2·w`` (no ``l2`` on the intercept)."""
        w = self._weights(w)
        z = self._linear(w)
        mu = np.asarray(self._mean(z))
        self._check_finite(mu, "the fitted means μ(Xw)", w)
        g = self._xt_dot(mu - self.y) / (self.n_samples * self._scale)
        return g + self._l2_diag * w if self.l2 else g

    def _check_finite(self, values, what: str, w=None, kind: str = "gradient") -> None:
        if not np.all(np.isfinite(values)):
            raise NonFiniteError(
                f"{what} overflowed at these weights: the linear predictor Xw is too large "
                "for the link (the weights ran off: take shorter steps, or fit with l2 > 0)",
                kind,
                np.zeros(self.dim) if w is None else w,
                values,
            )

    # --- geometry --------------------------------------------------------------
    def metric(self, w):
        """``G(w) = Xᵀ diag(s(Xw)) X / n (+ l2·I, without the intercept's entry)``,
        batched, autograd-traceable."""
        if not isinstance(w, anp.numpy_boxes.ArrayBox):
            w = self._points(w, "w")
        z = anp.dot(w, self.X.T)  # (..., n)
        s = self._variance(z) / self._scale
        G = anp.einsum("...n,na,nb->...ab", s, self.X, self.X) / self.n_samples
        if self.l2:
            G = G + np.diag(self._l2_diag)
        return G

    def _metric_single(self, w):
        s = np.asarray(self._variance(self._linear(w))) / self._scale
        self._check_finite(s, "the GLM weights s(Xw)", w, "metric")
        G = _weighted_gram(self.X, s) / self.n_samples
        if self.l2:
            G[np.diag_indices(self.dim)] += self._l2_diag
        return G

    def _fvp_operator(self, w):
        s = np.asarray(self._variance(self.X @ w)) / self._scale
        self._check_finite(s, "the GLM weights s(Xw)", w, "metric")
        X, XT, n = self.X, self._XT, self.n_samples
        l2 = self._l2_diag if self.l2 else 0.0

        def product(v):
            out = XT @ (s * (X @ v)) / n
            return out + l2 * v

        return product

    def _metric_diagonal(self, w):
        s = np.asarray(self._variance(self.X @ w)) / self._scale
        return (self._XT**2) @ s / self.n_samples + self._l2_diag


class LogisticRegression(_CanonicalGLM):
    """Logistic regression ``P(y = 1 | x, w) = σ(x·w)``, labels in {0, 1}.

    Metric ``Xᵀ diag(pᵢ(1 − pᵢ)) X / n``; ``nll = mean(log(1 + e^{zᵢ}) − yᵢ zᵢ)``.

    When the classes are perfectly separated the maximum-likelihood weights are
    infinite. With ``l2 = 0``, :meth:`riemannian_gradient` therefore raises
    :class:`~infogeo.ConvergenceError` naming the separation as soon as the weights
    separate the training data (a certificate that no finite optimum exists), instead
    of letting the iterates run off to overflow — with or without ``damping``, which
    only slows their growth. Pass ``l2 > 0`` (penalized fit, finite optimum), or
    ``check_separation=False``.

    ``l2`` adds ``½ l2 Σ_j w_j²`` over every weight except the intercept column added
    by ``intercept=True``, which is not penalized (as in statsmodels and
    scikit-learn): the penalty shrinks effects, not the base rate. A column of ones
    placed in ``X`` by hand is an ordinary, penalized column.
    """

    _family_name = "Bernoulli"

    def __init__(self, X, y, *, intercept=False, l2=0.0, check_separation=True, **options):
        self.check_separation = bool(check_separation)
        super().__init__(X, y, intercept=intercept, l2=l2, **options)

    def _check_targets(self, y):
        bad = (y != 0) & (y != 1)
        if np.any(bad):
            i = int(np.argmax(bad))
            raise ValueError(
                f"y must hold labels 0 or 1 for a logistic regression (Bernoulli support), "
                f"got y[{i}] = {y[i]:g}"
            )

    def _mean(self, z):
        return _sigmoid(z)

    def _cumulant(self, z):
        # softplus log(1 + eᶻ) = max(z, 0) + log1p(e^{−|z|}): no overflow, and 2.5×
        # faster than logaddexp on large arrays
        return anp.maximum(z, 0.0) + anp.log1p(anp.exp(-anp.abs(z)))

    def _variance(self, z):
        p = _sigmoid(z)
        return p * (1.0 - p)

    def separates(self, w) -> bool:
        """Whether ``w`` classifies every training example correctly with a margin,
        ``(2yᵢ − 1) xᵢ·w > 0`` for all i (then the data are perfectly separable)."""
        w = self._weights(w)
        return bool(np.all((2.0 * self.y - 1.0) * self._linear(w) > 0))

    def riemannian_gradient(self, w, egrad, damping: float = 0.0, solver=None):
        _refuse_separated(self, w, egrad, damping)
        return super().riemannian_gradient(w, egrad, damping, solver)


class PoissonRegression(_CanonicalGLM):
    """Poisson regression with log link: ``yᵢ ~ Poisson(exp(xᵢ·w))``, counts ≥ 0.

    Metric ``Xᵀ diag(λᵢ) X / n``; ``nll = mean(λᵢ − yᵢ zᵢ + log yᵢ!)``. With
    ``intercept=True`` the start puts the intercept at ``log ȳ``.
    """

    _family_name = "Poisson"

    def _check_targets(self, y):
        bad = (y < 0) | (y != np.round(y))
        if np.any(bad):
            i = int(np.argmax(bad))
            raise ValueError(
                "y must hold non-negative integer counts for a Poisson regression, "
                f"got y[{i}] = {y[i]:g}"
            )

    def _nll_constant(self):
        return float(np.mean(scipy.special.gammaln(self.y + 1.0)))

    def _mean(self, z):
        return anp.exp(z)

    def _cumulant(self, z):
        return anp.exp(z)

    def _variance(self, z):
        return anp.exp(z)

    def _nll(self, w):
        with np.errstate(over="ignore"):
            return super()._nll(w)

    def nll_grad(self, w):
        with np.errstate(over="ignore"):
            return super().nll_grad(w)

    def _metric_single(self, w):
        with np.errstate(over="ignore"):
            return super()._metric_single(w)

    def _fvp_operator(self, w):
        with np.errstate(over="ignore"):
            return super()._fvp_operator(w)

    def initial_point(self):
        w = super().initial_point()
        if self.intercept and np.mean(self.y) > 0:
            w[0] = np.log(np.mean(self.y))
        return w


class LinearRegression(_CanonicalGLM):
    """Linear regression ``yᵢ ~ Normal(xᵢ·w, σ²)``.

    With ``sigma`` given the weights are ``w`` alone, the metric is ``XᵀX / (nσ²)``
    and one natural-gradient step of size 1 lands on the least-squares solution.
    With ``sigma=None`` the coordinates are ``(w, σ)``, ``σ > 0``, and the metric is
    ``diag(XᵀX / (nσ²), 2/σ²)`` (the Normal Fisher metric in ``(μ, σ)`` pulled back);
    the maximum-likelihood ``σ̂² = ‖y − Xŵ‖² / n``.
    """

    _family_name = "Normal"

    def __init__(self, X, y, *, sigma=None, intercept=False, l2=0.0, **options):
        self.sigma = None if sigma is None else check_positive(sigma, "sigma")
        self.estimate_sigma = sigma is None
        if self.estimate_sigma:
            if l2:
                raise ValueError("l2 is supported only with a known sigma")
            X = _design(X, intercept)
            self.intercept = bool(intercept)
            self.l2 = 0.0
            family = _try_family(self._family_name)
            PredictiveModel.__init__(
                self, family, self._predict_mu_sigma, X, y, w0=np.zeros(X.shape[1] + 1), **options
            )
            if self.y.ndim != 1:
                raise ValueError(f"y must be a 1-d array of n targets, got shape {self.y.shape}")
            self._output_width = 2
            self.bounds = self._normalize_bounds([None] * (self.dim - 1) + [(0.0, None)])
            self._w0[-1] = max(float(np.sqrt(np.mean(self.y**2))), 1e-8)
        else:
            self._scale = self.sigma**2
            super().__init__(X, y, intercept=intercept, l2=l2, **options)

    @property
    def coordinate_names(self):
        names = tuple(f"w{i}" for i in range(self.X.shape[1]))
        return (*names, "sigma") if self.estimate_sigma else names

    def _check_targets(self, y):
        pass  # every finite real is in the Normal support; NaN/inf rejected already

    def _mean(self, z):
        return z

    def _cumulant(self, z):
        return 0.5 * z**2

    def _variance(self, z):
        return anp.ones_like(z)

    def _nll_constant(self):
        return float(np.mean(self.y**2)) / (2.0 * self._scale) + np.log(self.sigma) + 0.5 * _LOG_2PI

    # --- (w, σ) coordinates -----------------------------------------------------
    def _predict_mu_sigma(self, theta, X):
        mu = anp.dot(X, theta[:-1])
        return anp.stack([mu, theta[-1] * anp.ones_like(mu)], axis=-1)

    def _nll(self, theta):
        if not self.estimate_sigma:
            return super()._nll(theta)
        w, sigma = theta[:-1], theta[-1]
        r = self.y - anp.dot(self.X, w)
        return anp.mean(r**2) / (2.0 * sigma**2) + anp.log(sigma) + 0.5 * _LOG_2PI

    def nll(self, w):
        if self.estimate_sigma:
            self.check_point(w, "w")
        return super().nll(w)

    def nll_grad(self, theta):
        if not self.estimate_sigma:
            return super().nll_grad(theta)
        theta = self.check_point(self._weights(theta), "w")
        w, sigma = theta[:-1], theta[-1]
        r = self.y - self.X @ w
        gw = -self.X.T @ r / (self.n_samples * sigma**2)
        gs = 1.0 / sigma - np.mean(r**2) / sigma**3
        return np.append(gw, gs)

    def metric(self, theta):
        if not self.estimate_sigma:
            return super().metric(theta)
        if not isinstance(theta, anp.numpy_boxes.ArrayBox):
            theta = self._points(theta, "w")
        sigma = theta[..., -1]
        d = self.dim - 1
        gram = self.X.T @ self.X / self.n_samples
        top = gram * (1.0 / sigma**2)[..., None, None]
        col = anp.zeros((*sigma.shape, d, 1))
        upper = anp.concatenate([top, col], axis=-1)
        lower = anp.concatenate([anp.swapaxes(col, -1, -2), (2.0 / sigma**2)[..., None, None]], -1)
        return anp.concatenate([upper, lower], axis=-2)

    def _metric_single(self, theta):
        if not self.estimate_sigma:
            return super()._metric_single(theta)
        return np.asarray(self.metric(theta))

    def _fvp_operator(self, theta):
        if not self.estimate_sigma:
            return super()._fvp_operator(theta)
        sigma = float(theta[-1])
        X, n = self.X, self.n_samples

        def product(v):
            top = X.T @ (X @ v[:-1]) / (n * sigma**2)
            return np.append(top, 2.0 * v[-1] / sigma**2)

        return product

    def _metric_diagonal(self, theta):
        if not self.estimate_sigma:
            return super()._metric_diagonal(theta)
        sigma = float(theta[-1])
        return np.append(np.sum(self.X**2, axis=0) / (self.n_samples * sigma**2), 2 / sigma**2)


#: ``SoftmaxRegression(solver="auto")`` forms the dense metric up to this many weights
_SOFTMAX_DENSE_MAX_DIM = 12
#: numbers per row chunk of ``X ∘ P`` in ``SoftmaxRegression._metric_single``
_METRIC_CHUNK = 4_000_000


class SoftmaxRegression(PredictiveModel):
    """Multinomial (softmax) regression over K classes, labels in {0, …, K − 1}.

    Logits ``zᵢ = xᵢ W`` with ``W`` of shape ``(d, K')`` stored row-major as the
    weight vector ``w`` (``w[a·K' + k] = W[a, k]``). With ``reference=True``
    (default) ``K' = K − 1`` and the last class has logit 0, so the weights are
    identifiable; with ``reference=False`` all ``K`` columns are free and the metric is
    singular along ``W + c 1ᵀ``: pass ``damping > 0`` (or ``l2 > 0``).

    Metric: the multinomial Gauss–Newton matrix
    ``G = (1/n) Σᵢ (xᵢxᵢᵀ) ⊗ (diag(pᵢ) − pᵢpᵢᵀ)`` over the free columns,
    applied matrix-free as ``V ↦ Xᵀ[P∘U − P·rowsum(P∘U)] / n`` with ``U = X V``.

    Kronecker-factored approximation (``solver="kfac"``, or ``preconditioner="kfac"``
    for the CG solve): ``G ≈ (XᵀX/n) ⊗ (1/n) Σᵢ (diag(pᵢ) − pᵢpᵢᵀ)``, exact when every
    example has the same ``pᵢ`` (e.g. at ``w = 0``) or for a single example; ``XᵀX/n``
    does not depend on ``w`` and is computed once (one ``syrk``, no copy of ``X``). As a
    CG preconditioner it needs about a third of the iterations of Jacobi; the default
    ``preconditioner="auto"`` takes it when ``d ≤ 40 K'`` (``XᵀX`` costs about
    ``d / (2K')`` Fisher-vector products) and Jacobi otherwise.

    ``solver="auto"`` forms the dense metric only up to ``max_dense_dim = 12`` weights
    (default here; 500 for other models) and uses conjugate gradient above: the dense
    metric costs ``O(n d² K'²)``, a Fisher-vector product ``O(n d K')`` (two products
    with ``X``), and inside :class:`~infogeo.NaturalGradientDescent` the CG solve is an
    inexact (truncated) Newton step (``cg_forcing``), needing 2–4 products per
    iteration. For this model (canonical link) the metric is the Hessian of ``nll``,
    so natural gradient with step 1 is Newton's method. Measured on 2000–20,000
    examples (``benchmarks/scaling_nn.py``): CG is faster from about 20 weights on,
    the dense solve below.

    Perfectly separated classes are refused as in :class:`LogisticRegression`
    (``check_separation``).
    """

    supports_kfac = True

    def __init__(
        self,
        X,
        y,
        *,
        n_classes=None,
        reference=True,
        intercept=False,
        l2=0.0,
        check_separation=True,
        solver="auto",
        max_dense_dim=_SOFTMAX_DENSE_MAX_DIM,
        preconditioner="auto",
        **options,
    ):
        self.check_separation = bool(check_separation)
        X = _design(X, intercept)
        self.intercept = bool(intercept)
        self.reference = bool(reference)
        self.l2 = _check_l2(l2)
        y_arr = as_float_array(y, "y")
        if y_arr.ndim != 1:
            raise ValueError(f"y must be a 1-d array of class labels, got shape {y_arr.shape}")
        if n_classes is None:
            if y_arr.size == 0:
                raise ValueError("y must hold at least one label")
            n_classes = int(np.max(y_arr)) + 1 if np.all(y_arr == np.round(y_arr)) else 2
        if isinstance(n_classes, bool) or int(n_classes) != n_classes or n_classes < 2:
            raise ValueError(f"n_classes must be an integer >= 2, got {n_classes!r}")
        self.n_classes = int(n_classes)
        self.n_free = self.n_classes - 1 if self.reference else self.n_classes
        self.n_features = X.shape[1]
        w0 = np.zeros(self.n_features * self.n_free)
        if preconditioner == "auto":
            # XᵀX costs about d / (2K') Fisher-vector products and saves ~20 CG
            # iterations per solve: worth it unless d is large against K'
            preconditioner = "kfac" if self.n_features <= 40 * self.n_free else "jacobi"
        family = _try_family("Categorical", self.n_classes) if self.reference else None
        super().__init__(
            family,
            self._predict,
            X,
            y_arr,
            w0=w0,
            solver=solver,
            max_dense_dim=max_dense_dim,
            preconditioner=preconditioner,
            **options,
        )
        self._labels = self.y.astype(np.intp)
        self._output_width = self.n_free
        self._XT = np.ascontiguousarray(self.X.T)

    def subset(self, index):
        out = super().subset(index)
        out._labels = self._labels[index]
        out._XT = np.ascontiguousarray(out.X.T)
        out._gram = None
        out._cache = None
        return out

    _cache = None

    def _state(self, w):
        """``(log-sum-exp of the logits (n,), free-class probabilities (n, K'), logits of
        the free classes (n, K'))`` at ``w``, by numpy; the last one is cached (the loop
        asks for the value, then the gradient, then the metric at the same ``w``)."""
        key = (id(self.X), w.tobytes())
        if self._cache is not None and self._cache[0] == key:
            return self._cache[1]
        Z = self.X @ w.reshape(self.n_features, self.n_free)
        m = Z.max(axis=1)
        if self.reference:
            m = np.maximum(m, 0.0)  # the reference class has logit 0
        E = np.exp(Z - m[:, None])
        total = E.sum(axis=1)
        if self.reference:
            total += np.exp(-m)
        state = (m + np.log(total), E / total[:, None], Z)
        self._cache = (key, state)
        return state

    def nll(self, w) -> float:
        """Mean cross-entropy ``(1/n) Σᵢ [logsumexp(zᵢ) − z_{i,yᵢ}]`` (+ ``½ l2 ‖w‖²``)."""
        w = self._weights(w)
        lse, _, Z = self._state(w)
        free = self._labels < self.n_free
        picked = np.zeros(self.n_samples)
        picked[free] = Z[np.flatnonzero(free), self._labels[free]]
        value = float(np.mean(lse - picked))
        return value + 0.5 * self.l2 * float(w @ w) if self.l2 else value

    def _check_support(self):
        check_class_labels(self.y, self.n_classes)

    _gram = None

    def _kfac_factors(self, w, rows):
        """``A = XᵀX/m`` (cached for the full data), ``G = diag(p̄) − (1/m) PᵀP`` over
        the free classes, on the examples ``rows`` (None: all ``m = n``)."""
        if rows is None:
            if self._gram is None:
                # X.T is a Fortran-ordered view of X: syrk reads it without a copy
                upper = scipy.linalg.blas.dsyrk(1.0 / self.n_samples, self.X.T)
                self._gram = np.triu(upper) + np.triu(upper, 1).T
            A, P = self._gram, self._free_probabilities(w)
        else:
            X = self.X[rows]
            A = X.T @ X / X.shape[0]
            Z = self._full_logits(np.asarray(w, dtype=float), X)
            P = np.exp(Z - scipy.special.logsumexp(Z, axis=1, keepdims=True))[:, : self.n_free]
        G = np.diag(P.mean(axis=0)) - P.T @ P / P.shape[0]
        return KroneckerFactors([Block(0, self.n_features, self.n_free)], [A], [G])

    def separates(self, w) -> bool:
        """Whether every training example's own logit is strictly the largest at ``w``
        (then the classes are perfectly separable and the MLE does not exist)."""
        Z = self._full_logits(self._weights(w), self.X)
        own = Z[np.arange(self.n_samples), self._labels]
        Z[np.arange(self.n_samples), self._labels] = -np.inf
        return bool(np.all(own > Z.max(axis=1)))

    def riemannian_gradient(self, w, egrad, damping: float = 0.0, solver=None):
        _refuse_separated(self, w, egrad, damping)
        return super().riemannian_gradient(w, egrad, damping, solver)

    def weight_matrix(self, w) -> np.ndarray:
        """The weights as the ``(d, K')`` matrix ``W``."""
        return self._weights(w).reshape(self.n_features, self.n_free)

    def _full_logits(self, w, X):
        Z = anp.dot(X, anp.reshape(w, (self.n_features, self.n_free)))
        if self.reference:
            Z = anp.concatenate([Z, anp.zeros((Z.shape[0], 1))], axis=1)
        return Z

    def _predict(self, w, X):
        """Class probabilities of the first ``K − 1`` classes (Categorical coordinates)."""
        Z = self._full_logits(w, X)
        logp = Z - _logsumexp_rows(Z)
        return anp.exp(logp[:, : self.n_classes - 1])

    def predict_proba(self, w, X=None) -> np.ndarray:
        """Class probabilities ``(n, K)`` at weights ``w`` for ``X`` (default: training X)."""
        w = self._weights(w)
        X = self.X if X is None else _design(X, self.intercept)
        Z = self._full_logits(w, X)
        return np.exp(Z - scipy.special.logsumexp(Z, axis=1, keepdims=True))

    def _nll(self, w):
        Z = self._full_logits(w, self.X)
        picked = Z[np.arange(self.n_samples), self._labels]
        value = anp.mean(_logsumexp_rows(Z)[:, 0] - picked)
        if self.l2:
            value = value + 0.5 * self.l2 * anp.dot(w, w)
        return value

    def _free_probabilities(self, w) -> np.ndarray:
        return self._state(np.asarray(w, dtype=float))[1].copy()

    def nll_grad(self, w) -> np.ndarray:
        """``∇nll = vec(Xᵀ(P − Y)) / n`` over the free columns (+ ``l2·w``)."""
        w = self._weights(w)
        P = self._free_probabilities(w)
        rows = np.flatnonzero(self._labels < self.n_free)
        P[rows, self._labels[rows]] -= 1.0  # P − Y over the free columns
        g = (self._XT @ P / self.n_samples).ravel()
        return g + self.l2 * w if self.l2 else g

    def metric(self, w) -> np.ndarray:
        if isinstance(w, anp.numpy_boxes.ArrayBox):
            return super().metric(w)  # raises: not differentiable
        w = self._points(w, "w")
        flat = w.reshape(-1, self.dim)
        out = np.stack([self._metric_single(x) for x in flat])
        return out.reshape(*w.shape[:-1], self.dim, self.dim)

    def _metric_single(self, w):
        """``G = (1/n) Σᵢ (xᵢxᵢᵀ) ⊗ (diag(pᵢ) − pᵢpᵢᵀ)`` by matrix products: the
        ``K'`` diagonal blocks ``Xᵀ diag(P[:, k]) X`` plus ``−(X∘P)ᵀ(X∘P)`` with rows
        ``xᵢ ⊗ pᵢ``, taken in row chunks of at most ~4·10⁶ numbers."""
        P = self._free_probabilities(w)  # (n, K')
        X, n, d, k = self.X, self.n_samples, self.n_features, self.n_free
        G = np.zeros((d, k, d, k))
        for c in range(k):
            G[:, c, :, c] = (self._XT * P[:, c]) @ X
        flat = G.reshape(d * k, d * k)
        rows = max(1, _METRIC_CHUNK // (d * k))
        for start in range(0, n, rows):
            XP = (X[start : start + rows, :, None] * P[start : start + rows, None, :]).reshape(
                -1, d * k
            )
            flat -= XP.T @ XP
        flat /= n
        G = 0.5 * (flat + flat.T)
        if self.l2:
            G[np.diag_indices(self.dim)] += self.l2
        return G

    def _fvp_operator(self, w):
        P = self._free_probabilities(w)
        X, XT, n, l2 = self.X, self._XT, self.n_samples, self.l2
        d, k = self.n_features, self.n_free

        def product(v):
            U = X @ v.reshape(d, k)
            PU = P * U
            A = PU - P * PU.sum(axis=1, keepdims=True)
            out = (XT @ A).ravel() / n
            return out + l2 * v if l2 else out

        return product

    def _metric_gram(self, w):
        """``V G Vᵀ = (1/n) Σᵢ uᵢᵃᵀ (diag(pᵢ) − pᵢpᵢᵀ) uᵢᵇ``, ``U = X V`` (no reverse pass)."""
        P = self._state(np.asarray(w, dtype=float))[1]
        X, n, l2, shape = self.X, self.n_samples, self.l2, (self.n_features, self.n_free)

        def gram(V):
            m = V.shape[0]  # one product X [V_1 … V_m], then (m, n, K')
            cols = np.hstack([v.reshape(shape) for v in V])
            U = np.moveaxis((X @ cols).reshape(n, m, shape[1]), 1, 0)
            PU = P * U
            HU = PU - P * PU.sum(axis=2, keepdims=True)
            M = U.reshape(m, -1) @ HU.reshape(m, -1).T / n
            M = 0.5 * (M + M.T)
            return M + l2 * (V @ V.T) if l2 else M

        return gram

    def _metric_diagonal(self, w):
        P = self._free_probabilities(w)
        return ((self._XT**2) @ (P * (1.0 - P))).ravel() / self.n_samples + self.l2


def _logsumexp_rows(Z):
    m = anp.max(Z, axis=1, keepdims=True)
    return m + anp.log(anp.sum(anp.exp(Z - m), axis=1, keepdims=True))


def _chunked_or(model_class, X, y, options):
    """The chunked version of ``model_class`` for chunked data (a Dask array, a
    :class:`~infogeo.models.Chunks`, an iterable of chunks, or ``chunk_size=``), else
    the in-memory model."""
    from .chunked import chunked_model

    model = chunked_model(model_class, X, y, options)
    return model_class(X, y, **options) if model is None else model


def logistic_regression(X, y=None, **options) -> LogisticRegression:
    """Logistic regression model (see :class:`LogisticRegression` for the options:
    ``intercept``, ``l2``, ``check_separation``, ``solver``, ``cg_tol``, ...).

    ``X, y`` may also be chunked data: Dask arrays, arrays with ``chunk_size=``, or a
    :class:`~infogeo.models.Chunks` / list of ``(X_c, y_c)`` chunks with ``y=None``;
    then a :class:`~infogeo.models.ChunkedModel` is returned (one pass per step).
    """
    return _chunked_or(LogisticRegression, X, y, options)


def poisson_regression(X, y=None, **options) -> PoissonRegression:
    """Poisson regression with log link (see :class:`PoissonRegression`); chunked data
    as for :func:`logistic_regression`."""
    return _chunked_or(PoissonRegression, X, y, options)


def linear_regression(X, y=None, *, sigma=None, **options) -> LinearRegression:
    """Normal linear regression, σ known (``sigma=…``) or estimated (see
    :class:`LinearRegression`); chunked data as for :func:`logistic_regression`."""
    return _chunked_or(LinearRegression, X, y, {"sigma": sigma, **options})


def softmax_regression(X, y=None, *, n_classes=None, **options) -> SoftmaxRegression:
    """K-class softmax regression (see :class:`SoftmaxRegression`); chunked data as for
    :func:`logistic_regression`, where ``n_classes`` is then required (a chunk need
    not hold every class)."""
    from .chunked import is_chunked

    if n_classes is None and is_chunked(X, y, options):
        raise ValueError(
            "n_classes is required for chunked data: a chunk need not hold every class"
        )
    return _chunked_or(SoftmaxRegression, X, y, {"n_classes": n_classes, **options})

"""Inference attached to maximum-likelihood results: :func:`attach_inference`.

``ig.fit`` and :class:`~infogeo.NaturalGradientDescent` (with the model's own negative
log-likelihood) return a :class:`FitResult`: the optimizer's result plus the
large-sample quantities of :mod:`infogeo.inference.wald`, computed on first access.
"""

from __future__ import annotations

import warnings
from functools import cached_property

import autograd
import numpy as np

from ..optim.result import OptimizeResult
from .regions import GeodesicBall, WaldEllipsoid
from .wald import ball_radius, check_level, covariance_from_information

__all__ = ["FitResult", "attach_inference"]

_KINDS = ("expected", "observed")


class FitResult(OptimizeResult):
    """An :class:`~infogeo.OptimizeResult` of a maximum-likelihood fit with inference.

    Attributes (computed when first read)
    -------------------------------------
    n_obs : int
        Number of observations ``n``.
    fisher_information : ndarray (k, k)
        Expected information ``I(θ̂) = n F(θ̂)`` (``F`` the model's Fisher metric).
    observed_information : ndarray (k, k)
        ``n ∇²L(θ̂)``, ``L`` the mean negative log-likelihood (autograd Hessian; central
        differences of the gradient when the likelihood cannot be traced).
    cov : ndarray (k, k)
        Cramér–Rao covariance ``I(θ̂)⁻¹`` (expected information).
    stderr : ndarray (k,)
        ``√diag(cov)``.

    Methods: :meth:`covariance`, :meth:`conf_int`, :meth:`confidence_ellipsoid`,
    :meth:`confidence_ball`.
    """

    def _init_inference(self, model, data) -> None:
        object.__setattr__(self, "_model", model)
        object.__setattr__(self, "_data", data)

    # ------------------------------------------------------------------ information
    @cached_property
    def n_obs(self) -> int:
        if self._data is None:
            return int(self._model.n_samples)
        return int(self._model._data_for_fit(self._data).shape[0])

    @cached_property
    def fisher_information(self) -> np.ndarray:
        return self.n_obs * np.asarray(self._model.metric(self.x), dtype=float)

    @cached_property
    def observed_information(self) -> np.ndarray:
        return self.n_obs * _nll_hessian(self._model, self._data, np.asarray(self.x, float))

    def covariance(self, kind: str = "expected") -> np.ndarray:
        """``I⁻¹`` from the ``"expected"`` (default) or ``"observed"`` information."""
        if kind not in _KINDS:
            raise ValueError(f"kind must be one of {_KINDS}, got {kind!r}")
        if kind == "expected":
            return self.cov
        return covariance_from_information(self.observed_information, "observed information")

    @cached_property
    def cov(self) -> np.ndarray:
        return covariance_from_information(self.fisher_information)

    @cached_property
    def stderr(self) -> np.ndarray:
        return np.sqrt(np.diag(self.cov))

    # ------------------------------------------------------------------ regions
    def conf_int(self, level: float = 0.95, kind: str = "expected") -> np.ndarray:
        """Wald intervals ``θ̂ⱼ ± z_{(1+level)/2} stderrⱼ``, shape ``(k, 2)``."""
        level = check_level(level)
        se = np.sqrt(np.diag(self.covariance(kind)))
        import scipy.stats  # lazily: import infogeo does not load scipy.stats

        z = scipy.stats.norm.ppf(0.5 + 0.5 * level)
        x = np.asarray(self.x, dtype=float)
        return np.stack([x - z * se, x + z * se], axis=-1)

    def confidence_ellipsoid(self, level: float = 0.95, kind: str = "expected") -> WaldEllipsoid:
        """The Wald ellipsoid ``(θ − θ̂)ᵀ I (θ − θ̂) ≤ χ²_{k, level}``."""
        import scipy.stats

        level = check_level(level)
        k = np.asarray(self.x).size
        return WaldEllipsoid(
            centre=np.asarray(self.x, dtype=float),
            cov=self.covariance(kind),
            chi2=float(scipy.stats.chi2.ppf(level, k)),
            level=level,
        )

    def confidence_ball(self, level: float = 0.95) -> GeodesicBall:
        """The Fisher–Rao ball ``d(θ̂, θ) ≤ √(χ²_{k, level} / n)`` (parametrization-invariant)."""
        k = np.asarray(self.x).size
        return GeodesicBall(
            manifold=self._model,
            centre=np.asarray(self.x, dtype=float),
            radius=float(ball_radius(k, self.n_obs, level)),
            level=check_level(level),
        )


def attach_inference(result, model, data=None) -> FitResult:
    """``result`` (an optimizer result at the MLE of ``model`` on ``data``; ``data=None``
    for a predictive model, which holds its data) as a :class:`FitResult`."""
    out = FitResult(result)
    out._init_inference(model, data)
    return out


def _nll_hessian(model, data, x: np.ndarray) -> np.ndarray:
    """Hessian of the mean negative log-likelihood at ``x``."""
    if data is None:
        fun = getattr(model, "_nll", None) or model.nll
    else:

        def fun(t):
            return model.nll(t, data)

    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "Output seems independent of input")
            H = np.asarray(autograd.hessian(fun)(x), dtype=float)
        if np.all(np.isfinite(H)):
            return 0.5 * (H + H.T)
    except (TypeError, AttributeError, NotImplementedError, ValueError):
        pass
    grad = (lambda t: model.nll_grad(t)) if data is None else (lambda t: model.nll_grad(t, data))
    k = x.size
    H = np.empty((k, k))
    for j in range(k):
        h = 1e-5 * max(abs(x[j]), 1e-3)
        e = np.zeros(k)
        e[j] = h
        H[:, j] = (np.asarray(grad(x + e)) - np.asarray(grad(x - e))) / (2 * h)
    return 0.5 * (H + H.T)

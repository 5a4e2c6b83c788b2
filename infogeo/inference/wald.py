"""Large-sample inference from the Fisher metric: information, Cramér–Rao covariance,
Wald intervals and ellipsoids, and the Fisher–Rao geodesic ball.

For ``n`` independent observations the total Fisher information at ``θ`` is
``I(θ) = n F(θ)`` (``F`` the per-observation Fisher metric; for a predictive model the
pull-back metric ``G(w) = (1/n) Σᵢ Jᵢᵀ F(ηᵢ) Jᵢ`` is already a per-example average).
The maximum-likelihood estimate is asymptotically ``N(θ, I(θ)⁻¹)``, so

* ``cov = I(θ̂)⁻¹`` (the Cramér–Rao bound), ``stderr = √diag(cov)``;
* the Wald interval of ``θⱼ`` at level ``1 − a`` is ``θ̂ⱼ ± z_{1−a/2} stderrⱼ``;
* the Wald ellipsoid is ``{θ : (θ − θ̂)ᵀ I(θ̂) (θ − θ̂) ≤ χ²_{k, 1−a}}``;
* the Fisher–Rao ball ``{θ : d(θ̂, θ) ≤ √(χ²_{k, 1−a} / n)}``: since
  ``n d²(θ̂, θ) = n (θ̂ − θ)ᵀ F (θ̂ − θ) + O(n‖θ̂ − θ‖³)`` is asymptotically ``χ²_k``, the
  ball has the same asymptotic level and, unlike the ellipsoid, does not depend on the
  parametrization (distances are invariant).
"""

from __future__ import annotations

import numbers

import numpy as np
import scipy.linalg

from .._validation import as_float_array

__all__ = [
    "ball_radius",
    "check_level",
    "covariance_from_information",
    "wald_intervals",
]


def check_level(level) -> float:
    """A confidence level strictly between 0 and 1."""
    if isinstance(level, bool) or not isinstance(level, numbers.Real):
        raise TypeError(f"level must be a number in (0, 1), got {level!r}")
    level = float(level)
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must be in (0, 1) (e.g. 0.95), got {level}")
    return level


def covariance_from_information(info, name: str = "Fisher information") -> np.ndarray:
    """``I⁻¹`` for a batch of symmetric positive-definite ``(..., k, k)`` matrices, by
    Cholesky solves against the identity (never ``inv``).

    Raises
    ------
    ValueError
        If a matrix is not positive definite (the parameters are not identifiable there).
    """
    info = as_float_array(info, name)
    k = info.shape[-1]
    flat = info.reshape(-1, k, k)
    out = np.empty_like(flat)
    eye = np.eye(k)
    for i, m in enumerate(flat):
        try:
            c = scipy.linalg.cho_factor(0.5 * (m + m.T))
        except np.linalg.LinAlgError as exc:
            raise ValueError(
                f"the {name} is not positive definite"
                f"{f' at batch index {i}' if flat.shape[0] > 1 else ''}: the parameters are "
                "not identifiable from these data, so the Cramér–Rao covariance does not exist"
            ) from exc
        out[i] = scipy.linalg.cho_solve(c, eye)
    return out.reshape(info.shape)


def wald_intervals(model, theta, n, level: float = 0.95) -> np.ndarray:
    """Wald intervals ``θ̂ⱼ ± z stderrⱼ`` for a batch of estimates.

    Parameters
    ----------
    model
        A statistical manifold (anything with ``fisher`` or ``metric``), whose metric is the
        per-observation Fisher information.
    theta
        Estimates, ``(..., k)``.
    n
        Number of observations behind each estimate (a positive number or an array
        broadcasting against the batch).
    level
        Confidence level.

    Returns
    -------
    ndarray ``(..., k, 2)``
        Lower and upper ends.
    """
    level = check_level(level)
    theta = as_float_array(theta, "theta")
    n = as_float_array(n, "n")
    if np.any(n <= 0):
        raise ValueError("n must be > 0")
    F = np.asarray(model.metric(theta), dtype=float)
    cov = covariance_from_information(F * np.asarray(n)[..., None, None])
    se = np.sqrt(np.diagonal(cov, axis1=-2, axis2=-1))
    import scipy.stats  # lazily: import infogeo does not load scipy.stats

    z = scipy.stats.norm.ppf(0.5 + 0.5 * level)
    return np.stack([theta - z * se, theta + z * se], axis=-1)


def ball_radius(dim: int, n, level: float = 0.95):
    """Radius ``√(χ²_{dim, level} / n)`` of the Fisher–Rao confidence ball."""
    import scipy.stats

    level = check_level(level)
    return np.sqrt(scipy.stats.chi2.ppf(level, dim) / np.asarray(n, dtype=float))

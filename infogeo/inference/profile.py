"""The profile likelihood of one parameter."""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np

from .._validation import as_float_array
from ..geometry.manifold import RiemannianManifold
from .wald import check_level

__all__ = ["ProfileLikelihood", "profile_likelihood"]


@dataclass
class ProfileLikelihood:
    """Result of :func:`profile_likelihood`.

    Attributes
    ----------
    index : int
        The profiled coordinate ``j``.
    values : ndarray (m,)
        The fixed values ``θⱼ = v``.
    loglik : ndarray (m,)
        ``ℓ_p(v) = max_{θ: θⱼ = v} Σᵢ log p(xᵢ | θ)`` (total log-likelihood).
    params : ndarray (m, k)
        The maximizing ``θ`` at each value.
    statistic : ndarray (m,)
        The likelihood-ratio statistic ``2(ℓ(θ̂) − ℓ_p(v))`` (asymptotically χ²₁).
    mle : ndarray (k,)
        The maximum-likelihood estimate ``θ̂``; ``max_loglik = ℓ(θ̂)``.
    """

    index: int
    values: np.ndarray
    loglik: np.ndarray
    params: np.ndarray
    statistic: np.ndarray
    mle: np.ndarray
    max_loglik: float

    def conf_int(self, level: float = 0.95) -> tuple[float, float]:
        """Likelihood-ratio interval ``{v : statistic(v) ≤ χ²_{1, level}}`` from the grid
        (linear interpolation of the statistic between grid values).

        Raises
        ------
        ValueError
            If the grid does not reach the cut-off on both sides of the estimate.
        """
        import scipy.stats  # lazily: import infogeo does not load scipy.stats

        cut = scipy.stats.chi2.ppf(check_level(level), 1)
        v, s = self.values, self.statistic
        m = self.mle[self.index]
        left, right = v < m, v > m
        if not (np.any(left & (s > cut)) and np.any(right & (s > cut))):
            raise ValueError(
                f"the grid of values does not reach the χ² cut-off {cut:.3g} on both sides "
                "of the estimate; widen it"
            )

        def crossing(mask, outward):
            vv, ss = v[mask], s[mask]
            order = np.argsort(vv)[::-1] if outward < 0 else np.argsort(vv)
            vv, ss = np.concatenate([[m], vv[order]]), np.concatenate([[0.0], ss[order]])
            k = int(np.argmax(ss > cut))
            t = (cut - ss[k - 1]) / (ss[k] - ss[k - 1])
            return float(vv[k - 1] + t * (vv[k] - vv[k - 1]))

        return crossing(left, -1), crossing(right, +1)


class _Slice(RiemannianManifold):
    """The coordinates other than ``index`` with ``θ_index`` fixed: metric the matching
    block of the Fisher metric (the induced metric on the coordinate slice)."""

    def __init__(self, family, index: int, value: float):
        self.family, self.index, self.value = family, index, value
        self.rest = [i for i in range(family.dim) if i != index]
        bounds = None if family.bounds is None else [family.bounds[i] for i in self.rest]
        super().__init__(family.dim - 1, bounds)

    def embed(self, p):
        p = np.asarray(p, dtype=float)
        return np.insert(p, self.index, self.value, axis=-1)

    def metric(self, p):
        F = np.asarray(self.family.metric(self.embed(p)), dtype=float)
        return F[..., self.rest, :][..., :, self.rest]


def profile_likelihood(family, data, index: int, values, **options) -> ProfileLikelihood:
    """Profile log-likelihood ``ℓ_p(v) = max_{θ: θ_index = v} Σᵢ log p(xᵢ | θ)``.

    The nuisance coordinates are fitted by natural gradient descent on the slice
    ``θ_index = v`` (metric: the Fisher block of the other coordinates), warm-started from
    the neighbouring grid value, walking outward from the MLE.

    Parameters
    ----------
    family
        A statistical manifold.
    data
        Observations.
    index
        The profiled coordinate (``0 ≤ index < dim``).
    values
        Grid of values of ``θ_index``, each inside the coordinate's domain.
    **options
        Passed to :func:`~infogeo.minimize` for the nuisance fits (default
        ``gtol = 1e-10``, ``max_iter = 500``) and to :func:`~infogeo.fit` for the MLE.

    Raises
    ------
    ValueError
        For a bad index, values outside the domain, or invalid data.
    ConvergenceError
        If a nuisance fit does not converge.
    """
    from ..exceptions import ConvergenceError
    from ..optim.fit import fit
    from ..optim.minimize import minimize

    if not callable(getattr(family, "nll", None)):
        raise TypeError(f"profile_likelihood needs a statistical family with nll, got {family!r}")
    if isinstance(index, bool) or not isinstance(index, numbers.Integral):
        raise TypeError(f"index must be an integer, got {index!r}")
    if not 0 <= index < family.dim:
        raise ValueError(f"index must be in [0, {family.dim}), got {index}")
    values = as_float_array(values, "values")
    if values.ndim != 1 or values.size == 0:
        raise ValueError(f"values must be a non-empty 1-d array, got shape {values.shape}")
    data = family._data_for_fit(data)
    n = data.shape[0]
    opts = {"gtol": 1e-10, "max_iter": 500, **options}
    mle_res = fit(family, data, **opts)
    if not mle_res.success:
        raise ConvergenceError(f"the maximum-likelihood fit failed: {mle_res.message}")
    mle = np.asarray(mle_res.x, dtype=float)
    max_loglik = -n * float(family.nll(mle, data))
    probe = np.repeat(mle[None], values.size, axis=0)
    probe[:, index] = values
    family.check_point(probe, "values (as the profiled coordinate)")
    params = np.empty((values.size, family.dim))
    loglik = np.empty(values.size)
    order_up = [i for i in np.argsort(values) if values[i] >= mle[index]]
    order_down = [i for i in np.argsort(values)[::-1] if values[i] < mle[index]]
    rest = [i for i in range(family.dim) if i != index]
    for order in (order_up, order_down):
        start = mle[rest]
        for i in order:
            theta = _profile_point(family, data, index, values[i], start, opts, minimize)
            params[i] = theta
            loglik[i] = -n * float(family.nll(theta, data))
            start = theta[rest]
    statistic = np.maximum(2.0 * (max_loglik - loglik), 0.0)
    return ProfileLikelihood(index, values, loglik, params, statistic, mle, max_loglik)


def _profile_point(family, data, index, value, start, opts, minimize) -> np.ndarray:
    from ..exceptions import ConvergenceError

    if family.dim == 1:
        return np.array([value])
    sl = _Slice(family, index, value)

    def fun(p):
        return family.nll(sl.embed(p), data)

    def grad(p):
        return np.asarray(family.nll_grad(sl.embed(p), data))[sl.rest]

    res = minimize(fun, start, sl, grad=grad, **opts)
    if not res.success:
        raise ConvergenceError(
            f"the nuisance fit at θ[{index}] = {value:g} did not converge: {res.message}",
            residual=res.grad_norm,
        )
    return sl.embed(res.x)

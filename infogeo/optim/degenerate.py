"""Data for which the maximum-likelihood estimate does not exist or lies on the boundary.

:func:`check_fit_data` runs before the first step of :func:`~infogeo.fit`. For each
family it looks for what makes the likelihood's supremum unattained in the open domain:

========================  ==============================================  ==============
family                    data                                            outcome
========================  ==============================================  ==============
Normal                    zero variance (incl. one observation)           error
MultivariateNormal(d)     fewer than d + 1 observations, or a singular    error
                          sample covariance (points on a hyperplane)
Normal, MultivariateNormal  |x| > 1e150 (squares overflow float64)        error
Bernoulli / Binomial(n)   all 0 or all n                                  p̂ = 0 or 1
Categorical(k)            a class never observed                          p̂ = frequencies
Poisson                   all 0                                           λ̂ = 0
Geometric                 all 0                                           p̂ = 1
Exponential               all 0                                           error
Gamma, Beta, Dirichlet    all observations equal (incl. one observation)  error
========================  ==============================================  ==============

*error*: a ``ValueError`` saying why no MLE exists (the likelihood grows without bound
towards a degenerate distribution). The boundary estimates (right column) are exact,
closed forms: they are returned as an :class:`~infogeo.OptimizeResult` with
``success=True``, ``nit=0``, ``on_boundary=True`` and a message saying so. Their ``x``
lies on the closure of the domain, not inside it, so it is not a point of the manifold
(``belongs`` is False there and the Fisher information is infinite or singular); ``fun``
is the limit of the mean negative log-likelihood, ``jac`` its one-sided gradient and
``grad_norm`` 0, the limit of the Riemannian gradient norm (``G⁻¹`` vanishes along the
boundary direction). The rule of a family is named by its class attribute
``mle_data_rule``. A family without one (:class:`~infogeo.ParametricFamily`, a custom
exponential family) has no check before the run, since whether one observation, or all
equal, leaves its MLE undefined depends on the family; when its fit fails on such data,
:func:`diagnose_failed_fit` turns the failure into a diverged result (status 5) naming
the data and the parameters that ran to the edge of the domain. A reparametrized family is
checked as its base family; a boundary MLE is mapped to the new coordinates, or, when
they send it to infinity (``log p`` at ``p = 0``), reported as an error.
"""

from __future__ import annotations

import numpy as np

from .result import History, OptimizeResult

__all__ = ["check_fit_data", "describe_degenerate", "diagnose_failed_fit", "has_data_rule"]

_HUGE = 1e150


def check_fit_data(family, data) -> OptimizeResult | None:
    """Diagnose ``data`` for ``family`` before fitting.

    Parameters
    ----------
    family
        A statistical manifold.
    data
        Observations, already validated: shape ``(n, *family.event_shape)``.

    Returns
    -------
    OptimizeResult or None
        The closed-form boundary MLE when it exists; ``None`` when the MLE is interior
        (or the family has no checks) and the optimizer should run.

    Raises
    ------
    ValueError
        When no MLE exists, naming the cause.
    """
    from ..statistics.reparametrize import Reparametrized

    if isinstance(family, Reparametrized):
        return _reparametrized(family, check_fit_data(family.base, data))
    rule = getattr(family, "mle_data_rule", None)
    if rule is None:
        return None
    if rule not in _RULES:
        raise ValueError(
            f"{type(family).__name__}.mle_data_rule = {rule!r} is not one of {sorted(_RULES)}"
        )
    return _RULES[rule](family, data)


def has_data_rule(family) -> bool:
    """Whether :func:`check_fit_data` has a rule for ``family`` (through its
    ``mle_data_rule`` attribute, or its base family's when reparametrized)."""
    from ..statistics.reparametrize import Reparametrized

    while isinstance(family, Reparametrized):
        family = family.base
    return getattr(family, "mle_data_rule", None) is not None


def _reparametrized(family, boundary):
    """The base family's boundary MLE in the new coordinates ``ξ = to_new(θ̂)``, with
    ``jac = (∂θ/∂ξ)ᵀ ∇_θ L``; an error when ``to_new`` sends ``θ̂`` to infinity."""
    if boundary is None:
        return None
    import autograd

    theta = boundary.x
    with np.errstate(all="ignore"):
        xi = np.asarray(family._to_new(theta), dtype=float)
        J = (
            np.asarray(autograd.jacobian(family._to_old)(xi), dtype=float)
            if np.all(np.isfinite(xi))
            else None
        )
    if J is None or not np.all(np.isfinite(J)):
        raise ValueError(
            f"the MLE of {family.base!r} for data lies on the boundary of its domain, "
            f"θ̂ = {theta} ({boundary.message.split(': ', 1)[-1]}), which the "
            f"reparametrization sends to infinity (ξ = {xi}); fit {family.base!r} instead"
        )
    out = OptimizeResult(boundary)
    out["x"], out["jac"] = xi, J.T @ boundary.jac
    return out


# ---------------------------------------------------------------------- errors
def _no_mle(family, why: str) -> ValueError:
    return ValueError(f"no maximum-likelihood estimate of {family!r} exists for data: {why}")


def _normal(family, data):
    _finite_squares(family, data)
    n = data.shape[0]
    if np.all(data == data[0]):
        raise _no_mle(
            family,
            f"{'the single observation is' if n == 1 else f'all {n} observations equal'} "
            f"{data[0]:g}, so the variance is zero and the likelihood grows without bound "
            "as sigma -> 0; an MLE needs at least two distinct values",
        )
    return None


def _multivariate_normal(family, data):
    _finite_squares(family, data)
    n, d = data.shape
    if n < d + 1:
        raise _no_mle(
            family,
            f"{n} observation{'s' if n != 1 else ''} of dimension {d}; the sample covariance "
            f"is singular with fewer than d + 1 = {d + 1} observations (the likelihood grows "
            "without bound as the covariance degenerates)",
        )
    centred = data - data.mean(0)
    s = np.linalg.svd(centred, compute_uv=False)
    rank = int(np.sum(s > s[0] * max(n, d) * np.finfo(float).eps)) if s[0] > 0 else 0
    if rank < d:
        raise _no_mle(
            family,
            f"the centred observations span only {rank} of {d} dimensions (they lie on an "
            "affine subspace), so the sample covariance is singular and the likelihood grows "
            "without bound as the covariance degenerates",
        )
    return None


def _finite_squares(family, data):
    big = float(np.max(np.abs(data)))
    if big > _HUGE:
        raise ValueError(
            f"data holds values up to {big:.3g} in magnitude; float64 cannot square them "
            f"(the variance of {family!r} would overflow): rescale data, e.g. divide it by "
            f"{big:.0e}, fit, and scale the estimate back"
        )


def _exponential(family, data):
    if np.all(data == 0):
        raise _no_mle(
            family, "every observation is 0, so the likelihood grows without bound as rate -> inf"
        )
    return None


def _all_equal(family, data):
    n = data.shape[0]
    if np.all(data == data[0]):
        what = "the single observation" if n == 1 else f"all {n} observations are equal"
        raise _no_mle(
            family,
            f"{what}, so the likelihood grows without bound as the distribution concentrates "
            "on that value (the parameters -> inf); an MLE needs observations that vary",
        )
    return None


# ---------------------------------------------------------------------- boundary MLEs
def _boundary(x, fun, jac, message) -> OptimizeResult:
    history = History()
    history.append(
        fun=float(fun), grad_norm=0.0, step_size=0.0, shortened=False, damping=0.0, accepted=True
    )
    return OptimizeResult(
        x=np.asarray(x, dtype=float),
        fun=float(fun),
        jac=np.asarray(jac, dtype=float),
        grad_norm=0.0,
        nit=0,
        nfev=0,
        njev=0,
        success=True,
        status=0,
        message="the MLE lies on the boundary of the parameter domain (closed form, no "
        f"iterations): {message}",
        on_boundary=True,
        history=history.as_arrays(),
        wall_time=0.0,
    )


def _binomial(family, data):
    n = family.n
    trials = "1" if n == 1 else f"n = {n}"
    if np.all(data == 0):
        return _boundary([0.0], 0.0, [float(n)], "every observation is 0, so p̂ = 0")
    if np.all(data == n):
        return _boundary([1.0], 0.0, [-float(n)], f"every observation is {trials}, so p̂ = 1")
    return None


def _poisson(family, data):
    if np.all(data == 0):
        return _boundary([0.0], 0.0, [1.0], "every observation is 0, so the rate's MLE is 0")
    return None


def _geometric(family, data):
    if np.all(data == 0):
        # nll = −log p − x̄ log(1 − p): at x̄ = 0 it is −log p, gradient −1 at p = 1
        return _boundary([1.0], 0.0, [-1.0], "every observation is 0, so p̂ = 1")
    return None


def _categorical(family, data):
    k = family.k
    counts = np.bincount(data.astype(int).ravel(), minlength=k).astype(float)
    if np.all(counts > 0):
        return None
    freq = counts / counts.sum()
    seen = freq > 0
    fun = -float(np.sum(freq[seen] * np.log(freq[seen])))
    # nll(θ) = −Σ_j f_j log θ_j with θ_k = 1 − Σ_{j<k} θ_j; terms with f_j = 0 vanish
    jac = np.where(seen[:-1], -1.0, 0.0) + (1.0 if seen[-1] else 0.0)
    unseen = ", ".join(str(j) for j in np.flatnonzero(~seen))
    return _boundary(
        freq[:-1],
        fun,
        jac,
        f"{'classes' if (~seen).sum() > 1 else 'class'} {unseen} never observed: p̂ is the "
        "observed frequencies, 0 for the unseen",
    )


# ---------------------------------------------------------------------- families without rules
def describe_degenerate(data, dim: int) -> str | None:
    """What in ``data`` (shape ``(n, *event_shape)``) can leave the MLE of a
    ``dim``-parameter family undefined, in words, or ``None``.

    Degenerate here means: a single observation, all observations equal, or fewer
    distinct observations than parameters. Whether the MLE then fails to exist depends
    on the family (an exponential rate has an MLE from one observation, a location and
    scale do not), so this only explains a fit that failed; it decides nothing alone.
    """
    data = np.asarray(data)
    n = data.shape[0]
    rows = data.reshape(n, -1)
    distinct = np.unique(rows, axis=0).shape[0]
    plural = "s" if dim != 1 else ""
    if n == 1:
        return f"data hold a single observation, {_show(rows[0])}, for {dim} parameter{plural}"
    if distinct == 1:
        return f"all {n} observations equal {_show(rows[0])}"
    if distinct < dim:
        return f"the {n} observations take only {distinct} distinct values for {dim} parameters"
    return None


def _show(row) -> str:
    return f"{row[0]:g}" if row.size == 1 else np.array2string(row, precision=6)


def _edges(family, start, x) -> list[str]:
    """The coordinates that ran from ``start`` to the edge of the parameter box (within
    1e-3 of the start's distance to a finite bound) or off to infinity (1e3 times larger
    than at the start), e.g. ``["sigma -> 0"]``."""
    start, x = np.asarray(start, dtype=float), np.asarray(x, dtype=float)
    bounds = getattr(family, "bounds", None) or [(-np.inf, np.inf)] * x.size
    try:
        names = list(family.param_names)
    except (AttributeError, TypeError, ValueError):
        names = []
    if len(names) != x.size or names == [f"x{i}" for i in range(x.size)]:
        names = [f"theta[{i}]" for i in range(x.size)]  # no names given: not the chart's x_i
    out = []
    for name, (low, high), a, b in zip(names, bounds, start, x):
        if np.isfinite(low) and b - low <= 1e-3 * (a - low):
            out.append(f"{name} -> {low:g}")
        elif np.isfinite(high) and high - b <= 1e-3 * (high - a):
            out.append(f"{name} -> {high:g}")
        elif abs(b) > 1e3 * max(abs(a), 1.0):
            out.append(f"{name} -> {'+' if b > 0 else '-'}inf")
    return out


def diagnose_failed_fit(family, data, start, x, reason: str) -> str | None:
    """The message of a fit of a family without a data rule (e.g.
    :class:`~infogeo.ParametricFamily`) that failed on degenerate data, or ``None`` when
    the data are not degenerate (:func:`describe_degenerate`).

    Parameters
    ----------
    start, x
        The start point and the last iterate the run reached (``None`` if none).
    reason
        What stopped the run (its message, or the exception raised).
    """
    degenerate = describe_degenerate(data, family.dim)
    if degenerate is None:
        return None
    edges = [] if x is None else _edges(family, start, x)
    where = (
        f"the iterates ran to the edge of the parameter domain ({', '.join(edges)}) while "
        "the likelihood kept growing"
        if edges
        else "the run did not converge"
    )
    return (
        f"no maximum-likelihood estimate of {family!r} found for data: {where}, and "
        f"{degenerate}; for such data the MLE may not exist (the likelihood grows without "
        "bound as the distribution concentrates) or lie on the boundary of the parameter "
        f"domain: fit more varied data, or a family that admits the limit. The run: {reason}"
    )


#: the rules, by the ``mle_data_rule`` attribute of the family classes
_RULES = {
    "normal": _normal,
    "multivariate_normal": _multivariate_normal,
    "exponential": _exponential,
    "all_equal": _all_equal,
    "binomial": _binomial,
    "categorical": _categorical,
    "poisson": _poisson,
    "geometric": _geometric,
}

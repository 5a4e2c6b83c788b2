"""Maximum-likelihood estimation by natural gradient descent."""

from __future__ import annotations

import numpy as np

from .._validation import check_observations
from ..exceptions import ConvergenceError, DivergenceError
from .degenerate import check_fit_data, diagnose_failed_fit, has_data_rule
from .fit_sufficient import fit_sufficient
from .minimize import solver_class
from .natural_gradient import NaturalGradientDescent
from .options import check_option_names
from .result import OptimizeResult
from .riemannian_gradient_descent import RiemannianGradientDescent
from .stopping import CALLBACK, DIVERGED

__all__ = ["fit"]

#: fit's tolerances differ from minimize's: the MLE is wanted to ~1e-10 (Fisher norm).
FIT_DEFAULTS = {"gtol": 1e-10, "max_iter": 500}


def fit(family, data, **options) -> OptimizeResult:
    """Maximum-likelihood estimate of ``family``'s parameters from ``data``.

    Exponential families (``family.is_exponential_family``) called without options
    reduce the data once to the mean sufficient statistic ``t̄`` and return the point
    whose expectation parameters equal it (:func:`~infogeo.optim.fit_sufficient.
    fit_sufficient`), unless no MLE exists in the open family (``t̄`` on the boundary),
    where the iterative path below runs and reports it. Otherwise this
    minimizes the mean negative log-likelihood ``L(θ) = family.nll(θ, data)`` by
    natural gradient descent (Fisher scoring with an Armijo safeguard by default),
    starting from ``family.initial_point(data)`` unless ``x0`` is given.

    Before the first step the data are checked (:mod:`infogeo.optim.degenerate`):
    where no MLE exists (zero variance, too few observations for a covariance, …) a
    ``ValueError`` says why; where the MLE lies on the boundary of the domain (all
    successes, an unseen category, all zeros, …) it is returned in closed form with
    ``success=True``, ``on_boundary=True`` and a message saying so. A family without
    such rules (:class:`~infogeo.ParametricFamily`, a custom exponential family) is fitted
    as it is; when that fails on degenerate data (one observation, all equal, fewer
    distinct observations than parameters), the result is a diagnosed divergence
    (``success=False``, status 5) whose message names the data and the parameters that
    ran to the edge of the domain (a ``ValueError`` saying so if it failed at the start).

    Parameters
    ----------
    family
        A statistical manifold (``nll``, ``nll_grad``, ``initial_point``, Fisher
        ``metric``).
    data
        Observations in the family's support, shape ``(n, *family.event_shape)``
        (``(n,)`` for a scalar family); anything else raises ``ValueError``.
    method : str, default "gd"
        The solver, from the registry of :func:`~infogeo.minimize` (``"gd"``,
        ``"cg"``, ``"lbfgs"``, ``"trust-region"``, ``"momentum"``, ``"adam"``, …).
        On the family's Fisher metric each is its natural-gradient version: ``"gd"``
        is Fisher scoring with an Armijo safeguard (and the closed form above for
        exponential families called without options); any other method minimizes
        ``L(θ)`` from the start point with that solver (no closed form, so that the
        solver asked for is the one that runs).
    **options
        ``x0`` and the options of the solver (for ``"gd"`` those of
        :class:`~infogeo.RiemannianGradientDescent`); ``gtol`` defaults to 1e-10 and
        ``max_iter`` to 500 here.

    Returns
    -------
    OptimizeResult
        ``x`` is the MLE ``θ̂``; ``success`` says whether ``gtol`` was met (or the
        gradient reached its float64 rounding floor, or the MLE is on the boundary).
    """
    method = options.pop("method", "gd")
    cls = solver_class(method)
    natural = cls is RiemannianGradientDescent
    if natural:
        check_option_names(options, extra=("x0",))  # other solvers check their own
    sufficient = natural and getattr(family, "is_exponential_family", False) and not options
    x0 = options.pop("x0", None)
    options = {**FIT_DEFAULTS, **options}
    checked = callable(getattr(family, "check_data", None))
    trail = None
    if natural and checked and not has_data_rule(family):  # diagnosed after the run
        trail = _Trail(options.get("callback"))
        options["callback"] = trail
        raise_on_divergence = options.pop("raise_on_divergence", False)
    solver = NaturalGradientDescent(family, data, **options) if natural else None
    if checked:
        data = check_observations(family, data, "data")
        boundary = check_fit_data(family, data)
        if boundary is not None:
            return boundary
        if natural:
            solver.data = data
    if not natural:
        return _fit_with(cls(family, **options), family, data, x0)
    if sufficient:
        result = fit_sufficient(family, data, gtol=options["gtol"])  # O(1) after one pass
        if result is not None and result.success:
            from ..inference.result import attach_inference

            return attach_inference(result, family, data)
        if result is not None and np.all(np.isfinite(result.x)) and family.belongs(result.x):
            x0 = result.x  # rounding lost digits: natural gradient polishes from there
    if trail is None:
        return solver.minimize(x0=x0)
    res = _diagnosed(solver, family, data, x0, trail)
    if raise_on_divergence and res.status == DIVERGED:
        raise DivergenceError(res.message, result=res)
    return res


class _Trail:
    """A callback keeping the last iterate's partial result (then calling the user's)."""

    def __init__(self, callback):
        if callback is not None and not callable(callback):
            raise TypeError(f"callback must be callable, got {type(callback).__name__}")
        self.callback = callback
        self.last = None
        self.user_raised = False

    def __call__(self, partial):
        self.last = partial
        if self.callback is None:
            return None
        try:
            return self.callback(partial)
        except BaseException:
            self.user_raised = True
            raise


def _diagnosed(solver, family, data, x0, trail: _Trail) -> OptimizeResult:
    """Run ``solver``; a failure on degenerate data becomes a diverged result whose
    message names the data (:func:`~infogeo.optim.degenerate.diagnose_failed_fit`)."""

    def start():
        return solver.initial_point() if x0 is None else x0

    try:
        res = solver.minimize(x0=x0)
    except (ConvergenceError, ValueError, ArithmeticError) as exc:
        numerical = isinstance(exc, (ConvergenceError, ArithmeticError, np.linalg.LinAlgError))
        if trail.user_raised or (trail.last is None and not numerical):
            raise
        last = None if trail.last is None else trail.last.x
        message = diagnose_failed_fit(family, data, start(), last, f"{type(exc).__name__}: {exc}")
        if message is None:
            raise
        if trail.last is None:
            raise ValueError(message) from exc
        res = OptimizeResult(trail.last)
        res.update(success=False, status=DIVERGED, message=message + "; x is the last iterate")
        return res
    if res.success or res.status == CALLBACK:  # the user's callback stopped it: theirs
        return res
    message = diagnose_failed_fit(family, data, start(), res.x, res.message)
    if message is not None:
        res.update(status=DIVERGED, message=message)
    return res


def _fit_with(solver, family, data, x0) -> OptimizeResult:
    """Minimize ``family.nll(θ, data)`` with ``solver`` (any registered method) from
    ``x0`` or the family's initial point, and attach the inference of a fit."""
    from ..inference.result import attach_inference

    fun = lambda theta: family.nll(theta, data)  # noqa: E731
    nll_grad = getattr(family, "nll_grad", None)
    grad = None if nll_grad is None else (lambda theta: nll_grad(theta, data))
    if x0 is None:
        if not callable(getattr(family, "initial_point", None)):
            raise TypeError(f"{type(family).__name__} has no initial_point(data); pass x0")
        result = solver._minimize(
            fun,
            family.initial_point(data),
            grad,
            f"the initial point {family!r}.initial_point(data)",
        )
    else:
        result = solver._minimize(fun, x0, grad, "x0")
    return attach_inference(result, family, data)

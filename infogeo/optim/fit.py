"""Maximum-likelihood estimation by natural gradient descent."""

from __future__ import annotations

from .._validation import check_observations
from .degenerate import check_fit_data
from .natural_gradient import NaturalGradientDescent
from .options import check_option_names
from .result import OptimizeResult

__all__ = ["fit"]

#: fit's tolerances differ from minimize's: the MLE is wanted to ~1e-10 (Fisher norm).
FIT_DEFAULTS = {"gtol": 1e-10, "max_iter": 500}


def fit(family, data, **options) -> OptimizeResult:
    """Maximum-likelihood estimate of ``family``'s parameters from ``data``.

    Minimizes the mean negative log-likelihood ``L(θ) = family.nll(θ, data)`` by
    natural gradient descent (Fisher scoring with an Armijo safeguard by default),
    starting from ``family.initial_point(data)`` unless ``x0`` is given.

    Before the first step the data are checked (:mod:`infogeo.optim.degenerate`):
    where no MLE exists (zero variance, too few observations for a covariance, …) a
    ``ValueError`` says why; where the MLE lies on the boundary of the domain (all
    successes, an unseen category, all zeros, …) it is returned in closed form with
    ``success=True``, ``on_boundary=True`` and a message saying so.

    Parameters
    ----------
    family
        A statistical manifold (``nll``, ``nll_grad``, ``initial_point``, Fisher
        ``metric``).
    data
        Observations in the family's support, shape ``(n, *family.event_shape)``
        (``(n,)`` for a scalar family); anything else raises ``ValueError``.
    **options
        ``x0`` and the options of :class:`~infogeo.RiemannianGradientDescent`;
        ``gtol`` defaults to 1e-10 and ``max_iter`` to 500 here.

    Returns
    -------
    OptimizeResult
        ``x`` is the MLE ``θ̂``; ``success`` says whether ``gtol`` was met (or the
        gradient reached its float64 rounding floor, or the MLE is on the boundary).
    """
    check_option_names(options, extra=("x0",))
    x0 = options.pop("x0", None)
    options = {**FIT_DEFAULTS, **options}
    solver = NaturalGradientDescent(family, data, **options)
    if callable(getattr(family, "check_data", None)):
        data = check_observations(family, data, "data")
        boundary = check_fit_data(family, data)
        if boundary is not None:
            return boundary
        solver.data = data
    return solver.minimize(x0=x0)

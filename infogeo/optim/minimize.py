"""The front door: ``ig.minimize(fun, x0, manifold, grad=None, method="gd", **options)``.

``method`` picks a solver from :data:`SOLVERS`, a small registry that other modules
extend with :func:`register_solver`.
"""

from __future__ import annotations

from collections.abc import Callable

from .adam import Adam
from .conjugate_gradient import ConjugateGradient
from .lbfgs import LBFGS
from .mirror_descent import MirrorDescent
from .momentum import Momentum
from .result import OptimizeResult
from .riemannian_gradient_descent import RiemannianGradientDescent
from .trust_region import TrustRegion

__all__ = ["SOLVERS", "minimize", "register_solver"]

#: ``method`` name → solver class (``cls(manifold, **options).minimize(fun, x0, grad)``)
SOLVERS: dict[str, type] = {
    "gd": RiemannianGradientDescent,
    "cg": ConjugateGradient,
    "lbfgs": LBFGS,
    "trust-region": TrustRegion,
    "momentum": Momentum,
    "adam": Adam,
    "mirror": MirrorDescent,
}

_ALIASES = {
    "gradient-descent": "gd",
    "steepest-descent": "gd",
    "conjugate-gradient": "cg",
    "l-bfgs": "lbfgs",
    "trust-regions": "trust-region",
    "tr": "trust-region",
    "mirror-descent": "mirror",
}


def register_solver(name: str, cls: type) -> None:
    """Make ``minimize(method=name)`` use ``cls`` (a class with ``cls(manifold,
    **options).minimize(fun, x0, grad) -> OptimizeResult``)."""
    if not isinstance(name, str) or not name:
        raise TypeError(f"a solver name must be a non-empty string, got {name!r}")
    if not callable(getattr(cls, "minimize", None)):
        raise TypeError(f"{cls!r} has no minimize(fun, x0, grad) method")
    SOLVERS[name.lower()] = cls


def solver_class(method: str) -> type:
    """The solver class registered for ``method`` (case and ``_``/``-`` insensitive)."""
    if not isinstance(method, str):
        raise TypeError(f"method must be a string, one of {sorted(SOLVERS)}, got {method!r}")
    key = method.lower().replace("_", "-")
    key = _ALIASES.get(key, key)
    if key not in SOLVERS:
        raise ValueError(f"unknown method {method!r}; choose one of {sorted(SOLVERS)}")
    return SOLVERS[key]


def minimize(
    fun: Callable,
    x0,
    manifold,
    grad: Callable | bool | None = None,
    *,
    method: str = "gd",
    **options,
) -> OptimizeResult:
    """Minimize ``fun`` over ``manifold`` from ``x0``.

    Parameters
    ----------
    fun
        ``fun(x) -> float`` (``fun(x, idx)`` on a minibatch for stochastic
        ``"momentum"`` / ``"adam"`` runs).
    x0
        Start point, shape ``(dim,)``, on the manifold.
    manifold
        A :class:`~infogeo.RiemannianManifold` (or anything with its interface). On a
        statistical manifold every method is its natural-gradient version.
    grad
        Euclidean gradient ``∇fun``; when None, autograd differentiates ``fun``;
        ``True`` when ``fun`` returns the pair ``(value, gradient)`` (scipy's
        ``jac=True``), so that one call serves both where they share work.
    method : str, default "gd"
        ``"gd"`` Riemannian gradient descent (:class:`~infogeo.RiemannianGradientDescent`),
        ``"cg"`` conjugate gradient, ``"lbfgs"`` L-BFGS, ``"trust-region"`` trust-region
        Newton with truncated CG, ``"momentum"`` heavy ball / Nesterov, ``"adam"`` Adam /
        AMSGrad, ``"mirror"`` mirror descent in expectation parameters (exponential
        families only, :class:`~infogeo.optim.MirrorDescent`; the same iterates as
        natural gradient descent in natural parameters); see :data:`SOLVERS`.
    **options
        Shared: ``step_size``, ``retraction``, ``max_iter``, ``gtol``, ``ftol``,
        ``max_time``, ``min_step``, ``stopping``, ``callback``, ``progress``,
        ``raise_on_divergence``; gradient descent also ``line_search``,
        ``trust_region``, ``damping``, ``max_step_length`` (see
        :class:`~infogeo.RiemannianGradientDescent`); the others their own (see each
        solver's class).

    Returns
    -------
    OptimizeResult

    Examples
    --------
    >>> import numpy as np, infogeo as ig
    >>> res = ig.minimize(lambda x: np.sum((x - 3.0) ** 2), np.zeros(2), ig.Euclidean(2),
    ...                   grad=lambda x: 2 * (x - 3.0))
    >>> res.success, np.allclose(res.x, 3.0)
    (True, True)
    """
    return solver_class(method)(manifold, **options).minimize(fun, x0, grad)

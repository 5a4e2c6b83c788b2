"""The front door: ``ig.minimize(fun, x0, manifold, grad=None, **options)``."""

from __future__ import annotations

from collections.abc import Callable

from .result import OptimizeResult
from .riemannian_gradient_descent import RiemannianGradientDescent

__all__ = ["minimize"]


def minimize(
    fun: Callable, x0, manifold, grad: Callable | None = None, **options
) -> OptimizeResult:
    """Minimize ``fun`` over ``manifold`` from ``x0`` by Riemannian gradient descent.

    Parameters
    ----------
    fun
        ``fun(x) -> float``.
    x0
        Start point, shape ``(dim,)``, on the manifold.
    manifold
        A :class:`~infogeo.RiemannianManifold` (or anything with its interface).
    grad
        Euclidean gradient ``∇fun``; when None, autograd differentiates ``fun``.
    **options
        ``step_size``, ``line_search``, ``trust_region``, ``damping``, ``retraction``,
        ``max_iter``, ``gtol``, ``ftol``, ``max_time``, ``min_step``, ``stopping``,
        ``callback``, ``progress``, ``max_step_length``, ``raise_on_divergence``: see
        :class:`~infogeo.RiemannianGradientDescent`.

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
    return RiemannianGradientDescent(manifold, **options).minimize(fun, x0, grad)

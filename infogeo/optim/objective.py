"""The function being minimized: evaluation with checks and counters."""

from __future__ import annotations

from collections.abc import Callable

import autograd
import numpy as np

from .safeguards import NonFiniteError

__all__ = ["Objective"]


class Objective:
    """``fun`` and its Euclidean gradient, validated and counted.

    Parameters
    ----------
    fun
        ``fun(x) -> float`` for ``x`` of shape ``(dim,)``.
    grad
        ``grad(x) -> (dim,)`` Euclidean gradient ``∇fun``; when ``None`` it is
        computed by reverse-mode automatic differentiation (autograd), which needs
        ``fun`` written with ``autograd.numpy``.
    dim
        Number of coordinates.

    Attributes
    ----------
    nfev, njev
        Numbers of function and gradient evaluations so far.
    """

    def __init__(self, fun: Callable, grad: Callable | None, dim: int):
        if not callable(fun):
            raise TypeError(f"fun must be a callable x -> float, got {type(fun).__name__}")
        if grad is not None and not callable(grad):
            raise TypeError(
                f"grad must be a callable x -> Euclidean gradient, got {type(grad).__name__}"
            )
        self._fun = fun
        self._grad = grad
        self._autograd = autograd.grad(fun) if grad is None else None
        self.dim = dim
        self.nfev = 0
        self.njev = 0

    def value(self, x: np.ndarray) -> float:
        """``fun(x)`` as a float; ``+inf`` is allowed (the caller treats it as outside
        the domain), NaN and ``-inf`` raise :class:`NonFiniteError` (a ``ValueError``)
        and non-scalars ``ValueError``."""
        self.nfev += 1
        out = self._fun(x)
        try:
            arr = np.asarray(out, dtype=float)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"fun must return a real scalar, got {out!r} at x = {x}") from exc
        if arr.shape != ():
            raise ValueError(
                f"fun must return a scalar, got an array of shape {arr.shape} at x = {x}"
            )
        value = float(arr)
        if np.isnan(value):
            raise NonFiniteError(
                f"fun returned NaN at x = {x}; it must return a real number", "fun", x, value
            )
        if value == -np.inf:
            raise NonFiniteError(
                f"fun returned -inf at x = {x}: the objective is unbounded below", "fun", x, value
            )
        return value

    def gradient(self, x: np.ndarray) -> np.ndarray:
        """Euclidean gradient at ``x``, shape ``(dim,)``; a wrong shape raises
        ``ValueError``, NaN/inf entries :class:`NonFiniteError`."""
        self.njev += 1
        if self._grad is not None:
            g = self._grad(x)
            source = "grad"
        else:
            try:
                g = self._autograd(x)
            except Exception as exc:
                raise TypeError(
                    "autograd could not differentiate fun (write it with autograd.numpy, "
                    f"or pass grad=): {type(exc).__name__}: {exc}"
                ) from exc
            source = "the autograd gradient of fun"
        try:
            g = np.asarray(g, dtype=float)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{source} must return a real array, got {g!r}") from exc
        if g.shape != (self.dim,):
            raise ValueError(
                f"{source} must return an array of shape ({self.dim},) like x, got shape "
                f"{g.shape} at x = {x}"
            )
        if not np.isfinite(g).all():
            raise NonFiniteError(
                f"{source} returned a non-finite gradient {g} at x = {x}", "gradient", x, g
            )
        return g

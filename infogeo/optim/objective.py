"""The function being minimized: evaluation with checks and counters."""

from __future__ import annotations

import math
from collections.abc import Callable

import autograd
import numpy as np

from .safeguards import NonFiniteError
from .step_size import same_point

__all__ = ["Objective"]

#: scalar types ``fun`` usually returns, read as a float without an array conversion
_FLOATS = (float, np.float64)


def _as_scalar(out, x) -> float:
    """``fun``'s return value ``out`` as a float, or ``ValueError`` for a non-scalar."""
    try:
        arr = np.asarray(out, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"fun must return a real scalar, got {out!r} at x = {x}") from exc
    if arr.shape != ():
        raise ValueError(f"fun must return a scalar, got an array of shape {arr.shape} at x = {x}")
    return float(arr)


class Objective:
    """``fun`` and its Euclidean gradient, validated and counted.

    Parameters
    ----------
    fun
        ``fun(x) -> float`` for ``x`` of shape ``(dim,)``.
    grad
        ``grad(x) -> (dim,)`` Euclidean gradient ``∇fun``; when ``None`` it is
        computed by reverse-mode automatic differentiation (autograd), which needs
        ``fun`` written with ``autograd.numpy``. ``True`` means ``fun`` returns both,
        ``fun(x) -> (value, gradient)`` (scipy's ``jac=True``): one call serves the
        value and the gradient at a point, which saves the work they share (for a
        least-squares or likelihood objective, the pass over the data).
    dim
        Number of coordinates.

    Attributes
    ----------
    nfev, njev
        Numbers of function and gradient evaluations so far (with ``grad=True`` each
        call of ``fun`` counts once in each).
    """

    def __init__(self, fun: Callable, grad: Callable | None, dim: int):
        if not callable(fun):
            raise TypeError(f"fun must be a callable x -> float, got {type(fun).__name__}")
        self.combined = grad is True
        if grad is not None and not self.combined and not callable(grad):
            raise TypeError(
                "grad must be a callable x -> Euclidean gradient, or True when fun returns "
                f"(value, gradient), got {grad!r}"
            )
        self._fun = fun
        self._grad = None if self.combined else grad
        self._autograd = autograd.grad(fun) if grad is None else None
        self.dim = dim
        self.nfev = 0
        self.njev = 0
        self._last = None  # grad=True: (x, value, gradient) of the last call

    def _call_combined(self, x: np.ndarray):
        """``fun(x) -> (value, gradient)``, cached for the last point."""
        last = self._last
        if last is not None and (
            same_point(last[0], x) if type(x) is np.ndarray else np.array_equal(last[0], x)
        ):
            return last[1], last[2]
        self.nfev += 1
        self.njev += 1
        out = self._fun(x)
        if not (isinstance(out, (tuple, list)) and len(out) == 2):
            raise TypeError(
                "with grad=True fun must return a pair (value, gradient), got "
                f"{type(out).__name__} at x = {x}"
            )
        self._last = (np.array(x, dtype=float), out[0], out[1])
        return out

    def value(self, x: np.ndarray) -> float:
        """``fun(x)`` as a float; ``+inf`` is allowed (the caller treats it as outside
        the domain), NaN and ``-inf`` raise :class:`NonFiniteError` (a ``ValueError``)
        and non-scalars ``ValueError``."""
        if self.combined:
            out = self._call_combined(x)[0]
        else:
            self.nfev += 1
            out = self._fun(x)
        if type(out) in _FLOATS:  # the common case: a float (a scalar, no conversion)
            value = float(out)
        else:
            value = _as_scalar(out, x)
        if value != value:  # NaN
            raise NonFiniteError(
                f"fun returned NaN at x = {x}; it must return a real number", "fun", x, value
            )
        if value == -math.inf:
            raise NonFiniteError(
                f"fun returned -inf at x = {x}: the objective is unbounded below", "fun", x, value
            )
        return value

    def gradient(self, x: np.ndarray) -> np.ndarray:
        """Euclidean gradient at ``x``, shape ``(dim,)``; a wrong shape raises
        ``ValueError``, NaN/inf entries :class:`NonFiniteError`."""
        if self.combined:
            g = self._call_combined(x)[1]
            source = "fun's gradient"
        elif self._grad is not None:
            self.njev += 1
            g = self._grad(x)
            source = "grad"
        else:
            self.njev += 1
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

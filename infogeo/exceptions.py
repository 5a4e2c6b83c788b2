"""Exceptions and warnings raised by infogeo."""

from __future__ import annotations

import numpy as np

__all__ = ["ConvergenceError", "ConvergenceWarning", "DivergenceError", "NonFiniteError"]


class ConvergenceError(RuntimeError):
    """A numerical solver did not reach its tolerance.

    Raised instead of returning an answer that is not known to be right.

    Parameters
    ----------
    message
        What did not converge, and what the caller can change.
    residual
        The size of the error that remained (for a geodesic boundary-value problem,
        the endpoint residual ``‖γ(1) − q‖``), or ``None`` when it is not measured.
    tolerance
        The tolerance the solver was asked to meet, when there is one.
    failed
        For a batched solve: the batch indices (tuples, one per failed item) that
        were not solved; ``None`` when not applicable.
    method
        The method(s) tried, e.g. ``"Chebyshev collocation, Newton shooting"``.
    elapsed
        Wall-clock seconds spent before giving up, when measured.
    timed_out
        True when the solver stopped because its time budget (``max_time``) ran out.
    """

    def __init__(
        self,
        message: str,
        residual=None,
        tolerance: float | None = None,
        *,
        failed=None,
        method: str | None = None,
        elapsed: float | None = None,
        timed_out: bool = False,
    ):
        super().__init__(message)
        self.residual = residual
        self.tolerance = tolerance
        self.failed = failed
        self.method = method
        self.elapsed = elapsed
        self.timed_out = timed_out


class DivergenceError(ConvergenceError):
    """An optimization run diverged (NaN/inf or overflowing values, gradients or metrics).

    Raised only when asked for (``raise_on_divergence=True``); by default the run
    returns an :class:`~infogeo.OptimizeResult` with ``success=False`` and status 5.

    Attributes
    ----------
    result
        The :class:`~infogeo.OptimizeResult` the run would have returned: ``x`` is the
        last finite iterate.
    """

    def __init__(self, message: str, result=None):
        super().__init__(message)
        self.result = result


class NonFiniteError(ValueError, ArithmeticError):
    """A function, gradient or model quantity was NaN or infinite (or overflowed) at ``x``.

    Raised by the optimizer's objective wrapper, and by models whose quantities overflow;
    during a run the optimizer turns it into a *diverged* result (status 5), at the start
    point into a ``ValueError`` naming the start.

    Attributes
    ----------
    what
        What was not finite: ``"fun"``, ``"gradient"``, ...
    x
        The point.
    value
        The offending value.
    """

    def __init__(self, message: str, what: str, x, value):
        super().__init__(message)
        self.what = what
        self.x = np.array(x, dtype=float)
        self.value = value


class ConvergenceWarning(RuntimeWarning):
    """Some items of a batch were not solved and were returned as NaN
    (``errors="nan"``); the message names their batch indices."""

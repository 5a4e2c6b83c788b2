"""Exceptions raised by infogeo."""

from __future__ import annotations

__all__ = ["ConvergenceError", "DivergenceError"]


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
    """

    def __init__(self, message: str, residual=None, tolerance: float | None = None):
        super().__init__(message)
        self.residual = residual
        self.tolerance = tolerance


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

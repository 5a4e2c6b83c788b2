"""The result of the iterative statistics-on-manifolds solvers (Fréchet mean, median)."""

from __future__ import annotations

import time

import numpy as np

from ..optim.result import OptimizeResult

__all__ = ["iteration_result"]


def iteration_result(x, fun, grad_norm, nit, nfev, status, message, history, start):
    """An :class:`~infogeo.OptimizeResult` with ``success = (status == 0)``, ``history``
    (a dict of per-iteration lists) as arrays and ``wall_time`` since ``start``."""
    return OptimizeResult(
        x=x,
        fun=fun,
        grad_norm=grad_norm,
        nit=nit,
        nfev=nfev,
        success=status == 0,
        status=status,
        message=message,
        history={k: np.asarray(v, dtype=float) for k, v in history.items()},
        wall_time=time.perf_counter() - start,
    )

"""The result of a minimization and the per-iteration record that goes into it."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import scipy.optimize

__all__ = ["History", "OptimizeResult"]


class OptimizeResult(scipy.optimize.OptimizeResult):
    """Result of :func:`infogeo.minimize` (a :class:`scipy.optimize.OptimizeResult`).

    Attributes
    ----------
    x : ndarray
        The final iterate (always a point of the manifold).
    fun : float
        ``fun(x)``.
    jac : ndarray
        Euclidean gradient ``∇fun(x)``.
    grad_norm : float
        Riemannian gradient norm at ``x``, ``√(∇fᵀ G⁻¹ ∇f)`` (with damping ``λ`` the
        norm in the metric ``G + λI``), computed without forming ``G``.
    nit, nfev, njev : int
        Iterations, function and gradient evaluations.
    success : bool
        Whether a convergence criterion (``gtol``, ``ftol``, or the gradient's float64
        rounding floor) was met. Runs stopped by ``max_iter``, ``max_time``, a
        callback, a step that could not decrease ``fun``, divergence or a singular
        metric report ``False``.
    status : int
        0 converged, 1 ``max_iter``, 2 ``max_time``, 3 stopped by the callback,
        4 no step decreased ``fun`` (or the step became too small), 5 diverged
        (NaN/inf or overflowing values, gradients or metrics; ``x`` is the last finite
        iterate), 6 the metric is singular at an ordinary point (pass ``damping``).
    message : str
        Why the run stopped.
    failed_x : ndarray, only after a run broke
        The point reached by the step that broke it (status 5 or 6).
    on_boundary : bool, only for closed-form boundary MLEs of :func:`~infogeo.fit`
        ``x`` lies on the boundary of the parameter domain.
    history : dict of ndarray
        Per-iteration arrays (entry 0 is the start point): ``fun``, ``grad_norm``,
        ``step_size`` (the multiplier ``t`` of the step ``−t·G⁻¹∇f``; 0 at the start
        and for rejected steps), ``shortened`` (the step was cut to stay in the
        domain), ``damping`` (the ``λ`` used for the direction), ``accepted``.
    wall_time : float
        Seconds spent in the solver.
    """


class History:
    """Accumulates per-iteration values and hands them out as arrays."""

    fields = ("fun", "grad_norm", "step_size", "shortened", "damping", "accepted")
    _dtypes: ClassVar[dict] = {"shortened": bool, "accepted": bool}

    def __init__(self):
        self._data = {name: [] for name in self.fields}
        self._columns = tuple(self._data[name] for name in self.fields)

    def append(self, **values) -> None:
        """Record one iteration, every field of :attr:`fields` by name."""
        missing = set(self.fields) - set(values)
        if missing:
            raise KeyError(f"history entry lacks {sorted(missing)}")
        for name in self.fields:
            self._data[name].append(values[name])

    def record(self, fun, grad_norm, step_size, shortened, damping, accepted) -> None:
        """Record one iteration, the fields in the order of :attr:`fields` (what
        :meth:`append` does, without its keyword handling: the solvers' loop calls it
        every iteration)."""
        f, g, t, s, d, a = self._columns
        f.append(fun)
        g.append(grad_norm)
        t.append(step_size)
        s.append(shortened)
        d.append(damping)
        a.append(accepted)

    def __len__(self) -> int:
        return len(self._data["fun"])

    def as_arrays(self) -> dict[str, np.ndarray]:
        return {
            name: np.asarray(vals, dtype=self._dtypes.get(name, float))
            for name, vals in self._data.items()
        }

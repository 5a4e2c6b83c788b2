"""Minibatch (stochastic) natural gradient descent for predictive models.

Each step draws a minibatch ``B`` (a pass over a seeded random permutation of the
examples per epoch) and moves along the damped natural gradient of the minibatch
loss in the minibatch metric,

    w ← R_w(−t_k d),      d = (G_B(w) + λI)⁻¹ ∇L_B(w),

where ``G_B`` is the model's pull-back Fisher metric on ``B`` (dense or matrix-free
CG, as the model chooses). The step multiplier ``t_k`` decays,
``t_k = t₀ / (1 + k/τ)^κ``, and with a KL trust region ``ε`` it is capped at
``√(2ε / ∇L_Bᵀ d)`` so that ``½ t² dᵀ(G_B + λI)d ≤ ε`` (each step moves the
minibatch predictive distribution by a KL of at most about ``ε``).

After every epoch the full-data loss and Riemannian gradient norm
``√(∇Lᵀ(G + λI)⁻¹∇L)`` are evaluated; the run succeeds when that norm is at most
``gtol``. A minibatch direction that cannot be computed (a singular minibatch metric
without damping, a CG solve that misses its tolerance) or a non-finite step ends the run
with ``success=False``, ``status=4`` and the reason, returning the last evaluated point.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from .._validation import check_positive, check_positive_int
from ..exceptions import ConvergenceError
from .result import History, OptimizeResult
from .step_size import KLTrustRegion
from .stopping import DIVERGED, NO_DECREASE

__all__ = ["StochasticNaturalGradient"]

#: failures that mean the run diverged (status 5) rather than stalled (status 4)
_DIVERGED = ("the step produced non-finite weights", "the full-data loss became non-finite")


class StochasticNaturalGradient:
    """Minibatch natural gradient on a :class:`~infogeo.PredictiveModel`.

    Parameters
    ----------
    model
        A predictive model: ``nll(w)``, ``nll_grad(w)``, ``initial_point()``,
        ``riemannian_gradient(w, egrad, damping)``, ``retract`` and
        ``subset(index)`` (the same model on a minibatch).
    batch_size
        Examples per step (default 256; capped at ``n``).
    step_size
        ``t₀``, the initial step multiplier (default 1.0).
    decay
        ``τ`` in steps; ``None`` (default) keeps ``t_k = t₀``.
    decay_power
        ``κ`` (default 1.0: ``t_k ∝ 1/k`` for large ``k``).
    trust_region
        KL radius ``ε`` capping each step (default ``None``: no cap).
    damping
        ``λ ≥ 0`` added to the minibatch metric (default 1e-4; a minibatch smaller
        than the number of weights has a singular metric).
    max_epochs
        Passes over the data (default 20).
    gtol
        Full-data Riemannian gradient norm at which to stop with success (1e-6).
    average
        Polyak–Ruppert averaging (default True): after the first (burn-in) epoch the
        iterates are averaged, ``w̄ = (1/m) Σ w_k``; the per-epoch evaluation and the
        returned ``x`` use ``w̄``, which removes most of the minibatch noise.
    seed
        Seed (or ``numpy.random.Generator``) of the minibatch order; equal seeds give
        identical runs (default 0).
    callback
        ``callback(result_so_far)`` after each epoch; returning ``True`` stops.
    """

    def __init__(
        self,
        model,
        *,
        batch_size: int = 256,
        step_size: float = 1.0,
        decay: float | None = None,
        decay_power: float = 1.0,
        trust_region: float | None = None,
        damping: float = 1e-4,
        max_epochs: int = 20,
        gtol: float = 1e-6,
        average: bool = True,
        seed=0,
        callback: Callable | None = None,
    ):
        for name in ("nll", "nll_grad", "riemannian_gradient", "subset", "retract"):
            if not callable(getattr(model, name, None)):
                raise TypeError(
                    f"StochasticNaturalGradient needs a predictive model with {name}(), "
                    f"got {type(model).__name__}"
                )
        self.model = model
        self.batch_size = check_positive_int(batch_size, "batch_size")
        self.step_size = check_positive(step_size, "step_size")
        self.decay = check_positive(decay, "decay", allow_none=True)
        self.decay_power = check_positive(decay_power, "decay_power")
        self.trust = (
            None
            if trust_region is None
            else KLTrustRegion(trust_region, max_step=None, damping=damping)
        )
        if isinstance(damping, bool) or not np.isfinite(damping) or damping < 0:
            raise ValueError(f"damping must be a finite number >= 0, got {damping!r}")
        self.damping = float(damping)
        self.max_epochs = check_positive_int(max_epochs, "max_epochs")
        self.gtol = check_positive(gtol, "gtol")
        self.average = bool(average)
        self.seed = seed
        if callback is not None and not callable(callback):
            raise TypeError(f"callback must be callable, got {type(callback).__name__}")
        self.callback = callback

    def step_multiplier(self, k: int) -> float:
        """``t_k = t₀ / (1 + k/τ)^κ`` (``t₀`` without decay)."""
        if self.decay is None:
            return self.step_size
        return self.step_size / (1.0 + k / self.decay) ** self.decay_power

    def _full_state(self, w):
        f = self.model.nll(w)
        g = np.asarray(self.model.nll_grad(w), dtype=float)
        d = self.model.riemannian_gradient(w, g, damping=self.damping)
        return f, g, float(np.sqrt(max(float(g @ d), 0.0)))

    def minimize(self, x0=None) -> OptimizeResult:
        """Run from ``x0`` (default ``model.initial_point()``).

        Returns
        -------
        OptimizeResult
            ``x``, ``fun`` and ``grad_norm`` on the full data; ``nit`` minibatch
            steps, ``nepochs``; ``history`` has one entry per epoch (entry 0 the
            start), its ``step_size`` the last multiplier of the epoch.
        """
        model = self.model
        rng = np.random.default_rng(self.seed)
        start = time.perf_counter()
        w = model.check_point(model.initial_point() if x0 is None else x0, "x0")
        n = model.n_samples
        batch = min(self.batch_size, n)
        f, g, gnorm = self._full_state(w)
        history = History()
        history.append(
            fun=f,
            grad_norm=gnorm,
            step_size=0.0,
            shortened=False,
            damping=self.damping,
            accepted=True,
        )
        nit = nfev = n_avg = 0
        w_avg = w.copy()
        x_eval = w.copy()  # the point f, g, gnorm belong to (and the result's x)
        status, message = 1, f"reached max_epochs = {self.max_epochs}"
        epoch = 0
        if gnorm <= self.gtol:
            status, message = 0, "the start already meets gtol"
        else:
            for epoch in range(1, self.max_epochs + 1):
                order = rng.permutation(n)
                averaging = self.average and epoch > 1
                t = 0.0
                failure = None
                for lo in range(0, n - batch + 1, batch):
                    sub = model.subset(order[lo : lo + batch])
                    gb = np.asarray(sub.nll_grad(w), dtype=float)
                    try:
                        d = np.asarray(sub.riemannian_gradient(w, gb, damping=self.damping))
                    except (ValueError, ConvergenceError) as exc:
                        failure = f"no minibatch natural gradient ({exc})"
                        break
                    slope = float(gb @ d)
                    if not np.isfinite(slope) or slope < 0:
                        failure = f"non-finite or negative minibatch slope {slope:g}"
                        break
                    t = self.step_multiplier(nit)
                    if self.trust is not None and slope > 0:
                        t = min(t, self.trust.step_multiplier(slope))
                    w_new = np.asarray(model.retract(w, -t * d))
                    nit += 1
                    if not np.all(np.isfinite(w_new)):
                        failure = _DIVERGED[0]
                        break
                    w = w_new
                    if averaging:
                        n_avg += 1
                        w_avg += (w - w_avg) / n_avg
                if failure is None:
                    x_eval = w_avg.copy() if averaging else w.copy()
                    f, g, gnorm = self._full_state(x_eval)
                    nfev += 1
                    if not np.isfinite(f):
                        failure = _DIVERGED[1]
                history.append(
                    fun=f,
                    grad_norm=gnorm,
                    step_size=t,
                    shortened=False,
                    damping=self.damping,
                    accepted=failure is None,
                )
                if failure is not None:
                    status = DIVERGED if failure in _DIVERGED else NO_DECREASE
                    message = f"stopped in epoch {epoch}: {failure}"
                    if status == DIVERGED:
                        message = f"the run diverged: {message}"
                    break
                if gnorm <= self.gtol:
                    status, message = 0, f"full-data gradient norm {gnorm:.3g} <= gtol"
                    break
                if self.callback is not None:
                    partial = self._result(
                        x_eval, f, g, gnorm, nit, nfev, epoch, history, start, -1, "running"
                    )
                    if self.callback(partial) is True:
                        status, message = 3, "stopped by the callback"
                        break
        return self._result(x_eval, f, g, gnorm, nit, nfev, epoch, history, start, status, message)

    @staticmethod
    def _result(w, f, g, gnorm, nit, nfev, epochs, history, start, status, message):
        return OptimizeResult(
            x=np.array(w, dtype=float),
            fun=float(f),
            jac=np.array(g, dtype=float),
            grad_norm=float(gnorm),
            nit=int(nit),
            nepochs=int(epochs),
            nfev=int(nfev) + 1,
            njev=int(nfev) + 1,
            success=status == 0,
            status=int(status),
            message=message,
            history=history.as_arrays(),
            wall_time=time.perf_counter() - start,
        )

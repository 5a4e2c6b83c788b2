"""Riemannian Adam and AMSGrad (``minimize(method="adam")``), after Bécigneul & Ganea,
*Riemannian adaptive optimization methods* (ICLR 2019) and geoopt's ``RiemannianAdam``.

With ``r_k`` the Riemannian gradient (full data or minibatch; the natural gradient on a
statistical manifold), ``T`` the vector transport to the new point and ``t`` the
learning rate,

    m_k = β₁ T(m_{k−1}) + (1 − β₁) r_k,      v_k = β₂ v_{k−1} + (1 − β₂) ‖r_k‖²_x,
    x_{k+1} = R_{x_k}(−t m̂_k / (√v̂_k + ε)),   m̂ = m/(1 − β₁ᵏ),  v̂ = v/(1 − β₂ᵏ)

(AMSGrad: ``v̂`` replaced by its running maximum). The second moment is the squared
Riemannian norm, a scalar: coordinates of a curved manifold carry no intrinsic meaning,
so the adaptive scaling must be one number per manifold (Bécigneul & Ganea). On
:class:`~infogeo.Euclidean` space, a product of lines, it is per coordinate (``r ∘ r``),
which is ordinary Adam. Full-batch safeguard and minibatch runs: see
:mod:`infogeo.optim.minibatch`.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from .._validation import check_positive
from ..geometry.euclidean import Euclidean
from .minibatch import MinibatchSolver

__all__ = ["Adam"]


class Adam(MinibatchSolver):
    """Riemannian (natural) Adam / AMSGrad.

    Parameters
    ----------
    manifold
        The manifold.
    step_size : float, default 0.01
        The learning rate ``t``.
    betas : (float, float), default (0.9, 0.999)
    eps : float, default 1e-8
    amsgrad : bool, default False
    restart, backoff : bool and float, default True and 0.5
        Full-batch safeguard: a step that would increase ``fun`` is rejected, the
        first moment reset and the learning rate multiplied by ``backoff``.
    batch_size, n_samples, seed
        Minibatch runs (see :mod:`infogeo.optim.minibatch`).
    **options
        ``retraction``, ``max_iter``, ``gtol``, ``ftol``, ``max_time``, ``min_step``,
        ``stopping``, ``callback``, ``progress``.
    """

    method = "adam"
    solver_defaults: ClassVar[dict] = {
        **MinibatchSolver.solver_defaults,
        "betas": (0.9, 0.999),
        "eps": 1e-8,
        "amsgrad": False,
    }
    shared_defaults: ClassVar[dict] = {"step_size": 0.01}

    def _configure(self, opts):
        super()._configure(opts)
        try:
            b1, b2 = (float(b) for b in opts["betas"])
        except (TypeError, ValueError) as exc:
            raise ValueError(f"betas must be two numbers in [0, 1), got {opts['betas']!r}") from exc
        if not (0 <= b1 < 1 and 0 <= b2 < 1):
            raise ValueError(f"betas must lie in [0, 1), got {opts['betas']!r}")
        self.beta1, self.beta2 = b1, b2
        self.eps = check_positive(opts["eps"], "eps")
        self.amsgrad = bool(opts["amsgrad"])
        self.elementwise = isinstance(self.manifold, Euclidean)

    def _moments_start(self, state):
        shape = state.x.shape if self.elementwise else ()
        state.memory.update(m=np.zeros_like(state.x), v=np.zeros(shape), vmax=np.zeros(shape), k=0)

    def _reset(self, state):
        state.memory["m"] = np.zeros_like(state.x)

    def _direction(self, problem, x, r, mem):
        mem["k"] += 1
        k = mem["k"]
        mem["m"] = self.beta1 * mem["m"] + (1 - self.beta1) * r
        sq = r * r if self.elementwise else float(problem.inner(x, r, r))
        mem["v"] = self.beta2 * mem["v"] + (1 - self.beta2) * sq
        v = mem["v"]
        if self.amsgrad:
            mem["vmax"] = np.maximum(mem["vmax"], v)
            v = mem["vmax"]
        m_hat = mem["m"] / (1 - self.beta1**k)
        v_hat = v / (1 - self.beta2**k)
        return m_hat / (np.sqrt(v_hat) + self.eps)

    def _transport_moments(self, problem, x, x_new, mem):
        mem["m"] = problem.transport(x, mem["m"], x_new)

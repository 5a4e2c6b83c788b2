"""Riemannian gradient descent with momentum (``minimize(method="momentum")``).

    m_{k+1} = β T(m_k) + r_k,      x_{k+1} = R_{x_k}(−t d_k),

with ``d_k = m_{k+1}`` (heavy ball) or ``d_k = r_k + β m_{k+1}`` (Nesterov), ``r_k`` the
Riemannian gradient (the natural gradient on a statistical manifold) of the full data or
of a minibatch, and ``T`` the manifold's vector transport carrying the momentum to the
new point (geoopt's ``RiemannianSGD``). Full-batch safeguard and minibatch runs: see
:mod:`infogeo.optim.minibatch`.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from .minibatch import MinibatchSolver

__all__ = ["Momentum"]


class Momentum(MinibatchSolver):
    """Riemannian (natural) heavy-ball / Nesterov momentum.

    Parameters
    ----------
    manifold
        The manifold.
    step_size : float, default 0.1
        The learning rate ``t``.
    momentum : float, default 0.9
        ``β`` in ``[0, 1)``.
    nesterov : bool, default False
    restart, backoff : bool and float, default True and 0.5
        Full-batch safeguard: a step that would increase ``fun`` is rejected, the
        momentum reset and the learning rate multiplied by ``backoff``.
    batch_size, n_samples, seed
        Minibatch runs (see :mod:`infogeo.optim.minibatch`).
    **options
        ``retraction``, ``max_iter``, ``gtol``, ``ftol``, ``max_time``, ``min_step``,
        ``stopping``, ``callback``, ``progress``.
    """

    method = "momentum"
    solver_defaults: ClassVar[dict] = {
        **MinibatchSolver.solver_defaults,
        "momentum": 0.9,
        "nesterov": False,
    }
    shared_defaults: ClassVar[dict] = {"step_size": 0.1}

    def _configure(self, opts):
        super()._configure(opts)
        beta = float(opts["momentum"])
        if not 0 <= beta < 1:
            raise ValueError(f"momentum must lie in [0, 1), got {opts['momentum']}")
        self.beta = beta
        self.nesterov = bool(opts["nesterov"])

    def _moments_start(self, state):
        state.memory["m"] = np.zeros_like(state.x)

    def _reset(self, state):
        state.memory["m"] = np.zeros_like(state.x)

    def _direction(self, problem, x, r, mem):
        m = self.beta * mem["m"] + r
        mem["m"] = m
        return r + self.beta * m if self.nesterov else m

    def _transport_moments(self, problem, x, x_new, mem):
        mem["m"] = problem.transport(x, mem["m"], x_new)

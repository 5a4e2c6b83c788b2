"""The part shared by the first-order adaptive solvers (momentum, Adam): full-batch or
minibatch iterations with moment vectors carried along by vector transport.

Deterministic runs (``batch_size=None``) take one step per iteration with the full
gradient. Stochastic runs (``batch_size=b``, ``n_samples=n``) call ``fun(x, idx)`` and
``grad(x, idx)`` with ``idx`` an integer array of ``b`` example indices (a fresh seeded
permutation per epoch, the last incomplete batch dropped); one *iteration* of the loop is
one epoch, after which ``fun(x, all)`` and its gradient give the full-data value and
Riemannian gradient norm that the stopping criteria (``gtol``, ``max_iter`` = epochs,
...) and the history see.

Full-batch safeguard (``restart=True``, the default): a step that would increase
``fun`` beyond its rounding error (``16 ε |f|``) is rejected, the first moment is
reset (adaptive restart, O'Donoghue & Candès, Found. Comput. Math. 15, 2015) and the
learning rate is multiplied by ``backoff`` (0.5), so the iteration decreases ``fun``
monotonically and settles instead of circling the minimum at a fixed step.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

import autograd
import numpy as np

from .._validation import check_positive_int
from .objective import Objective
from .solver import Outcome, Problem, RiemannianSolver, SolverState

__all__ = ["MinibatchSolver"]

_MAX_HALVINGS = 60
_EPS = np.finfo(float).eps


class MinibatchSolver(RiemannianSolver):
    """Base of :class:`~infogeo.optim.momentum.Momentum` and
    :class:`~infogeo.optim.adam.Adam`; subclasses supply ``_moments_start``,
    ``_direction`` (the update direction from a Riemannian gradient) and
    ``_transport_moments``."""

    solver_defaults: ClassVar[dict] = {
        "batch_size": None,
        "n_samples": None,
        "seed": 0,
        "restart": True,
        "backoff": 0.5,
    }

    def _configure(self, opts):
        b, n = opts["batch_size"], opts["n_samples"]
        if (b is None) != (n is None):
            raise ValueError("stochastic runs need both batch_size and n_samples")
        self.batch_size = None if b is None else check_positive_int(b, "batch_size")
        self.n_samples = None if n is None else check_positive_int(n, "n_samples")
        if self.batch_size is not None and self.batch_size > self.n_samples:
            raise ValueError(f"batch_size ({self.batch_size}) exceeds n_samples ({self.n_samples})")
        self.seed = opts["seed"]
        self.restart = bool(opts["restart"])
        self.backoff = float(opts["backoff"])
        if not 0 < self.backoff <= 1:
            raise ValueError(f"backoff must lie in (0, 1], got {opts['backoff']!r}")
        self.step_size = float(opts["step_size"])

    # ------------------------------------------------------------ objectives
    def _objective(self, fun, grad, dim) -> Objective:
        if self.batch_size is None:
            return Objective(fun, grad, dim)
        everything = np.arange(self.n_samples)
        self._batch_grad = _batch_gradient(fun, grad)
        full_grad = grad if grad is None or grad is True else (lambda x: grad(x, everything))
        return Objective(lambda x: fun(x, everything), full_grad, dim)

    # ------------------------------------------------------------ parts
    def _start(self, problem, state):
        state.memory["rng"] = np.random.default_rng(self.seed)
        state.memory["lr"] = self.step_size
        self._moments_start(state)

    def _moments_start(self, state: SolverState) -> None:
        raise NotImplementedError

    def _direction(self, problem: Problem, x, r, mem) -> np.ndarray:
        raise NotImplementedError

    def _transport_moments(self, problem: Problem, x, x_new, mem) -> None:
        raise NotImplementedError

    def _reset(self, state: SolverState) -> None:
        """Adaptive restart: forget the first moment (O'Donoghue & Candès, 2015)."""

    def _step(self, problem: Problem, state: SolverState) -> Outcome:
        if self.batch_size is None:
            return self._full_step(problem, state)
        return self._epoch(problem, state)

    def _full_step(self, problem, state):
        mem = state.memory
        direction = self._direction(problem, state.x, state.rgrad, mem)
        t, x_new, f_new, shortened = problem.trial(state.x, -direction)(mem["lr"])
        if x_new is None:
            return Outcome(
                0.0, 0.0, False, True, failure="every step left the domain, even after halving"
            )
        if self.restart and f_new > state.fun + 16 * _EPS * abs(state.fun):
            # safeguard: reject the step, forget the momentum, shorten the learning rate
            self._reset(state)
            mem["lr"] *= self.backoff
            if mem["lr"] < 1e-12 * self.step_size:
                return Outcome(
                    0.0,
                    0.0,
                    False,
                    shortened,
                    failure="the learning rate fell below "
                    f"{1e-12 * self.step_size:.3g} without a step that decreases fun",
                )
            return Outcome(0.0, 0.0, False, shortened)
        length = float(t * problem.norm(state.x, direction))
        x_old = state.x
        self._accept(problem, state, x_new, f_new)
        self._transport_moments(problem, x_old, x_new, mem)
        return Outcome(t, length, True, shortened)

    def _epoch(self, problem, state):
        mem = state.memory
        x = state.x
        order = mem["rng"].permutation(self.n_samples)
        b = self.batch_size
        shortened = False
        travelled = 0.0
        for lo in range(0, self.n_samples - b + 1, b):
            idx = order[lo : lo + b]
            g = np.asarray(self._batch_grad(x, idx), dtype=float)
            if g.shape != x.shape or not np.all(np.isfinite(g)):
                return Outcome(0.0, travelled, False, shortened, failure=_bad_gradient(g, x))
            r, _ = problem.riemannian(x, g)
            direction = self._direction(problem, x, r, mem)
            x_new, t, cut = self._move(x, -mem["lr"] * direction)
            shortened |= cut
            if x_new is None:
                return Outcome(0.0, travelled, False, True, failure="a step left the domain")
            travelled += float(t * problem.norm(x, direction))
            self._transport_moments(problem, x, x_new, mem)
            x = x_new
        f = problem.objective.value(x)
        if not np.isfinite(f):
            return Outcome(0.0, travelled, False, shortened, failure="fun became non-finite")
        self._accept(problem, state, x, f)
        return Outcome(mem["lr"], travelled, True, shortened)

    def _move(self, x, v):
        """``R_x(v)``, halving ``v`` while the result leaves the domain."""
        update = getattr(self.manifold, self.retraction)
        t = 1.0
        for _ in range(_MAX_HALVINGS):
            try:
                y = np.asarray(self.manifold.check_point(update(x, t * v), "x"), dtype=float)
                if y.shape == x.shape:
                    return y, t, t < 1.0
            except (ValueError, OverflowError):  # off the domain, or beyond float64
                pass
            t *= 0.5
        return None, 0.0, True


def _batch_gradient(fun: Callable, grad: Callable | bool | None) -> Callable:
    if grad is True:  # fun(x, idx) -> (value, gradient)
        return lambda x, idx: fun(x, idx)[1]
    if grad is not None:
        return grad
    g = autograd.grad(fun)

    def batch(x, idx):
        try:
            return g(x, idx)
        except Exception as exc:
            raise TypeError(
                "autograd could not differentiate fun(x, idx) (write it with "
                f"autograd.numpy, or pass grad=): {type(exc).__name__}: {exc}"
            ) from exc

    return batch


def _bad_gradient(g, x) -> str:
    g = np.asarray(g)
    if g.shape != x.shape:
        return f"the minibatch gradient has shape {g.shape}, expected {x.shape}"
    return "the minibatch gradient is not finite"

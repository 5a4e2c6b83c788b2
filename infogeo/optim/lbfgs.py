"""Riemannian limited-memory BFGS (``minimize(method="lbfgs")``).

The direction ``η = −H_k r_k`` comes from the two-loop recursion (Nocedal & Wright,
Algorithm 7.4) applied to the Riemannian gradient ``r_k = G⁻¹∇f`` with the last ``m``
pairs

    s_i = T(t_i η_i),   y_i = r_{i+1} − T r_i,   ρ_i = 1/⟨s_i, y_i⟩,

all carried to the current point by the manifold's vector transport ``T`` and paired by
the metric's inner product there (Huang, Gallivan & Absil, SIAM J. Optim. 25, 2015;
Manopt's ``rlbfgs``), with initial scaling ``H⁰ = ⟨s, y⟩/⟨y, y⟩`` from the newest pair.
A pair enters the memory only when the *cautious* test ``⟨s, y⟩ ≥ ε ‖r_{k+1}‖ ‖s‖²``
holds (Li & Fukushima, SIAM J. Optim. 11, 2001), which keeps ``H`` positive definite
without convexity. Steps come from a strong Wolfe line search (``c₂ = 0.9``) whose first
trial is ``t = 1`` (``step_size·min(1, 1/‖r_0‖)`` at the start). On a statistical
manifold this is natural L-BFGS: the metric is the Fisher information, so the first
step is Fisher scoring when ``‖r_0‖ ≤ 1`` and the quasi-Newton pairs only have to learn
the difference between the Hessian and the Fisher metric.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from .._validation import check_positive, check_positive_int
from .solver import Outcome, Problem, RiemannianSolver, SolverState

__all__ = ["LBFGS"]


class LBFGS(RiemannianSolver):
    """Riemannian (natural) L-BFGS; see the module docstring.

    Parameters
    ----------
    manifold
        The manifold (a statistical manifold gives natural L-BFGS).
    memory : int, default 10
        Number ``m`` of stored ``(s, y)`` pairs.
    cautious : float, default 1e-4
        ``ε`` of the cautious update ``⟨s, y⟩ ≥ ε‖r‖‖s‖²`` (0 keeps every pair with
        ``⟨s, y⟩ > 0``).
    line_search : {"wolfe", "armijo"} or StepRule, default "wolfe"
    **options
        ``step_size`` (scale of the first step), ``retraction``, ``max_iter``, ``gtol``,
        ``ftol``, ``max_time``, ``min_step``, ``stopping``, ``callback``, ``progress``.
    """

    method = "lbfgs"
    solver_defaults: ClassVar[dict] = {"memory": 10, "cautious": 1e-4}
    shared_defaults: ClassVar[dict] = {"line_search": "wolfe"}
    extra_shared: ClassVar[tuple] = ("line_search",)

    def _configure(self, opts):
        self.memory = check_positive_int(opts["memory"], "memory")
        cautious = opts["cautious"]
        self.cautious = 0.0 if cautious == 0 else check_positive(cautious, "cautious")
        self.step_rule = self._line_search_rule(opts, c2=0.9)

    def _start(self, problem, state):
        state.memory.update(s=[], y=[], rule=self.step_rule.fresh())

    def _direction(self, problem: Problem, state: SolverState):
        mem = state.memory
        S, Y = mem["s"], mem["y"]
        if not S:
            return -state.rgrad
        x = state.x
        S_arr, Y_arr = np.array(S), np.array(Y)
        GS, GY = problem.lower(x, S_arr), problem.lower(x, Y_arr)
        if GS is None:  # inner products one by one

            def s_dot(i, v):
                return float(problem.inner(x, S_arr[i], v))

            def y_dot(i, v):
                return float(problem.inner(x, Y_arr[i], v))

            rho = 1.0 / problem.inner(x, S_arr, Y_arr)
            yy = float(problem.inner(x, Y_arr[-1], Y_arr[-1]))
        else:  # the metric applied once to the whole memory

            def s_dot(i, v):
                return float(GS[i] @ v)

            def y_dot(i, v):
                return float(GY[i] @ v)

            rho = 1.0 / np.einsum("ij,ij->i", GS, Y_arr)
            yy = float(GY[-1] @ Y_arr[-1])
        q = state.rgrad.copy()
        alpha = np.empty(len(S))
        for i in range(len(S) - 1, -1, -1):
            alpha[i] = rho[i] * s_dot(i, q)
            q -= alpha[i] * Y_arr[i]
        q *= 1.0 / (rho[-1] * yy)
        for i in range(len(S)):
            q += (alpha[i] - rho[i] * y_dot(i, q)) * S_arr[i]
        return -q

    def _step(self, problem: Problem, state: SolverState) -> Outcome:
        mem = state.memory
        eta = self._direction(problem, state)
        if not float(np.dot(state.egrad, eta)) < 0:  # not a descent direction: reset
            mem["s"].clear()
            mem["y"].clear()
            eta = -state.rgrad
        if mem["s"]:
            t0 = 1.0
        else:
            t0 = self.options["step_size"] * min(1.0, 1.0 / max(state.grad_norm, 1e-300))
        x, r = state.x, state.rgrad
        out = self._line_step(problem, state, mem["rule"], eta, t0)
        if not out.accepted:
            return out
        x_new = state.x
        s = problem.transport(x, out.t * eta, x_new)
        y = state.rgrad - problem.transport(x, r, x_new)
        if mem["s"]:
            moved = problem.transport(x, np.array(mem["s"] + mem["y"]), x_new)
            k = len(mem["s"])
            mem["s"][:] = list(moved[:k])
            mem["y"][:] = list(moved[k:])
            # transport is not isometric: drop pairs whose curvature turned non-positive
            keep = problem.inner(x_new, moved[:k], moved[k:]) > 0
            if not np.all(keep):
                mem["s"][:] = [v for v, ok in zip(mem["s"], keep) if ok]
                mem["y"][:] = [v for v, ok in zip(mem["y"], keep) if ok]
        sy = float(problem.inner(x_new, s, y))
        ss = float(problem.inner(x_new, s, s))
        if sy > 0 and sy >= self.cautious * state.grad_norm * ss:
            mem["s"].append(s)
            mem["y"].append(y)
            if len(mem["s"]) > self.memory:
                del mem["s"][0], mem["y"][0]
        return out

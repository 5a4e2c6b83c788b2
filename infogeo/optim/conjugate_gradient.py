"""Riemannian nonlinear conjugate gradient (``minimize(method="cg")``).

With ``r_k = grad f(x_k)`` (the Riemannian gradient ``G⁻¹∇f``), the search direction is

    η_0 = −r_0,      η_{k+1} = −r_{k+1} + β_{k+1} T(η_k),

where ``T = T_{x_k→x_{k+1}}`` is the manifold's vector transport, ``y = r_{k+1} − T r_k``
and all inner products are the metric's at ``x_{k+1}`` (Sato, *Riemannian conjugate
gradient methods*, SIAM J. Optim. 2022):

* Fletcher–Reeves ``β = ‖r_{k+1}‖² / ‖r_k‖²``;
* Polak–Ribière+ ``β = max(0, ⟨r_{k+1}, y⟩ / ‖r_k‖²)``;
* Hestenes–Stiefel ``β = max(0, ⟨r_{k+1}, y⟩ / ⟨T η_k, y⟩)``;
* Hager–Zhang ``β = max(β_HZ, −1/(‖Tη_k‖ min(0.01, ‖r_k‖)))`` with
  ``β_HZ = ⟨y − 2 Tη_k ‖y‖²/⟨Tη_k, y⟩, r_{k+1}⟩ / ⟨Tη_k, y⟩``.

The step along ``η`` comes from a strong Wolfe line search (``c₂ = 0.1``; ``c₂ < ½``
makes Fletcher–Reeves a descent method) or Armijo backtracking, starting from
``t = min(step_size, 1.01·2(f_{k−1} − f_k)/⟨−r_k, η_k⟩)`` (Nocedal & Wright eq. 3.60,
capped at ``step_size = 1``: on a statistical manifold the natural-gradient step
``t = 1`` is Fisher scoring, a good first guess; ``step_size`` at the first
iteration), refined by Hager and Zhang's QuadStep: one value ``φ(t)`` there and the
minimizer of the quadratic through ``φ(0)``, ``φ′(0)``, ``φ(t)`` as the first trial
(one extra value, no gradient; the Wolfe conditions then mostly hold at the first
trial, about one gradient per iteration instead of two). The direction restarts at
``−r`` when it is not a descent direction, every ``restart_every`` iterations, and
when consecutive gradients are far from orthogonal,
``|⟨r_{k+1}, T r_k⟩| ≥ restart_threshold ‖r_{k+1}‖²`` (Powell). On a statistical
manifold ``r`` is the natural gradient: this is natural conjugate gradient.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from .._validation import check_positive, check_positive_int
from .solver import Outcome, Problem, RiemannianSolver, SolverState

__all__ = ["ConjugateGradient"]

_EPS = float(np.finfo(float).eps)

_BETAS = ("fletcher-reeves", "polak-ribiere", "hestenes-stiefel", "hager-zhang")
_ALIASES = {"fr": 0, "pr": 1, "pr+": 1, "polak-ribiere+": 1, "hs": 2, "hz": 3}


class ConjugateGradient(RiemannianSolver):
    """Riemannian (natural) nonlinear conjugate gradient; see the module docstring.

    Parameters
    ----------
    manifold
        The manifold (a statistical manifold gives natural CG).
    beta : {"hager-zhang", "polak-ribiere", "fletcher-reeves", "hestenes-stiefel"}
        Update rule (short names ``"hz"``, ``"pr"``, ``"fr"``, ``"hs"``); default HZ.
    line_search : {"wolfe", "armijo"} or StepRule, default "wolfe"
        Strong Wolfe with ``c₂ = 0.1``, or Armijo backtracking.
    restart_every : int, optional
        Reset to steepest descent every this many iterations (default: never).
    restart_threshold : float, optional
        Powell's restart test (e.g. 0.1); default off.
    **options
        ``step_size`` (the first trial step, default 1), ``retraction``, ``max_iter``,
        ``gtol``, ``ftol``, ``max_time``, ``min_step``, ``stopping``, ``callback``,
        ``progress``.
    """

    method = "cg"
    solver_defaults: ClassVar[dict] = {
        "beta": "hager-zhang",
        "restart_every": None,
        "restart_threshold": None,
    }
    shared_defaults: ClassVar[dict] = {"line_search": "wolfe"}
    extra_shared: ClassVar[tuple] = ("line_search",)

    def _configure(self, opts):
        beta = opts["beta"]
        key = str(beta).lower().replace("_", "-").replace(" ", "-") if beta is not None else ""
        if key in _ALIASES:
            key = _BETAS[_ALIASES[key]]
        if key not in _BETAS:
            raise ValueError(f"beta must be one of {list(_BETAS)} (or fr/pr/hs/hz), got {beta!r}")
        self.beta = key
        every = opts["restart_every"]
        self.restart_every = None if every is None else check_positive_int(every, "restart_every")
        self.restart_threshold = check_positive(
            opts["restart_threshold"], "restart_threshold", allow_none=True
        )
        self.step_rule = self._line_search_rule(opts, c2=0.1)

    def _start(self, problem, state):
        state.memory.update(eta=-state.rgrad, rule=self.step_rule.fresh(), since_restart=0, t=None)

    def _step(self, problem: Problem, state: SolverState) -> Outcome:
        mem = state.memory
        eta = mem["eta"]
        slope = -float(np.dot(state.egrad, eta))  # −⟨r, η⟩
        if not slope > 0:
            eta, slope = -state.rgrad, state.grad_norm**2
        if mem["t"] is None:
            t0 = self.options["step_size"]
        else:
            t0 = min(self.options["step_size"], 2.02 * (state.fun_prev - state.fun) / slope)
            if not (np.isfinite(t0) and t0 > 0):
                t0 = mem["t"]
            t0 = self._quad_step(problem, state, eta, slope, t0)
        x, r = state.x, state.rgrad
        gn2_old = state.grad_norm**2
        out = self._line_step(problem, state, mem["rule"], eta, t0)
        if not out.accepted:
            return out
        mem["t"] = out.t
        x_new, g, r_new = state.x, state.egrad, state.rgrad
        gn2 = state.grad_norm**2
        eta_t = problem.transport(x, eta, x_new)
        r_t = problem.transport(x, r, x_new)
        g_rt = float(np.dot(g, r_t))  # ⟨r_new, T r⟩ (∇fᵀv = ⟨grad f, v⟩ for tangent v)
        beta = self._beta(problem, x_new, g, r_new, gn2, gn2_old, eta_t, r_t, g_rt)
        mem["since_restart"] += 1
        restart = self.restart_every is not None and mem["since_restart"] >= self.restart_every
        if self.restart_threshold is not None and abs(g_rt) >= self.restart_threshold * gn2:
            restart = True
        new_eta = -r_new if restart else -r_new + beta * eta_t
        if restart or not float(np.dot(g, new_eta)) < 0:
            new_eta = -r_new
            mem["since_restart"] = 0
        mem["eta"] = new_eta
        return out

    def _quad_step(self, problem, state, eta, slope, t):
        """Hager & Zhang's QuadStep (SIAM J. Optim. 16, 2005, §3 / CG_DESCENT's I1):
        one value ``φ(t)`` at the guess ``t`` and the minimizer of the quadratic through
        ``φ(0)``, ``φ′(0) = −slope`` and ``φ(t)`` as the first trial, when that
        quadratic is convex and the decrease it is fitted to lies above the rounding
        error of ``f``; else ``t``."""
        if slope * t <= 1e3 * _EPS * max(abs(state.fun), 1e-300):
            return t  # values below rounding cannot shape a quadratic
        t_used, x_t, f_t, _ = problem.trial(state.x, eta)(t)
        if x_t is None:
            return t
        curvature = 2.0 * (f_t - state.fun + slope * t_used)
        if not curvature > 0:
            return t
        t_q = slope * t_used * t_used / curvature
        return t_q if np.isfinite(t_q) and t_q > 0 else t

    def _beta(self, problem, x, g, r, gn2, gn2_old, eta_t, r_t, g_rt) -> float:
        if gn2_old == 0:
            return 0.0
        if self.beta == "fletcher-reeves":
            return gn2 / gn2_old
        if self.beta == "polak-ribiere":
            return max(0.0, (gn2 - g_rt) / gn2_old)
        g_eta = float(np.dot(g, eta_t))  # ⟨r_new, Tη⟩
        eta_y = g_eta - float(problem.inner(x, eta_t, r_t))  # ⟨Tη, y⟩
        if eta_y == 0 or not np.isfinite(eta_y):
            return 0.0
        r_y = gn2 - g_rt  # ⟨r_new, y⟩
        if self.beta == "hestenes-stiefel":
            return max(0.0, r_y / eta_y)
        y = r - r_t
        yy = float(problem.inner(x, y, y))
        beta = (r_y - 2.0 * yy * g_eta / eta_y) / eta_y
        floor = -1.0 / (float(problem.norm(x, eta_t)) * min(0.01, np.sqrt(gn2_old)))
        return max(beta, floor)

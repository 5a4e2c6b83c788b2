"""Riemannian trust-region Newton with truncated CG (``minimize(method="trust-region")``).

Each iteration approximately minimizes the quadratic model on the tangent space

    m(η) = f(x) + ⟨r, η⟩ + ½ ⟨η, Hess f(x)[η]⟩     subject to  ‖η‖_x ≤ Δ,

where ``r = G⁻¹∇f`` and ``‖·‖_x`` is the metric's norm (so on a statistical manifold the
region is a Fisher ball, ``½‖η‖² ≈ KL``), by the truncated conjugate gradient method of
Steihaug and Toint, stopping at the boundary, at negative curvature, or when the residual
falls below ``‖r₀‖ min(‖r₀‖^θ, κ)`` (superlinear convergence for ``θ = 1``). The
candidate ``R_x(η)`` is accepted when ``ρ = (f(x) − f(R_x(η))) / (m(0) − m(η)) > ρ'``;
``Δ`` shrinks to ``Δ/4`` when ``ρ < ¼`` and doubles (up to ``Δ̄``) when ``ρ > ¾`` and the
step reached the boundary (Absil, Baker & Gallivan, Found. Comput. Math. 7, 2007;
Absil, Mahony & Sepulchre, *Optimization Algorithms on Matrix Manifolds*, ch. 7).

The Hessian-vector products are ``Hess f[v] = ∇_v grad f`` (see
:mod:`infogeo.geometry.hessian`): from ``hessp(x, v)`` (the Euclidean ``∇²f v``) when
given, from autograd when ``fun`` is autograd-differentiable and ``grad`` is not given,
otherwise by finite differences of the Riemannian gradient,
``(T_{y→x} r(y) − r(x))/h`` with ``y = R_x(h v)``.
"""

from __future__ import annotations

import math
from typing import ClassVar

import numpy as np

from .._validation import check_positive, check_positive_int
from ..geometry.hessian import euclidean_hvp
from .solver import Outcome, Problem, RiemannianSolver, SolverState

__all__ = ["TrustRegion"]

_EPS = np.finfo(float).eps


class TrustRegion(RiemannianSolver):
    """Riemannian (natural) trust-region Newton with truncated CG; see the module doc.

    Parameters
    ----------
    manifold
        The manifold; the radius is measured in its metric.
    hessp : callable, optional
        ``hessp(x, v) -> ∇²f(x) v``, the Euclidean Hessian-vector product.
    hessian : {"auto", "exact", "fd"}, default "auto"
        ``"exact"`` needs ``hessp`` or an autograd-differentiable ``fun``; ``"fd"``
        uses finite differences of gradients; ``"auto"`` picks exact when possible.
    max_radius : float, optional
        ``Δ̄``; default ``π`` on the unit sphere, ``√(dim)`` otherwise.
    radius : float, optional
        Initial ``Δ₀``, default ``Δ̄/8``.
    rho_prime : float, default 0.1
        Acceptance threshold ``ρ'`` in ``[0, ¼)``.
    max_inner : int, optional
        Truncated-CG iterations per step (default: the manifold's dimension).
    kappa, theta : float, default 0.1 and 1.0
        Inner stopping ``‖r_j‖ ≤ ‖r₀‖ min(‖r₀‖^θ, κ)``.
    **options
        ``retraction``, ``max_iter``, ``gtol``, ``ftol``, ``max_time``, ``min_step``,
        ``stopping``, ``callback``, ``progress``.
    """

    method = "trust-region"
    solver_defaults: ClassVar[dict] = {
        "hessp": None,
        "hessian": "auto",
        "max_radius": None,
        "radius": None,
        "rho_prime": 0.1,
        "max_inner": None,
        "kappa": 0.1,
        "theta": 1.0,
    }

    def _configure(self, opts):
        hessp = opts["hessp"]
        if hessp is not None and not callable(hessp):
            raise TypeError(f"hessp must be a callable (x, v) -> ∇²f v, got {hessp!r}")
        self.hessp = hessp
        if opts["hessian"] not in ("auto", "exact", "fd"):
            raise ValueError(f"hessian must be 'auto', 'exact' or 'fd', got {opts['hessian']!r}")
        self.hessian = opts["hessian"]
        M = self.manifold
        k = int(getattr(M, "intrinsic_dim", M.dim))
        default = math.pi if getattr(M, "kind", None) == "sphere" else math.sqrt(k)
        self.max_radius = check_positive(opts["max_radius"] or default, "max_radius")
        self.radius0 = check_positive(opts["radius"] or self.max_radius / 8, "radius")
        if self.radius0 > self.max_radius:
            raise ValueError(f"radius {self.radius0} exceeds max_radius {self.max_radius}")
        self.rho_prime = float(opts["rho_prime"])
        if not 0 <= self.rho_prime < 0.25:
            raise ValueError(f"rho_prime must lie in [0, 0.25), got {self.rho_prime}")
        self.max_inner = check_positive_int(opts["max_inner"] or k, "max_inner")
        self.kappa = check_positive(opts["kappa"], "kappa")
        self.theta = check_positive(opts["theta"], "theta")

    # ------------------------------------------------------------------ Hessian
    def _start(self, problem, state):
        state.memory["radius"] = self.radius0
        ehvp = None
        if self.hessian != "fd":
            if self.hessp is not None:
                ehvp = self.hessp
            elif self._grad is None:
                ehvp = euclidean_hvp(self._fun)[1]
            elif self.hessian == "exact":
                raise ValueError(
                    "hessian='exact' needs hessp= or an autograd-differentiable fun without grad="
                )
        state.memory["ehvp"] = ehvp

    def _operator(self, problem: Problem, state: SolverState):
        ehvp = state.memory["ehvp"]
        x, g, r = state.x, state.egrad, state.rgrad
        if ehvp is not None:
            try:
                to_riemannian = self.manifold._hessian_from_euclidean(x, g)
            except NotImplementedError:
                state.memory["ehvp"] = ehvp = None
            else:

                def exact(v):
                    return to_riemannian(np.asarray(ehvp(x, v), dtype=float), v)

                return exact

        def finite_difference(v):
            nv = float(problem.norm(x, v))
            if nv == 0:
                return np.zeros_like(v)
            h = math.sqrt(_EPS) * max(1.0, float(np.linalg.norm(x))) / nv
            y = self._retract(x, h * v)
            _, r_y, _ = problem.gradient(y)
            return (problem.transport(y, r_y, x) - r) / h

        return finite_difference

    def _retract(self, x, v):
        return np.asarray(self._ops.move(x, v), dtype=float)

    # ------------------------------------------------------------------ tCG
    def _truncated_cg(self, problem, x, r, H, radius):
        """Steihaug–Toint truncated CG; returns ``(η, Hη, hit_boundary)``."""
        eta = np.zeros_like(r)
        Heta = np.zeros_like(r)
        res = r.copy()
        r_r = float(problem.inner(x, res, res))
        norm_r0 = math.sqrt(r_r)
        delta = -res
        e_pe = e_pd = 0.0
        d_pd = r_r
        target = norm_r0 * min(norm_r0**self.theta, self.kappa)
        for _ in range(self.max_inner):
            Hd = H(delta)
            d_hd = float(problem.inner(x, delta, Hd))
            alpha = r_r / d_hd if d_hd != 0 else math.inf
            e_pe_new = e_pe + 2.0 * alpha * e_pd + alpha * alpha * d_pd
            if d_hd <= 0 or e_pe_new >= radius * radius or not math.isfinite(e_pe_new):
                tau = (-e_pd + math.sqrt(max(e_pd * e_pd + d_pd * (radius**2 - e_pe), 0))) / d_pd
                return eta + tau * delta, Heta + tau * Hd, True
            e_pe = e_pe_new
            # in place: eta, Heta and res are this routine's own arrays (delta, which
            # hessp sees, is always a new one)
            eta += alpha * delta
            alpha_hd = alpha * Hd
            Heta += alpha_hd
            res += alpha_hd
            r_r_new = float(problem.inner(x, res, res))
            if math.sqrt(max(r_r_new, 0.0)) <= target:
                break
            beta = r_r_new / r_r
            r_r = r_r_new
            delta = -res + beta * delta
            e_pd = beta * (e_pd + alpha * d_pd)
            d_pd = r_r + beta * beta * d_pd
        return eta, Heta, False

    # ------------------------------------------------------------------ step
    def _step(self, problem: Problem, state: SolverState) -> Outcome:
        mem = state.memory
        x, f = state.x, state.fun
        radius = mem["radius"]
        H = self._operator(problem, state)
        eta, Heta, boundary = self._truncated_cg(problem, x, state.rgrad, H, radius)
        decrease = -float(np.dot(state.egrad, eta)) - 0.5 * float(problem.inner(x, eta, Heta))
        length = float(problem.norm(x, eta))
        x_new, f_new = problem.move(x, eta)
        reg = max(1.0, abs(f)) * _EPS * 1e3
        if x_new is None or not np.isfinite(f_new) or not decrease > 0:
            rho = -np.inf
        else:
            rho = (f - f_new + reg) / (decrease + reg)
        if rho < 0.25:
            mem["radius"] = radius / 4
        elif rho > 0.75 and boundary:
            mem["radius"] = min(2 * radius, self.max_radius)
        if rho > self.rho_prime:
            self._accept(problem, state, x_new, f_new)
            return Outcome(1.0, length, True)
        if mem["radius"] < 1e-14 * self.max_radius:
            return Outcome(
                0.0,
                0.0,
                False,
                failure=f"trust-region radius fell to {mem['radius']:.3g} without an "
                "acceptable step (the model does not predict fun)",
            )
        return Outcome(0.0, 0.0, False)

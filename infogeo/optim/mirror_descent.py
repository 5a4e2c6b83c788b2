"""Mirror descent on an exponential family, which is natural gradient descent.

With the negative entropy ``φ`` (the Legendre dual of the log-partition ``ψ``) as the
mirror map on the expectation parameters ``η``, one mirror-descent step is

``∇φ(η_{k+1}) = ∇φ(η_k) − t ∇_η f``, i.e. ``ϑ_{k+1} = ϑ_k − t ∇_η f(η_k)``

because ``∇φ(η) = ϑ``. Since ``∂η/∂ϑ = ∇²ψ`` is the Fisher metric ``G`` in natural
coordinates, ``∇_η f = G⁻¹ ∇_ϑ f``: the step is the natural gradient step in ``ϑ``, so
the iterates are those of natural gradient descent in natural coordinates
(Raskutti & Mukherjee, 2015, "The information geometry of mirror descent").
"""

from __future__ import annotations

import time

import numpy as np

from .._validation import as_points
from .objective import Objective
from .options import build_stopping
from .result import History, OptimizeResult
from .riemannian_gradient_descent import RiemannianGradientDescent
from .stopping import CALLBACK, NO_DECREASE, IterationState, Stop

__all__ = ["MirrorDescent"]

_MAX_HALVINGS = 60


class MirrorDescent:
    """Mirror descent with the mirror map ``φ`` on an exponential family.

    ``ϑ_{k+1} = ϑ_k − t_k ∇_η f``, where ``f`` is a function of the family's own
    coordinates ``θ``; ``∇_η f = (∇²ψ)⁻¹ J⁻ᵀ ∇_θ f`` with ``J = ∂ϑ/∂θ`` (two solves).

    Parameters
    ----------
    family
        An exponential family (``family.is_exponential_family``).
    data : optional
        Observations: ``fun`` then defaults to ``family.nll(θ, data)`` and ``x0`` to
        ``family.initial_point(data)``.
    step_size : float, default 1.0
        Initial trial step ``t`` (with ``line_search="armijo"``) or the fixed step.
    line_search : {"armijo", None}, default "armijo"
        Armijo backtracking (halving until ``f`` decreases by 1e-4 of the predicted
        decrease ``t ∇_ϑfᵀ ∇_η f``), or a fixed step halved only to stay in the natural
        parameter space.
    max_iter, gtol, ftol, max_time, min_step, stopping, callback
        As for :class:`~infogeo.RiemannianGradientDescent`; ``gtol`` applies to the Fisher
        norm of the gradient ``√(∇_ϑfᵀ ∇_η f)``.
    """

    def __init__(
        self,
        family,
        data=None,
        *,
        step_size: float = 1.0,
        line_search: str | None = "armijo",
        max_iter: int = 1000,
        gtol: float = 1e-8,
        ftol: float | None = None,
        max_time: float | None = None,
        min_step: float | None = None,
        stopping=None,
        callback=None,
    ):
        if not getattr(family, "is_exponential_family", False):
            raise TypeError(
                f"MirrorDescent needs an exponential family (is_exponential_family true), got "
                f"{family!r}"
            )
        if not (np.isfinite(step_size) and step_size > 0):
            raise ValueError(f"step_size must be a finite number > 0, got {step_size}")
        if line_search not in ("armijo", None):
            raise ValueError(f"line_search must be 'armijo' or None, got {line_search!r}")
        if callback is not None and not callable(callback):
            raise TypeError(f"callback must be callable, got {type(callback).__name__}")
        self.family = family
        self.data = data
        self.step_size = float(step_size)
        self.line_search = line_search
        self.stopping = build_stopping(gtol, ftol, max_iter, max_time, min_step, stopping)
        self.callback = callback

    def _dual_gradient(self, theta, egrad):
        """``(∇_ϑ f, ∇_η f)`` from the Euclidean gradient in ``θ``."""
        F = self.family
        u = np.linalg.solve(F.natural_jacobian(theta).T, egrad)
        nat = np.asarray(F._to_natural(theta), dtype=float)
        return u, np.linalg.solve(F._natural_hessian(nat), u)

    def minimize(self, fun=None, x0=None, grad=None) -> OptimizeResult:
        """Run from ``x0`` (family coordinates); ``grad`` is the Euclidean gradient in
        ``θ`` (autograd when ``None``). Returns an :class:`~infogeo.OptimizeResult` whose
        ``x`` is in the family's coordinates."""
        F = self.family
        if fun is None:
            if self.data is None:
                raise TypeError("minimize() needs fun, or data given to MirrorDescent")
            data = self.data
            fun = lambda theta: F.nll(theta, data)  # noqa: E731
            if grad is None:
                grad = lambda theta: F.nll_grad(theta, data)  # noqa: E731
        if x0 is None:
            if self.data is None:
                raise TypeError("minimize() needs a start point x0")
            x0 = F.initial_point(self.data)
        start = time.perf_counter()
        x = as_points(x0, F.dim, "x0")
        if x.shape != (F.dim,):
            raise ValueError(f"x0 must be one point of shape ({F.dim},), got shape {x.shape}")
        x = np.array(F.check_point(x, "x0"), dtype=float)
        objective = Objective(fun, grad, F.dim)
        f = objective.value(x)
        if not np.isfinite(f):
            raise ValueError(f"fun(x0) = {f}; the start point must have a finite value")
        g = objective.gradient(x)
        u, d = self._dual_gradient(x, g)
        slope = float(max(u @ d, 0.0))
        history = History()
        history.append(
            fun=f,
            grad_norm=np.sqrt(slope),
            step_size=0.0,
            shortened=False,
            damping=0.0,
            accepted=True,
        )
        nit = 0
        stop = self.stopping(IterationState(0, f, None, np.sqrt(slope), None, True, 0.0))
        while stop is None:
            nit += 1
            nat = np.asarray(F._to_natural(x), dtype=float)
            t, shortened, x_new, f_new = self.step_size, False, None, np.inf
            for _ in range(_MAX_HALVINGS):
                trial = nat - t * d
                with np.errstate(all="ignore"):
                    th = F._from_natural(trial)
                if bool(F.belongs(th)):
                    fv = objective.value(th)
                    enough = self.line_search is None or fv <= f - 1e-4 * t * slope
                    if np.isfinite(fv) and enough:
                        x_new, f_new = th, fv
                        break
                t *= 0.5
                shortened = True
            f_prev = f
            if x_new is None:
                stop = Stop(False, NO_DECREASE, "no step along −∇_η f decreased fun")
                accepted = False
            else:
                x, f, accepted = x_new, f_new, True
                g = objective.gradient(x)
                u, d = self._dual_gradient(x, g)
                slope = float(max(u @ d, 0.0))
            history.append(
                fun=f,
                grad_norm=np.sqrt(slope),
                step_size=t if accepted else 0.0,
                shortened=shortened,
                damping=0.0,
                accepted=accepted,
            )
            if stop is not None:
                break
            state = IterationState(
                nit,
                f,
                f_prev,
                np.sqrt(slope),
                t * np.sqrt(slope) if accepted else 0.0,
                accepted,
                time.perf_counter() - start,
            )
            stop = self.stopping(state)
            if self.callback is not None:
                partial = self._result(
                    x, f, g, slope, nit, objective, history, start, Stop(False, -1, "running")
                )
                if self.callback(partial) is True and stop is None:
                    stop = Stop(False, CALLBACK, "stopped by the callback")
        return self._result(x, f, g, slope, nit, objective, history, start, stop)

    @staticmethod
    def _result(x, f, g, slope, nit, objective, history, start, stop) -> OptimizeResult:
        """The result, built like :class:`~infogeo.RiemannianGradientDescent`'s."""
        return RiemannianGradientDescent._result(
            x, f, np.asarray(g, dtype=float), np.sqrt(slope), nit, objective, history, start, stop
        )

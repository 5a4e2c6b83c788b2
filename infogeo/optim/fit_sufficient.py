"""Maximum likelihood for exponential families by the sufficient statistic.

For ``p(x|ϑ) = h(x) exp(⟨ϑ, t(x)⟩ − ψ(ϑ))`` the mean negative log-likelihood of
``x₁, …, x_n`` is ``L(ϑ) = ψ(ϑ) − ⟨ϑ, t̄⟩ − mean log h`` with ``t̄ = (1/n) Σ t(xᵢ)``: the
data are read once, and the MLE solves ``∇ψ(ϑ̂) = η(θ̂) = t̄`` (closed form, or the
family's safeguarded Newton solve, O(1) per iteration whatever ``n``).

The estimate must bring the Fisher norm of the gradient to ``gtol``. Where ``t̄`` holds
raw second moments (the Normal and multivariate normal families, flagged by
``_statistic_cancels``) reducing to it can lose digits (a Normal sample
``10⁴ + 10⁻³·N(0, 1)``: ``E[x²] − E[x]²`` keeps only about eight of sixteen digits), so
there the gradient is taken on the data themselves (one more pass, ``nll_grad``); an
estimate that misses ``gtol`` is returned with ``success=False`` and :func:`~infogeo.fit`
polishes it by natural gradient from there.
"""

from __future__ import annotations

import time

import numpy as np

from .result import History, OptimizeResult

__all__ = ["fit_sufficient"]


def fit_sufficient(family, data, gtol: float = 1e-10) -> OptimizeResult | None:
    """The MLE of an exponential family from ``t̄``, as an :class:`OptimizeResult`.

    Returns ``None`` when ``t̄`` lies on the boundary of the expectation domain (no
    MLE in the open family, e.g. all observations equal), or when ``∇²ψ`` at the
    estimate is not finite and positive definite in float64 (data at scales such as
    1e±300), so that the caller can fall back to the iterative path and its
    diagnostics. ``fun`` is the mean negative
    log-likelihood ``ψ(ϑ̂) − ⟨ϑ̂, t̄⟩ − mean log h``, ``jac = Jᵀ(η(θ̂) − t̄)`` its
    Euclidean gradient (``J = ∂ϑ/∂θ``), ``grad_norm`` the Fisher norm of that gradient,
    ``nit = 0`` (no descent iterations), and ``history`` holds the single final entry.
    """
    start = time.perf_counter()
    tbar, mean_log_h = family._reduce(data)  # data validated by fit
    theta = family.mle_from_statistic(tbar)
    if theta is None:
        return None
    nat = np.asarray(family._to_natural(theta), dtype=float)
    fun = float(family._log_partition(nat) - nat @ tbar - mean_log_h)
    if getattr(family, "_statistic_cancels", False):
        # t̄ holds raw second moments (x, x²): certify on the data themselves, whose
        # gradient works with centred deviations (one more pass)
        jac = np.asarray(family.nll_grad(theta, data), dtype=float)
        grad_norm = float(family.norm(theta, family.riemannian_gradient(theta, jac)))
    else:
        r = family._to_expectation(theta) - tbar  # ∇_ϑ L; zero up to rounding
        with np.errstate(over="ignore", under="ignore", divide="ignore", invalid="ignore"):
            hess = np.asarray(family._natural_hessian(nat), dtype=float)  # checked below
        if not np.all(np.isfinite(hess)) or not np.all(np.linalg.eigvalsh(hess) > 0):
            return None  # ∇²ψ overflows or underflows here: the iterative path says so
        jac = family.natural_vjp(theta, r)  # Jᵀ r, one reverse pass
        # ‖jac‖ in the Fisher metric G = Jᵀ ∇²ψ J is √(rᵀ (∇²ψ)⁻¹ r)
        grad_norm = float(np.sqrt(max(r @ np.linalg.solve(hess, r), 0.0)))
    certified = bool(np.isfinite(fun) and np.isfinite(grad_norm) and grad_norm <= gtol)
    history = History()
    history.append(
        fun=fun, grad_norm=grad_norm, step_size=0.0, shortened=False, damping=0.0, accepted=True
    )
    return OptimizeResult(
        x=theta,
        fun=fun,
        jac=jac,
        grad_norm=grad_norm,
        nit=0,
        nfev=1,
        njev=1,
        success=certified,
        status=0 if certified else 2,
        message=(
            "maximum likelihood by the sufficient statistic: η(θ̂) = mean t(x)"
            if certified
            else f"the sufficient-statistic estimate misses gtol = {gtol:g} on the data "
            f"(Fisher norm of the gradient {grad_norm:.2e}): polish it by natural gradient"
        ),
        history=history.as_arrays(),
        wall_time=time.perf_counter() - start,
    )

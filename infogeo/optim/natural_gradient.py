"""Natural gradient descent: Riemannian gradient descent on a statistical manifold.

The loop is :class:`~infogeo.optim.RiemannianGradientDescent`'s; this class only
supplies defaults from the model: ``fun`` its negative log-likelihood, ``grad`` its
gradient, ``x0`` its initial point. With the default Armijo search starting at step
1, the first trial step ``θ − F(θ)⁻¹∇L(θ)`` is Fisher scoring.
"""

from __future__ import annotations

import inspect

from .options import check_damping_option
from .riemannian_gradient_descent import RiemannianGradientDescent
from .step_size import LevenbergMarquardt

__all__ = ["NaturalGradientDescent"]


class NaturalGradientDescent(RiemannianGradientDescent):
    """``θ ← R_θ(−t F(θ)⁻¹ ∇L(θ))`` for a model's negative log-likelihood ``L``.

    Parameters
    ----------
    model
        A statistical manifold (``nll(θ, data)``, optional ``nll_grad(θ, data)`` and
        ``initial_point(data)``) used with ``data``, or a predictive model (``nll(w)``,
        optional ``nll_grad(w)``, ``initial_point()``) used without. Its metric (the
        Fisher information) is the ``G`` of the descent.
    data
        Observations, for a statistical manifold.
    metric : {"exact", "fvp", "kfac", "auto"}, optional
        For a predictive model: how the metric solve is done — the dense pull-back
        metric (``"exact"``), Fisher-vector products with conjugate gradient
        (``"fvp"``), or the Kronecker-factored approximation (``"kfac"``; MLP and
        softmax models). Default: the model's own ``solver``. Each run works on
        ``model.with_metric(metric, **metric_options)``, a copy with fresh state.
        With ``"kfac"`` and neither ``line_search`` nor ``trust_region`` given, the
        step rule defaults to Levenberg–Marquardt from ``damping=1e-2`` (K-FAC's
        adaptive damping, Martens & Grosse §6) whose floor ``min(1e-12, 0.1 κ)``
        follows the metric down, ``κ`` the metric's Rayleigh quotient along the
        direction (see :class:`~infogeo.optim.step_size.LevenbergMarquardt`).
    metric_options : dict, optional
        K-FAC options (``damping``, ``update_every``, ``decay``, ``batch_size``,
        ``rescale``, ``momentum``, ``seed``, ``factored_damping``; see
        :class:`~infogeo.models.kfac.KFAC`), ``preconditioner`` of the CG solve and
        ``cg_forcing``. A predictive model built without ``cg_tol`` solves its CG
        systems inexactly here (``cg_forcing=True``: relative residual
        ``min(0.5, √‖∇L‖₂)``, the inexact-Newton forcing sequence, tightening to 1e-10
        near the optimum); pass ``metric_options={"cg_forcing": False}`` (or a
        ``cg_tol`` to the model) for exact solves at every step.
    **options
        As for :class:`RiemannianGradientDescent`.
    """

    def __init__(self, model, data=None, *, metric=None, metric_options=None, **options):
        if not callable(getattr(model, "nll", None)):
            raise TypeError(
                f"NaturalGradientDescent needs a model with an nll method, got "
                f"{type(model).__name__}"
            )
        self._metric = None
        if metric is not None or metric_options:
            if not callable(getattr(model, "with_metric", None)):
                raise TypeError(
                    f"metric= and metric_options= need a predictive model, got "
                    f"{type(model).__name__}"
                )
            self._metric = (metric or "auto", dict(metric_options or {}))
            explicit_rule = "line_search" in options or "trust_region" in options
            if metric == "kfac" and not explicit_rule and options.get("damping", 1) != 0:
                options = {**options, "line_search": _kfac_step_rule(options)}
        #: no CG tolerance given: inexact Newton-CG (the forcing sequence of cg_forcing)
        self._forcing = getattr(model, "cg_tol", 0.0) is None and hasattr(model, "cg_forcing")
        if self._metric is not None:
            if self._forcing:
                self._metric[1].setdefault("cg_forcing", True)
            model = model.with_metric(self._metric[0], **self._metric[1])  # validates
        super().__init__(model, **options)
        self.model = model
        self.data = data
        if data is None and _needs_data(model.nll):
            raise TypeError(
                f"{type(model).__name__}.nll needs data: use NaturalGradientDescent(model, data)"
            )

    def objective(self):
        """``(fun, grad)`` from the model: its ``nll`` and ``nll_grad`` (None if absent,
        then autograd differentiates ``nll``)."""
        model, data = self.model, self.data
        nll_grad = getattr(model, "nll_grad", None)
        if data is None:
            return model.nll, nll_grad
        fun = lambda theta: model.nll(theta, data)  # noqa: E731
        grad = None if nll_grad is None else (lambda theta: nll_grad(theta, data))
        return fun, grad

    def initial_point(self):
        """The model's ``initial_point(data)`` (or ``initial_point()`` without data)."""
        if not callable(getattr(self.model, "initial_point", None)):
            raise TypeError(f"{type(self.model).__name__} has no initial_point(); pass x0")
        if self.data is None:
            return self.model.initial_point()
        return self.model.initial_point(self.data)

    def minimize(self, fun=None, x0=None, grad=None):
        """Minimize ``fun`` (default the model's negative log-likelihood) from ``x0``
        (default the model's initial point); see
        :meth:`RiemannianGradientDescent.minimize`. With the default ``fun`` the result is
        a :class:`~infogeo.inference.FitResult` carrying ``fisher_information``, ``cov``,
        ``stderr`` and ``conf_int``."""
        likelihood = fun is None
        if self._metric is not None:  # fresh solver state (e.g. K-FAC factors) per run,
            # one copy serving value, gradient and metric (they share cached passes)
            metric, metric_options = self._metric
            self.manifold = self.model = self.model.with_metric(metric, **metric_options)
        forcing = self._forcing and self._metric is None
        if forcing:  # the caller's model: inexact solves for this run only
            saved, self.model.cg_forcing = self.model.cg_forcing, True
        try:
            result = self._run_model(fun, x0, grad)
        finally:
            if forcing:
                self.model.cg_forcing = saved
        if likelihood:  # a maximum-likelihood fit: attach inference (cov, stderr, …)
            from ..inference.result import attach_inference

            result = attach_inference(result, self.model, self.data)
        return result

    def _run_model(self, fun, x0, grad):
        if fun is None:
            fun, default_grad = self.objective()
            grad = default_grad if grad is None else grad
        if x0 is not None:
            return self._minimize(fun, x0, grad, "x0")
        name = (
            f"the initial point {self.model!r}.initial_point({'' if self.data is None else 'data'})"
        )
        return self._minimize(fun, self.initial_point(), grad, name)


def _needs_data(nll) -> bool:
    """Whether ``nll`` cannot be called with the parameters alone."""
    try:
        inspect.signature(nll).bind(None)
    except TypeError:
        return True
    except ValueError:  # no signature available (builtins): assume it is fine
        return False
    return False


#: K-FAC's default Levenberg–Marquardt floor, relative to the metric along the direction
KFAC_RELATIVE_FLOOR = 0.1


def _kfac_step_rule(options: dict) -> LevenbergMarquardt:
    """K-FAC's default step rule: Levenberg–Marquardt from ``damping`` (default 1e-2)
    whose floor ``min(1e-12, 0.1 κ)`` follows the metric down. Near an interpolating
    solution the Fisher metric shrinks with the loss; the absolute floor alone then
    exceeds it and the steps become short gradient steps (an MLP that interpolates its
    labels stalled near loss 1e-12)."""
    return LevenbergMarquardt(
        damping=check_damping_option(options.get("damping", 1e-2)),
        step_size=options.get("step_size", 1.0),
        relative_floor=KFAC_RELATIVE_FLOOR,
    )

"""Turn the user's option keywords into the optimizer's parts.

``step_size``, ``line_search``, ``trust_region`` and ``damping`` choose a
:mod:`~infogeo.optim.step_size` rule; ``gtol``, ``ftol``, ``max_iter``, ``max_time``,
``min_step`` and ``stopping`` a :mod:`~infogeo.optim.stopping` criterion.
"""

from __future__ import annotations

import difflib

from .._validation import check_positive
from .step_size import ArmijoBacktracking, FixedStep, KLTrustRegion, LevenbergMarquardt, StepRule
from .stopping import (
    AnyOf,
    FunctionTolerance,
    GradientTolerance,
    MaxIterations,
    MaxTime,
    MinStepSize,
    StoppingCriterion,
)

__all__ = [
    "DEFAULTS",
    "build_step_rule",
    "build_stopping",
    "check_option_names",
    "resolve_step_length",
]

#: Default options of :class:`~infogeo.RiemannianGradientDescent`.
DEFAULTS = {
    "step_size": 1.0,
    "line_search": "armijo",
    "trust_region": None,
    "damping": 0.0,
    "retraction": "retract",
    "max_iter": 1000,
    "gtol": 1e-8,
    "relative_gtol": None,
    "ftol": None,
    "max_time": None,
    "min_step": None,
    "stopping": None,
    "callback": None,
    "progress": False,
    "max_step_length": "auto",
    "raise_on_divergence": False,
}

#: ``max_step_length="auto"``: the first-trial bound on a statistical manifold
#: (Fisher–Rao length 2, i.e. KL ≈ 2 per step at most at first: it stops the runaway
#: steps of a poor start, while ordinary Fisher-scoring steps from a moderate start, of
#: length 1–2, keep their full length; a bound of 1 cut those and cost the benchmark
#: MLEs their round-1 accuracy at the stopping test).
AUTO_STEP_LENGTH = 2.0

_LINE_SEARCHES = ("armijo", "levenberg-marquardt", None)


def check_option_names(options: dict, extra: tuple[str, ...] = ()) -> None:
    """Raise ``TypeError`` for an unknown option, suggesting the closest valid name."""
    valid = sorted((*DEFAULTS, *extra))
    for name in options:
        if name not in valid:
            close = difflib.get_close_matches(name, valid, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise TypeError(f"unknown option {name!r}{hint}; valid options are {valid}")


def has_fisher_metric(manifold) -> bool:
    """Whether ``manifold``'s metric is a Fisher information: a statistical manifold
    (it has ``fisher``) or a predictive model (it has ``nll``)."""
    return callable(getattr(manifold, "fisher", None)) or callable(getattr(manifold, "nll", None))


def resolve_step_length(max_step_length, manifold) -> float | None:
    """The Riemannian length bound of the first Armijo trial: ``"auto"`` gives
    :data:`AUTO_STEP_LENGTH` on a statistical manifold (it has a ``fisher``
    information, so lengths are Fisher–Rao lengths), else ``None``: on a general
    manifold lengths are in the user's units, and on the convex GLMs of
    :mod:`infogeo.models` the full Newton-like step from ``w = 0`` is the fast one."""
    if isinstance(max_step_length, str):
        if max_step_length != "auto":
            raise ValueError(
                f"max_step_length must be a number > 0, None or 'auto', got {max_step_length!r}"
            )
        return AUTO_STEP_LENGTH if callable(getattr(manifold, "fisher", None)) else None
    return check_positive(max_step_length, "max_step_length", allow_none=True)


def check_damping_option(damping) -> float:
    """The ``damping`` option as a float, or ``TypeError`` / ``ValueError`` naming it."""
    if isinstance(damping, bool) or not isinstance(damping, (int, float)):
        raise TypeError(f"damping must be a number >= 0, got {damping!r}")
    damping = float(damping)
    if not damping >= 0 or damping == float("inf"):
        raise ValueError(f"damping must be a finite number >= 0, got {damping}")
    return damping


def build_step_rule(
    step_size, line_search, trust_region, damping, max_step_length=None
) -> StepRule:
    """The step-size rule for the options.

    * ``line_search="armijo"`` (default): :class:`ArmijoBacktracking` from ``step_size``,
      its first trial cut to Riemannian length ``max_step_length`` (a number or None);
    * ``line_search=None``: :class:`FixedStep` of ``step_size``;
    * ``trust_region=ε``: :class:`KLTrustRegion` with every step on the boundary of the
      KL ball, ``t = √(2ε/∇fᵀG⁻¹∇f)`` (overrides ``line_search``; with
      Levenberg–Marquardt it is an error). Pass ``line_search=KLTrustRegion(ε,
      max_step=1.0)`` for the clipped step that converges;
    * ``line_search="levenberg-marquardt"``: :class:`LevenbergMarquardt` starting from
      ``damping`` (1e-3 when 0) with step ``step_size``;
    * a :class:`StepRule` instance is used as given.
    """
    step_size = check_positive(step_size, "step_size")
    trust_region = check_positive(trust_region, "trust_region", allow_none=True)
    damping = check_damping_option(damping)
    if isinstance(line_search, StepRule):
        return line_search
    if isinstance(line_search, str):
        line_search = line_search.lower().replace("_", "-")
    if line_search not in _LINE_SEARCHES:
        raise ValueError(
            f"line_search must be one of {list(_LINE_SEARCHES)} or a StepRule, got {line_search!r}"
        )
    if trust_region is not None:
        if line_search == "levenberg-marquardt":
            raise ValueError("trust_region and line_search='levenberg-marquardt' are exclusive")
        return KLTrustRegion(trust_region, max_step=None, damping=damping)
    if line_search == "armijo":
        return ArmijoBacktracking(step_size, damping=damping, max_length=max_step_length)
    if line_search == "levenberg-marquardt":
        return LevenbergMarquardt(damping=damping or 1e-3, step_size=step_size)
    return FixedStep(step_size, damping=damping)


def build_stopping(
    gtol, ftol, max_iter, max_time, min_step, stopping, relative_gtol: bool = False
) -> StoppingCriterion:
    """``GradientTolerance(gtol, relative_gtol) | FunctionTolerance(ftol) |
    MinStepSize(min_step) | MaxIterations(max_iter) | MaxTime(max_time) | stopping``
    (None entries left out)."""
    parts: list[StoppingCriterion] = [GradientTolerance(gtol, relative=relative_gtol)]
    if ftol is not None:
        parts.append(FunctionTolerance(ftol))
    if min_step is not None:
        parts.append(MinStepSize(min_step))
    parts.append(MaxIterations(max_iter))
    if max_time is not None:
        parts.append(MaxTime(max_time))
    if stopping is not None:
        if not isinstance(stopping, StoppingCriterion):
            raise TypeError(f"stopping must be a StoppingCriterion, got {stopping!r}")
        parts.append(stopping)
    return AnyOf(*parts)

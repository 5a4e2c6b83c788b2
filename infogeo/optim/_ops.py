"""The manifold operations of the solvers' hot loop, without re-validating arrays.

The public methods of a manifold (``retract``, ``riemannian_gradient``, ...) check their
arguments: float conversion, shape, NaN/inf. Inside a run the solvers call them many
times per iteration on arrays they made themselves from checked ones: the iterate
(checked at the start and after every step), the gradient
(:class:`~infogeo.optim.objective.Objective` checks what ``grad`` returns), and
vectors computed from those. :class:`ManifoldOps` gives the solvers the manifold's
private *unchecked* twins of those methods (``_unchecked_retract`` etc., the same
computation without the argument checks), and ``checked(x)``, the answer of
``check_point`` for a trial point without raising.

A twin is used only when the class that defines the public method also defines the
twin (so a subclass that overrides ``retract`` but inherits ``_unchecked_retract``
gets its own ``retract``, checks included) and neither is set on the instance; any
other manifold, including objects that only have the interface, gets its public
methods.
"""

from __future__ import annotations

import numpy as np

__all__ = ["ManifoldOps", "unchecked_twin"]


def _owner(cls: type, name: str) -> type | None:
    """The class in ``cls``'s MRO whose ``__dict__`` defines ``name``."""
    for klass in cls.__mro__:
        if name in klass.__dict__:
            return klass
    return None


def _has_twin(manifold, name: str, twin: str) -> bool:
    """Whether ``twin`` is defined by the class that defines ``name`` (and neither is
    set on the instance itself, e.g. a patched method)."""
    attrs = getattr(manifold, "__dict__", {})
    if name in attrs or twin in attrs:
        return False
    cls = type(manifold)
    owner = _owner(cls, name)
    return owner is not None and _owner(cls, twin) is owner


def unchecked_twin(manifold, name: str):
    """``manifold._unchecked_<name>`` when the class defining ``name`` also defines it,
    else ``manifold.<name>`` (``None`` when the manifold has neither)."""
    public = getattr(manifold, name, None)
    if public is None:
        return None
    twin = f"_unchecked_{name}"
    return getattr(manifold, twin) if _has_twin(manifold, name, twin) else public


class ManifoldOps:
    """A solver's view of ``manifold`` for its hot loop (see the module docstring).

    Parameters
    ----------
    manifold
        The manifold of the run.
    retraction : {"retract", "exp"}
        The update map of the run.

    Attributes
    ----------
    update
        ``(x, v) -> R_x(v)`` (the retraction or ``exp``); :meth:`move` checks ``v``.
    riemannian_gradient, vector_transport, inner
        ``(x, egrad, damping)``, ``(x, v, y)`` and ``(x, u, v)`` as the manifold's
        methods (``vector_transport`` / ``inner`` ``None`` when it has none).
    """

    def __init__(self, manifold, retraction: str):
        self.manifold = manifold
        self.retraction = retraction
        self.update = unchecked_twin(manifold, retraction)
        self.riemannian_gradient = unchecked_twin(manifold, "riemannian_gradient")
        self.vector_transport = unchecked_twin(manifold, "vector_transport")
        self.inner = unchecked_twin(manifold, "inner")
        self._contains = (
            manifold._contains_point
            if _has_twin(manifold, "check_point", "_contains_point")
            else None
        )

    def move(self, x, v):
        """``update(x, v)`` for an iterate ``x`` and a vector ``v`` the caller computed,
        with the public method's check of ``v`` kept: ``ValueError`` when ``v`` has
        NaN/inf entries (a step that overflowed)."""
        if not np.isfinite(v).all():
            raise ValueError(f"the step to retract along has non-finite entries: {v}")
        return self.update(x, v)

    def checked(self, p):
        """``p`` as ``check_point`` returns it (a float64 array), or ``None`` when
        ``check_point`` rejects it (``ValueError``); ``p`` is an array the solver made
        (a retraction's result). ``OverflowError`` propagates."""
        if self._contains is not None:
            return p if self._contains(p) else None
        try:
            return np.asarray(self.manifold.check_point(p, "x"), dtype=float)
        except ValueError:
            return None

"""Natural gradient descent: Riemannian gradient descent on a statistical manifold.

The loop is :class:`~infogeo.optim.RiemannianGradientDescent`'s; this class only
supplies defaults from the model: ``fun`` its negative log-likelihood, ``grad`` its
gradient, ``x0`` its initial point. With the default Armijo search starting at step
1, the first trial step ``θ − F(θ)⁻¹∇L(θ)`` is Fisher scoring.
"""

from __future__ import annotations

import inspect

from .riemannian_gradient_descent import RiemannianGradientDescent

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
    **options
        As for :class:`RiemannianGradientDescent`.
    """

    def __init__(self, model, data=None, **options):
        if not callable(getattr(model, "nll", None)):
            raise TypeError(
                f"NaturalGradientDescent needs a model with an nll method, got "
                f"{type(model).__name__}"
            )
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
        :meth:`RiemannianGradientDescent.minimize`."""
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

"""A small multilayer perceptron classifier with the generalized Gauss–Newton metric.

Logits ``zᵢ = f(w, xᵢ)`` from a fully connected network (``tanh`` or ``relu``
hidden layers, linear output), classes by softmax. In logit coordinates the
Categorical Fisher information is ``H(pᵢ) = diag(pᵢ) − pᵢpᵢᵀ``, so the pull-back
Fisher metric on the weights is the generalized Gauss–Newton matrix

    G(w) = (1/n) Σᵢ Jᵢᵀ (diag(pᵢ) − pᵢpᵢᵀ) Jᵢ,      Jᵢ = ∂zᵢ/∂w,

computed densely from forward-mode Jacobian columns, or applied matrix-free
(``G v = Jᵀ H (J v) / n``: one forward and one reverse autograd product).
``G`` is only positive *semi*-definite (all logits can shift together, hidden units
can be dead or redundant): use ``damping > 0`` or ``l2 > 0`` for natural gradient.
"""

from __future__ import annotations

import autograd.numpy as anp
import numpy as np
from autograd.extend import defjvp, defvjp, primitive

from .._validation import as_float_array, check_class_labels, check_positive_int
from .glm import _check_l2, _logsumexp_rows
from .predictive import PredictiveModel

__all__ = ["MLPClassifier", "mlp_classifier"]


@primitive
def _tanh(a):
    """``tanh`` whose derivative is ``1 − tanh²`` (autograd's ``1/cosh²`` overflows)."""
    return np.tanh(a)


defvjp(_tanh, lambda ans, a: lambda g: g * (1.0 - ans**2))
defjvp(_tanh, lambda g, ans, a: g * (1.0 - ans**2))

_ACTIVATIONS = {"tanh": _tanh, "relu": lambda a: anp.maximum(a, 0.0)}


class MLPClassifier(PredictiveModel):
    """Fully connected classifier ``x ↦ softmax(W_L σ(… σ(W_1 x + b_1) …) + b_L)``.

    Parameters
    ----------
    X, y
        Inputs ``(n, d)`` and integer labels in ``{0, …, K − 1}``.
    hidden
        Hidden layer widths (default ``(16,)``).
    n_classes
        ``K`` (default ``max(y) + 1``).
    activation
        ``"tanh"`` (default) or ``"relu"``.
    l2
        Penalty ``½ l2 ‖w‖²`` added to ``nll`` (and ``l2·I`` to the metric).
    seed
        Seed of the Glorot-uniform :meth:`initial_point`.
    solver, max_dense_dim, cg_tol, cg_maxiter
        As for :class:`PredictiveModel`.

    Notes
    -----
    The weight vector stacks, layer by layer, ``W_l`` (shape ``(fan_in, fan_out)``,
    row-major) then ``b_l``; :meth:`unpack` returns the list of ``(W_l, b_l)``.
    """

    def __init__(
        self,
        X,
        y,
        *,
        hidden=(16,),
        n_classes=None,
        activation: str = "tanh",
        l2: float = 0.0,
        seed=0,
        **options,
    ):
        X = as_float_array(X, "X")
        if X.ndim != 2:
            raise ValueError(f"X must be a 2-d array (n examples, d features), got {X.shape}")
        y_arr = as_float_array(y, "y")
        if y_arr.ndim != 1:
            raise ValueError(f"y must be a 1-d array of class labels, got shape {y_arr.shape}")
        if activation not in _ACTIVATIONS:
            raise ValueError(
                f"activation must be one of {sorted(_ACTIVATIONS)}, got {activation!r}"
            )
        self.activation = activation
        self.hidden = tuple(check_positive_int(h, "hidden width") for h in hidden)
        if n_classes is None:
            n_classes = int(np.max(y_arr)) + 1 if y_arr.size else 2
        self.n_classes = check_positive_int(n_classes, "n_classes", minimum=2)
        self.l2 = _check_l2(l2)
        self.sizes = (X.shape[1], *self.hidden, self.n_classes)
        self._shapes = []
        for fan_in, fan_out in zip(self.sizes[:-1], self.sizes[1:]):
            self._shapes += [(fan_in, fan_out), (fan_out,)]
        dim = sum(int(np.prod(s)) for s in self._shapes)
        w0 = self._glorot(np.random.default_rng(seed), dim)
        super().__init__(None, self._logits, X, y_arr, w0=w0, **options)
        self._labels = self.y.astype(np.intp)
        self._output_width = self.n_classes

    def _glorot(self, rng, dim) -> np.ndarray:
        parts = []
        for shape in self._shapes:
            if len(shape) == 2:
                limit = np.sqrt(6.0 / (shape[0] + shape[1]))
                parts.append(rng.uniform(-limit, limit, shape).ravel())
            else:
                parts.append(np.zeros(shape))
        out = np.concatenate(parts)
        assert out.shape == (dim,)
        return out

    def _check_support(self) -> None:
        check_class_labels(self.y, self.n_classes)

    def subset(self, index):
        out = super().subset(index)
        out._labels = self._labels[index]
        return out

    def unpack(self, w) -> list:
        """The layers ``[(W_1, b_1), …, (W_L, b_L)]`` of the weight vector ``w``."""
        parts, start = [], 0
        for shape in self._shapes:
            size = int(np.prod(shape))
            parts.append(anp.reshape(w[start : start + size], shape))
            start += size
        return list(zip(parts[0::2], parts[1::2]))

    def _logits(self, w, X):
        act = _ACTIVATIONS[self.activation]
        layers = self.unpack(w)
        h = X
        for W, b in layers[:-1]:
            h = act(anp.dot(h, W) + b)
        W, b = layers[-1]
        return anp.dot(h, W) + b

    def predict_proba(self, w, X=None) -> np.ndarray:
        """Class probabilities ``(n, K)``."""
        w = self._weights(w)
        Z = np.asarray(self._logits(w, self.X if X is None else as_float_array(X, "X")))
        return np.exp(Z - np.asarray(_logsumexp_rows(Z)))

    def _nll(self, w):
        Z = self._logits(w, self.X)
        picked = Z[np.arange(self.n_samples), self._labels]
        value = anp.mean(_logsumexp_rows(Z)[:, 0] - picked)
        if self.l2:
            value = value + 0.5 * self.l2 * anp.dot(w, w)
        return value

    @staticmethod
    def _softmax(Z):
        Z = np.asarray(Z)
        return np.exp(Z - np.asarray(_logsumexp_rows(Z)))

    def _output_metric(self, Z):
        P = self._softmax(Z)
        return np.einsum("nk,kl->nkl", P, np.eye(P.shape[1])) - P[:, :, None] * P[:, None, :]

    def _apply_output_metric(self, Z, U):
        P = self._softmax(Z)
        PU = P * U
        return PU - P * PU.sum(axis=1, keepdims=True)

    def _metric_single(self, w):
        G = super()._metric_single(w)
        if self.l2:
            G[np.diag_indices(self.dim)] += self.l2
        return G

    def _fvp_operator(self, w):
        op = super()._fvp_operator(w)
        if not self.l2:
            return op
        l2 = self.l2
        return lambda v: op(v) + l2 * v


def mlp_classifier(X, y, *, hidden=(16,), **options) -> MLPClassifier:
    """A multilayer perceptron classifier (see :class:`MLPClassifier`)."""
    return MLPClassifier(X, y, hidden=hidden, **options)

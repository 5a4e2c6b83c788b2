"""A small multilayer perceptron classifier with the generalized Gauss–Newton metric.

Logits ``zᵢ = f(w, xᵢ)`` from a fully connected network (``tanh`` or ``relu``
hidden layers, linear output), classes by softmax. In logit coordinates the
Categorical Fisher information is ``H(pᵢ) = diag(pᵢ) − pᵢpᵢᵀ``, so the pull-back
Fisher metric on the weights is the generalized Gauss–Newton matrix

    G(w) = (1/n) Σᵢ Jᵢᵀ (diag(pᵢ) − pᵢpᵢᵀ) Jᵢ,      Jᵢ = ∂zᵢ/∂w,

evaluated by hand-written vectorized passes (:mod:`~infogeo.models.dense_network`):

* ``solver="dense"`` (``metric="exact"``): all per-example Jacobians ``Jᵢ`` from one
  reverse pass with the ``K`` unit cotangents of every example, then
  ``G = (1/n) Σᵢ Jᵢᵀ Hᵢ Jᵢ`` by one matrix product (rows in chunks);
* ``solver="cg"`` (``metric="fvp"``): ``G v = Jᵀ H (J v) / n`` from one forward-mode
  pass (``J v``) and one backpropagation, about the cost of two gradients;
* ``solver="kfac"``: the Kronecker-factored approximation ``blockdiag(A_l ⊗ G_l)``
  of :mod:`~infogeo.models.kfac`, with the expectation over the model's labels taken
  exactly through the factors ``cₖ = √pₖ (eₖ − p)`` of ``diag(p) − ppᵀ``.

``G`` is only positive *semi*-definite (all logits can shift together, hidden units
can be dead or redundant): use ``damping > 0`` or ``l2 > 0`` for natural gradient
with the exact metric (K-FAC has its own damping ``γ``).
"""

from __future__ import annotations

import autograd.numpy as anp
import numpy as np
import scipy.linalg.blas
from autograd.extend import defjvp, defvjp, primitive

from .._validation import as_float_array, check_class_labels, check_positive_int
from .dense_network import DenseNetwork
from .glm import _check_l2, _logsumexp_rows
from .kfac import Block, KroneckerFactors
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
    solver, max_dense_dim, cg_tol, cg_maxiter, preconditioner, kfac
        As for :class:`PredictiveModel` (``solver="kfac"`` is available here).

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
        self.network = DenseNetwork(self.sizes, activation)
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

    supports_kfac = True
    #: rows of per-example Jacobians formed at once by the dense metric (memory bound)
    _JACOBIAN_CHUNK = 2_000_000

    def subset(self, index):
        out = super().subset(index)
        out._labels = self._labels[index]
        out._cache = None
        return out

    _cache = None
    _input_gram = None

    def _input_factor(self) -> np.ndarray:
        """``(1/n) Σᵢ x̄ᵢx̄ᵢᵀ`` with ``x̄ = [x, 1]``, the first layer's K-FAC factor A."""
        if self._input_gram is None or self._input_gram[0] is not self.X:
            self._input_gram = (self.X, _augmented_gram(self.X) / self.n_samples)
        return self._input_gram[1]

    def _forward(self, w, X=None, rows=None):
        """The network's forward pass at ``w`` on ``X`` (default the training inputs);
        the last full-data pass is cached (the loop asks for value, then gradient)."""
        if X is not None or rows is not None:
            return self.network.forward(w, self.X[rows] if X is None else X)
        key = (id(self.X), w.tobytes())
        if self._cache is not None and self._cache[0] == key:
            return self._cache[1]
        fp = self.network.forward(w, self.X)
        self._cache = (key, fp)
        return fp

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
        X = None if X is None else as_float_array(X, "X")
        return self._softmax(self._forward(w, X).logits)

    def nll(self, w) -> float:
        """Mean cross-entropy ``(1/n) Σᵢ [logsumexp(zᵢ) − z_{i,yᵢ}]`` (+ ``½ l2 ‖w‖²``)."""
        w = self._weights(w)
        fp = self._forward(w)
        Z = fp.logits
        lse = _log_normalizer(Z)
        if fp.probs is None:  # the gradient and the metric need them next
            fp.probs = np.exp(Z - lse[:, None])
        picked = Z[np.arange(self.n_samples), self._labels]
        value = float(np.mean(lse - picked))
        return value + 0.5 * self.l2 * float(w @ w) if self.l2 else value

    def nll_grad(self, w) -> np.ndarray:
        """``∇nll = Jᵀ(P − Y) / n`` by backpropagation (+ ``l2·w``)."""
        w = self._weights(w)
        fp = self._forward(w)
        U = self._probabilities(fp).copy()
        U[np.arange(self.n_samples), self._labels] -= 1.0
        g = self.network.vjp(fp, U / self.n_samples)
        return g + self.l2 * w if self.l2 else g

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
        return np.exp(Z - _log_normalizer(Z)[:, None])

    def _probabilities(self, fp):
        """Softmax of a forward pass's logits, kept on the pass (do not modify it)."""
        if fp.probs is None:
            fp.probs = self._softmax(fp.logits)
        return fp.probs

    def _output_metric(self, Z):
        P = self._softmax(Z)
        return np.einsum("nk,kl->nkl", P, np.eye(P.shape[1])) - P[:, :, None] * P[:, None, :]

    def _apply_output_metric(self, Z, U):
        P = self._softmax(Z)
        PU = P * U
        return PU - P * PU.sum(axis=1, keepdims=True)

    def per_example_jacobians(self, w, rows=None) -> np.ndarray:
        """``Jᵢ = ∂zᵢ/∂w`` for the examples ``rows`` (default all), ``(n, K, dim)``."""
        w = self._weights(w)
        return self.network.jacobian(
            self.network.forward(w, self.X if rows is None else self.X[rows])
        )

    def _metric_single(self, w):
        n, K, dim = self.n_samples, self.n_classes, self.dim
        chunk = max(1, self._JACOBIAN_CHUNK // (K * dim))
        G = np.zeros((dim, dim))
        for lo in range(0, n, chunk):
            rows = slice(lo, min(lo + chunk, n))
            fp = self.network.forward(w, self.X[rows])
            J = self.network.jacobian(fp)  # (m, K, dim)
            P = self._probabilities(fp)[:, :, None]
            # Bᵢ = Cᵢ Jᵢ with rows cₖ = √pₖ (eₖ − p), so BᵢᵀBᵢ = Jᵢᵀ Hᵢ Jᵢ; one syrk
            B = np.sqrt(P) * (J - (P * J).sum(axis=1, keepdims=True))
            G += scipy.linalg.blas.dsyrk(1.0, B.reshape(-1, dim).T)
        G = (np.triu(G) + np.triu(G, 1).T) / n
        if self.l2:
            G[np.diag_indices(dim)] += self.l2
        return G

    def _fvp_operator(self, w):
        fp = self._forward(np.asarray(w, dtype=float))
        P = self._probabilities(fp)
        network, n, l2 = self.network, self.n_samples, self.l2

        def product(v):
            PU = P * network.jvp(fp, v)
            out = network.vjp(fp, (PU - P * PU.sum(axis=1, keepdims=True)) / n)
            return out + l2 * v if l2 else out

        return product

    def _metric_gram(self, w):
        """``V G Vᵀ = (1/n) Σᵢ (Jᵢvₐ)ᵀ Hᵢ (Jᵢv_b)`` from forward-mode passes only."""
        fp = self._forward(np.asarray(w, dtype=float))
        P = self._probabilities(fp)
        network, n, l2 = self.network, self.n_samples, self.l2

        def gram(V):
            U = np.stack([network.jvp(fp, v) for v in V])  # (m, n, K)
            PU = P * U
            HU = PU - P * PU.sum(axis=2, keepdims=True)
            M = U.reshape(len(U), -1) @ HU.reshape(len(U), -1).T / n
            M = 0.5 * (M + M.T)
            return M + l2 * (V @ V.T) if l2 else M

        return gram

    def _kfac_factors(self, w, rows):
        """``A_l = mean(ā āᵀ)``, ``G_l = mean(Σₖ δ⁽ᵏ⁾δ⁽ᵏ⁾ᵀ)`` with ``δ⁽ᵏ⁾`` backpropagated
        from ``cₖ = √pₖ (eₖ − p)`` (the exact expectation over the model's labels).

        The last two layers' ``G`` are taken in closed form, without the ``(n, K, h)``
        backpropagated factors: the output layer's is ``mean(diag(p) − ppᵀ)`` and, with
        ``s = σ′`` of the last hidden layer and ``W`` its outgoing weights ``(h, K)``,
        ``δ⁽ᵏ⁾ = √pₖ s ⊙ (W(eₖ − p))``, so

            G = Σₖ (WₖWₖᵀ) ∘ mean(pₖ s sᵀ) − mean(qqᵀ),     q = s ⊙ (W p),

        ``K + 1`` weighted Gram matrices of ``(n, h)`` arrays. Deeper layers are
        backpropagated."""
        w = np.asarray(w, dtype=float)
        fp = self._forward(w) if rows is None else self.network.forward(w, self.X[rows])
        m = fp.n
        P = self._probabilities(fp)
        L = self.network.n_layers
        G = [None] * L
        G[L - 1] = np.diag(P.mean(axis=0)) - P.T @ P / m
        if L > 1:
            W, s = fp.weights[L - 1][0], fp.slopes[L - 2]
            h, K = W.shape
            q = s * (P @ W.T)
            # mean(pₖ s sᵀ) for every k from one product sᵀ [p₁s | … | p_K s]
            weighted = (P[:, :, None] * s[:, None, :]).reshape(m, K * h)
            M = (s.T @ weighted).reshape(h, K, h)
            G[L - 2] = (np.einsum("ik,jk,ikj->ij", W, W, M) - q.T @ q) / m
        if L > 2:  # the layers below: backpropagate the K factors
            K = P.shape[1]
            C = np.sqrt(P)[:, :, None] * (np.eye(K)[None, :, :] - P[:, None, :])  # (m, K, K)
            for layer, delta in enumerate(self.network.backward_deltas(fp, C)[: L - 2]):
                flat = delta.reshape(-1, delta.shape[-1])
                G[layer] = flat.T @ flat / m
        blocks, A = [], []
        for layer in range(L):
            if layer == 0 and rows is None:
                A.append(self._input_factor())  # E[x̄x̄ᵀ] does not depend on w
            else:
                A.append(_augmented_gram(fp.inputs[layer]) / m)
            lo = self.network.slices[layer][0]
            blocks.append(Block(lo, self.sizes[layer] + 1, self.sizes[layer + 1]))
        return KroneckerFactors(blocks, A, G)


def _augmented_gram(a: np.ndarray) -> np.ndarray:
    """``āᵀā`` for ``ā = [a, 1]`` without forming ``ā``."""
    col = a.sum(axis=0)
    return np.block([[a.T @ a, col[:, None]], [col[None, :], np.array([[a.shape[0]]])]])


def _log_normalizer(Z: np.ndarray) -> np.ndarray:
    """``logsumexp`` of each row of ``Z`` (plain numpy, no autograd wrappers)."""
    m = Z.max(axis=1)
    return m + np.log(np.exp(Z - m[:, None]).sum(axis=1))


def mlp_classifier(X, y, *, hidden=(16,), **options) -> MLPClassifier:
    """A multilayer perceptron classifier (see :class:`MLPClassifier`)."""
    return MLPClassifier(X, y, hidden=hidden, **options)

"""Forward, reverse and forward-mode passes of a fully connected network, vectorized.

The network ``s_l = a_{l−1} W_l + b_l``, ``a_l = σ(s_l)`` (``l < L``), logits
``z = s_L``, ``a_0 = x``, is evaluated for all ``n`` examples at once with plain numpy
matrix products (no autograd tape), and its derivatives are propagated by hand:

* reverse mode (backpropagation) of output cotangents ``U`` (``(n, K)`` or
  ``(n, r, K)``, ``r`` cotangents per example): ``δ_L = U``,
  ``δ_{l−1} = (δ_l W_lᵀ) ⊙ σ′(s_{l−1})``, and ``∂/∂W_l = a_{l−1}ᵀ δ_l``,
  ``∂/∂b_l = Σᵢ δ_{l,i}``;
* forward mode (the R-operator) of a weight direction ``v = (Ẇ_l, ḃ_l)``:
  ``ṡ_l = ȧ_{l−1} W_l + a_{l−1} Ẇ_l + ḃ_l``, ``ȧ_l = σ′(s_l) ⊙ ṡ_l``, ``ȧ_0 = 0``,
  giving ``J v = ṡ_L`` in one pass;
* per-example Jacobians ``Jᵢ = ∂zᵢ/∂w`` (``(n, K, dim)``): reverse mode with the
  ``K`` unit cotangents of every example at once, the weight block of layer ``l``
  being the outer products ``ā_{l−1,i} ⊗ δ_{l,i}^{(k)}`` with ``ā = [a, 1]``.

Weights are stacked layer by layer, ``W_l`` (``(fan_in, fan_out)``, row-major) then
``b_l``, so layer ``l``'s block is the row-major ``(fan_in + 1, fan_out)`` matrix
``[W_l; b_lᵀ]`` that multiplies ``ā_{l−1}`` — the layout K-FAC's Kronecker factors
``E[ā āᵀ] ⊗ E[δ δᵀ]`` act on.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["DenseNetwork", "ForwardPass"]


def _tanh_derivative(s: np.ndarray, a: np.ndarray) -> np.ndarray:
    return 1.0 - a * a


def _relu(s: np.ndarray) -> np.ndarray:
    return np.maximum(s, 0.0)


def _relu_derivative(s: np.ndarray, a: np.ndarray) -> np.ndarray:
    return (s > 0).astype(s.dtype)


#: activation name → (σ, σ′(s, σ(s)))
ACTIVATIONS = {"tanh": (np.tanh, _tanh_derivative), "relu": (_relu, _relu_derivative)}


@dataclass
class ForwardPass:
    """Everything a backward or forward-mode pass needs at one ``w`` on one ``X``.

    ``inputs[l]`` is ``a_l`` (``inputs[0] = X``), ``slopes[l]`` is ``σ′(s_{l+1})`` for
    the hidden layers, ``weights[l]`` the ``(W, b)`` pairs, ``logits`` ``z``.
    """

    inputs: list
    slopes: list
    weights: list
    logits: np.ndarray
    probs: np.ndarray | None = None  # filled in by the model that owns the pass

    @property
    def n(self) -> int:
        return int(self.logits.shape[0])


class DenseNetwork:
    """The layer structure ``sizes = (d, h_1, …, h_{L−1}, K)`` with activation ``σ``.

    Parameters
    ----------
    sizes
        Widths from input to output.
    activation
        ``"tanh"`` or ``"relu"``.
    """

    def __init__(self, sizes, activation: str = "tanh"):
        if activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, got {activation!r}")
        self.sizes = tuple(int(s) for s in sizes)
        self.activation = activation
        self._act, self._act_derivative = ACTIVATIONS[activation]
        #: per layer: (start of W, start of b, end of b) in the weight vector
        self.slices = []
        start = 0
        for fan_in, fan_out in zip(self.sizes[:-1], self.sizes[1:]):
            mid = start + fan_in * fan_out
            self.slices.append((start, mid, mid + fan_out))
            start = mid + fan_out
        self.dim = start

    @property
    def n_layers(self) -> int:
        return len(self.slices)

    def unpack(self, w: np.ndarray) -> list:
        """``[(W_1, b_1), …]`` as views of ``w``."""
        out = []
        for (lo, mid, hi), fan_in, fan_out in zip(self.slices, self.sizes[:-1], self.sizes[1:]):
            out.append((w[lo:mid].reshape(fan_in, fan_out), w[mid:hi]))
        return out

    def layer_block(self, v: np.ndarray, layer: int) -> np.ndarray:
        """Layer ``layer``'s part of ``v`` as the ``(fan_in + 1, fan_out)`` matrix ``[W; bᵀ]``."""
        lo, _, hi = self.slices[layer]
        return v[lo:hi].reshape(self.sizes[layer] + 1, self.sizes[layer + 1])

    # ------------------------------------------------------------------ passes
    def forward(self, w: np.ndarray, X: np.ndarray) -> ForwardPass:
        """Evaluate the network, keeping the activations and slopes for later passes."""
        weights = self.unpack(np.asarray(w, dtype=float))
        inputs, slopes = [X], []
        h = X
        for W, b in weights[:-1]:
            s = h @ W + b
            h = self._act(s)
            inputs.append(h)
            slopes.append(self._act_derivative(s, h))
        W, b = weights[-1]
        return ForwardPass(inputs, slopes, weights, h @ W + b)

    def backward_deltas(self, fp: ForwardPass, U: np.ndarray) -> list:
        """``[δ_1, …, δ_L]`` for output cotangents ``U`` (``(n, K)`` or ``(n, r, K)``)."""
        deltas = [None] * self.n_layers
        delta = U
        for layer in range(self.n_layers - 1, -1, -1):
            deltas[layer] = delta
            if layer:
                W = fp.weights[layer][0]
                slope = fp.slopes[layer - 1]
                if delta.ndim == 3:  # one 2-d product, not n small ones
                    n, r, _ = delta.shape
                    back = (delta.reshape(n * r, -1) @ W.T).reshape(n, r, -1)
                    delta = back * slope[:, None, :]
                else:
                    delta = (delta @ W.T) * slope
        return deltas

    def vjp(self, fp: ForwardPass, U: np.ndarray) -> np.ndarray:
        """``Jᵀ U = Σᵢ Jᵢᵀ uᵢ`` (the weight gradient of ``Σᵢ uᵢ·zᵢ``), shape ``(dim,)``."""
        out = np.empty(self.dim)
        for layer, delta in enumerate(self.backward_deltas(fp, U)):
            lo, mid, hi = self.slices[layer]
            out[lo:mid] = (fp.inputs[layer].T @ delta).ravel()
            out[mid:hi] = delta.sum(axis=0)
        return out

    def jvp(self, fp: ForwardPass, v: np.ndarray) -> np.ndarray:
        """``J v``: the directional derivative of the logits, shape ``(n, K)``."""
        dot_a = None
        directions = self.unpack(np.asarray(v, dtype=float))
        for layer, ((W, _), (dW, db)) in enumerate(zip(fp.weights, directions)):
            ds = fp.inputs[layer] @ dW + db
            if dot_a is not None:
                ds += dot_a @ W
            if layer < self.n_layers - 1:
                dot_a = fp.slopes[layer] * ds
        return ds

    def jacobian(self, fp: ForwardPass) -> np.ndarray:
        """Per-example Jacobians ``Jᵢ = ∂zᵢ/∂w``, shape ``(n, K, dim)``, in one pass."""
        n, K = fp.logits.shape
        eye = np.broadcast_to(np.eye(K), (n, K, K))
        J = np.empty((n, K, self.dim))
        for layer, delta in enumerate(self.backward_deltas(fp, eye)):
            lo, mid, hi = self.slices[layer]
            a = fp.inputs[layer]  # (n, fan_in); delta (n, K, fan_out)
            J[:, :, lo:mid] = (a[:, None, :, None] * delta[:, :, None, :]).reshape(n, K, -1)
            J[:, :, mid:hi] = delta
        return J

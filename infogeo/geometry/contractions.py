"""Contractions of the Levi-Civita connection with a velocity, without dense tensors.

The geodesic solvers need, at every node ``(p, v)``, only

* the acceleration ``aᵏ = −Γᵏᵢⱼ vⁱ vʲ`` (shape ``(..., n)``),
* its derivatives ``∂a/∂p`` and ``∂a/∂v = −(Γᵏᵢⱼ + Γᵏⱼᵢ) vⁱ`` (shape ``(..., n, n)``),

never the symbols ``Γ`` (``n³`` per node) or their derivatives (``n⁴``). This module
computes them from the metric alone. With ``φ(p) = vᵀG(p)v`` and ``K = ∂(G(p) v)/∂p``
(``K_lm = ∂ₘG_lj vʲ``), the first-kind contraction is

``w_l = Γ_lij vⁱ vʲ = (D_vG · v)_l − ½ ∂_l φ = (K v)_l − ½ (Kᵀ v)_l``,

``a = −G⁻¹ w``, and, differentiating ``G a = −w``,

``∂a/∂v = −G⁻¹ ∂w/∂v``,   ``∂a/∂p = −G⁻¹ (∂w/∂p + L)``,   ``L_lm = ∂ₘG_lj aʲ``.

Reverse-mode differentiation (autograd) gives one cotangent per backward pass; the
``n`` rows ``l`` of these Jacobians are obtained in one pass by evaluating the metric on
``n`` copies of every node, copy ``l`` carrying the cotangent ``e_l``. Per node this
costs ``n`` metric evaluations (the work of forward-mode ``n``-direction products, about
``n³`` for an ``n × n`` metric) and ``O(n³)`` memory, and the whole batch of nodes goes
through one trace:

* ``acceleration``: one first-order pass (``K`` for all nodes).
* ``jacobians``: one second-order pass (reverse over reverse) of the map
  ``(p, v) ↦ w`` giving ``w``, ``∂w/∂p`` and ``∂w/∂v`` together, then one first-order
  pass for ``L``.

Compare the dense route (:meth:`~RiemannianManifold.christoffel_and_derivative`):
``n(n+1)/2 · (n+1)`` backward passes and ``n⁴`` numbers per node.
"""

from __future__ import annotations

import warnings

import autograd.numpy as anp
import numpy as np
from autograd import make_vjp

__all__ = ["metric_acceleration", "metric_geodesic_jacobians"]


def _copies(p: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """``n`` copies of every row of ``p`` (copy ``l`` of node ``b`` is row ``b·n + l``)
    and the matching unit vectors ``e_l``."""
    N = p.shape[0]
    return np.repeat(p, n, axis=0), np.tile(np.eye(n), (N, 1))


def _matvec(G, y):
    """``G y`` row by row, autograd-traceable: ``(c, n, n), (c, n) → (c, n)``."""
    return anp.sum(G * y[:, None, :], axis=-1)


def metric_acceleration(metric, p: np.ndarray, v: np.ndarray) -> np.ndarray:
    """``a = −Γ(p)[v, v]`` on ``(N, n)`` nodes, from ``metric`` by one reverse pass.

    ``metric`` maps ``(c, n)`` points to ``(c, n, n)`` metrics and must be traceable by
    autograd (a ``TypeError``, ``AttributeError`` or ``NotImplementedError`` escapes
    otherwise, for the caller to fall back on).
    """
    N, n = p.shape
    X, E = _copies(p, n)
    V = np.repeat(v, n, axis=0)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Output seems independent of input")
        vjp, G = make_vjp(metric)(X)
        K = vjp(E[:, :, None] * V[:, None, :]).reshape(N, n, n)  # K_lm = ∂ₘ(Gv)_l
    w = np.einsum("blm,bm->bl", K - 0.5 * np.swapaxes(K, -1, -2), v)
    G = np.asarray(G)[::n]
    return -np.linalg.solve(G, w[..., None])[..., 0]


def metric_geodesic_jacobians(
    metric, p: np.ndarray, v: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(a, ∂a/∂p, ∂a/∂v)`` on ``(N, n)`` nodes, shapes ``(N, n)``, ``(N, n, n)`` twice.

    Two passes over ``n`` copies of the nodes (see the module docstring); no array of
    more than ``n³`` numbers per node is formed.
    """
    N, n = p.shape
    X, E = _copies(p, n)
    V = np.repeat(v, n, axis=0)
    EE = E[:, :, None]

    def w_rows(XY):
        # copy l returns w_l = ∂_v(e_lᵀ G y)|_{y=v} − ½ ∂_l (vᵀ G v), both from one trace
        Xc, Y = XY[:, :n], XY[:, n:]
        vjp, _ = make_vjp(metric)(Xc)
        grad_f = vjp(EE * Y[:, None, :])  # rows ∇ₚ(e_lᵀ G(p) v)
        grad_phi = vjp(Y[:, :, None] * Y[:, None, :])  # ∇ₚ(vᵀ G(p) v)
        return anp.sum(grad_f * Y, axis=1) - 0.5 * anp.sum(grad_phi * E, axis=1)

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Output seems independent of input")
        vjp2, w = make_vjp(w_rows)(np.concatenate([X, V], axis=1))
        dW = vjp2(np.ones(N * n)).reshape(N, n, 2 * n)
        G = np.asarray(metric(p))
        w = np.asarray(w).reshape(N, n)
        acc = -np.linalg.solve(G, w[..., None])[..., 0]
        vjp1, _ = make_vjp(metric)(X)
        L = vjp1(EE * np.repeat(acc, n, axis=0)[:, None, :]).reshape(N, n, n)
    sol = np.linalg.solve(G, np.concatenate([dW[..., :n] + L, dW[..., n:]], axis=-1))
    return acc, -sol[..., :n], -sol[..., n:]

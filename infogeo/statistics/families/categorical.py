"""The categorical family on k outcomes, in the first k − 1 probabilities."""

from __future__ import annotations

import autograd.numpy as anp
import numpy as np

from ..._validation import as_float_array, check_positive_int
from ..manifold import StatisticalManifold
from ._expfam import CategoricalEF

__all__ = ["Categorical"]


class Categorical(CategoricalEF, StatisticalManifold):
    """Categorical distributions on ``{0, …, k−1}``, coordinates
    ``θ = (p_1, …, p_{k−1})`` with ``p_k = 1 − Σθ``; all ``p_i > 0``.

    * ``log p(x|θ) = log p_{x+1}``
    * Fisher metric ``F = diag(1/p_1, …, 1/p_{k−1}) + (1/p_k) 11ᵀ``
    * ``√p`` maps the simplex isometrically onto the positive orthant of the sphere of
      radius 2, so ``d(p, q) = 2 arccos Σᵢ √(pᵢ qᵢ)`` and geodesics are great circles.
    * ``KL = Σᵢ pᵢ log(pᵢ/qᵢ)``
    """

    mle_data_rule = "categorical"

    def __init__(self, k: int):
        self.k = check_positive_int(k, "k", minimum=2)
        self._names = tuple(f"p_{i + 1}" for i in range(self.k - 1))
        self.support = ("integers", 0, self.k - 1)
        super().__init__(self.k - 1, bounds=[(0.0, 1.0)] * (self.k - 1))

    def __repr__(self) -> str:
        return f"Categorical(k={self.k})"

    # --- coordinates
    def pack(self, probs) -> np.ndarray:
        """``θ`` from a probability vector (or batch) of shape ``(..., k)``.

        Raises
        ------
        ValueError
            If ``probs`` has the wrong length, a non-positive entry, or does not sum
            to 1 (within 1e-12 per entry).
        """
        probs = as_float_array(probs, "probs")
        if probs.ndim == 0 or probs.shape[-1] != self.k:
            raise ValueError(f"probs must have shape (..., {self.k}), got {probs.shape}")
        if np.any(probs <= 0):
            raise ValueError("probs must have every entry > 0 (interior of the simplex)")
        total = probs.sum(-1)
        if np.any(np.abs(total - 1.0) > 1e-12 * self.k):
            raise ValueError(f"probs must sum to 1, got sums {total}")
        return probs[..., :-1].copy()

    def unpack(self, theta) -> np.ndarray:
        """The full probability vector ``(p_1, …, p_k)``, shape ``(..., k)``."""
        theta = self.check_point(theta, "theta")
        return np.concatenate([theta, 1.0 - theta.sum(-1, keepdims=True)], axis=-1)

    def _probs(self, theta):
        return anp.concatenate([theta, 1.0 - anp.sum(theta, -1, keepdims=True)], axis=-1)

    def _violations(self, p):
        yield from super()._violations(p)
        total = p.sum(-1)
        yield total >= 1.0, "p_1 + … + p_{k-1} < 1 (so that p_k > 0)", total

    def random_point(self, size=None, rng=None) -> np.ndarray:
        """Uniform on the simplex (Dirichlet(1, …, 1)), shape ``(*size, k − 1)``."""
        rng = np.random.default_rng(rng)
        shape = () if size is None else (size,) if np.isscalar(size) else tuple(size)
        g = rng.gamma(1.0, 1.0, (*shape, self.k)) + 1e-3
        return (g / g.sum(-1, keepdims=True))[..., :-1]

    def retract(self, p, v):
        """Step in the logits ``uᵢ = log(pᵢ/p_k)``: ``p′ = softmax(u + du)`` with
        ``duᵢ = vᵢ/pᵢ + Σⱼvⱼ/p_k`` (first order, always inside the simplex)."""
        p = self.check_point(p)
        v = self._vectors(v)
        probs = self._probs(p)
        u = np.log(probs[..., :-1]) - np.log(probs[..., -1:])
        du = v / probs[..., :-1] + v.sum(-1, keepdims=True) / probs[..., -1:]
        z = np.concatenate([u + du, np.zeros((*u.shape[:-1], 1))], axis=-1)
        z = z - z.max(-1, keepdims=True)
        e = np.exp(z)
        return (e / e.sum(-1, keepdims=True))[..., :-1]

    # --- densities
    def _log_prob(self, x, theta):
        onehot = (np.asarray(x)[..., None] == np.arange(self.k)).astype(float)
        return anp.sum(onehot * anp.log(self._probs(theta)), axis=-1)

    def _metric(self, theta):
        probs = self._probs(theta)
        eye = np.eye(self.dim)
        return eye / probs[..., :-1, None] + 1.0 / probs[..., -1, None, None]

    def _kl(self, t1, t2):
        p, q = self._probs(t1), self._probs(t2)
        return np.sum(p * np.log(p / q), axis=-1)

    def _sample(self, theta, rng):
        cdf = np.cumsum(self._probs(theta), axis=-1)
        u = rng.uniform(size=theta.shape[:-1])
        return np.minimum(np.sum(u[..., None] > cdf, axis=-1), self.k - 1).astype(float)

    def initial_point(self, data) -> np.ndarray:
        """Frequencies with half a count added to each outcome (inside the simplex)."""
        data = self._data_for_fit(data)
        counts = np.bincount(data.astype(int).ravel(), minlength=self.k) + 0.5
        return (counts / counts.sum())[:-1]

    # --- geodesics on the sphere
    def _sphere(self, theta):
        return np.sqrt(self._probs(theta))

    def dist(self, p, q, *, max_time=None, errors="raise"):
        """``d(p, q) = 2 arccos Σᵢ √(pᵢqᵢ)``, evaluated as ``4 arcsin(‖√p − √q‖/2)``
        (no cancellation for nearby points)."""
        p = self.check_point(p)
        q = self.check_point(q, "q")
        chord = np.linalg.norm(self._sphere(p) - self._sphere(q), axis=-1)
        return 4.0 * np.arcsin(np.minimum(0.5 * chord, 1.0))

    def exp(self, p, v):
        """Great circle of the unit sphere through ``s = √p`` with velocity
        ``ṡᵢ = ṗᵢ / (2√pᵢ)``, ``p′ = s(1)²``.

        Raises
        ------
        ValueError
            If the great circle reaches the boundary of the simplex before ``t = 1``.
        """
        p = self.check_point(p)
        v = self._vectors(v)
        p, v = np.broadcast_arrays(p, v)
        s = self._sphere(p)
        vfull = np.concatenate([v, -v.sum(-1, keepdims=True)], axis=-1)
        w = vfull / (2.0 * s)
        angle = np.linalg.norm(w, axis=-1)
        safe = np.where(angle > 0, angle, 1.0)
        direction = w / safe[..., None]
        s_end = np.cos(angle)[..., None] * s + np.sin(angle)[..., None] * direction
        # the path stays in the open orthant iff no coordinate crosses zero on [0, angle]:
        # sᵢ(t) = sᵢ cos t + dᵢ sin t vanishes at t* = atan2(sᵢ, −dᵢ) ∈ (0, π)
        crossing = np.arctan2(s, -direction)
        if np.any((crossing <= angle[..., None]) & (angle[..., None] > 0)):
            raise ValueError(
                f"the geodesic from p with velocity v leaves the simplex of {self!r} before "
                "t = 1; use a shorter velocity"
            )
        return (s_end**2)[..., :-1]

    def log(self, p, q, *, max_time=None, errors="raise"):
        """Inverse of :meth:`exp`: ``w = θ (t − cos θ s)/sin θ`` on the sphere with
        ``θ = d/2``, mapped back by ``ṗᵢ = 2√pᵢ wᵢ``."""
        p = self.check_point(p)
        q = self.check_point(q, "q")
        p, q = np.broadcast_arrays(p, q)
        s, t = self._sphere(p), self._sphere(q)
        angle = 2.0 * np.arcsin(np.minimum(0.5 * np.linalg.norm(s - t, axis=-1), 1.0))
        cos = np.cos(angle)[..., None]
        perp = (t - s) + (1.0 - cos) * s  # t − cos θ · s, without cancellation
        norm = np.linalg.norm(perp, axis=-1)
        scale = np.where(norm > 0, angle / np.where(norm > 0, norm, 1.0), 0.0)
        w = perp * scale[..., None]
        return (2.0 * s * w)[..., :-1]

    def geodesic_points(self, p, v, t):
        t = np.asarray(t, dtype=float)
        return self.exp(np.asarray(p)[None], t[:, None] * np.asarray(v)[None])

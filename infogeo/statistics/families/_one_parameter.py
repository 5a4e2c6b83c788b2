"""One-parameter families: closed-form geodesics through the arc-length coordinate.

For a one-dimensional metric ``g(θ) = φ′(θ)²`` the coordinate ``φ`` is arc length, so
``d(θ₁, θ₂) = |φ(θ₂) − φ(θ₁)|``, ``exp_θ(v) = φ⁻¹(φ(θ) + φ′(θ) v)`` and
``log_θ(θ′) = (φ(θ′) − φ(θ)) / φ′(θ)``.
"""

from __future__ import annotations

import autograd
import autograd.numpy as anp
import numpy as np

from ..manifold import StatisticalManifold

__all__ = ["OneParameterFamily"]


class OneParameterFamily(StatisticalManifold):
    """Base of the one-parameter families. Subclasses define ``_phi`` (arc length),
    ``_phi_inv``, ``_dphi`` (``√F``), ``_phi_range`` (open interval of ``φ``) and may
    override ``_phi_diff(θ₁, θ₂) = φ(θ₂) − φ(θ₁)`` with a cancellation-free form."""

    _phi_range: tuple[float, float] = (-np.inf, np.inf)

    def __init__(self, bounds):
        super().__init__(1, bounds)

    def _metric(self, theta):
        return (self._dphi(theta[..., 0]) ** 2)[..., None, None]

    def _log_dphi(self, t):
        return anp.log(self._dphi(t))

    def christoffel(self, p):
        """``Γ = g′/(2g) = (log φ′)′`` (autograd of the closed-form ``φ′``, elementwise)."""
        p = self._coords(p)
        return autograd.elementwise_grad(self._log_dphi)(p[..., 0])[..., None, None, None]

    def christoffel_derivative(self, p):
        """``∂Γ/∂θ = (log φ′)″``."""
        p = self._coords(p)
        d2 = autograd.elementwise_grad(autograd.elementwise_grad(self._log_dphi))
        return d2(p[..., 0])[..., None, None, None, None]

    def _phi_diff(self, t1, t2):
        return self._phi(t2) - self._phi(t1)

    def dist(self, p, q, *, max_time=None, errors="raise"):
        """``d(θ₁, θ₂) = |φ(θ₂) − φ(θ₁)|`` with ``φ`` the arc-length coordinate."""
        p = self.check_point(p)
        q = self.check_point(q, "q")
        return np.abs(self._phi_diff(p[..., 0], q[..., 0]))

    def log(self, p, q, *, max_time=None, errors="raise"):
        """``log_θ(θ′) = (φ(θ′) − φ(θ)) / φ′(θ)``."""
        p = self.check_point(p)
        q = self.check_point(q, "q")
        return (self._phi_diff(p[..., 0], q[..., 0]) / self._dphi(p[..., 0]))[..., None]

    def exp(self, p, v):
        """``exp_θ(v) = φ⁻¹(φ(θ) + φ′(θ) v)``.

        Raises
        ------
        ValueError
            If the geodesic leaves the domain before ``t = 1``.
        """
        p = self.check_point(p)
        v = self._vectors(v)
        phi = self._phi(p[..., 0]) + self._dphi(p[..., 0]) * v[..., 0]
        lo, hi = self._phi_range
        bad = (phi <= lo) | (phi >= hi)
        if np.any(bad):
            raise ValueError(
                f"the geodesic from p with velocity v leaves the domain of {self!r} before "
                f"t = 1 (expected {self.coordinate_names[0]} to stay in its range); use a "
                "shorter velocity"
            )
        return self._phi_inv(phi)[..., None]

    def geodesic_points(self, p, v, t):
        t = np.asarray(t, dtype=float)
        return self.exp(np.asarray(p)[None], t[:, None] * np.asarray(v)[None])

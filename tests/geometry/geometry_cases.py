"""Manifolds and closed forms shared by the geometry tests (independent references)."""

import autograd.numpy as anp
import numpy as np

import infogeo as ig


def halfplane_metric(p):
    """Poincaré half-plane metric I / y², batched coordinates-last."""
    return anp.eye(2) / p[..., 1, None, None] ** 2


def sphere_metric(p):
    """Round unit sphere in (θ, φ): diag(1, sin²θ), batched coordinates-last."""
    one = anp.ones_like(p[..., 0])
    zero = anp.zeros_like(p[..., 0])
    s2 = anp.sin(p[..., 0]) ** 2
    return anp.stack([anp.stack([one, zero], -1), anp.stack([zero, s2], -1)], -2)


def halfplane_distance(p, q):
    """arccosh(1 + ‖p − q‖² / (2 y_p y_q))."""
    p, q = np.asarray(p), np.asarray(q)
    return np.arccosh(1 + np.sum((p - q) ** 2, -1) / (2 * p[..., 1] * q[..., 1]))


def sphere_distance(p, q):
    """Great-circle distance from the spherical law of cosines (haversine form)."""
    t1, f1 = p[..., 0], p[..., 1]
    t2, f2 = q[..., 0], q[..., 1]
    # polar angle θ: latitude = π/2 − θ
    h = np.sin((t2 - t1) / 2) ** 2 + np.sin(t1) * np.sin(t2) * np.sin((f2 - f1) / 2) ** 2
    return 2 * np.arcsin(np.sqrt(h))


def halfplane_christoffel(p):
    """Closed form: Γˣₓᵧ = Γˣᵧₓ = −1/y, Γʸₓₓ = 1/y, Γʸᵧᵧ = −1/y."""
    p = np.asarray(p, dtype=float)
    y = p[..., 1]
    out = np.zeros((*p.shape[:-1], 2, 2, 2))
    out[..., 0, 0, 1] = out[..., 0, 1, 0] = -1 / y
    out[..., 1, 0, 0] = 1 / y
    out[..., 1, 1, 1] = -1 / y
    return out


def halfplane_christoffel_derivative(p):
    """∂ᵧ of the closed form above: ±1/y², entry [k, i, j, l]."""
    p = np.asarray(p, dtype=float)
    y = p[..., 1]
    out = np.zeros((*p.shape[:-1], 2, 2, 2, 2))
    out[..., 0, 0, 1, 1] = out[..., 0, 1, 0, 1] = 1 / y**2
    out[..., 1, 0, 0, 1] = -1 / y**2
    out[..., 1, 1, 1, 1] = 1 / y**2
    return out


class ClosedHalfPlane(ig.RiemannianManifold):
    """The half-plane with closed-form connection, numerical exp/log from the base."""

    def __init__(self):
        super().__init__(2, bounds=[(None, None), (0, None)])

    def metric(self, p):
        return halfplane_metric(p)

    def christoffel(self, p):
        return halfplane_christoffel(self._points(p))

    def christoffel_derivative(self, p):
        return halfplane_christoffel_derivative(self._points(p))


HALFPLANE_BOUNDS = [(None, None), (0, None)]

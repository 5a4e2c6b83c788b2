"""Kullback–Leibler (Bregman) centroids of distributions in one family.

For weights ``wᵢ`` (summing to 1) and distributions ``pᵢ = p(θᵢ)``:

* right centroid ``argmin_c Σ wᵢ KL(pᵢ ‖ c)`` (c the second argument),
* left centroid  ``argmin_c Σ wᵢ KL(c ‖ pᵢ)`` (c the first argument),
* symmetrized centroid ``argmin_c Σ wᵢ ½(KL(pᵢ ‖ c) + KL(c ‖ pᵢ))``.

On an exponential family ``p(x|ϑ) = exp(ϑ·t(x) − ψ(ϑ))`` the KL divergence is the
Bregman divergence ``KL(p₁ ‖ p₂) = B_ψ(ϑ₂, ϑ₁)``, and the sided centroids are averages
(Banerjee et al. 2005; Nielsen & Nock 2009): the right centroid matches moments,
``η(c) = Σ wᵢ η(θᵢ)`` with ``η = E[t(x)]``, the left centroid averages natural parameters,
``ϑ(c) = Σ wᵢ ϑ(θᵢ)``. The symmetrized centroid has no closed form (Nielsen & Nock
2009); it is minimized numerically, started from the best point of the segment between
the sided centroids that is straight in ``η``.

Families without those coordinates get the numerical route: natural gradient descent
on the family (:func:`~infogeo.minimize`) of the weighted divergence, with the gradient
by central differences of the family's closed-form ``kl``.
"""

from __future__ import annotations

import numpy as np

from ..exceptions import ConvergenceError
from ._points import check_points, check_weights, starting_point

__all__ = ["kl_centroid"]

_SIDES = ("left", "right", "symmetric")


def kl_centroid(family, points, weights=None, side: str = "right", *, gtol: float = 1e-9):
    """The weighted KL centroid of ``points`` (parameters of ``family``), shape ``(dim,)``.

    Parameters
    ----------
    family
        A statistical manifold with a closed-form ``kl`` (and, for the closed forms,
        ``is_exponential_family`` with ``natural``/``from_natural``/``expectation``/
        ``from_expectation``).
    points
        ``(n, dim)`` parameters.
    weights
        Non-negative weights (uniform by default).
    side
        ``"right"``: ``argmin_c Σ wᵢ KL(pᵢ ‖ c)``; ``"left"``: ``argmin_c Σ wᵢ KL(c ‖ pᵢ)``;
        ``"symmetric"``: ``argmin_c Σ wᵢ ½(KL(pᵢ ‖ c) + KL(c ‖ pᵢ))`` (numerical on every
        family).
    gtol
        Tolerance of the numerical route (Riemannian gradient norm in the Fisher metric).

    Raises
    ------
    ValueError
        For an unknown ``side`` or invalid points / weights.
    ConvergenceError
        If the numerical route does not converge.
    """
    if side not in _SIDES:
        raise ValueError(f"side must be one of {_SIDES}, got {side!r}")
    if not callable(getattr(family, "kl", None)):
        raise TypeError(f"kl_centroid needs a statistical family with kl, got {family!r}")
    P = check_points(family, points)
    w = check_weights(weights, P.shape[0])
    if _has_dual_coordinates(family):
        right = family.from_expectation(w @ family.expectation(P))
        left = family.from_natural(w @ family.natural(P))
        if side == "right":
            return np.asarray(right, dtype=float)
        if side == "left":
            return np.asarray(left, dtype=float)
        start = _best_on_segment(family, P, w, right, left)
        return _numerical(family, P, w, side, gtol, start)
    return _numerical(family, P, w, side, gtol)


def _has_dual_coordinates(family) -> bool:
    return bool(getattr(family, "is_exponential_family", False)) and all(
        callable(getattr(family, name, None))
        for name in ("natural", "from_natural", "expectation", "from_expectation")
    )


def _objective(family, P, w, side):
    def fun(c):
        cb = np.broadcast_to(c, P.shape)
        if side == "right":
            d = family.kl(P, cb)
        elif side == "left":
            d = family.kl(cb, P)
        else:
            d = 0.5 * (family.kl(P, cb) + family.kl(cb, P))
        return float(w @ np.asarray(d, dtype=float))

    return fun


def _best_on_segment(family, P, w, right, left) -> np.ndarray:
    fun = _objective(family, P, w, "symmetric")
    e0 = np.asarray(family.expectation(right), dtype=float)
    e1 = np.asarray(family.expectation(left), dtype=float)

    def along(lam):
        return np.asarray(family.from_expectation((1 - lam) * e0 + lam * e1), dtype=float)

    import scipy.optimize

    res = scipy.optimize.minimize_scalar(
        lambda lam: fun(along(lam)), bounds=(0.0, 1.0), method="bounded", options={"xatol": 1e-12}
    )
    return along(float(res.x))


def _numerical(family, P, w, side, gtol, x0=None) -> np.ndarray:
    from ..optim.minimize import minimize

    fun = _objective(family, P, w, side)

    def grad(c):
        h = 1e-6 * np.maximum(np.abs(c), 1e-3)
        g = np.empty_like(c)
        for j in range(c.size):
            e = np.zeros_like(c)
            e[j] = h[j]
            g[j] = (fun(c + e) - fun(c - e)) / (2 * h[j])
        return g

    if x0 is None:
        x0 = starting_point(family, P, w)
    res = minimize(fun, x0, family, grad=grad, gtol=gtol, max_iter=500, ftol=1e-15)
    if not res.success:
        raise ConvergenceError(
            f"the {side} KL centroid did not converge: {res.message}",
            residual=res.grad_norm,
            tolerance=gtol,
        )
    return np.asarray(res.x, dtype=float)

"""The batched ``dist`` / ``log`` the statistics functions use for a manifold.

Most manifolds are used through their own methods. The Gamma family has a much faster
and more accurate route than the generic boundary-value solver: Clairaut's relation
reduces its geodesics to quadratures and a one-dimensional root
(:mod:`infogeo.statistics.families._gamma_geodesic`, endpoints met to ~1e-13, about
20× faster per pair), used here for ``ig.Gamma()`` itself (not for subclasses or
reparametrizations, whose coordinates differ).
"""

from __future__ import annotations

__all__ = ["dist_function", "log_function"]


def _is_gamma(manifold) -> bool:
    from ..statistics.families.gamma import Gamma

    return type(manifold) is Gamma


def dist_function(manifold):
    """``(p, q) ↦ d(p, q)`` batched."""
    if _is_gamma(manifold):
        from ..statistics.families._gamma_geodesic import gamma_dist

        def dist(p, q):
            return gamma_dist(manifold.check_point(p), manifold.check_point(q, "q"))

        return dist
    return manifold.dist


def log_function(manifold):
    """``(p, q) ↦ log_p(q)`` batched."""
    if _is_gamma(manifold):
        from ..statistics.families._gamma_geodesic import gamma_log

        def log(p, q):
            return gamma_log(manifold.check_point(p), manifold.check_point(q, "q"))

        return log
    return manifold.log

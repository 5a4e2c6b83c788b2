"""Riemannian geometry in a coordinate chart: metrics, connections, geodesics, curves."""

from .euclidean import Euclidean
from .geodesic import Geodesic
from .manifold import RiemannianManifold
from .metric_manifold import MetricManifold

__all__ = ["Euclidean", "Geodesic", "MetricManifold", "RiemannianManifold"]

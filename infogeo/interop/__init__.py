"""Adapters to other geometry libraries (geomstats), imported lazily.

``import infogeo`` does not import geomstats; :func:`from_geomstats` imports it on its
first call.
"""

from .geomstats import GeomstatsManifold, from_geomstats

__all__ = ["GeomstatsManifold", "from_geomstats"]

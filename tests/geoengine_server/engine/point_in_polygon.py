"""Vector ``PointInPolygonFilter``: the points (source ``points``) inside any polygon (source ``polygons``).

Polygons are fetched for the points' envelope and time; a point is kept when a polygon whose time
intersects the point's time contains one of its points (boundary points count as inside, like Geo Engine).
"""

from __future__ import annotations

import numpy as np
from osgeo import ogr

from .build import register
from .params import spec_error
from .types import BBox, EngineError, FeatureCollection, TimeInterval, VectorOperator
from .vector_data import FeatureTable
from .wkt import geometry


class PointInPolygonFilter(VectorOperator):
    def __init__(self, points: VectorOperator, polygons: VectorOperator):
        if points.descriptor.data_type != "MultiPoint":
            raise EngineError("InvalidType", f"Invalid type: expected MultiPoint found {points.descriptor.data_type}")
        if polygons.descriptor.data_type != "MultiPolygon":
            found = polygons.descriptor.data_type
            raise EngineError("InvalidType", f"Invalid type: expected MultiPolygon found {found}")
        if points.descriptor.spatial_reference != polygons.descriptor.spatial_reference:
            raise EngineError(
                "InvalidSpatialReference",
                f"Invalid spatial reference: expected {points.descriptor.spatial_reference} "
                f"found {polygons.descriptor.spatial_reference}",
            )
        self.points = points
        self.polygons = polygons
        self.datasets = sorted(set(points.datasets) | set(polygons.datasets))
        self.descriptor = points.descriptor

    def query(self, bbox: BBox, time: TimeInterval) -> FeatureCollection:
        points = FeatureTable.from_collection(self.points.query(bbox, time))
        if len(points) == 0:
            return points.collection([])
        env = points.envelopes
        extent = BBox(np.nanmin(env[:, 0]), np.nanmin(env[:, 1]), np.nanmax(env[:, 2]), np.nanmax(env[:, 3]))
        polygons = self.polygons.query(extent, time)
        shapes = [
            (geometry(w), TimeInterval(s, e))
            for w, s, e in zip(polygons.wkt, polygons.time_start, polygons.time_end)
            if w
        ]
        keep = []
        for i, text in enumerate(points.wkt):
            geom = geometry(text)
            if geom is None:
                continue
            t = TimeInterval(int(points.time_start[i]), int(points.time_end[i]))
            parts = [geom.GetGeometryRef(k) for k in range(geom.GetGeometryCount())] or [geom]
            for poly, poly_time in shapes:
                if poly_time.intersects(t) and any(_covers(poly, p) for p in parts):
                    keep.append(i)
                    break
        return points.collection(keep)


def _covers(polygon: ogr.Geometry, point: ogr.Geometry) -> bool:
    return polygon.Contains(point) or polygon.Touches(point)


@register("Vector", "PointInPolygonFilter")
def build_point_in_polygon(params: dict, sources, name: str) -> PointInPolygonFilter:
    if params:
        raise spec_error(name, f"takes no params (got {sorted(params)})")
    return PointInPolygonFilter(sources.one("points", "Vector"), sources.one("polygons", "Vector"))

"""Vector ``PointInPolygonFilter``: the points (source ``points``) inside any polygon (source ``polygons``).

Polygons are fetched for the points' envelope and time. A multi-point feature is kept when one
of its points lies in (or on the boundary of) a polygon whose time intersects the feature's time.
Points are pre-filtered by each polygon's envelope with numpy, then tested against the polygon
prepared once per query (shapely, from the host like GDAL).
"""

from __future__ import annotations

import numpy as np
from shapely import wkt as shapely_wkt
from shapely.geometry import Point
from shapely.prepared import prep

from .build import register, srs_mismatch
from .params import spec_error
from .types import BBox, EngineError, FeatureCollection, TimeInterval, VectorOperator
from .vector_data import FeatureTable, time_hits


def _points_of(text: str) -> list[tuple[float, float]]:
    """Coordinates of ``MULTIPOINT((x y),(x y))`` (the blanks and inner brackets are optional)."""
    inner = text[text.index("(") + 1:text.rindex(")")]
    return [tuple(float(v) for v in part.strip().strip("()").split()[:2]) for part in inner.split(",")]


class PointInPolygonFilter(VectorOperator):
    def __init__(self, points: VectorOperator, polygons: VectorOperator):
        if points.descriptor.data_type != "MultiPoint":
            raise EngineError("InvalidType", f"Invalid type: expected MultiPoint found {points.descriptor.data_type}")
        if polygons.descriptor.data_type != "MultiPolygon":
            found = polygons.descriptor.data_type
            raise EngineError("InvalidType", f"Invalid type: expected MultiPolygon found {found}")
        if points.descriptor.spatial_reference != polygons.descriptor.spatial_reference:
            raise srs_mismatch(points.descriptor.spatial_reference, polygons.descriptor.spatial_reference)
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
        keep = np.zeros(len(points), bool)
        for text, start, end in zip(polygons.wkt, polygons.time_start, polygons.time_end):
            if not text:
                continue
            shape = shapely_wkt.loads(text)
            x0, y0, x1, y1 = shape.bounds
            with np.errstate(invalid="ignore"):
                near = (env[:, 2] >= x0) & (env[:, 0] <= x1) & (env[:, 3] >= y0) & (env[:, 1] <= y1) & ~keep
            near &= time_hits(points.time_start, points.time_end, TimeInterval(start, end))
            if not near.any():
                continue
            prepared = prep(shape)
            for i in np.nonzero(near)[0]:
                keep[i] = any(prepared.intersects(Point(x, y)) for x, y in _points_of(points.wkt[i]))
        return points.collection(np.nonzero(keep)[0])


# geo-engine/geoengine@5748ef7:geoengine/operators/src/processing/point_in_polygon.rs
@register("Vector", "PointInPolygonFilter")
def build_point_in_polygon(params: dict, sources, name: str) -> PointInPolygonFilter:
    if params:
        raise spec_error(name, f"takes no params (got {sorted(params)})")
    return PointInPolygonFilter(sources.one("points", "Vector"), sources.one("polygons", "Vector"))

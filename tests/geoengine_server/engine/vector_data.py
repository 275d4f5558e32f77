"""In-memory feature tables: loaded once per file, filtered with numpy, returned as FeatureCollections."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from osgeo import ogr

from .types import BBox, FeatureCollection, TimeInterval
from .wkt import geometry

ogr.UseExceptions()


@dataclass(frozen=True)
class FeatureTable:
    """Immutable features: WKT, envelopes ``(n, 4)`` as xmin, ymin, xmax, ymax, times and columns."""

    wkt: list[str]
    envelopes: np.ndarray
    time_start: np.ndarray
    time_end: np.ndarray
    columns: dict[str, list]

    def __len__(self) -> int:
        return len(self.wkt)

    @classmethod
    def build(cls, wkt: list[str], time_start, time_end, columns: dict[str, list]) -> FeatureTable:
        envelopes = np.full((len(wkt), 4), np.nan)
        for i, text in enumerate(wkt):
            g = geometry(text)
            if g is not None:
                x0, x1, y0, y1 = g.GetEnvelope()
                envelopes[i] = (x0, y0, x1, y1)
        return cls(wkt, envelopes, np.asarray(time_start, np.int64), np.asarray(time_end, np.int64), columns)

    @classmethod
    def from_collection(cls, fc: FeatureCollection) -> FeatureTable:
        return cls.build(list(fc.wkt), fc.time_start, fc.time_end, {k: list(v) for k, v in fc.columns.items()})

    def select(self, bbox: BBox, time: TimeInterval) -> np.ndarray:
        """Indices of features intersecting ``bbox`` (edges included) and ``time``."""
        env = self.envelopes
        if len(self) == 0:
            return np.zeros(0, np.int64)
        with np.errstate(invalid="ignore"):
            hit = (env[:, 0] <= bbox.xmax) & (env[:, 2] >= bbox.xmin)
            hit &= (env[:, 1] <= bbox.ymax) & (env[:, 3] >= bbox.ymin)
        hit &= time_hits(self.time_start, self.time_end, time)
        inside = (env[:, 0] >= bbox.xmin) & (env[:, 2] <= bbox.xmax)
        inside &= (env[:, 1] >= bbox.ymin) & (env[:, 3] <= bbox.ymax)
        partial = hit & ~inside
        if partial.any():
            box = ogr.CreateGeometryFromWkt(
                f"POLYGON (({bbox.xmin} {bbox.ymin}, {bbox.xmax} {bbox.ymin}, {bbox.xmax} {bbox.ymax}, "
                f"{bbox.xmin} {bbox.ymax}, {bbox.xmin} {bbox.ymin}))"
            )
            for i in np.nonzero(partial)[0]:
                if not geometry(self.wkt[i]).Intersects(box):
                    hit[i] = False
        return np.nonzero(hit)[0]

    def collection(self, indices, columns: list[str] | None = None) -> FeatureCollection:
        names = list(self.columns) if columns is None else columns
        positions = np.asarray(indices, np.int64)
        idx = positions.tolist()
        return FeatureCollection(
            wkt=[self.wkt[i] for i in idx],
            time_start=self.time_start[positions].tolist(),  # Python ints, like the columns
            time_end=self.time_end[positions].tolist(),
            columns={n: [self.columns[n][i] for i in idx] for n in names},
        )


# The same rule as geo-engine/geoengine@5748ef7:geoengine/datatypes/src/primitives/time_interval.rs
# (TimeInterval::intersects)
def time_hits(start: np.ndarray, end: np.ndarray, q: TimeInterval) -> np.ndarray:
    """Vectorised ``TimeInterval.intersects`` (half-open intervals; instants touch)."""
    feature_instant = start == end
    if q.start == q.end:
        return np.where(feature_instant, start == q.start, (start <= q.start) & (q.start < end))
    return np.where(feature_instant, (q.start <= start) & (start < q.end), (start < q.end) & (q.start < end))

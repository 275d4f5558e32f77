"""Vector ``RasterVectorJoin``: raster values as new columns of the features of source ``vector``.

Params: ``names`` (``{"type": "names" | "suffix", "values": [...]}`` or ``{"type": "default"}``; one per raster),
``featureAggregation``: ``first`` | ``mean`` over the pixels of a
feature (the pixel under each point; pixel centres inside a polygon), ``none`` = ``first``;
``temporalAggregation``: ``none`` | ``first`` | ``mean``; ``*IgnoreNoData`` flags make means skip
no-data instead of yielding null. Only band 0 of each raster is joined.

Time: the rasters' slices for the query time are merged. With ``temporalAggregation`` ``none``
each feature is emitted once per slice it overlaps, with time = feature time ∩ slice time (so a
port valid for all time queried on 2014-04-01 gets April 2014). Otherwise each feature is
emitted once with its own time and the aggregate over the overlapping slices.
Columns are ``int`` for integer rasters (``float`` with any mean), null where no-data.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from .build import register, srs_mismatch
from .params import choice, get, spec_error
from .slices import merge_slices
from .tiling import window_for_bbox
from .types import BBox, Column, EngineError, FeatureCollection, RasterOperator, TimeInterval, VectorOperator, Window
from .wkt import geometry

_MAX_BLOCK = 4096 * 4096
_MAX_POLYGON_PIXELS = 1_000_000


def _intersection(a: TimeInterval, b: TimeInterval) -> TimeInterval:
    start, end = max(a.start, b.start), min(a.end, b.end)
    return TimeInterval(start, max(start, end))


def feature_pixels(raster: RasterOperator, wkt: str) -> tuple[np.ndarray, np.ndarray]:
    """(cols, rows) of the raster pixels a feature covers."""
    geom = geometry(wkt)
    if geom is None:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    gt = raster.descriptor.geo_transform
    name = geom.GetGeometryName()
    if name in ("POINT", "MULTIPOINT"):
        parts = [geom] if name == "POINT" else [geom.GetGeometryRef(i) for i in range(geom.GetGeometryCount())]
        xs = np.array([p.GetX() for p in parts])
        ys = np.array([p.GetY() for p in parts])
        return (
            np.floor((xs - gt.origin_x) / gt.x_pixel_size).astype(np.int64),
            np.floor((ys - gt.origin_y) / gt.y_pixel_size).astype(np.int64),
        )
    x0, x1, y0, y1 = geom.GetEnvelope()
    w = window_for_bbox(gt, BBox(x0, y0, x1, y1))
    if w.width * w.height > _MAX_POLYGON_PIXELS:
        raise EngineError("InvalidOperatorSpec", "A feature covers too many raster pixels to join (more than 1e6)")
    from osgeo import ogr

    cols, rows = [], []
    point = ogr.Geometry(ogr.wkbPoint)
    for r in range(w.y_off, w.y_off + w.height):
        for c in range(w.x_off, w.x_off + w.width):
            point.SetPoint_2D(0, gt.origin_x + (c + 0.5) * gt.x_pixel_size, gt.origin_y + (r + 0.5) * gt.y_pixel_size)
            if geom.Contains(point):
                cols.append(c)
                rows.append(r)
    if not cols:  # small polygons: the pixel under the centroid
        c = geom.Centroid()
        return feature_pixels(raster, f"POINT ({c.GetX()} {c.GetY()})")
    return np.array(cols, np.int64), np.array(rows, np.int64)


def pixel_values(raster: RasterOperator, time: TimeInterval, cols: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Float values at the pixels (NaN where no-data), reading one block or single pixels."""
    out = np.full(len(cols), np.nan)
    if len(cols) == 0:
        return out
    c0, c1, r0, r1 = int(cols.min()), int(cols.max()), int(rows.min()), int(rows.max())
    if (c1 - c0 + 1) * (r1 - r0 + 1) <= _MAX_BLOCK:
        block = raster.read(0, time, Window(c0, r0, c1 - c0 + 1, r1 - r0 + 1))
        data, mask = np.ma.getdata(block), np.ma.getmaskarray(block)
        values = data[rows - r0, cols - c0].astype(np.float64)
        return np.where(mask[rows - r0, cols - c0], np.nan, values)
    for k, (c, r) in enumerate(zip(cols, rows)):
        px = raster.read(0, time, Window(int(c), int(r), 1, 1))
        if not np.ma.getmaskarray(px)[0, 0]:
            out[k] = float(np.ma.getdata(px)[0, 0])
    return out


def _aggregate(values: np.ndarray, method: str, ignore_no_data: bool) -> float:
    """``first`` or ``mean`` of ``values`` (NaN = no-data, which poisons the result unless ignored)."""
    if ignore_no_data:
        values = values[~np.isnan(values)]
    if len(values) == 0:
        return np.nan
    return float(values.mean()) if method == "mean" else float(values[0])


class RasterVectorJoin(VectorOperator):
    def __init__(self, vector: VectorOperator, rasters: list[RasterOperator], names: list[str], feature_agg: str,
                 feature_ignore: bool, temporal_agg: str, temporal_ignore: bool):
        for r in rasters:
            if r.descriptor.spatial_reference != vector.descriptor.spatial_reference:
                raise srs_mismatch(vector.descriptor.spatial_reference, r.descriptor.spatial_reference)
        self.vector, self.rasters, self.names = vector, rasters, names
        self.feature_agg, self.feature_ignore = feature_agg, feature_ignore
        self.temporal_agg, self.temporal_ignore = temporal_agg, temporal_ignore
        self.datasets = sorted({d for op in [vector, *rasters] for d in op.datasets})
        columns = dict(vector.descriptor.columns)
        self.integer = []
        for name, raster in zip(names, rasters):
            integer = raster.descriptor.data_type[0] in "UI" and "mean" not in (feature_agg, temporal_agg)
            self.integer.append(integer)
            columns[name] = Column("int" if integer else "float", dict(raster.descriptor.bands[0].measurement))
        self.descriptor = replace(vector.descriptor, columns=columns)

    def query(self, bbox: BBox, time: TimeInterval) -> FeatureCollection:
        features = self.vector.query(bbox, time)
        slices = merge_slices([r.time_slices(time) for r in self.rasters])
        n = len(features)
        pixels = [[feature_pixels(r, w) for w in features.wkt] for r in self.rasters]
        # values[k][s] = per-feature aggregated value of raster k in slice s
        values = []
        for k, raster in enumerate(self.rasters):
            per_slice = []
            counts = [len(c) for c, _ in pixels[k]]
            all_c = np.concatenate([c for c, _ in pixels[k]]) if n else np.zeros(0, np.int64)
            all_r = np.concatenate([r for _, r in pixels[k]]) if n else np.zeros(0, np.int64)
            splits = np.cumsum(counts)[:-1]
            for s in slices:
                vals = np.split(pixel_values(raster, s, all_c, all_r), splits) if n else []
                per_slice.append([_aggregate(v, self.feature_agg, self.feature_ignore) for v in vals])
            values.append(per_slice)
        out = FeatureCollection([], [], [], {c: [] for c in self.descriptor.columns})
        for i in range(n):
            ftime = TimeInterval(features.time_start[i], features.time_end[i])
            hits = [j for j, s in enumerate(slices) if s.intersects(ftime)]
            if self.temporal_agg == "none":
                rows = [(_intersection(ftime, slices[j]), [v[j][i] for v in values]) for j in hits]
            else:
                rows = [(ftime, [_aggregate(np.array([values[k][j][i] for j in hits]), self.temporal_agg,
                                            self.temporal_ignore) for k in range(len(self.rasters))])]
            for t, joined in rows:
                out.wkt.append(features.wkt[i])
                out.time_start.append(t.start)
                out.time_end.append(t.end)
                for name, column in features.columns.items():
                    out.columns[name].append(column[i])
                for name, integer, v in zip(self.names, self.integer, joined):
                    out.columns[name].append(None if np.isnan(v) else int(v) if integer else float(v))
        return out


def column_names(names: dict, rasters: list, operator: str) -> list[str]:
    """The new columns' names from a ColumnNames: ``names`` as given, ``suffix`` appended to each raster's band
    name, ``default`` the band names with `` (n)`` for the n-th repetition
    (geo-engine/geoengine@5748ef7:geoengine/operators/src/processing/raster_vector_join/mod.rs ``ColumnNames``)."""
    kind, values = names.get("type"), names.get("values")
    bands = [r.descriptor.bands[0].name for r in rasters]
    if kind == "names" and isinstance(values, list):
        return values
    if kind == "suffix" and isinstance(values, list) and len(values) == len(bands):
        return [f"{b}{v}" for b, v in zip(bands, values)]
    if kind == "default":
        return [b if bands[:i].count(b) == 0 else f"{b} ({bands[:i].count(b)})" for i, b in enumerate(bands)]
    raise spec_error(operator, f"`names` must be {{type: default | suffix | names, values: [...]}} (got {names!r})")


@register("Vector", "RasterVectorJoin")
def build_raster_vector_join(params: dict, sources, name: str) -> RasterVectorJoin:
    vector = sources.one("vector", "Vector")
    rasters = sources.many("rasters", "Raster")
    names = column_names(get(params, name, "names", dict), rasters, name)
    if len(names) != len(rasters) or not all(isinstance(n, str) and n for n in names):
        raise spec_error(name, f"`names` must hold one non-empty column name per raster ({len(rasters)})")
    for n in names:
        if n in vector.descriptor.columns or names.count(n) > 1:
            raise EngineError("ColumnNameConflict", f"Column name conflict: {n!r} already exists")
    feature_agg = choice(params, name, "featureAggregation", ("first", "mean", "none"))
    temporal_agg = choice(params, name, "temporalAggregation", ("none", "first", "mean"))
    return RasterVectorJoin(
        vector, rasters, names, "first" if feature_agg == "none" else feature_agg,
        get(params, name, "featureAggregationIgnoreNoData", bool, False),
        temporal_agg,
        get(params, name, "temporalAggregationIgnoreNoData", bool, False),
    )

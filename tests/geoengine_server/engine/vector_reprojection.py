"""Vector ``Reprojection`` and ``reproject_features`` (also used by WFS when ``srsName`` differs)."""

from __future__ import annotations

import threading
from dataclasses import replace

from osgeo import ogr, osr

from .build import register
from .crs import check_srs, transform_bbox
from .params import get
from .types import BBox, FeatureCollection, TimeInterval, VectorOperator
from .wkt import to_multi_wkt

_local = threading.local()


def _transformation(src: str, dst: str) -> osr.CoordinateTransformation:
    cache = getattr(_local, "cache", None)
    if cache is None:
        cache = _local.cache = {}
    if (src, dst) not in cache:
        a, b = osr.SpatialReference(), osr.SpatialReference()
        a.SetFromUserInput(src)
        b.SetFromUserInput(dst)
        a.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
        b.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
        cache[(src, dst)] = osr.CoordinateTransformation(a, b)
    return cache[(src, dst)]


def reproject_features(fc: FeatureCollection, src_srs: str, dst_srs: str) -> FeatureCollection:
    """The same features with geometries transformed; features that cannot be transformed are dropped."""
    if src_srs == dst_srs:
        return fc
    ct = _transformation(check_srs(src_srs), check_srs(dst_srs))
    keep, wkt = [], []
    for i, text in enumerate(fc.wkt):
        if not text:
            keep.append(i)
            wkt.append(text)
            continue
        geom = ogr.CreateGeometryFromWkt(text)
        try:
            if geom.Transform(ct) != 0:
                continue
        except RuntimeError:
            continue
        keep.append(i)
        wkt.append(to_multi_wkt(geom))
    return FeatureCollection(
        wkt=wkt,
        time_start=[fc.time_start[i] for i in keep],
        time_end=[fc.time_end[i] for i in keep],
        columns={k: [v[i] for i in keep] for k, v in fc.columns.items()},
    )


# geo-engine/geoengine@5748ef7:geoengine/operators/src/processing/reprojection.rs (vector part)
class VectorReprojection(VectorOperator):
    def __init__(self, source: VectorOperator, target: str):
        self.source = source
        self.target = target
        self.datasets = list(source.datasets)
        d = source.descriptor
        bbox = None
        if d.bbox is not None:
            try:
                bbox = transform_bbox(d.bbox, d.spatial_reference, target)
            except Exception:  # noqa: BLE001 - bounds are optional metadata
                bbox = None
        self.descriptor = replace(d, spatial_reference=target, bbox=bbox)

    def query(self, bbox: BBox, time: TimeInterval) -> FeatureCollection:
        src = self.source.descriptor.spatial_reference
        source_bbox = transform_bbox(bbox, self.target, src)
        return reproject_features(self.source.query(source_bbox, time), src, self.target)


@register("Vector", "Reprojection")
def build_vector_reprojection(params: dict, sources, name: str) -> VectorReprojection:
    target = check_srs(get(params, name, "targetSpatialReference", str))
    return VectorReprojection(sources.one("source", "Vector"), target)

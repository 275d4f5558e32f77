"""Feature collections as Geo Engine's GeoJSON (WFS GetFeature)."""

from __future__ import annotations

import math
from typing import Any

from shapely import wkt as shapely_wkt
from shapely.geometry import mapping

from .engine.types import FeatureCollection, VectorDescriptor
from .timeutil import format_when

_SINGLE = {"MultiPoint": "Point", "MultiLineString": "LineString", "MultiPolygon": "Polygon"}


def _lists(value: Any) -> Any:
    if isinstance(value, (tuple, list)):
        return [_lists(v) for v in value]
    return float(value)


def geometry_json(text: str) -> dict | None:
    """WKT -> GeoJSON geometry; a Multi* with one part is written as its simple type."""
    if not text:
        return None
    return _geometry(shapely_wkt.loads(text))


def _geometry(shape) -> dict:
    if shape.geom_type == "GeometryCollection":
        return {"type": "GeometryCollection", "geometries": [_geometry(part) for part in shape.geoms]}
    geometry = mapping(shape)
    kind, coordinates = geometry["type"], geometry.get("coordinates")
    if kind in _SINGLE and len(coordinates) == 1:
        kind, coordinates = _SINGLE[kind], coordinates[0]
    return {"type": kind, "coordinates": _lists(coordinates)}


def property_value(value: Any, data_type: str) -> Any:
    if value is None:
        return None
    if data_type == "float":
        value = float(value)
        return None if math.isnan(value) else value
    if data_type in ("int", "category"):
        return int(value)
    if data_type == "bool":
        return bool(value)
    if data_type == "dateTime":
        # a TimeInstance serialises as its integer milliseconds
        # (geo-engine/geoengine@5748ef7:geoengine/datatypes/src/primitives/feature_data.rs DateTimeDataRef::json_value,
        # geo-engine/geoengine@5748ef7:geoengine/datatypes/src/primitives/time_instance.rs TimeInstance(i64))
        return int(value)
    return str(value)


def feature_collection_json(features: FeatureCollection, descriptor: VectorDescriptor) -> dict:
    # each descriptor column's values (None: the collection lacks the column, every value is null)
    columns = [(name, column.data_type, features.columns.get(name)) for name, column in descriptor.columns.items()]
    out = []
    for i in range(len(features)):
        properties = {
            name: None if values is None else property_value(values[i], data_type)
            for name, data_type, values in columns
        }
        out.append({
            "type": "Feature",
            "geometry": geometry_json(features.wkt[i]),
            "properties": properties,
            "when": {
                "start": format_when(features.time_start[i]),
                "end": format_when(features.time_end[i]),
                "type": "Interval",
            },
        })
    return {"type": "FeatureCollection", "features": out}

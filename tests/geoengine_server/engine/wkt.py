"""Geometries as Geo Engine writes them: always the multi form, in the ``wkt`` crate's layout without blanks
after commas or type names, e.g. ``MULTIPOINT((-69.92356 12.4375))``, ``MULTIPOLYGON(((0 0,1 0,1 1,0 0)))``
(geo-engine/geoengine@5748ef7:geoengine/datatypes/src/primitives/multi_point.rs ``test_to_wkt``, likewise
multi_line_string.rs and multi_polygon.rs; written by
geo-engine/geoengine@5748ef7:geoengine/datatypes/src/collections/ipc.rs ``wkt_string``)."""

from __future__ import annotations

from decimal import Decimal

from osgeo import ogr

_POINTS = (ogr.wkbPoint, ogr.wkbMultiPoint)
_LINES = (ogr.wkbLineString, ogr.wkbMultiLineString)
_POLYGONS = (ogr.wkbPolygon, ogr.wkbMultiPolygon)


def number(value: float) -> str:
    """Shortest round-trip text, without a trailing ``.0`` and never in exponent form (Rust's ``Display``)."""
    text = repr(float(value))
    if "e" in text or "E" in text:
        text = format(Decimal(text), "f")
    return text[:-2] if text.endswith(".0") else text


def _ring(geom: ogr.Geometry) -> str:
    return "(" + ",".join(f"{number(x)} {number(y)}" for x, y, *_ in geom.GetPoints() or []) + ")"


def collection_type(geom_type: int) -> str:
    flat = ogr.GT_Flatten(geom_type)
    if flat in _POINTS:
        return "MultiPoint"
    if flat in _LINES:
        return "MultiLineString"
    if flat in _POLYGONS:
        return "MultiPolygon"
    return "Data"


def to_multi_wkt(geom: ogr.Geometry | None) -> str:
    """``""`` for no geometry; points/lines/polygons in their ``MULTI...`` form."""
    if geom is None or geom.IsEmpty():
        return ""
    flat = ogr.GT_Flatten(geom.GetGeometryType())
    parts = [geom] if flat in (ogr.wkbPoint, ogr.wkbLineString, ogr.wkbPolygon) else [
        geom.GetGeometryRef(i) for i in range(geom.GetGeometryCount())
    ]
    if flat in _POINTS:
        return "MULTIPOINT(" + ",".join(f"({number(p.GetX())} {number(p.GetY())})" for p in parts) + ")"
    if flat in _LINES:
        return "MULTILINESTRING(" + ",".join(_ring(p) for p in parts) + ")"
    if flat in _POLYGONS:
        polys = ["(" + ",".join(_ring(p.GetGeometryRef(i)) for i in range(p.GetGeometryCount())) + ")" for p in parts]
        return "MULTIPOLYGON(" + ",".join(polys) + ")"
    raise ValueError(f"unsupported geometry type {geom.GetGeometryName()}")


def geometry(wkt: str) -> ogr.Geometry | None:
    return ogr.CreateGeometryFromWkt(wkt) if wkt else None

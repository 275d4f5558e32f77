"""Result descriptors from Geo Engine dataset definitions (``metaData.resultDescriptor``).

Definitions write grid bounds as ``{"min": [row, col], "max": [row, col]}``, times as ISO
strings and the time dimension as ``"irregular"`` or ``{"regular": {origin, step}}``.
"""

from __future__ import annotations

from .. import timeutil  # a module import: timeutil imports this package (engine.types)
from .types import (
    Band,
    BBox,
    Column,
    EngineError,
    GeoTransform,
    GridBounds,
    RasterDescriptor,
    TimeInterval,
    VectorDescriptor,
)


def instant(value) -> int:
    try:
        return timeutil.parse_json_instant(value)
    except timeutil.TimeParseError as exc:
        raise EngineError("InvalidDatasetSpec", f"Invalid time in dataset definition: {exc}") from None


def interval(value: dict | None) -> TimeInterval | None:
    if not value:
        return None
    return TimeInterval(instant(value["start"]), instant(value["end"]))


def geo_transform(value: dict) -> GeoTransform:
    origin = value["originCoordinate"]
    return GeoTransform(float(origin["x"]), float(origin["y"]), float(value["xPixelSize"]), float(value["yPixelSize"]))


def grid_bounds(value: dict) -> GridBounds:
    if "min" in value:  # [row, col]
        (y0, x0), (y1, x1) = value["min"], value["max"]
        return GridBounds(int(x0), int(y0), int(x1), int(y1))
    tl, br = value["topLeftIdx"], value["bottomRightIdx"]
    return GridBounds(int(tl["xIdx"]), int(tl["yIdx"]), int(br["xIdx"]), int(br["yIdx"]))


def time_dimension(value) -> dict:
    if value in (None, "irregular") or (isinstance(value, dict) and value.get("type") == "irregular"):
        return {"type": "irregular"}
    if isinstance(value, dict) and "regular" in value:
        value = value["regular"]
    return {"type": "regular", "origin": instant(value["origin"]), "step": dict(value["step"])}


def measurement(value: dict | None) -> dict:
    """A measurement as Geo Engine writes it (continuous ones always carry ``unit``)."""
    out = dict(value or {"type": "unitless"})
    if out.get("type") == "continuous":
        out.setdefault("unit", None)
    return out


# Definition shapes: geo-engine/geoengine@5748ef7:geoengine/operators/src/engine/result_descriptor.rs; the API shapes
# they become: geo-engine/geoengine@5748ef7:geoengine/services/src/api/model/operators.rs
def raster_descriptor(rd: dict) -> RasterDescriptor:
    time = rd.get("time") or {}
    grid = rd["spatialGrid"]
    inner = grid["spatialGrid"]
    bands = [Band(b["name"], measurement(b.get("measurement"))) for b in rd.get("bands") or []]
    return RasterDescriptor(
        data_type=rd["dataType"],
        spatial_reference=rd["spatialReference"],
        geo_transform=geo_transform(inner["geoTransform"]),
        grid_bounds=grid_bounds(inner["gridBounds"]),
        time_bounds=interval(time.get("bounds")),
        time_dimension=time_dimension(time.get("dimension")),
        bands=bands or [Band("band")],
        grid_state=grid.get("state") or grid.get("descriptor") or "source",
    )


def _coordinate(value) -> tuple[float, float]:
    if isinstance(value, dict):
        return float(value["x"]), float(value["y"])
    return float(value[0]), float(value[1])


def vector_descriptor(rd: dict) -> VectorDescriptor:
    columns = {
        name: Column(c["dataType"], measurement(c.get("measurement")))
        for name, c in (rd.get("columns") or {}).items()
    }
    bbox = None
    if rd.get("bbox"):
        x0, y0 = _coordinate(rd["bbox"]["lowerLeftCoordinate"])
        x1, y1 = _coordinate(rd["bbox"]["upperRightCoordinate"])
        bbox = BBox(x0, y0, x1, y1)
    return VectorDescriptor(rd["dataType"], rd["spatialReference"], columns, interval(rd.get("time")), bbox)

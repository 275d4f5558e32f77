"""Basic value types: ids, time intervals, bounding boxes, resolutions, grids and query rectangles.

Names and meanings follow the official client's ``geoengine.types`` (``QueryRectangle(spatial_bounds,
time_interval, srs)``, ``RasterQueryRectangle(spatial_bounds, time_interval, raster_bands, srs)``,
``bbox_str``, ``bbox_ogc``, ``time_str`` ...). Every constructor validates its input and raises
:class:`~.errors.InputError` naming the field, so bad input never reaches the server.

Times are kept as ``numpy.datetime64`` with millisecond precision (Geo Engine's ``TimeInstance``); that
range covers Geo Engine's beginning/end of time (years -262143 / +262142).
"""

from __future__ import annotations

import math
import re
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from functools import lru_cache
from typing import Any, List, Optional, Sequence, Tuple, Union

import numpy as np

from .errors import InputError

TimeLike = Union[datetime, date, np.datetime64, str, int]

# Geo Engine's TimeInstance::MIN / MAX in epoch milliseconds.
TIME_MIN_MS = -8334601228800000
TIME_MAX_MS = 8210266876799999

_SRS_PATTERN = re.compile(r"^(EPSG|SR-ORG|IAU2000|ESRI):(\d+)$")


# --------------------------------------------------------------------------------------------------- ids


@dataclass(frozen=True)
class WorkflowId:
    """A workflow (0.10: processing graph) id: a UUID. Strings are checked before any request."""

    id: uuid.UUID

    def __init__(self, workflow_id: Union[uuid.UUID, str, WorkflowId]) -> None:
        object.__setattr__(self, "id", parse_uuid(workflow_id, "workflow_id"))

    @classmethod
    def from_response(cls, response: dict) -> WorkflowId:
        """From ``{"id": "<uuid>"}``."""
        return cls(response["id"])

    def to_dict(self) -> uuid.UUID:
        return self.id

    def __str__(self) -> str:
        return str(self.id)


ProcessingGraphId = WorkflowId


def parse_uuid(value: Any, field_name: str) -> uuid.UUID:
    """A UUID from a UUID, an id wrapper or a string; otherwise :class:`InputError` naming ``field_name``."""
    if isinstance(value, uuid.UUID):
        return value
    if isinstance(value, WorkflowId):
        return value.id
    if isinstance(value, str):
        try:
            return uuid.UUID(value.strip())
        except ValueError:
            pass
    raise InputError(f"not a UUID: {str(value)[:80]!r}", field=field_name)


# --------------------------------------------------------------------------------------------------- time


def to_datetime64(value: TimeLike, field_name: str = "time") -> np.datetime64:
    """Milliseconds since the epoch as ``datetime64[ms]``.

    Accepts ``datetime`` (naive means UTC), ``date``, ``numpy.datetime64``, ISO 8601 strings (``Z`` or an
    offset; without an offset UTC is assumed) and integers (epoch milliseconds, Geo Engine's JSON form).
    """
    if isinstance(value, np.datetime64):
        if np.isnat(value):
            raise InputError("NaT is not a time", field=field_name)
        return value.astype("datetime64[ms]")
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(timezone.utc).replace(tzinfo=None)
        return np.datetime64(value, "ms")
    if isinstance(value, date):
        return np.datetime64(value, "ms")
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return np.datetime64(int(value), "ms")
    if isinstance(value, str):
        return _parse_iso(value.strip(), field_name)
    raise InputError(f"expected a datetime, numpy.datetime64, ISO string or epoch ms, got {type(value).__name__}",
                     field=field_name)


def _parse_iso(text: str, field_name: str) -> np.datetime64:
    body, offset_minutes = text.replace(" ", "T"), 0
    if body.endswith(("Z", "z")):
        body = body[:-1]
    elif "T" in body:
        match = re.search(r"([+-])(\d{2}):?(\d{2})$", body)
        if match:
            sign = 1 if match.group(1) == "+" else -1
            offset_minutes = sign * (int(match.group(2)) * 60 + int(match.group(3)))
            body = body[: match.start()]
    try:
        moment = np.datetime64(body, "ms")
    except ValueError as exc:
        raise InputError(f"not an ISO 8601 time: {text!r}", field=field_name) from exc
    if np.isnat(moment):
        raise InputError(f"not an ISO 8601 time: {text!r}", field=field_name)
    return moment - np.timedelta64(offset_minutes, "m")


def datetime64_to_iso(moment: np.datetime64) -> str:
    """``2014-04-01T12:00:00.000+00:00``: the form the official client sends in query strings."""
    return str(np.datetime_as_string(moment.astype("datetime64[ms]"), unit="ms", timezone="UTC")).replace(
        "Z", "+00:00"
    )


def datetime64_to_ms(moment: np.datetime64) -> int:
    return int(moment.astype("datetime64[ms]").astype(np.int64))


@dataclass(frozen=True)
class TimeInterval:
    """A half-open time interval ``[start, end)``; an instant has ``end == start``."""

    start: np.datetime64
    end: np.datetime64

    def __init__(self, start: TimeLike, end: Optional[TimeLike] = None) -> None:
        start64 = to_datetime64(start, "time.start")
        end64 = start64 if end is None else to_datetime64(end, "time.end")
        if end64 < start64:
            raise InputError(
                f"end {datetime64_to_iso(end64)} is before start {datetime64_to_iso(start64)}", field="time"
            )
        object.__setattr__(self, "start", start64)
        object.__setattr__(self, "end", end64)

    @classmethod
    def coerce(cls, value: Any) -> TimeInterval:
        """A ``TimeInterval`` from itself, a ``(start, end)`` tuple, a single time, or ``"start/end"``."""
        if isinstance(value, TimeInterval):
            return value
        if isinstance(value, (tuple, list)):
            if not 1 <= len(value) <= 2:
                raise InputError("expected (start,) or (start, end)", field="time")
            return cls(*value)
        if isinstance(value, str) and "/" in value:
            start, end = value.split("/", 1)
            return cls(start, end)
        return cls(value)

    @classmethod
    def from_response(cls, response: dict) -> TimeInterval:
        """From ``{"start": ms, "end": ms}`` (ISO strings are accepted too, as the server does)."""
        return cls(response["start"], response.get("end", response["start"]))

    def is_instant(self) -> bool:
        return self.start == self.end

    @property
    def start_ms(self) -> int:
        return datetime64_to_ms(self.start)

    @property
    def end_ms(self) -> int:
        return datetime64_to_ms(self.end)

    @property
    def time_str(self) -> str:
        """``start`` for an instant, else ``start/end``, in the ``.000+00:00`` form."""
        if self.is_instant():
            return datetime64_to_iso(self.start)
        return f"{datetime64_to_iso(self.start)}/{datetime64_to_iso(self.end)}"

    def to_dict(self) -> dict:
        """Geo Engine JSON: ``{"start": ms, "end": ms}``."""
        return {"start": self.start_ms, "end": self.end_ms}

    to_api_dict = to_dict

    def __repr__(self) -> str:
        return f"TimeInterval(start={self.start}, end={self.end})"


# ---------------------------------------------------------------------------------------------- space


def _check_bounds(xmin: float, ymin: float, xmax: float, ymax: float, field_name: str) -> Tuple[float, ...]:
    try:
        values = tuple(float(v) for v in (xmin, ymin, xmax, ymax))
    except (TypeError, ValueError) as exc:
        raise InputError("coordinates must be numbers", field=field_name) from exc
    if not all(math.isfinite(v) for v in values):
        raise InputError(f"coordinates must be finite, got {values}", field=field_name)
    if values[0] > values[2]:
        raise InputError(f"xmin {values[0]} is greater than xmax {values[2]}", field=field_name)
    if values[1] > values[3]:
        raise InputError(f"ymin {values[1]} is greater than ymax {values[3]}", field=field_name)
    return values


@dataclass(frozen=True)
class BoundingBox2D:
    """``xmin, ymin, xmax, ymax`` (x/y order). JSON: ``lowerLeftCoordinate`` / ``upperRightCoordinate``."""

    xmin: float
    ymin: float
    xmax: float
    ymax: float

    def __post_init__(self) -> None:
        for name, value in zip(("xmin", "ymin", "xmax", "ymax"), _check_bounds(*self.as_tuple(), "bbox")):
            object.__setattr__(self, name, value)

    @classmethod
    def from_response(cls, response: dict) -> BoundingBox2D:
        lower, upper = response["lowerLeftCoordinate"], response["upperRightCoordinate"]
        return cls(lower["x"], lower["y"], upper["x"], upper["y"])

    def to_dict(self) -> dict:
        return {
            "lowerLeftCoordinate": {"x": self.xmin, "y": self.ymin},
            "upperRightCoordinate": {"x": self.xmax, "y": self.ymax},
        }

    to_api_dict = to_dict

    def as_tuple(self) -> Tuple[float, float, float, float]:
        return (self.xmin, self.ymin, self.xmax, self.ymax)

    def as_bbox_tuple(self, y_axis_first: bool = False) -> Tuple[float, float, float, float]:
        if y_axis_first:
            return (self.ymin, self.xmin, self.ymax, self.xmax)
        return self.as_tuple()

    def as_bbox_str(self, y_axis_first: bool = False) -> str:
        return ",".join(str(v) for v in self.as_bbox_tuple(y_axis_first))

    def x_axis_size(self) -> float:
        return self.xmax - self.xmin

    def y_axis_size(self) -> float:
        return self.ymax - self.ymin

    def to_spatial_partition(self) -> SpatialPartition2D:
        return SpatialPartition2D(self.xmin, self.ymin, self.xmax, self.ymax)


@dataclass(frozen=True)
class SpatialPartition2D(BoundingBox2D):
    """Raster bounds. JSON: ``upperLeftCoordinate`` (xmin, ymax) / ``lowerRightCoordinate`` (xmax, ymin)."""

    @classmethod
    def from_response(cls, response: dict) -> SpatialPartition2D:
        upper_left, lower_right = response["upperLeftCoordinate"], response["lowerRightCoordinate"]
        return cls(upper_left["x"], lower_right["y"], lower_right["x"], upper_left["y"])

    def to_dict(self) -> dict:
        return {
            "upperLeftCoordinate": {"x": self.xmin, "y": self.ymax},
            "lowerRightCoordinate": {"x": self.xmax, "y": self.ymin},
        }

    to_api_dict = to_dict

    def to_bounding_box(self) -> BoundingBox2D:
        return BoundingBox2D(self.xmin, self.ymin, self.xmax, self.ymax)

    @staticmethod
    def from_bounding_box(bbox: BoundingBox2D) -> SpatialPartition2D:
        return SpatialPartition2D(bbox.xmin, bbox.ymin, bbox.xmax, bbox.ymax)


@dataclass(frozen=True)
class SpatialResolution:
    """Pixel size ``x_resolution``/``y_resolution`` (both > 0). Query-string form ``"x,y"``."""

    x_resolution: float
    y_resolution: float

    def __post_init__(self) -> None:
        for name in ("x_resolution", "y_resolution"):
            value = getattr(self, name)
            try:
                number = float(value)
            except (TypeError, ValueError) as exc:
                raise InputError("must be a number", field=f"resolution.{name[0]}") from exc
            if not math.isfinite(number) or number <= 0:
                raise InputError(f"must be a positive finite number, got {value}", field=f"resolution.{name[0]}")
            object.__setattr__(self, name, number)

    @classmethod
    def coerce(cls, value: Any) -> Optional[SpatialResolution]:
        """``None``, a ``SpatialResolution``, a number (square pixels) or an ``(x, y)`` pair."""
        if value is None or isinstance(value, SpatialResolution):
            return value
        if isinstance(value, (tuple, list)) and len(value) == 2:
            return cls(value[0], value[1])
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return cls(value, value)
        raise InputError(f"expected a SpatialResolution, a number or (x, y), got {value!r}", field="resolution")

    @classmethod
    def from_response(cls, response: dict) -> SpatialResolution:
        return cls(response["x"], response["y"])

    def to_dict(self) -> dict:
        return {"x": self.x_resolution, "y": self.y_resolution}

    to_api_dict = to_dict

    def as_tuple(self) -> Tuple[float, float]:
        return (self.x_resolution, self.y_resolution)

    def resolution_ogc(self, srs_code: str) -> Tuple[float, float]:
        """WCS ``resx``/``resy`` as the official client sends them: ``(-y, x)`` for EPSG:4326."""
        if srs_code == "EPSG:4326":
            return (-self.y_resolution, self.x_resolution)
        return self.as_tuple()

    def __str__(self) -> str:
        return f"{self.x_resolution},{self.y_resolution}"


@dataclass(frozen=True)
class GridIdx2D:
    """A pixel index ``(x_idx, y_idx)``. JSON ``{"xIdx", "yIdx"}``."""

    x_idx: int
    y_idx: int

    @classmethod
    def from_response(cls, response: dict) -> GridIdx2D:
        return cls(int(response["xIdx"]), int(response["yIdx"]))

    def to_dict(self) -> dict:
        return {"xIdx": self.x_idx, "yIdx": self.y_idx}


@dataclass(frozen=True)
class GridBoundingBox2D:
    """Pixel bounds; ``bottom_right_idx`` is **inclusive**."""

    top_left_idx: GridIdx2D
    bottom_right_idx: GridIdx2D

    @classmethod
    def from_response(cls, response: dict) -> GridBoundingBox2D:
        return cls(GridIdx2D.from_response(response["topLeftIdx"]), GridIdx2D.from_response(response["bottomRightIdx"]))

    def to_dict(self) -> dict:
        return {"topLeftIdx": self.top_left_idx.to_dict(), "bottomRightIdx": self.bottom_right_idx.to_dict()}

    @property
    def width(self) -> int:
        """Number of columns (inclusive bounds)."""
        return self.bottom_right_idx.x_idx - self.top_left_idx.x_idx + 1

    @property
    def height(self) -> int:
        """Number of rows (inclusive bounds)."""
        return self.bottom_right_idx.y_idx - self.top_left_idx.y_idx + 1


@dataclass(frozen=True)
class GeoTransform:
    """Upper-left origin and pixel sizes (``y_pixel_size`` negative). JSON ``originCoordinate``/``xPixelSize``."""

    x_min: float
    y_max: float
    x_pixel_size: float
    y_pixel_size: float

    def __post_init__(self) -> None:
        if not self.x_pixel_size > 0:
            raise InputError(f"must be positive, got {self.x_pixel_size}", field="geo_transform.x_pixel_size")
        if self.y_pixel_size == 0 or not math.isfinite(self.y_pixel_size):
            raise InputError(f"must be non-zero, got {self.y_pixel_size}", field="geo_transform.y_pixel_size")

    @classmethod
    def from_response(cls, response: dict) -> GeoTransform:
        origin = response["originCoordinate"]
        return cls(float(origin["x"]), float(origin["y"]), float(response["xPixelSize"]), float(response["yPixelSize"]))

    @classmethod
    def from_gdal(cls, gdal_transform: Sequence[float]) -> GeoTransform:
        return cls(gdal_transform[0], gdal_transform[3], gdal_transform[1], gdal_transform[5])

    def to_dict(self) -> dict:
        return {
            "originCoordinate": {"x": self.x_min, "y": self.y_max},
            "xPixelSize": self.x_pixel_size,
            "yPixelSize": self.y_pixel_size,
        }

    to_api_dict = to_dict

    def to_gdal(self) -> Tuple[float, float, float, float, float, float]:
        return (self.x_min, self.x_pixel_size, 0.0, self.y_max, 0.0, self.y_pixel_size)

    def spatial_resolution(self) -> SpatialResolution:
        return SpatialResolution(abs(self.x_pixel_size), abs(self.y_pixel_size))

    def grid_bounds_to_spatial_bounds(self, bounds: GridBoundingBox2D) -> SpatialPartition2D:
        """The extent of inclusive pixel bounds: ``origin + topLeft*pixel`` to ``origin + (bottomRight+1)*pixel``."""
        x0 = self.x_min + bounds.top_left_idx.x_idx * self.x_pixel_size
        x1 = self.x_min + (bounds.bottom_right_idx.x_idx + 1) * self.x_pixel_size
        y0 = self.y_max + bounds.top_left_idx.y_idx * self.y_pixel_size
        y1 = self.y_max + (bounds.bottom_right_idx.y_idx + 1) * self.y_pixel_size
        return SpatialPartition2D(min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))


# ----------------------------------------------------------------------------------------------- srs


@lru_cache(maxsize=256)
def _srs_known(authority: str, code: int) -> bool:
    from osgeo import gdal, osr  # GDAL is a core dependency; imported lazily to keep `import core` cheap

    srs = osr.SpatialReference()
    gdal.PushErrorHandler("CPLQuietErrorHandler")
    try:
        if authority == "EPSG":
            return srs.ImportFromEPSG(code) == 0
        return srs.SetFromUserInput(f"{authority}:{code}") == 0
    except RuntimeError:  # osr.UseExceptions() is on in some hosts (QGIS)
        return False
    finally:
        gdal.PopErrorHandler()


def validate_srs(srs: str, field_name: str = "srs") -> str:
    """``AUTHORITY:CODE`` with an authority Geo Engine knows; EPSG and ESRI codes are checked with ``osgeo.osr``.

    ``SR-ORG`` and ``IAU2000`` codes are only checked for their form (PROJ does not ship those registries).
    ``CRS:84`` is refused because Geo Engine accepts it nowhere.
    """
    if not isinstance(srs, str):
        raise InputError(f"expected a string like 'EPSG:4326', got {type(srs).__name__}", field=field_name)
    text = srs.strip()
    match = _SRS_PATTERN.match(text)
    if not match:
        raise InputError(
            f"unknown spatial reference {srs!r}: use AUTHORITY:CODE with EPSG, ESRI, SR-ORG or IAU2000 "
            "(e.g. 'EPSG:4326'; Geo Engine does not accept 'CRS:84')",
            field=field_name,
        )
    authority, code = match.group(1), int(match.group(2))
    if authority in ("EPSG", "ESRI") and not _srs_known(authority, code):
        raise InputError(f"unknown spatial reference {srs!r} (not in the PROJ database)", field=field_name)
    return text


def srs_is_north_east(srs: str) -> bool:
    """True when the CRS's authority axis order is north/east (lat, lon), as Geo Engine's WMS/WCS expect."""
    return _axis_north_east(srs)


@lru_cache(maxsize=256)
def _axis_north_east(srs: str) -> bool:
    from osgeo import osr

    ref = osr.SpatialReference()
    try:
        if ref.SetFromUserInput(srs) != 0:
            return False
        return bool(ref.EPSGTreatsAsLatLong() or ref.EPSGTreatsAsNorthingEasting())
    except RuntimeError:
        return False


# ------------------------------------------------------------------------------------- query rectangles


def _coerce_bounds(value: Any) -> BoundingBox2D:
    if isinstance(value, SpatialPartition2D):
        return value.to_bounding_box()
    if isinstance(value, BoundingBox2D):
        return value
    if isinstance(value, (tuple, list)) and len(value) == 4:
        return BoundingBox2D(*value)
    raise InputError(f"expected (xmin, ymin, xmax, ymax) or a BoundingBox2D, got {value!r}", field="bbox")


@dataclass
class QueryRectangle:
    """What to query: ``spatial_bounds`` (xmin, ymin, xmax, ymax in ``srs``), ``time_interval`` and ``srs``.

    ``time_interval`` may be a :class:`TimeInterval`, a ``(start, end)`` tuple, a single time (an instant:
    ``datetime``, ``numpy.datetime64`` or ISO string) or ``"start/end"``. ``resolution`` (optional) is the
    default pixel size for calls that take one (WCS, WMS, plots).
    """

    spatial_bounds: BoundingBox2D
    time_interval: TimeInterval
    srs: str = "EPSG:4326"
    resolution: Optional[SpatialResolution] = None

    def __post_init__(self) -> None:
        self.spatial_bounds = _coerce_bounds(self.spatial_bounds)
        self.time_interval = TimeInterval.coerce(self.time_interval)
        self.srs = validate_srs(self.srs)
        self.resolution = SpatialResolution.coerce(self.resolution)

    @property
    def time(self) -> TimeInterval:
        return self.time_interval

    @property
    def bbox_str(self) -> str:
        """``xmin,ymin,xmax,ymax`` (WFS, plots, streams: never axis-swapped)."""
        return self.spatial_bounds.as_bbox_str()

    @property
    def bbox_ogc(self) -> Tuple[float, float, float, float]:
        """The bbox in the CRS's axis order, as Geo Engine's WMS/WCS read it (EPSG:4326: ymin,xmin,ymax,xmax).

        The official client swaps only for ``EPSG:4326``; this also swaps other north/east CRSs (PROJ's axis
        order, which the server applies), and gives the same result for EPSG:4326.
        """
        return self.spatial_bounds.as_bbox_tuple(y_axis_first=srs_is_north_east(self.srs))

    @property
    def bbox_ogc_str(self) -> str:
        return ",".join(str(v) for v in self.bbox_ogc)

    @property
    def time_str(self) -> str:
        return self.time_interval.time_str

    def with_raster_bands(self, raster_bands: List[int]) -> RasterQueryRectangle:
        return RasterQueryRectangle(self.spatial_bounds, self.time_interval, raster_bands, self.srs, self.resolution)

    def to_dict(self) -> dict:
        """The ``RasterToDatasetQueryRectangle`` JSON (``spatialBounds`` + ``timeInterval``)."""
        return {
            "spatialBounds": self.spatial_bounds.to_spatial_partition().to_dict(),
            "timeInterval": self.time_interval.to_dict(),
        }


@dataclass(init=False)
class RasterQueryRectangle(QueryRectangle):
    """A :class:`QueryRectangle` plus 0-based ``raster_bands`` (``None`` means ``[0]``, an int one band)."""

    raster_bands: List[int] = field(default_factory=lambda: [0])

    def __init__(
        self,
        spatial_bounds: Any,
        time_interval: Any,
        raster_bands: Union[List[int], int, None] = None,
        srs: str = "EPSG:4326",
        resolution: Any = None,
    ) -> None:
        super().__init__(spatial_bounds, time_interval, srs, resolution)
        self.raster_bands = _coerce_bands(raster_bands)

    def with_raster_bands(self, raster_bands: List[int]) -> RasterQueryRectangle:
        return RasterQueryRectangle(self.spatial_bounds, self.time_interval, raster_bands, self.srs, self.resolution)


def _coerce_bands(raster_bands: Union[List[int], int, None]) -> List[int]:
    if raster_bands is None:
        return [0]
    if isinstance(raster_bands, (int, np.integer)) and not isinstance(raster_bands, bool):
        raster_bands = [int(raster_bands)]
    bands = list(raster_bands)
    if not bands:
        raise InputError("at least one band is needed", field="raster_bands")
    for band in bands:
        if isinstance(band, bool) or not isinstance(band, (int, np.integer)) or band < 0:
            raise InputError(f"band indices are integers >= 0, got {band!r}", field="raster_bands")
    if len(set(bands)) != len(bands):
        raise InputError(f"duplicate band indices in {bands}", field="raster_bands")
    return [int(b) for b in bands]

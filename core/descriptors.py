"""Result descriptors (``GET /workflow/{id}/metadata``) and their parts: measurements, bands, columns, time.

Reads both raster shapes (wire reference 4.4): the 0.9+/0.10 one (``spatialGrid`` + ``time.bounds`` /
``time.dimension``) and the 0.8 one (``bbox`` + ``resolution`` + ``time`` interval, each may be null).
``to_dict()`` writes back the shape that was read, so descriptors round-trip.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Dict, List, Optional, Union

import numpy as np

from .errors import InputError, MalformedResponseError
from .types import (
    BoundingBox2D,
    GeoTransform,
    GridBoundingBox2D,
    GridIdx2D,
    SpatialPartition2D,
    SpatialResolution,
    TimeInterval,
    datetime64_to_ms,
    to_datetime64,
)

# ------------------------------------------------------------------------------------------ measurements


class Measurement:
    """Base of the three measurement kinds; ``Measurement.from_response`` picks the right one."""

    @staticmethod
    def from_response(response: Optional[dict]) -> Measurement:
        kind = (response or {}).get("type", "unitless")
        if kind == "unitless":
            return UnitlessMeasurement()
        if kind == "continuous":
            return ContinuousMeasurement(response.get("measurement", ""), response.get("unit"))
        if kind == "classification":
            classes = {int(k): v for k, v in (response.get("classes") or {}).items()}
            return ClassificationMeasurement(response.get("measurement", ""), classes)
        raise MalformedResponseError(f"unknown measurement type {kind!r}")

    def to_dict(self) -> dict:
        raise NotImplementedError


@dataclass(frozen=True)
class UnitlessMeasurement(Measurement):
    def to_dict(self) -> dict:
        return {"type": "unitless"}

    def __str__(self) -> str:
        return "unitless"


@dataclass(frozen=True)
class ContinuousMeasurement(Measurement):
    measurement: str
    unit: Optional[str] = None

    def to_dict(self) -> dict:
        return {"type": "continuous", "measurement": self.measurement, "unit": self.unit}

    def __str__(self) -> str:
        return self.measurement if self.unit is None else f"{self.measurement} ({self.unit})"


@dataclass(frozen=True)
class ClassificationMeasurement(Measurement):
    measurement: str
    classes: Dict[int, str] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"type": "classification", "measurement": self.measurement,
                "classes": {str(k): v for k, v in self.classes.items()}}

    def __str__(self) -> str:
        return f"{self.measurement} ({', '.join(f'{k}: {v}' for k, v in self.classes.items())})"


# ------------------------------------------------------------------------------------------ enums


class RasterDataType(str, Enum):
    U8 = "U8"
    U16 = "U16"
    U32 = "U32"
    U64 = "U64"
    I8 = "I8"
    I16 = "I16"
    I32 = "I32"
    I64 = "I64"
    F32 = "F32"
    F64 = "F64"

    def to_np_dtype(self) -> np.dtype:
        kind = {"U": "uint", "I": "int", "F": "float"}[self.value[0]]
        return np.dtype(f"{kind}{self.value[1:]}")


class VectorDataType(str, Enum):
    DATA = "Data"
    MULTI_POINT = "MultiPoint"
    MULTI_LINE_STRING = "MultiLineString"
    MULTI_POLYGON = "MultiPolygon"


class FeatureDataType(str, Enum):
    CATEGORY = "category"
    INT = "int"
    FLOAT = "float"
    TEXT = "text"
    BOOL = "bool"
    DATETIME = "dateTime"


class TimeStepGranularity(str, Enum):
    MILLIS = "millis"
    SECONDS = "seconds"
    MINUTES = "minutes"
    HOURS = "hours"
    DAYS = "days"
    MONTHS = "months"
    YEARS = "years"


def _enum(enum_type, value, what: str):
    try:
        return enum_type(value)
    except ValueError as exc:
        raise MalformedResponseError(f"unknown {what} {value!r}") from exc


# ------------------------------------------------------------------------------------------ time


@dataclass(frozen=True)
class TimeStep:
    step: int
    granularity: TimeStepGranularity

    def __post_init__(self) -> None:
        if isinstance(self.granularity, str) and not isinstance(self.granularity, TimeStepGranularity):
            try:
                object.__setattr__(self, "granularity", TimeStepGranularity(self.granularity))
            except ValueError as exc:
                raise InputError(f"unknown granularity {self.granularity!r}", field="time_step") from exc

    @classmethod
    def from_response(cls, response: dict) -> TimeStep:
        return cls(int(response["step"]), _enum(TimeStepGranularity, response["granularity"], "time granularity"))

    def to_dict(self) -> dict:
        return {"granularity": self.granularity.value, "step": self.step}


class TimeDimension:
    """``regular`` (origin + step) or ``irregular``."""

    @staticmethod
    def from_response(response: Optional[dict]) -> TimeDimension:
        kind = (response or {}).get("type", "irregular")
        if kind == "regular":
            return RegularTimeDimension(TimeStep.from_response(response["step"]), to_datetime64(response["origin"]))
        if kind == "irregular":
            return IrregularTimeDimension()
        raise MalformedResponseError(f"unknown time dimension type {kind!r}")

    def is_regular(self) -> bool:
        return isinstance(self, RegularTimeDimension)


@dataclass(frozen=True)
class RegularTimeDimension(TimeDimension):
    step: TimeStep
    origin: np.datetime64 = field(default_factory=lambda: np.datetime64(0, "ms"))

    def to_dict(self) -> dict:
        return {"type": "regular", "origin": datetime64_to_ms(self.origin), "step": self.step.to_dict()}


@dataclass(frozen=True)
class IrregularTimeDimension(TimeDimension):
    def to_dict(self) -> dict:
        return {"type": "irregular"}


@dataclass(frozen=True)
class TimeDescriptor:
    dimension: TimeDimension
    bounds: Optional[TimeInterval] = None

    @classmethod
    def from_response(cls, response: dict) -> TimeDescriptor:
        bounds = response.get("bounds")
        return cls(TimeDimension.from_response(response.get("dimension")),
                   TimeInterval.from_response(bounds) if bounds else None)

    def to_dict(self) -> dict:
        return {"bounds": self.bounds.to_dict() if self.bounds else None, "dimension": self.dimension.to_dict()}


# ------------------------------------------------------------------------------------------ grids and bands


@dataclass(frozen=True)
class SpatialGridDefinition:
    geo_transform: GeoTransform
    grid_bounds: GridBoundingBox2D

    @classmethod
    def from_response(cls, response: dict) -> SpatialGridDefinition:
        return cls(GeoTransform.from_response(response["geoTransform"]),
                   GridBoundingBox2D.from_response(response["gridBounds"]))

    def to_dict(self) -> dict:
        return {"geoTransform": self.geo_transform.to_dict(), "gridBounds": self.grid_bounds.to_dict()}

    def spatial_bounds(self) -> SpatialPartition2D:
        return self.geo_transform.grid_bounds_to_spatial_bounds(self.grid_bounds)

    def spatial_resolution(self) -> SpatialResolution:
        return self.geo_transform.spatial_resolution()


@dataclass(frozen=True)
class SpatialGridDescriptor:
    spatial_grid: SpatialGridDefinition
    descriptor: str = "source"  # "source" | "derived"

    @classmethod
    def from_response(cls, response: dict) -> SpatialGridDescriptor:
        return cls(SpatialGridDefinition.from_response(response["spatialGrid"]), response.get("descriptor", "source"))

    def to_dict(self) -> dict:
        return {"descriptor": self.descriptor, "spatialGrid": self.spatial_grid.to_dict()}

    def spatial_bounds(self) -> SpatialPartition2D:
        return self.spatial_grid.spatial_bounds()

    def spatial_resolution(self) -> SpatialResolution:
        return self.spatial_grid.spatial_resolution()

    def is_source(self) -> bool:
        return self.descriptor == "source"

    def is_derived(self) -> bool:
        return self.descriptor == "derived"


@dataclass(frozen=True)
class RasterBandDescriptor:
    name: str
    measurement: Measurement = field(default_factory=UnitlessMeasurement)

    @classmethod
    def from_response(cls, response: dict) -> RasterBandDescriptor:
        return cls(response.get("name", ""), Measurement.from_response(response.get("measurement")))

    def to_dict(self) -> dict:
        return {"name": self.name, "measurement": self.measurement.to_dict()}


@dataclass(frozen=True)
class VectorColumnInfo:
    data_type: FeatureDataType
    measurement: Measurement = field(default_factory=UnitlessMeasurement)

    @classmethod
    def from_response(cls, response: dict) -> VectorColumnInfo:
        return cls(_enum(FeatureDataType, response["dataType"], "column data type"),
                   Measurement.from_response(response.get("measurement")))

    def to_dict(self) -> dict:
        return {"dataType": self.data_type.value, "measurement": self.measurement.to_dict()}


# ------------------------------------------------------------------------------------------ descriptors


class ResultDescriptor:
    """Base class; :meth:`from_response` returns the raster, vector or plot subclass."""

    spatial_reference: str

    @staticmethod
    def from_response(response: dict) -> ResultDescriptor:
        if not isinstance(response, dict):
            raise MalformedResponseError(f"a result descriptor must be a JSON object, got {type(response).__name__}")
        kind = response.get("type")
        if kind is None:  # the web UI's rule: columns -> vector, bands -> raster
            kind = "vector" if "columns" in response else "raster" if "bands" in response else "plot"
        try:
            if kind == "raster":
                return RasterResultDescriptor.from_response_raster(response)
            if kind == "vector":
                return VectorResultDescriptor.from_response_vector(response)
            if kind == "plot":
                return PlotResultDescriptor.from_response_plot(response)
        except (KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, InputError):
                raise MalformedResponseError(f"invalid {kind} result descriptor: {exc}") from exc
            raise MalformedResponseError(f"invalid {kind} result descriptor: {exc!r}") from exc
        raise MalformedResponseError(f"unknown result descriptor type {kind!r}")

    @property
    def kind(self) -> str:
        return "raster" if self.is_raster_result() else "vector" if self.is_vector_result() else "plot"

    def is_raster_result(self) -> bool:
        return False

    def is_vector_result(self) -> bool:
        return False

    def is_plot_result(self) -> bool:
        return False

    def to_dict(self) -> dict:
        raise NotImplementedError


def _optional(value, parse):
    return parse(value) if value is not None else None


@dataclass(frozen=True)
class RasterResultDescriptor(ResultDescriptor):
    """A raster result: pixel type, CRS, grid (geo transform + inclusive pixel bounds), time, bands.

    ``spatial_grid`` is ``None`` for 0.8 descriptors without bbox/resolution; ``legacy`` marks the 0.8 shape.
    """

    data_type: RasterDataType
    bands: List[RasterBandDescriptor]
    spatial_reference: str
    spatial_grid: Optional[SpatialGridDescriptor] = None
    time: TimeDescriptor = field(default_factory=lambda: TimeDescriptor(IrregularTimeDimension()))
    legacy: bool = False
    legacy_bbox: Optional[SpatialPartition2D] = None
    legacy_resolution: Optional[SpatialResolution] = None

    @staticmethod
    def from_response_raster(response: dict) -> RasterResultDescriptor:
        data_type = _enum(RasterDataType, response["dataType"], "raster data type")
        bands = [RasterBandDescriptor.from_response(b) for b in response.get("bands") or []]
        srs = response.get("spatialReference", "")
        time_json = response.get("time")
        if "spatialGrid" in response or (isinstance(time_json, dict) and "dimension" in time_json):
            grid = _optional(response.get("spatialGrid"), SpatialGridDescriptor.from_response)
            time = TimeDescriptor.from_response(time_json or {})
            return RasterResultDescriptor(data_type, bands, srs, grid, time)
        # 0.8: bbox (SpatialPartition2D) + resolution + time interval, each optional
        bbox = _optional(response.get("bbox"), SpatialPartition2D.from_response)
        resolution = _optional(response.get("resolution"), SpatialResolution.from_response)
        bounds = _optional(time_json, TimeInterval.from_response)
        grid = _legacy_grid(bbox, resolution)
        return RasterResultDescriptor(data_type, bands, srs, grid, TimeDescriptor(IrregularTimeDimension(), bounds),
                                      legacy=True, legacy_bbox=bbox, legacy_resolution=resolution)

    def is_raster_result(self) -> bool:
        return True

    @property
    def geo_transform(self) -> Optional[GeoTransform]:
        return self.spatial_grid.spatial_grid.geo_transform if self.spatial_grid else None

    @property
    def grid_bounds(self) -> Optional[GridBoundingBox2D]:
        return self.spatial_grid.spatial_grid.grid_bounds if self.spatial_grid else None

    @property
    def spatial_bounds(self) -> Optional[SpatialPartition2D]:
        """The extent (from the grid; for 0.8 descriptors the ``bbox``)."""
        if self.legacy_bbox is not None:
            return self.legacy_bbox
        return self.spatial_grid.spatial_bounds() if self.spatial_grid else None

    @property
    def spatial_resolution(self) -> Optional[SpatialResolution]:
        if self.legacy_resolution is not None:
            return self.legacy_resolution
        return self.spatial_grid.spatial_resolution() if self.spatial_grid else None

    @property
    def time_bounds(self) -> Optional[TimeInterval]:
        return self.time.bounds

    @property
    def time_dimension(self) -> TimeDimension:
        return self.time.dimension

    def check_bands(self, bands: List[int]) -> None:
        """Refuse band indices this raster does not have (``InputError`` on ``raster_bands``)."""
        for band in bands:
            if not 0 <= band < len(self.bands):
                raise InputError(f"band {band} is out of range: this raster has {len(self.bands)} band(s) "
                                 f"(0..{len(self.bands) - 1})", field="raster_bands")

    def to_dict(self) -> dict:
        result = {"type": "raster", "dataType": self.data_type.value, "spatialReference": self.spatial_reference}
        if self.legacy:
            result.update({
                "time": self.time.bounds.to_dict() if self.time.bounds else None,
                "bbox": self.legacy_bbox.to_dict() if self.legacy_bbox else None,
                "resolution": self.legacy_resolution.to_dict() if self.legacy_resolution else None,
            })
        else:
            result["time"] = self.time.to_dict()
            result["spatialGrid"] = self.spatial_grid.to_dict() if self.spatial_grid else None
        result["bands"] = [b.to_dict() for b in self.bands]
        return result


def _legacy_grid(bbox: Optional[SpatialPartition2D], resolution: Optional[SpatialResolution]):
    if bbox is None or resolution is None:
        return None
    width = max(1, round((bbox.xmax - bbox.xmin) / resolution.x_resolution))
    height = max(1, round((bbox.ymax - bbox.ymin) / resolution.y_resolution))
    transform = GeoTransform(bbox.xmin, bbox.ymax, resolution.x_resolution, -resolution.y_resolution)
    bounds = GridBoundingBox2D(GridIdx2D(0, 0), GridIdx2D(width - 1, height - 1))
    return SpatialGridDescriptor(SpatialGridDefinition(transform, bounds), "source")


@dataclass(frozen=True)
class VectorResultDescriptor(ResultDescriptor):
    """A vector result: geometry type, CRS, columns (type + measurement), optional time and bbox."""

    spatial_reference: str
    data_type: VectorDataType
    columns: Dict[str, VectorColumnInfo]
    time_bounds: Optional[TimeInterval] = None
    spatial_bounds: Optional[BoundingBox2D] = None

    @staticmethod
    def from_response_vector(response: dict) -> VectorResultDescriptor:
        return VectorResultDescriptor(
            response.get("spatialReference", ""),
            _enum(VectorDataType, response["dataType"], "vector data type"),
            {name: VectorColumnInfo.from_response(info) for name, info in (response.get("columns") or {}).items()},
            _optional(response.get("time"), TimeInterval.from_response),
            _optional(response.get("bbox"), BoundingBox2D.from_response),
        )

    def is_vector_result(self) -> bool:
        return True

    def to_dict(self) -> dict:
        return {
            "type": "vector",
            "dataType": self.data_type.value,
            "spatialReference": self.spatial_reference,
            "columns": {name: info.to_dict() for name, info in self.columns.items()},
            "time": self.time_bounds.to_dict() if self.time_bounds else None,
            "bbox": self.spatial_bounds.to_dict() if self.spatial_bounds else None,
        }


@dataclass(frozen=True)
class PlotResultDescriptor(ResultDescriptor):
    """A plot result: CRS of its inputs (``""`` without sources), optional time and bbox."""

    spatial_reference: str
    time_bounds: Optional[TimeInterval] = None
    spatial_bounds: Optional[BoundingBox2D] = None

    @staticmethod
    def from_response_plot(response: dict) -> PlotResultDescriptor:
        return PlotResultDescriptor(
            response.get("spatialReference", ""),
            _optional(response.get("time"), TimeInterval.from_response),
            _optional(response.get("bbox"), BoundingBox2D.from_response),
        )

    def is_plot_result(self) -> bool:
        return True

    def to_dict(self) -> dict:
        return {
            "type": "plot",
            "spatialReference": self.spatial_reference,
            "time": self.time_bounds.to_dict() if self.time_bounds else None,
            "bbox": self.spatial_bounds.to_dict() if self.spatial_bounds else None,
        }


AnyResultDescriptor = Union[RasterResultDescriptor, VectorResultDescriptor, PlotResultDescriptor]

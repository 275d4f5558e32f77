"""The engine's contract: descriptors and the three operator kinds the HTTP layer calls.

Coordinates are in the operator's own CRS. Times are integer milliseconds since the epoch,
intervals half-open ``[start, end)`` (an instant has ``end == start``). Pixel windows are in
the operator's pixel grid: column/row indices relative to ``geo_transform``'s origin.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any

import numpy as np

# Geo Engine's beginning and end of time (ms).
TIME_MIN = -8334601228800000
TIME_MAX = 8210266876799999

NUMPY_TYPES = {
    "U8": np.uint8, "U16": np.uint16, "U32": np.uint32, "U64": np.uint64,
    "I8": np.int8, "I16": np.int16, "I32": np.int32, "I64": np.int64,
    "F32": np.float32, "F64": np.float64,
}


class EngineError(Exception):
    """A workflow or computation error; the HTTP layer answers it as 400 ``{error, message}``."""

    def __init__(self, error: str, message: str):
        super().__init__(message)
        self.error = error
        self.message = message


# geo-engine/geoengine@5748ef7:geoengine/datatypes/src/primitives/time_interval.rs
@dataclass(frozen=True)
class TimeInterval:
    start: int
    end: int

    def intersects(self, other: TimeInterval) -> bool:
        if self.start == self.end or other.start == other.end:  # instants touch half-open intervals
            return self.start <= other.end and other.start <= self.end and not (
                (self.start == other.end and other.start != other.end)
                or (other.start == self.end and self.start != self.end)
            )
        return self.start < other.end and other.start < self.end

    def to_json(self) -> dict:
        return {"start": self.start, "end": self.end}


@dataclass(frozen=True)
class BBox:
    """An axis-aligned box ``xmin, ymin, xmax, ymax`` in some CRS."""

    xmin: float
    ymin: float
    xmax: float
    ymax: float


# geo-engine/geoengine@5748ef7:geoengine/datatypes/src/raster/geo_transform.rs
@dataclass(frozen=True)
class GeoTransform:
    origin_x: float
    origin_y: float
    x_pixel_size: float
    y_pixel_size: float  # negative

    def to_json(self) -> dict:
        return {
            "originCoordinate": {"x": float(self.origin_x), "y": float(self.origin_y)},
            "xPixelSize": float(self.x_pixel_size),
            "yPixelSize": float(self.y_pixel_size),
        }


@dataclass(frozen=True)
class GridBounds:
    """Inclusive pixel index bounds: columns ``x_min..x_max``, rows ``y_min..y_max``."""

    x_min: int
    y_min: int
    x_max: int
    y_max: int

    @property
    def width(self) -> int:
        return self.x_max - self.x_min + 1

    @property
    def height(self) -> int:
        return self.y_max - self.y_min + 1

    def to_json(self) -> dict:
        return {
            "topLeftIdx": {"xIdx": self.x_min, "yIdx": self.y_min},
            "bottomRightIdx": {"xIdx": self.x_max, "yIdx": self.y_max},
        }


@dataclass(frozen=True)
class Window:
    """A pixel window ``[x_off, x_off+width) x [y_off, y_off+height)`` in an operator's grid."""

    x_off: int
    y_off: int
    width: int
    height: int


@dataclass
class Band:
    name: str
    measurement: dict = field(default_factory=lambda: {"type": "unitless"})


@dataclass
class RasterDescriptor:
    data_type: str  # U8 .. F64
    spatial_reference: str  # e.g. EPSG:4326
    geo_transform: GeoTransform
    grid_bounds: GridBounds
    time_bounds: TimeInterval | None
    time_dimension: dict  # {"type":"irregular"} | {"type":"regular","origin":ms,"step":{...}}
    bands: list[Band]
    grid_state: str = "source"  # source | derived

    def data_bounds(self) -> BBox:
        """The box the grid bounds cover (outer pixel edges), in ``spatial_reference``."""
        gt, gb = self.geo_transform, self.grid_bounds
        xs = (gt.origin_x + gb.x_min * gt.x_pixel_size, gt.origin_x + (gb.x_max + 1) * gt.x_pixel_size)
        ys = (gt.origin_y + gb.y_min * gt.y_pixel_size, gt.origin_y + (gb.y_max + 1) * gt.y_pixel_size)
        return BBox(min(xs), min(ys), max(xs), max(ys))

    def to_json(self) -> dict:
        """The 0.9 result descriptor."""
        return {
            "type": "raster",
            "dataType": self.data_type,
            "spatialReference": self.spatial_reference,
            "time": {
                "bounds": self.time_bounds.to_json() if self.time_bounds else None,
                "dimension": self.time_dimension,
            },
            "spatialGrid": {
                "descriptor": self.grid_state,
                "spatialGrid": {"geoTransform": self.geo_transform.to_json(), "gridBounds": self.grid_bounds.to_json()},
            },
            "bands": [{"name": b.name, "measurement": b.measurement} for b in self.bands],
        }


@dataclass
class Column:
    data_type: str  # category | int | float | text | bool | dateTime
    measurement: dict = field(default_factory=lambda: {"type": "unitless"})


@dataclass
class VectorDescriptor:
    data_type: str  # Data | MultiPoint | MultiLineString | MultiPolygon
    spatial_reference: str
    columns: dict[str, Column]
    time: TimeInterval | None = None
    bbox: BBox | None = None

    def to_json(self) -> dict:
        return {
            "type": "vector",
            "dataType": self.data_type,
            "spatialReference": self.spatial_reference,
            "columns": {k: {"dataType": c.data_type, "measurement": c.measurement} for k, c in self.columns.items()},
            "time": self.time.to_json() if self.time else None,
            "bbox": None
            if self.bbox is None
            else {
                "lowerLeftCoordinate": {"x": self.bbox.xmin, "y": self.bbox.ymin},
                "upperRightCoordinate": {"x": self.bbox.xmax, "y": self.bbox.ymax},
            },
        }


@dataclass
class PlotDescriptor:
    """A plot's descriptor carries its inputs' time bounds and box, as the real plot operators initialise it
    (geo-engine/geoengine@5748ef7:geoengine/operators/src/plot/histogram.rs, statistics.rs)."""

    spatial_reference: str
    time: TimeInterval | None = None
    bbox: BBox | None = None

    @staticmethod
    def of_sources(descriptors: list) -> PlotDescriptor:
        """Union of the sources' time bounds (none if one is unbounded) and boxes."""
        if not descriptors:
            return PlotDescriptor("")
        times = [d.time_bounds if hasattr(d, "time_bounds") else d.time for d in descriptors]
        boxes = [d.data_bounds() if hasattr(d, "data_bounds") else d.bbox for d in descriptors]
        time = None if any(t is None for t in times) else TimeInterval(min(t.start for t in times),
                                                                          max(t.end for t in times))
        bbox = None if any(b is None for b in boxes) else BBox(min(b.xmin for b in boxes), min(b.ymin for b in boxes),
                                                               max(b.xmax for b in boxes), max(b.ymax for b in boxes))
        return PlotDescriptor(descriptors[0].spatial_reference, time, bbox)

    def to_json(self) -> dict:
        bbox = None if self.bbox is None else {
            "lowerLeftCoordinate": {"x": self.bbox.xmin, "y": self.bbox.ymin},
            "upperRightCoordinate": {"x": self.bbox.xmax, "y": self.bbox.ymax},
        }
        return {"type": "plot", "spatialReference": self.spatial_reference,
                "time": self.time.to_json() if self.time else None, "bbox": bbox}


@dataclass
class FeatureCollection:
    """Features as parallel lists: WKT geometry ("" for none), time, and one list per column."""

    wkt: list[str]
    time_start: list[int]
    time_end: list[int]
    columns: dict[str, list[Any]]  # values are Python scalars or None (null)

    def __len__(self) -> int:
        return len(self.wkt)


class RasterOperator(ABC):
    """An initialised raster workflow."""

    descriptor: RasterDescriptor
    datasets: list[str]  # names of the datasets it reads (provenance, quota, data usage)

    @abstractmethod
    def time_slices(self, interval: TimeInterval) -> list[TimeInterval]:
        """The validity intervals of the time steps a query for ``interval`` returns, in order."""

    @abstractmethod
    def read(self, band: int, time: TimeInterval, window: Window) -> np.ma.MaskedArray:
        """Pixels of ``band`` for one of ``time_slices``; masked where no-data or outside the data.

        Shape ``(window.height, window.width)``, dtype ``NUMPY_TYPES[descriptor.data_type]``.
        """

    def read_sampled(self, band: int, time: TimeInterval, window: Window, step: int) -> np.ma.MaskedArray:
        """Every ``step``-th pixel of ``window`` (for overviews of huge windows; engine operators read
        only those pixels). Shape ``(ceil(height/step), ceil(width/step))``."""
        return self.read(band, time, window)[::step, ::step]


class VectorOperator(ABC):
    """An initialised vector workflow."""

    descriptor: VectorDescriptor
    datasets: list[str]

    @abstractmethod
    def query(self, bbox: BBox, time: TimeInterval) -> FeatureCollection:
        """Features that intersect ``bbox`` (operator CRS) and ``time``."""


class PlotOperator(ABC):
    """An initialised plot workflow."""

    descriptor: PlotDescriptor
    datasets: list[str]

    @abstractmethod
    def plot(self, bbox: BBox, time: TimeInterval) -> dict:
        """The ``WrappedPlotOutput``: ``{"outputFormat", "plotType", "data"}``."""

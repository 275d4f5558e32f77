"""Save a raster workflow's result as a new catalog dataset (``POST /datasetFromWorkflow/{id}``).

The task reads the operator tile by tile (``tile_size`` windows aligned to the operator's pixel
grid, clipped to the query at native resolution) for every time slice, writes one tiled, deflate-
compressed GeoTIFF (or COG) per time slice into the server's export folder and then adds a dataset:

* one time slice -> ``GdalStatic`` (time bounds = the slice);
* several slices of a regular time dimension -> ``GdalMetaDataRegular`` with a ``%_START_TIME_%``
  file name placeholder;
* several irregular slices -> ``GdalMetaDataList`` ``{"params": [{"time", "params", "cacheTtl"}]}``.

Only single-band rasters can be saved: the real task queries every band of the workflow and its GeoTIFF
writer then refuses the query, so the task fails before the first tile
(geo-engine/geoengine@5748ef7:geoengine/services/src/datasets/create_from_workflow.rs,
geo-engine/geoengine@5748ef7:geoengine/operators/src/util/raster_stream_to_geotiff.rs).
Masked pixels are written as the no-data value: 0 for unsigned, the type's minimum for signed
and float types.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from osgeo import gdal, osr

from .catalog import Dataset
from .engine.tiling import stream_pixel_bounds, tiling_offset
from .engine.types import NUMPY_TYPES, BBox, GeoTransform, RasterDescriptor, TimeInterval, Window
from .errors import ApiError, body_error
from .tasks import Task, TaskFailed
from .timeutil import TimeParseError, format_iso, parse_json_instant

gdal.UseExceptions()

TASK_TYPE = "create-dataset"
MULTI_BAND_FAILURE = 'Operation "raster_stream_to_geotiff" does not support queries with multiple bands.'
MAX_PIXELS = 16384 * 16384
_NAME_PART = re.compile(r"^[A-Za-z0-9_\-]+$")
_PLACEHOLDER = "%_START_TIME_%"
_GDAL_TYPES = {
    "U8": gdal.GDT_Byte, "U16": gdal.GDT_UInt16, "U32": gdal.GDT_UInt32, "U64": gdal.GDT_UInt64,
    "I8": gdal.GDT_Byte, "I16": gdal.GDT_Int16, "I32": gdal.GDT_Int32, "I64": gdal.GDT_Int64,
    "F32": gdal.GDT_Float32, "F64": gdal.GDT_Float64,
}


@dataclass
class ExportRequest:
    """The ``RasterDatasetFromWorkflow`` body."""

    name: str | None
    display_name: str
    description: str
    as_cog: bool
    bounds: BBox
    time: TimeInterval

    @classmethod
    def parse(cls, body) -> ExportRequest:
        if not isinstance(body, dict):
            raise body_error("invalid type: expected struct RasterDatasetFromWorkflow")
        for key in ("displayName", "query"):
            if key not in body:
                raise body_error(f"missing field `{key}`")
        name, display, description = body.get("name"), body["displayName"], body.get("description")
        if name is not None:
            validate_name(name)
        if not isinstance(display, str):
            raise body_error("invalid type for `displayName`, expected a string")
        if description is not None and not isinstance(description, str):
            raise body_error("invalid type for `description`, expected a string or null")
        as_cog = body.get("asCog", True)
        if not isinstance(as_cog, bool):
            raise body_error("invalid type for `asCog`, expected a boolean")
        query = body["query"]
        if not isinstance(query, dict) or "spatialBounds" not in query or "timeInterval" not in query:
            raise body_error("`query` needs `spatialBounds` (SpatialPartition2D) and `timeInterval`")
        return cls(name, display, description or "", as_cog, _partition(query["spatialBounds"]),
                   _interval(query["timeInterval"]))


def validate_name(name) -> None:
    parts = name.split(":") if isinstance(name, str) else []
    if not 1 <= len(parts) <= 2 or not all(_NAME_PART.match(p) for p in parts):
        raise body_error(
            f"invalid dataset name {name!r}: use letters, digits, '_' and '-', with an optional 'namespace:' prefix"
        )


def _partition(value) -> BBox:
    try:
        ul, lr = value["upperLeftCoordinate"], value["lowerRightCoordinate"]
        xmin, ymax, xmax, ymin = (float(ul["x"]), float(ul["y"]), float(lr["x"]), float(lr["y"]))
    except (TypeError, KeyError, ValueError):
        raise body_error(
            "`spatialBounds` must be {\"upperLeftCoordinate\":{x,y},\"lowerRightCoordinate\":{x,y}}"
        ) from None
    if not (xmin < xmax and ymin < ymax):
        raise body_error("`spatialBounds`: the upper left coordinate must be above and left of the lower right one")
    return BBox(xmin, ymin, xmax, ymax)


def _interval(value) -> TimeInterval:
    try:
        start, end = parse_json_instant(value["start"]), parse_json_instant(value["end"])
    except (TypeError, KeyError):
        raise body_error("`timeInterval` must be {\"start\": <ms or ISO>, \"end\": <ms or ISO>}") from None
    except TimeParseError as exc:
        raise body_error(f"`timeInterval`: {exc}") from None
    if end < start:
        raise body_error("`timeInterval`: the end is before the start")
    return TimeInterval(start, end)


class EmptyPlan(TaskFailed):
    """The query meets no pixel of the raster: the real task fails at its end with this."""


@dataclass
class ExportPlan:
    """The query's pixel window in the operator grid and the tile windows that cover it."""

    window: Window
    tiles: list[Window]
    geo_transform: GeoTransform  # of the written files (origin at the window's upper left)

    @classmethod
    def create(cls, descriptor: RasterDescriptor, bounds: BBox, tile_size: int) -> ExportPlan:
        """The query's pixels as the real task computes them (the stream's arithmetic on the tiling grid: no
        epsilon on the upper left), kept where they meet the data's grid, as the saved dataset's grid is that
        intersection (geo-engine/geoengine@5748ef7:geoengine/services/src/datasets/create_from_workflow.rs
        ``process``, ``create_dataset``). An empty intersection fails the task (``EmptyPlan``)."""
        gt, grid = descriptor.geo_transform, descriptor.grid_bounds
        dx, dy = tiling_offset(gt)
        c0, r0, c1, r1 = stream_pixel_bounds(gt, bounds)  # inclusive, relative to the tiling origin
        x0, y0 = max(c0 + dx, grid.x_min), max(r0 + dy, grid.y_min)
        x1, y1 = min(c1 + dx, grid.x_max) + 1, min(r1 + dy, grid.y_max) + 1
        width, height = x1 - x0, y1 - y0
        if width <= 0 or height <= 0:
            raise EmptyPlan("EmptyDatasetCannotBeImported")
        if width * height > MAX_PIXELS:
            raise ApiError(
                "TooManyPixels", f"The query covers {width}x{height} pixels; this server saves at most {MAX_PIXELS}"
            )
        tiles = []  # the tiling grid's tiles, clipped to the window
        for ty in range((y0 - dy) // tile_size, (y1 - 1 - dy) // tile_size + 1):
            for tx in range((x0 - dx) // tile_size, (x1 - 1 - dx) // tile_size + 1):
                left, top = max(x0, dx + tx * tile_size), max(y0, dy + ty * tile_size)
                right, bottom = min(x1, dx + (tx + 1) * tile_size), min(y1, dy + (ty + 1) * tile_size)
                tiles.append(Window(left, top, right - left, bottom - top))
        origin = GeoTransform(
            gt.origin_x + x0 * gt.x_pixel_size, gt.origin_y + y0 * gt.y_pixel_size, gt.x_pixel_size, gt.y_pixel_size
        )
        return cls(Window(x0, y0, width, height), tiles, origin)


def no_data_value(data_type: str) -> float:
    dtype = np.dtype(NUMPY_TYPES[data_type])
    if dtype.kind == "u":
        return 0
    if dtype.kind == "i":
        return int(np.iinfo(dtype).min)
    return float(np.finfo(dtype).min)


@dataclass
class Written:
    """The result of the worker: one file per time slice."""

    directory: Path
    slices: list[TimeInterval]
    files: list[Path]
    units: int  # tiles read (slices x bands x tiles)


class ExportFolder:
    """This server's folder for saved datasets (one sub-folder per upload), removed on shutdown."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="geoengine-exports-"))
        self.pending_names: set[str] = set()

    def new_upload(self) -> tuple[str, Path]:
        upload = str(uuid.uuid4())
        path = self.root / upload
        path.mkdir()
        return upload, path

    def remove(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


def write_slices(
    task: Task, operator, plan: ExportPlan, time: TimeInterval, directory: Path, as_cog: bool, pace_s: float
) -> Written:
    """The worker: read every tile, write one GeoTIFF per time slice, report progress, honour aborts."""
    descriptor: RasterDescriptor = operator.descriptor
    bands = len(descriptor.bands)
    if bands != 1:
        raise TaskFailed(MULTI_BAND_FAILURE)
    slices = operator.time_slices(time)
    if not slices:
        raise ApiError("EmptyDataset", "The query's time interval contains no time slice of the raster")
    total, done = len(slices) * bands * len(plan.tiles), 0
    nodata = no_data_value(descriptor.data_type)
    files = []
    for time_slice in slices:
        target = directory / f"{_slice_stem(time_slice.start)}.tif"
        draft = target.with_suffix(".draft.tif") if as_cog else target
        ds = _create(draft, plan, descriptor, bands, nodata)
        for tile in plan.tiles:
            for band in range(bands):
                task.check_abort()
                data = operator.read(band, time_slice, tile)
                ds.GetRasterBand(band + 1).WriteArray(
                    np.ma.filled(data, nodata), tile.x_off - plan.window.x_off, tile.y_off - plan.window.y_off
                )
                done += 1
                # the real writer reports 0 % until it is done, the progress only in the text
                task.set_completion(0.0, progress_text(done - 1, len(plan.tiles), time_slice))
                if pace_s and task.abort_requested.wait(pace_s):
                    task.check_abort()
        ds.FlushCache()
        ds = None
        if as_cog:
            gdal.Translate(str(target), str(draft), format="COG", creationOptions=["COMPRESS=DEFLATE"])
            draft.unlink()
        files.append(target)
    task.set_completion(1.0, f"Done: Total tiles processed: {done - 1}; Tiles per time step: {len(plan.tiles)}")
    return Written(directory, slices, files, total)


def progress_text(tile_index: int, tiles_per_step: int, time_slice: TimeInterval) -> str:
    """The running task's ``info`` after a tile: the real writer reports the 0-based index of the tile it just
    wrote, and completion 0 (``percent_done`` of ``Processing``) until the end; the task's ``pctComplete`` thus
    stays ``0.00%`` while it runs
    (geo-engine/geoengine@5748ef7:geoengine/operators/src/util/raster_stream_to_geotiff.rs ToGeoTiffProgress)."""
    step_pct = 100.0 * (tile_index % tiles_per_step) / tiles_per_step
    return (f"Processing: Total tiles processed: {tile_index}; Tiles per time step: {tiles_per_step}; "
            f"Current [{format_iso(time_slice.start)}, {format_iso(time_slice.end)}) @ {step_pct:.3f}%")


def _slice_stem(ms: int) -> str:
    """``slice_2014-04-01T00-00-00``: what the ``%_START_TIME_%`` placeholder format yields."""
    return "slice_" + format_iso(ms)[:-5].replace(":", "-")


def _create(path: Path, plan: ExportPlan, descriptor: RasterDescriptor, bands: int, nodata) -> gdal.Dataset:
    options = ["TILED=YES", "COMPRESS=DEFLATE", "BLOCKXSIZE=512", "BLOCKYSIZE=512", "BIGTIFF=IF_SAFER"]
    if descriptor.data_type == "I8":
        options.append("PIXELTYPE=SIGNEDBYTE")
    ds = gdal.GetDriverByName("GTiff").Create(
        str(path), plan.window.width, plan.window.height, bands, _GDAL_TYPES[descriptor.data_type], options
    )
    gt = plan.geo_transform
    ds.SetGeoTransform((gt.origin_x, gt.x_pixel_size, 0.0, gt.origin_y, 0.0, gt.y_pixel_size))
    srs = osr.SpatialReference()
    if srs.SetFromUserInput(descriptor.spatial_reference) == 0:
        ds.SetProjection(srs.ExportToWkt())
    for band in range(bands):
        ds.GetRasterBand(band + 1).SetNoDataValue(nodata)
    return ds


def dataset_meta(descriptor: RasterDescriptor, plan: ExportPlan, written: Written) -> dict:
    """The new dataset's ``metaData`` in the test data's definition shapes."""
    slices = written.slices
    bounds = TimeInterval(slices[0].start, slices[-1].end)
    dimension = descriptor.time_dimension
    regular = len(slices) > 1 and dimension.get("type") == "regular"
    result_descriptor = {
        "dataType": descriptor.data_type,
        "spatialReference": descriptor.spatial_reference,
        "time": {
            "bounds": {"start": format_iso(bounds.start), "end": format_iso(bounds.end)},
            # the source's time dimension, also for a single slice
            # (geo-engine/geoengine@5748ef7:geoengine/services/src/datasets/create_from_workflow.rs create_dataset);
            # several regular slices are stored as GdalMetaDataRegular here, as GdalMetaDataList there
            "dimension": {"regular": {"origin": format_iso(dimension["origin"]), "step": dimension["step"]}}
            if dimension.get("type") == "regular"
            else "irregular",
        },
        "spatialGrid": {
            "state": "source",
            "spatialGrid": {
                "geoTransform": plan.geo_transform.to_json(),
                "gridBounds": {"min": [0, 0], "max": [plan.window.height - 1, plan.window.width - 1]},
            },
        },
        "bands": [{"name": b.name, "measurement": b.measurement} for b in descriptor.bands],
    }

    def params(path: Path) -> dict:
        return {
            "filePath": str(path),
            "rasterbandChannel": 1,
            "geoTransform": plan.geo_transform.to_json(),
            "width": plan.window.width,
            "height": plan.window.height,
            "fileNotFoundHandling": "NoData",
            "noDataValue": no_data_value(descriptor.data_type),
        }

    if len(slices) == 1:
        return {"type": "GdalStatic", "time": bounds.to_json(), "params": params(written.files[0]),
                "resultDescriptor": result_descriptor, "cacheTtl": 0}
    if regular:
        template = written.directory / f"slice_{_PLACEHOLDER}.tif"
        return {
            "type": "GdalMetaDataRegular",
            "resultDescriptor": result_descriptor,
            "params": params(template),
            "timePlaceholders": {_PLACEHOLDER: {"format": "%Y-%m-%dT%H-%M-%S", "reference": "start"}},
            "dataTime": {"start": format_iso(bounds.start), "end": format_iso(bounds.end)},
            "step": dimension["step"],
            "cacheTtl": 0,
        }
    return {
        "type": "GdalMetaDataList",
        "resultDescriptor": result_descriptor,
        "params": [
            {"time": {"start": format_iso(s.start), "end": format_iso(s.end)}, "params": params(f), "cacheTtl": 0}
            for s, f in zip(slices, written.files)
        ],
    }


def namespace_allowed(name: str, user_id: str, is_admin: bool) -> bool:
    """Only the session's own user id as namespace, or no namespace for admins (``_`` is the system namespace,
    i.e. none) (geo-engine/geoengine@5748ef7:geoengine/services/src/contexts/postgres.rs check_dataset_namespace,
    geo-engine/geoengine@5748ef7:geoengine/services/src/datasets/name.rs)."""
    namespace = name.split(":", 1)[0] if ":" in name else None
    if namespace in (None, "_"):
        return is_admin
    return namespace == user_id


def canonical_name(name: str) -> str:
    """``_:name`` (the system namespace) is stored as ``name``
    (geo-engine/geoengine@5748ef7:geoengine/services/src/datasets/name.rs)."""
    return name[2:] if name.startswith("_:") else name


def new_dataset(request: ExportRequest, dataset_id: str, name: str, owner: str, upload: str, meta: dict) -> Dataset:
    """No provenance and the tag ``workflow``, as the real server stores a dataset made from a workflow
    (geo-engine/geoengine@5748ef7:geoengine/services/src/datasets/create_from_workflow.rs create_dataset)."""
    return Dataset(
        id=dataset_id,
        name=name,
        display_name=request.display_name,
        description=request.description,
        source_operator="GdalSource",
        meta=meta,
        provenance=None,
        tags=["workflow"],
        owner=owner,
        data_path={"upload": upload},
    )

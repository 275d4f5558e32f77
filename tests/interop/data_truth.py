"""What the test data says, read directly with GDAL/OGR: the yardstick for the official client's results.

Nothing here talks to the server. Paths follow the dataset definitions in ``dataset_defs/``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from osgeo import gdal, ogr

gdal.UseExceptions()
ogr.UseExceptions()


def dataset_definition(data_dir: Path, name: str) -> dict:
    """The definition whose ``properties.name`` is ``name``."""
    for path in sorted((data_dir / "dataset_defs").glob("*.json")):
        definition = json.loads(path.read_text())
        if definition["properties"]["name"] == name:
            return definition
    raise LookupError(f"no dataset definition named {name!r} in {data_dir / 'dataset_defs'}")


@dataclass
class RasterWindow:
    """Pixels of the NDVI file for one month inside a grid-aligned box, and the grid it sits on."""

    values: np.ndarray  # (rows, cols), the file's data type
    nodata: float | None
    origin: tuple[float, float]  # x_min, y_max of the whole file
    pixel: tuple[float, float]  # x size, y size (negative)
    size: tuple[int, int]  # whole-file width, height
    col0: int
    row0: int

    @property
    def valid(self) -> np.ndarray:
        return self.values != self.nodata if self.nodata is not None else np.ones(self.values.shape, bool)


def ndvi_file(data_dir: Path, month: str) -> Path:
    """The NDVI GeoTIFF of ``month`` (``YYYY-MM-01``), from the definition's file pattern."""
    params = dataset_definition(data_dir, "ndvi")["metaData"]["params"]
    relative = params["filePath"].replace("%_START_TIME_%", month)
    return data_dir / relative.removeprefix("test_data/")


def read_window(path: Path, bbox: tuple[float, float, float, float], pad_to: int | None = None) -> RasterWindow:
    """Read the pixels inside ``bbox`` (xmin, ymin, xmax, ymax); with ``pad_to``, widen the window to whole
    tiles of that size in Geo Engine's tiling grid (anchored at the pixel edge nearest the coordinate (0, 0)),
    filling pixels outside the file with nodata."""
    ds = gdal.Open(str(path))
    x0, dx, _, y0, _, dy = ds.GetGeoTransform()
    band = ds.GetRasterBand(1)
    nodata = band.GetNoDataValue()
    col0, col1 = round((bbox[0] - x0) / dx), round((bbox[2] - x0) / dx)
    row0, row1 = round((bbox[3] - y0) / dy), round((bbox[1] - y0) / dy)
    if pad_to:
        anchor_col, anchor_row = round(-x0 / dx), round(-y0 / dy)
        col0 = anchor_col + (col0 - anchor_col) // pad_to * pad_to
        row0 = anchor_row + (row0 - anchor_row) // pad_to * pad_to
        col1 = anchor_col - (-(col1 - anchor_col) // pad_to) * pad_to
        row1 = anchor_row - (-(row1 - anchor_row) // pad_to) * pad_to
    fill = nodata if nodata is not None else 0
    out = np.full((row1 - row0, col1 - col0), fill, dtype=band.ReadAsArray(0, 0, 1, 1).dtype)
    rc0, rc1 = max(col0, 0), min(col1, ds.RasterXSize)
    rr0, rr1 = max(row0, 0), min(row1, ds.RasterYSize)
    out[rr0 - row0:rr1 - row0, rc0 - col0:rc1 - col0] = band.ReadAsArray(rc0, rr0, rc1 - rc0, rr1 - rr0)
    return RasterWindow(out, nodata, (x0, y0), (dx, dy), (ds.RasterXSize, ds.RasterYSize), col0, row0)


@dataclass
class Ports:
    names: list[str]
    columns: dict[str, str]  # attribute -> Geo Engine column type
    numbers: dict[str, list[float]]  # numeric attribute -> values of the features in the box


_OGR_TO_GEOENGINE = {ogr.OFTReal: "float", ogr.OFTInteger: "int", ogr.OFTInteger64: "int", ogr.OFTString: "text"}


def ports_in(data_dir: Path, bbox: tuple[float, float, float, float]) -> Ports:
    """The ports whose point lies inside ``bbox``, read from the shapefile of the ne_10m_ports definition."""
    loading = dataset_definition(data_dir, "ne_10m_ports")["metaData"]["loadingInfo"]
    source = ogr.Open(str(data_dir / loading["fileName"].removeprefix("test_data/")))
    layer = source.GetLayerByName(loading["layerName"])
    kinds = {kind: set(loading["columns"].get(kind) or []) for kind in ("float", "int", "text")}
    defn = layer.GetLayerDefn()
    columns = {}
    for i in range(defn.GetFieldCount()):
        field = defn.GetFieldDefn(i)
        for kind, names in kinds.items():
            if field.GetName() in names:
                columns[field.GetName()] = kind
                assert _OGR_TO_GEOENGINE.get(field.GetType()) == kind, field.GetName()
    layer.SetSpatialFilterRect(*bbox)
    names, numbers = [], {c: [] for c, kind in columns.items() if kind in ("float", "int")}
    for feature in layer:
        x, y = feature.GetGeometryRef().GetPoint_2D(0)
        if not (bbox[0] <= x <= bbox[2] and bbox[1] <= y <= bbox[3]):
            continue
        names.append(feature.GetField("name"))
        for column in numbers:
            numbers[column].append(feature.GetField(column))
    return Ports(sorted(names), columns, numbers)


def ports_within(data_dir: Path, polygon_dataset: str) -> list[str]:
    """Names of the ports inside the polygons of ``polygon_dataset`` (what a PointInPolygonFilter keeps)."""
    outline = dataset_definition(data_dir, polygon_dataset)["metaData"]["loadingInfo"]
    outline_source = ogr.Open(str(data_dir / outline["fileName"].removeprefix("test_data/")))
    polygons = [f.GetGeometryRef().Clone() for f in outline_source.GetLayerByName(outline["layerName"])]
    ports = dataset_definition(data_dir, "ne_10m_ports")["metaData"]["loadingInfo"]
    ports_source = ogr.Open(str(data_dir / ports["fileName"].removeprefix("test_data/")))  # keep it referenced
    names = []
    for feature in ports_source.GetLayerByName(ports["layerName"]):
        if any(polygon.Intersects(feature.GetGeometryRef()) for polygon in polygons):
            names.append(feature.GetField("name"))
    return sorted(names)


def layer_collection(data_dir: Path, collection_id: str) -> tuple[str, list[list[str]]]:
    """A collection's name and items (``[listing type, name]``) from the layer database definitions."""
    collections = {d["id"]: d for d in map(_read_json, (data_dir / "layer_collection_defs").glob("*.json"))}
    layers = {d["id"]: d for d in map(_read_json, (data_dir / "layer_defs").glob("*.json"))}
    collection = collections[collection_id]
    items = [["LayerCollectionListing", collections[c]["name"]] for c in collection.get("collections", [])]
    items += [["LayerListing", layers[layer]["name"]] for layer in collection.get("layers", [])]
    return collection["name"], items


def _read_json(path: Path) -> dict:
    return json.loads(path.read_text())

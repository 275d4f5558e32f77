"""Raster workflow results as QGIS layers: streamed GeoTIFF slices, or a live layer on QGIS's WMS provider.

GeoTIFF: core's ``stream_raster_to_geotiff`` writes one file per time slice (worker thread); each becomes a
GDAL raster layer with a fixed temporal range, so QGIS's temporal controller shows one slice at a time.

WMS: Geo Engine's WMS (1.3.0, GetCapabilities + GetMap) through QGIS's own provider. The layer URI holds
no token: the plugin's request preprocessor adds ``Authorization: Bearer`` to requests below the connection's
``/api`` URL. The colorizer travels as ``styles=custom:<RasterColorizer JSON>`` and the time as a ``time``
query parameter of the GetMap URL (QGIS keeps the query of ``url`` and appends its own parameters).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional
from urllib.parse import quote

from osgeo import gdal
from qgis.core import QgsDataSourceUri, QgsDateTimeRange, QgsRasterLayer

from ..core.colorizer import RasterColorizer
from ..core.errors import MalformedResponseError
from .enums import RASTER_FIXED_RANGE
from .layer_metadata import qdatetime
from .query import parse_iso


@dataclass(frozen=True)
class RasterSlice:
    """One streamed GeoTIFF and the time slice it holds (ISO strings from the file's metadata)."""

    path: Path
    time_start: str
    time_end: str

    @property
    def label(self) -> str:
        """A short label for layer names: the start date (time of day when it is not midnight)."""
        text = self.time_start
        return text[:10] if text[10:19] in ("", "T00:00:00") else text[:19].replace("T", " ")


def read_slices(paths: List[Path]) -> List[RasterSlice]:
    """The slices of streamed files, in time order (``time_start``/``time_end`` GDAL metadata)."""
    slices = []
    for path in paths:
        dataset = gdal.Open(str(path))
        if dataset is None:
            raise MalformedResponseError(f"GDAL cannot open the streamed file {path.name}")
        metadata = dataset.GetMetadata() or {}
        dataset = None
        slices.append(RasterSlice(Path(path), metadata.get("time_start", ""), metadata.get("time_end", "")))
    return sorted(slices, key=lambda s: (s.time_start, s.path.name))


def slice_layer(raster_slice: RasterSlice, name: str) -> QgsRasterLayer:
    """Main thread: a GDAL layer for the slice, active in the temporal controller during its time range."""
    layer = QgsRasterLayer(str(raster_slice.path), name, "gdal")
    if not layer.isValid():
        raise MalformedResponseError(f"QGIS cannot open the streamed GeoTIFF {raster_slice.path.name}")
    start, end = parse_iso(raster_slice.time_start), parse_iso(raster_slice.time_end)
    if start is not None and end is not None:
        properties = layer.temporalProperties()
        properties.setMode(RASTER_FIXED_RANGE)
        properties.setFixedTemporalRange(QgsDateTimeRange(qdatetime(start), qdatetime(end), True, start == end))
        properties.setIsActive(True)
    return layer


def wms_uri(server_url: str, workflow_id: str, srs: str, time_text: str,
            colorizer: Optional[RasterColorizer] = None) -> str:
    """The QGIS WMS provider URI of a workflow (``time_text``: an ISO instant or ``start/end``)."""
    uri = QgsDataSourceUri()
    uri.setParam("url", f"{server_url.rstrip('/')}/wms/{workflow_id}?time={quote(time_text, safe='')}")
    uri.setParam("layers", workflow_id)
    style = "custom:" + json.dumps(colorizer.to_dict(), separators=(",", ":")) if colorizer is not None else ""
    uri.setParam("styles", style)  # compact JSON: a 256-entry palette is still ~6 KB of URL
    uri.setParam("format", "image/png")
    uri.setParam("crs", srs)
    uri.setParam("dpiMode", "0")
    uri.setParam("IgnoreGetMapUrl", "1")  # keep our URL (with ``time``), not the capabilities' GetMap URL
    return bytes(uri.encodedUri()).decode("utf-8")


def wms_layer(uri: str, name: str) -> QgsRasterLayer:
    """Main thread: the live WMS layer (QGIS asks for the capabilities while making it)."""
    layer = QgsRasterLayer(uri, name, "wms")
    if not layer.isValid():
        error = layer.error().summary() if layer.error() else ""
        raise MalformedResponseError(f"QGIS could not open the Geo Engine WMS layer {name!r}: {error}")
    return layer

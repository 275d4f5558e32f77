"""Helpers for the resolution tests: the resolution request, an NDVI load at a resolution, a layer's pixels, and
NDVI downsampled the way Geo Engine's Downsampling operator does (computed here with numpy from the TIFF).

A module of its own (not test_resolution) because tests/core has a test_resolution module too: importing helpers
by that name picks whichever folder comes first on sys.path in a full run."""

from __future__ import annotations

import numpy as np
from layer_support import NDVI_TIFF
from osgeo import gdal
from plugin_support import NDVI, request, run_load
from plugin_support import register_in as register


def resolution(mode, canvas_px=None, pixel_size=None):
    from geoengine_qgis.qgis_glue.raster_resolution import ResolutionRequest

    return ResolutionRequest(mode, canvas_px, pixel_size)


def load_ndvi(loader, session, bounds, wanted):
    """NDVI (April 2014) over ``bounds`` at the resolution ``wanted`` through the loader: the one layer."""
    workflow_id = register(session, NDVI)
    outcome, _ = run_load(loader, session, request(workflow_id, bounds=bounds, name="NDVI", resolution=wanted))
    assert outcome.ok, outcome.error
    return outcome.layers[0]


def layer_array(layer) -> tuple[np.ma.MaskedArray, tuple]:
    dataset = gdal.Open(layer.source())
    band = dataset.GetRasterBand(1)
    values = band.ReadAsArray()
    nodata = band.GetNoDataValue()
    mask = np.zeros(values.shape, bool) if nodata is None else values == nodata
    return np.ma.MaskedArray(values, mask=mask), dataset.GetGeoTransform()


def ndvi_downsampled(factor: int, gt: tuple, shape: tuple, month: str = "2014-04-01") -> np.ma.MaskedArray:
    """NDVI of ``month`` at ``factor`` x 0.1 degrees, each output pixel the input pixel under its centre (nearest
    neighbour, Geo Engine's Downsampling), over the GeoTIFF's grid ``gt``/``shape``; outside the file: no-data."""
    source = gdal.Open(str(NDVI_TIFF.format(month)))
    values = source.GetRasterBand(1).ReadAsArray()
    x0, dx, _, y0, _, dy = source.GetGeoTransform()
    cols = np.floor((gt[0] + (np.arange(shape[1]) + 0.5) * gt[1] - x0) / dx + 1e-9).astype(int)
    rows = np.floor((gt[3] + (np.arange(shape[0]) + 0.5) * gt[5] - y0) / dy + 1e-9).astype(int)
    inside = ((rows >= 0) & (rows < values.shape[0]))[:, None] & ((cols >= 0) & (cols < values.shape[1]))[None, :]
    picked = values[np.clip(rows, 0, values.shape[0] - 1)][:, np.clip(cols, 0, values.shape[1] - 1)]
    return np.ma.MaskedArray(picked, mask=~inside | (picked == 0))

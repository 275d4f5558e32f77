"""A single-band GeoTIFF in memory (GDAL ``/vsimem/``), as WCS GetCoverage returns it."""

from __future__ import annotations

import uuid

import numpy as np
from osgeo import gdal

from .engine.types import GeoTransform
from .ogc_params import crs_wkt

gdal.UseExceptions()

GDAL_TYPES = {
    np.dtype(np.uint8): gdal.GDT_Byte, np.dtype(np.uint16): gdal.GDT_UInt16, np.dtype(np.uint32): gdal.GDT_UInt32,
    np.dtype(np.int8): gdal.GDT_Int16, np.dtype(np.int16): gdal.GDT_Int16, np.dtype(np.int32): gdal.GDT_Int32,
    np.dtype(np.uint64): gdal.GDT_UInt64, np.dtype(np.int64): gdal.GDT_Int64,
    np.dtype(np.float32): gdal.GDT_Float32, np.dtype(np.float64): gdal.GDT_Float64,
}


# The GeoTIFF WCS answers with: geo-engine/geoengine@5748ef7:geoengine/operators/src/util/raster_stream_to_geotiff.rs
def geotiff_bytes(
    values: np.ma.MaskedArray, geo_transform: GeoTransform, crs: str, no_data_value: float | None = None
) -> bytes:
    """The pixels as a GeoTIFF (deflate, tiled).

    With ``no_data_value`` masked pixels take that value and the band declares it as no-data;
    without it the file carries a per-dataset mask band (GDAL's internal TIFF mask), the way
    Geo Engine writes masked tiles.
    """
    height, width = values.shape
    dtype = np.dtype(values.dtype)
    gdal_type = GDAL_TYPES[dtype]
    path = f"/vsimem/wcs-{uuid.uuid4().hex}.tif"
    options = ["COMPRESS=DEFLATE", "TILED=YES"] if width >= 16 and height >= 16 else ["COMPRESS=DEFLATE"]
    previous = gdal.GetThreadLocalConfigOption("GDAL_TIFF_INTERNAL_MASK", None)
    gdal.SetThreadLocalConfigOption("GDAL_TIFF_INTERNAL_MASK", "YES")  # the mask inside the file, not a .msk
    dataset = gdal.GetDriverByName("GTiff").Create(path, width, height, 1, gdal_type, options=options)
    try:
        dataset.SetGeoTransform(
            (geo_transform.origin_x, geo_transform.x_pixel_size, 0.0, geo_transform.origin_y, 0.0,
             geo_transform.y_pixel_size)
        )
        dataset.SetProjection(crs_wkt(crs))
        band = dataset.GetRasterBand(1)
        mask = np.ma.getmaskarray(values)
        data = np.ma.getdata(values)
        if no_data_value is not None:
            band.SetNoDataValue(float(no_data_value))
            data = np.where(mask, np.asarray(no_data_value).astype(dtype), data)
        elif mask.any():
            band.CreateMaskBand(gdal.GMF_PER_DATASET)
            band.GetMaskBand().WriteArray(np.where(mask, 0, 255).astype(np.uint8))
        band.WriteArray(data)
        dataset.FlushCache()
        dataset = None
        handle = gdal.VSIFOpenL(path, "rb")
        try:
            gdal.VSIFSeekL(handle, 0, 2)
            size = gdal.VSIFTellL(handle)
            gdal.VSIFSeekL(handle, 0, 0)
            return bytes(gdal.VSIFReadL(1, size, handle))
        finally:
            gdal.VSIFCloseL(handle)
    finally:
        dataset = None
        gdal.SetThreadLocalConfigOption("GDAL_TIFF_INTERNAL_MASK", previous)
        gdal.Unlink(path)

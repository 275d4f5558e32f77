"""numpy pixel types -> GDAL types, and the no-data value a written GeoTIFF declares.

Kept apart from :mod:`.geotiff_writer` (which needs pyarrow for the stream) so that the WCS mosaic and the
plugin's WCS path write the same files without pyarrow.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from osgeo import gdal, osr

from .errors import MalformedResponseError
from .srs_input import checked_srs_input

GDAL_TYPES = {
    np.dtype(np.uint8): gdal.GDT_Byte, np.dtype(np.uint16): gdal.GDT_UInt16, np.dtype(np.uint32): gdal.GDT_UInt32,
    np.dtype(np.int16): gdal.GDT_Int16, np.dtype(np.int32): gdal.GDT_Int32,
    np.dtype(np.float32): gdal.GDT_Float32, np.dtype(np.float64): gdal.GDT_Float64,
}
for _name, _dtype in (("GDT_UInt64", np.uint64), ("GDT_Int64", np.int64), ("GDT_Int8", np.int8)):
    if hasattr(gdal, _name):  # Int64/UInt64 since GDAL 3.5, Int8 since 3.7
        GDAL_TYPES[np.dtype(_dtype)] = getattr(gdal, _name)


def gdal_type(dtype: np.dtype) -> int:
    """The GDAL data type for ``dtype`` (Int8 as Byte, written with ``PIXELTYPE=SIGNEDBYTE``, on old GDAL)."""
    dtype = np.dtype(dtype)
    if dtype == np.int8 and dtype not in GDAL_TYPES:
        return gdal.GDT_Byte
    try:
        return GDAL_TYPES[dtype]
    except KeyError:
        raise MalformedResponseError(f"pixel type {dtype} cannot be written with GDAL {gdal.__version__}") from None


def default_no_data_value(dtype: np.dtype) -> Any:
    """NaN for floats; 0 for U8 (the common 8-bit convention, e.g. MODIS NDVI, where 255 is valid); the
    maximum for wider unsigned and the minimum for signed integers (rarely valid measurements)."""
    dtype = np.dtype(dtype)
    if dtype.kind == "f":
        return float("nan")
    if dtype == np.uint8:
        return 0
    info = np.iinfo(dtype)
    return int(info.max if dtype.kind == "u" else info.min)


def set_no_data(band: Any, dtype: np.dtype, value: Any) -> None:
    """Declare ``value`` as the band's no-data (64-bit integers through their own GDAL calls)."""
    if dtype == np.int64 and hasattr(band, "SetNoDataValueAsInt64"):
        band.SetNoDataValueAsInt64(int(value))
    elif dtype == np.uint64 and hasattr(band, "SetNoDataValueAsUInt64"):
        band.SetNoDataValueAsUInt64(int(value))
    else:
        band.SetNoDataValue(float(value))


def srs_wkt(spatial_reference: str) -> str:
    """WKT for ``EPSG:4326``-style strings; ``""`` for unreferenced rasters."""
    if not spatial_reference:
        return ""
    checked = checked_srs_input(spatial_reference)  # no file names or URLs into GDAL
    srs = osr.SpatialReference()
    try:
        ok = srs.SetFromUserInput(checked) == 0
    except RuntimeError:
        ok = False
    if not ok:
        raise MalformedResponseError(f"unknown spatial reference {spatial_reference!r}")
    return srs.ExportToWkt()

"""Copying a streamed (temporary) GeoTIFF into a file kept with a project: compressed harder.

Temporary files use a cheap codec (ZSTD level 1, see :mod:`.geotiff_writer`) so writing keeps up with the
network. A file kept next to a project is written once and read for a long time, so the copy uses DEFLATE
level 9 with the horizontal (integers) or floating-point predictor, keeps the 512 px tiling, the no-data
value, the metadata and the internal overviews (``COPY_SRC_OVERVIEWS``). No pyarrow needed.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Union

from osgeo import gdal

ARCHIVE_OPTIONS = ["TILED=YES", "BLOCKXSIZE=512", "BLOCKYSIZE=512", "COMPRESS=DEFLATE", "ZLEVEL=9",
                   "COPY_SRC_OVERVIEWS=YES", "BIGTIFF=IF_SAFER", "NUM_THREADS=ALL_CPUS"]


def archive_copy(source: Union[str, os.PathLike], target: Union[str, os.PathLike]) -> Path:
    """``source`` rewritten to ``target`` with :data:`ARCHIVE_OPTIONS` (a plain copy for non-GeoTIFFs or when
    GDAL cannot rewrite it). On failure no partial ``target`` is left."""
    source, target = Path(source), Path(target)
    dataset = gdal.Open(str(source)) if source.suffix.lower() in (".tif", ".tiff") else None
    if dataset is None or dataset.GetDriver().ShortName != "GTiff":
        shutil.copyfile(source, target)
        return target
    band = dataset.GetRasterBand(1)
    floating = gdal.GetDataTypeName(band.DataType).startswith("Float")
    options = ARCHIVE_OPTIONS + [f"PREDICTOR={3 if floating else 2}"]
    try:
        result = gdal.GetDriverByName("GTiff").CreateCopy(str(target), dataset, options=options)
        if result is None:
            raise OSError(f"GDAL cannot write {target}: {gdal.GetLastErrorMsg()}")
        result = None
    except BaseException:
        for leftover in (target, Path(f"{target}.aux.xml")):
            leftover.unlink(missing_ok=True)
        raise
    return target

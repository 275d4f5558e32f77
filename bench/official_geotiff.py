"""Run inside .venv-official: the official client's raster_stream_into_xarray, then a GeoTIFF via rioxarray.

Usage: official_geotiff.py <base_url> <workflow_id> <xmin> <ymin> <xmax> <ymax> <time> <out.tif>
Prints the seconds from the stream's start to the closed file.
"""

import asyncio
import sys
import time
from datetime import datetime

import geoengine as ge
import rioxarray  # noqa: F401  (registers the .rio accessor)


def main() -> None:
    base_url, workflow_id = sys.argv[1], sys.argv[2]
    xmin, ymin, xmax, ymax = (float(v) for v in sys.argv[3:7])
    when = datetime.fromisoformat(sys.argv[7].replace("Z", "+00:00")).replace(tzinfo=None)
    out = sys.argv[8]
    ge.initialize(base_url)
    graph = ge.processing_graph_by_id(workflow_id)
    query = ge.RasterQueryRectangle(ge.BoundingBox2D(xmin, ymin, xmax, ymax), ge.TimeInterval(when, when), [0])
    started = time.perf_counter()
    array = asyncio.run(graph.raster_stream_into_xarray(query))
    layer = array.isel(time=0)
    layer.rio.write_crs("EPSG:4326", inplace=True)
    layer.rio.to_raster(out, driver="GTiff", tiled=True, blockxsize=512, blockysize=512, compress="DEFLATE",
                        predictor=2 if layer.dtype.kind != "f" else 3)
    print(f"{time.perf_counter() - started:.4f}")


if __name__ == "__main__":
    main()

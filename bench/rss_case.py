"""One peak-memory case in its own process: stream a synthetic_u16 window of N x N pixels to a GeoTIFF.

Usage: rss_case.py <base_url> <pixels> <out_dir>; prints ``<seconds> <ru_maxrss MB> <file MB>``.
"""

from __future__ import annotations

import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from server import plugin_path  # noqa: E402

plugin_path()

from geoengine_qgis.core.geotiff_writer import stream_raster_to_geotiff  # noqa: E402
from geoengine_qgis.core.session import Session  # noqa: E402
from geoengine_qgis.core.types import QueryRectangle  # noqa: E402
from geoengine_qgis.core.workflow import register_workflow  # noqa: E402

SYNTHETIC = {"type": "Raster", "operator": {"type": "GdalSource", "params": {"data": "synthetic_u16"}}}
PIXEL = 0.0018


def main() -> None:
    base_url, pixels, out_dir = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    workflow = register_workflow(SYNTHETIC, session=Session(base_url, use_env=False))
    # a window starting on a tile corner: the file covers the ceil(N / 512)^2 tiles the server streams
    query = QueryRectangle((0.0, -pixels * PIXEL, pixels * PIXEL, 0.0), "2014-01-01T00:00:00Z")
    started = time.perf_counter()
    (path,) = stream_raster_to_geotiff(workflow, query, out_dir)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{seconds:.3f} {peak:.1f} {path.stat().st_size / 1e6:.1f}")


if __name__ == "__main__":
    main()

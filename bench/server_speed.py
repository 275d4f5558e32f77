"""How fast the bundled server answers: the speed checks that used to be assertions inside tests/server.

Timings depend on the machine and its load, so they are measured here and printed next to the figure the
tests used to demand, never asserted in ``make test``. Run: ``.venv/bin/python bench/server_speed.py``.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from geoengine_server import ServerConfig  # noqa: E402
from geoengine_server.catalog import Catalog  # noqa: E402
from geoengine_server.config import default_data_dir  # noqa: E402
from geoengine_server.engine import initialize  # noqa: E402
from geoengine_server.engine.types import TimeInterval, Window  # noqa: E402
from geoengine_server.runner import start_server  # noqa: E402
from geoengine_server.timeutil import parse_instant  # noqa: E402

NDVI = {"type": "Raster", "operator": {"type": "GdalSource", "params": {"data": "ndvi"}}}

SYNTHETIC = {"type": "Raster", "operator": {"type": "GdalSource", "params": {"data": "synthetic_u16"}}}
REPROJECTED = {"type": "Raster", "operator": {"type": "Reprojection", "params": {"targetSpatialReference": "EPSG:3857"},
                                              "sources": {"source": NDVI["operator"]}}}


def build(workflow: dict):
    return initialize(workflow, Catalog.load(default_data_dir()))


def instant(text: str) -> TimeInterval:
    moment = parse_instant(text)
    return TimeInterval(moment, moment)


def best_of(rounds: int, fn) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)


def engine_reads() -> list[tuple[str, float, float]]:
    synthetic = build(SYNTHETIC)
    (t,) = synthetic.time_slices(instant("2020-01-01T00:00:00Z"))
    synthetic.read(0, t, Window(0, 0, 512, 512))
    tile = best_of(12, lambda: synthetic.read(0, t, Window(123_456, 54_321, 512, 512)))
    reprojected = build(REPROJECTED)
    (r,) = reprojected.time_slices(instant("2014-04-01T00:00:00Z"))
    reprojected.read(0, r, Window(1500, 1500, 512, 512))
    warped = best_of(3, lambda: reprojected.read(0, r, Window(1500, 1500, 512, 512)))
    return [("synthetic 512 px tile read", tile, 0.005), ("reprojected 512 px tile read", warped, 0.1)]


def http_cases() -> list[tuple[str, float, float]]:
    server = start_server(ServerConfig())
    try:
        base = server.base_url
        headers = {"Authorization": "Bearer " + requests.post(f"{base}/anonymous", timeout=30).json()["id"]}

        def register(workflow: dict) -> str:
            return requests.post(f"{base}/workflow", json=workflow, headers=headers, timeout=30).json()["id"]

        def get_map(workflow_id: str, width: int, height: int) -> None:
            params = {"service": "WMS", "version": "1.3.0", "request": "GetMap", "layers": workflow_id, "styles": "",
                      "crs": "EPSG:4326", "format": "image/png", "time": "2014-04-01T00:00:00.000Z",
                      "bbox": "-90,-180,90,180", "width": width, "height": height}
            answer = requests.get(f"{base}/wms/{workflow_id}", params=params, headers=headers, timeout=120)
            answer.raise_for_status()

        ndvi, synthetic = register(NDVI), register(SYNTHETIC)
        get_map(ndvi, 64, 32)  # warm the file cache
        world = best_of(3, lambda: get_map(ndvi, 1024, 512))
        huge = best_of(3, lambda: get_map(synthetic, 1024, 512))
        pings = []
        for _ in range(20):
            started = time.perf_counter()
            requests.get(f"{base}/available", timeout=30)
            pings.append(time.perf_counter() - started)
        return [("WMS world map 1024x512 (NDVI)", world, 2.0), ("WMS world map 1024x512 (huge synthetic)", huge, 3.0),
                ("ping /available (median)", statistics.median(pings), 0.5)]
    finally:
        server.stop()


def main() -> int:
    print(f"{'case':45} {'seconds':>9} {'old test limit':>15}")
    for name, seconds, limit in engine_reads() + http_cases():
        print(f"{name:45} {seconds:9.4f} {limit:15.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

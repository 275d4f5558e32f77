"""One load through the plugin's WorkflowLayerLoader in a headless QGIS, timing the main thread's event loop.

Usage: ``stall_case.py BASE_URL CASE`` with CASE one of

* ``ndvi6``: six months of world NDVI (January to June 2014) as streamed GeoTIFFs (native, 3600 x 1800 px each);
* ``points``: the whole of ``synthetic_points`` (one million points, all of 2014) as a layer (a FlatGeobuf file layer);
* ``points_raw``: the same vector stream received and thrown away (the raw receive time of case ``points``);
* ``synthetic_canvas``: a world view of ``synthetic_u16`` at the resolution of a 1920 x 960 px canvas;
* ``idle``: no load, the timer alone for 3 s (the machine's own noise: a busy 2-core VM delays timers too).

A 10 ms QTimer runs on the main thread during the load; the longest gap between two of its ticks is the longest
event-loop turn (stall) the user would feel. Prints one JSON line: seconds, longest turn and 99th percentile (ms),
RSS before and peak RSS (MB, sampled every 10 ms on the main thread plus ``ru_maxrss``), and what was loaded.
"""

from __future__ import annotations

import json
import resource
import sys
import tempfile
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
from server import plugin_path  # noqa: E402

plugin_path()

WORLD = (-180.0, -90.0, 180.0, 90.0)
WORKFLOWS = {
    "ndvi6": {"type": "Raster", "operator": {"type": "GdalSource", "params": {"data": "ndvi"}}},
    "points": {"type": "Vector", "operator": {"type": "OgrSource", "params": {"data": "synthetic_points"}}},
    "synthetic_canvas": {"type": "Raster", "operator": {"type": "GdalSource", "params": {"data": "synthetic_u16"}}},
}
TIMES = {
    "ndvi6": ("2014-01-01T00:00:00.000Z", "2014-07-01T00:00:00.000Z"),
    "points": ("2014-01-01T00:00:00.000Z", "2015-01-01T00:00:00.000Z"),
    "synthetic_canvas": ("2014-01-01T00:00:00.000Z", None),
}
TICK_MS = 10


def raw_points(base_url: str) -> dict:
    """Receive the ``points`` stream and discard it: seconds, messages, bytes."""
    from geoengine_qgis.core.session import Session
    from geoengine_qgis.core.streaming import ArrowMessageStream
    from geoengine_qgis.core.types import QueryRectangle
    from geoengine_qgis.core.vector_stream import _vector_params
    from geoengine_qgis.core.workflow import register_workflow

    session = Session(base_url, use_env=False)
    workflow = register_workflow(WORKFLOWS["points"], session=session)
    query = QueryRectangle(WORLD, TIMES["points"], "EPSG:4326")
    url = session.ws_url(f"{session.api_paths.workflow}/{workflow.workflow_id}/vectorStream",
                         _vector_params(workflow, query))
    started = time.perf_counter()
    stream = ArrowMessageStream(url, session.headers())
    for _ in stream:
        pass
    return {"seconds": time.perf_counter() - started, "messages": stream.stats.messages,
            "bytes": stream.stats.bytes}


def load(base_url: str, case: str) -> dict:
    from geoengine_qgis.core.session import Session
    from geoengine_qgis.core.workflow import register_workflow
    from geoengine_qgis.qgis_glue.layers import LayerRequest, LoadOutcome, WorkflowLayerLoader
    from geoengine_qgis.qgis_glue.messages import Notifier
    from geoengine_qgis.qgis_glue.raster_resolution import ResolutionRequest
    from geoengine_qgis.qgis_glue.tasks import TaskRunner
    from geoengine_qgis.qgis_glue.tempfiles import PluginTempDir
    from qgis.core import QgsCoordinateReferenceSystem, QgsProject, QgsRectangle
    from qgis.gui import QgsMessageBar
    from qgis.PyQt.QtCore import QEventLoop, QTimer

    session = Session(base_url, use_env=False)
    workflow = register_workflow(WORKFLOWS.get(case, WORKFLOWS["ndvi6"]), session=session)
    bar = QgsMessageBar()
    notifier = Notifier(bar)
    folder = tempfile.mkdtemp(prefix="geoengine-stall-")
    loader = WorkflowLayerLoader(TaskRunner(notifier), PluginTempDir(folder), notifier, QgsProject.instance())
    resolution = ResolutionRequest("canvas", (1920, 960)) if case == "synthetic_canvas" else ResolutionRequest()
    start, end = TIMES.get(case, TIMES["ndvi6"])
    request = LayerRequest(str(workflow.workflow_id), QgsRectangle(*WORLD), QgsCoordinateReferenceSystem("EPSG:4326"),
                           start, end, name=case, resolution=resolution)

    process = psutil.Process()
    rss_before = process.memory_info().rss
    peak = [rss_before]
    gaps: list = []
    last = [time.perf_counter()]
    outcomes: list = []
    loop = QEventLoop()

    long_turns: list = []

    def tick() -> None:
        now = time.perf_counter()
        gaps.append((now - last[0]) * 1000)
        if gaps[-1] > 50:
            long_turns.append((round(now - started, 2), round(gaps[-1])))
        last[0] = now
        peak[0] = max(peak[0], process.memory_info().rss)

    timer = QTimer()
    timer.setInterval(TICK_MS)
    timer.timeout.connect(tick)
    started = time.perf_counter()
    timer.start()
    last[0] = time.perf_counter()

    finished: list = []

    def done(outcome) -> None:
        finished.append(round(time.perf_counter() - started, 2))
        outcomes.append(outcome)
        QTimer.singleShot(50, loop.quit)  # a few more ticks after the layer was added

    if case == "idle":
        QTimer.singleShot(3000, lambda: done(LoadOutcome()))
    else:
        loader.load(session, request, on_done=done)
    QTimer.singleShot(600_000, loop.quit)  # bounded
    loop.exec()
    seconds = time.perf_counter() - started
    timer.stop()
    if not outcomes or not outcomes[0].ok:
        raise SystemExit(f"{case}: the load failed: {outcomes[0].error if outcomes else 'timeout'}")
    layers = outcomes[0].layers
    ordered = sorted(gaps)
    return {
        "case": case, "seconds": seconds, "max_turn_ms": max(gaps),
        "p99_turn_ms": ordered[int(0.99 * (len(ordered) - 1))],
        "ticks": len(gaps), "rss_before_mb": rss_before / 1e6, "peak_rss_mb": peak[0] / 1e6,
        "ru_maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3,
        "long_turns": long_turns[-8:], "done_at": finished[:1],
        "layers": len(layers), "features": sum(getattr(layer, "featureCount", lambda: 0)() for layer in layers),
        "pixel_size": [getattr(layer, "rasterUnitsPerPixelX", lambda: None)() for layer in layers][:1],
    }


def main() -> int:
    base_url, case = sys.argv[1], sys.argv[2]
    if case == "points_raw":
        print(json.dumps({"case": case, **raw_points(base_url)}))
        return 0
    from qgis.testing import start_app

    start_app(cleanup=False)
    print(json.dumps(load(base_url, case)))
    sys.stdout.flush()
    import os

    os._exit(0)  # no QGIS teardown (see tests/conftest.py: it crashes at interpreter exit)


if __name__ == "__main__":
    sys.exit(main())

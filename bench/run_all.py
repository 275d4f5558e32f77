"""``make bench``: streaming benchmarks against the bundled server in a subprocess, printed as ratios.

1. raster stream -> GeoTIFF throughput / raw receive rate (same tiles, same websocket protocol; goal >= 0.8)
2. the official client (raster_stream_into_xarray + rioxarray GeoTIFF, in .venv-official) time / ours
   (goal > 1: ours faster)
3. peak RSS of a 20 000 x 20 000 px job / a 2 000 x 2 000 px job, each in its own process (goal < 300 MB,
   nearly flat)
1b. case 1 against a server that waits 8 ms per tile (wall time, not CPU): shows that the pipelined NEXT
    hides our decoding and compression when the server, not the CPU, is the bottleneck
4. the longest Qt event-loop turn on the main thread while the plugin's loader loads (a) six months of world
   NDVI, (b) one million points (``synthetic_points``), (c) a canvas-resolution world view of ``synthetic_u16``
   (goal < 100 ms each), each in its own headless QGIS (``bench/stall_case.py``), with its peak RSS
5. one million points as a layer (a FlatGeobuf file; case 4b's load time) / the same stream received raw (goal <= 2)

Every case alternates the compared runs and takes the median of ``--rounds``, so both see the same load.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
from server import OFFICIAL_PYTHON, PYTHON, ServerProcess, plugin_path  # noqa: E402

plugin_path()

from geoengine_qgis.core.geotiff_writer import TEMPORARY_CODEC, stream_raster_to_geotiff  # noqa: E402
from geoengine_qgis.core.raster_stream import plan_raster_stream  # noqa: E402
from geoengine_qgis.core.session import Session  # noqa: E402
from geoengine_qgis.core.streaming import ArrowMessageStream  # noqa: E402
from geoengine_qgis.core.types import QueryRectangle  # noqa: E402
from geoengine_qgis.core.workflow import register_workflow  # noqa: E402

HERE = Path(__file__).resolve().parent
SYNTHETIC = {"type": "Raster", "operator": {"type": "GdalSource", "params": {"data": "synthetic_u16"}}}
PIXEL = 0.0018
WHEN = "2014-01-01T00:00:00Z"


def window(pixels: int) -> QueryRectangle:
    return QueryRectangle((0.0, -pixels * PIXEL, pixels * PIXEL, 0.0), WHEN)


def raw_receive(session: Session, workflow, query: QueryRectangle) -> tuple[float, int, int]:
    """Seconds, messages and bytes for receiving and discarding every tile over the same protocol."""
    plan = plan_raster_stream(workflow.get_result_descriptor(), query)
    url = session.ws_url(f"{session.api_paths.workflow}/{workflow.workflow_id}/rasterStream", plan.params)
    started = time.perf_counter()
    stream = ArrowMessageStream(url, session.headers())
    for _ in stream:
        pass
    return time.perf_counter() - started, stream.stats.messages, stream.stats.bytes


def ours(workflow, query: QueryRectangle, compress: str = TEMPORARY_CODEC) -> float:
    with tempfile.TemporaryDirectory() as directory:
        started = time.perf_counter()
        stream_raster_to_geotiff(workflow, query, directory, compress=compress)
        return time.perf_counter() - started


def official(base_url: str, workflow, query: QueryRectangle) -> float:
    b = query.spatial_bounds
    with tempfile.TemporaryDirectory() as directory:
        result = subprocess.run(
            [str(OFFICIAL_PYTHON), str(HERE / "official_geotiff.py"), base_url, str(workflow.workflow_id),
             *(str(v) for v in (b.xmin, b.ymin, b.xmax, b.ymax)), WHEN, str(Path(directory) / "official.tif")],
            capture_output=True, text=True, timeout=900, check=False,
        )
    if result.returncode != 0:
        raise RuntimeError(f"the official client failed: {result.stderr[-2000:]}")
    return float(result.stdout.strip().splitlines()[-1])


def peak_rss(base_url: str, pixels: int, timeout: float = 900.0) -> tuple[float, float, float]:
    """(psutil peak RSS MB polled every 10 ms, the child's own ru_maxrss MB, seconds) of one job."""
    with tempfile.TemporaryDirectory() as directory:
        child = subprocess.Popen([str(PYTHON), str(HERE / "rss_case.py"), base_url, str(pixels), directory],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        process = psutil.Process(child.pid)
        peak, deadline = 0, time.monotonic() + timeout
        while child.poll() is None and time.monotonic() < deadline:
            try:
                peak = max(peak, process.memory_info().rss)
            except psutil.NoSuchProcess:
                break
            time.sleep(0.01)
        if child.poll() is None:
            child.kill()
        out, err = child.communicate(timeout=30)
    if child.returncode != 0:
        raise RuntimeError(f"rss case {pixels} failed: {err[-2000:]}")
    seconds, maxrss, _size = (float(v) for v in out.split())
    return peak / 1e6, maxrss, seconds


class CpuClock:
    """CPU seconds (user + system, all threads) a process spends inside the ``with`` block."""

    def __init__(self, process: psutil.Process | None = None) -> None:
        self.process = process or psutil.Process()
        self.seconds = 0.0

    def _now(self) -> float:
        times = self.process.cpu_times()
        return times.user + times.system

    def __enter__(self) -> CpuClock:
        self._start = self._now()
        return self

    def __exit__(self, *exc) -> None:
        self.seconds = self._now() - self._start


def verdict(ok: bool) -> str:
    return "goal met" if ok else "goal NOT met"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--throughput-px", type=int, default=8192, help="side of the throughput window (px)")
    parser.add_argument("--official-px", type=int, default=4096, help="side of the official-client window (px)")
    parser.add_argument("--skip-official", action="store_true")
    parser.add_argument("--compress", default=TEMPORARY_CODEC,
                        help="case 1 codec (geotiff_writer.CODECS): ZSTD, ZSTD_PREDICTOR, DEFLATE, DEFLATE_1, NONE")
    parser.add_argument("--only-throughput", action="store_true")
    parser.add_argument("--only-scale", action="store_true", help="only cases 4 and 5")
    args = parser.parse_args(argv)
    if args.only_scale:
        scale_cases(args)
        return 0

    with ServerProcess() as server:
        session = Session(server.base_url, use_env=False)
        workflow = register_workflow(SYNTHETIC, session=session)
        print(f"server {server.base_url}; {psutil.cpu_count()} CPUs; load {psutil.getloadavg()}")
        ours(workflow, window(1024))  # warm-up (imports, operator set-up)

        query = window(args.throughput_px)
        raws, writes = [], []
        cpu = {"server raw": [], "client raw": [], "server ours": [], "client ours": []}
        server_process = psutil.Process(server.process.pid)
        for _ in range(args.rounds):
            with CpuClock(server_process) as server_clock, CpuClock() as client_clock:
                seconds, messages, size = raw_receive(session, workflow, query)
            raws.append(seconds)
            cpu["server raw"].append(server_clock.seconds)
            cpu["client raw"].append(client_clock.seconds)
            with CpuClock(server_process) as server_clock, CpuClock() as client_clock:
                writes.append(ours(workflow, query, args.compress))
            cpu["server ours"].append(server_clock.seconds)
            cpu["client ours"].append(client_clock.seconds)
        raw_s, ours_s = statistics.median(raws), statistics.median(writes)
        ratio = raw_s / ours_s
        print(f"(1) {messages} tiles, {size / 1e6:.0f} MB: raw receive {messages / raw_s:.0f} tiles/s "
              f"({size / 1e6 / raw_s:.0f} MB/s), stream->GeoTIFF {messages / ours_s:.0f} tiles/s")
        per_tile = {k: 1000 * statistics.median(v) / messages for k, v in cpu.items()}
        print("    CPU ms per tile: " + ", ".join(f"{k} {v:.2f}" for k, v in per_tile.items()))
        print(f"    throughput ratio GeoTIFF ({args.compress}) / raw receive = {ratio:.2f} "
              f"(goal >= 0.9: {verdict(ratio >= 0.9)})")
        if args.only_throughput:
            return 0

        if args.skip_official:
            print("(2) skipped (--skip-official)")
        elif not (OFFICIAL_PYTHON.parent.parent / ".installed").exists():
            print("(2) skipped: .venv-official is not installed (make setup-official)")
        else:
            query = window(args.official_px)
            theirs, mine = [], []
            for _ in range(args.rounds):
                theirs.append(official(server.base_url, workflow, query))
                mine.append(ours(workflow, query))
            speedup = statistics.median(theirs) / statistics.median(mine)
            print(f"(2) {args.official_px}x{args.official_px} px: official client {statistics.median(theirs):.2f} s, "
                  f"ours {statistics.median(mine):.2f} s")
            print(f"    official time / our time = {speedup:.2f} (goal > 1: {verdict(speedup > 1.0)})")

        small = peak_rss(server.base_url, 2000)
        large = peak_rss(server.base_url, 20000)
        growth = large[0] / small[0]
        print(f"(3) peak RSS 2000 px: {small[0]:.0f} MB (ru_maxrss {small[1]:.0f} MB, {small[2]:.1f} s); "
              f"20000 px: {large[0]:.0f} MB (ru_maxrss {large[1]:.0f} MB, {large[2]:.1f} s)")
        print(f"    peak RSS ratio 20000 px / 2000 px = {growth:.2f}, 20000 px peak {large[0]:.0f} MB "
              f"(goal < 300 MB and nearly flat: {verdict(large[0] < 300 and growth < 1.5)})")
    throughput_with_slow_server(args)
    scale_cases(args)
    return 0


def stall_case(base_url: str, case: str, timeout: float = 900.0) -> dict:
    """One ``bench/stall_case.py`` run (its own headless QGIS) as a dict."""
    import json
    import os

    result = subprocess.run([str(PYTHON), str(HERE / "stall_case.py"), base_url, case], capture_output=True,
                            text=True, timeout=timeout, check=False,
                            env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    lines = [line for line in result.stdout.splitlines() if line.startswith("{")]
    if result.returncode != 0 or not lines:
        raise RuntimeError(f"stall case {case} failed: {result.stderr[-2000:]}")
    return json.loads(lines[-1])


def scale_cases(args: argparse.Namespace) -> None:
    """Cases 4 and 5 (see the module docstring)."""
    with ServerProcess() as server:
        print(f"load {psutil.getloadavg()}")
        idle = stall_case(server.base_url, "idle")
        print(f"(4) idle baseline (timer alone, 3 s): longest event-loop turn {idle['max_turn_ms']:.0f} ms, "
              f"99th percentile {idle['p99_turn_ms']:.0f} ms")
        results = {case: stall_case(server.base_url, case) for case in ("ndvi6", "points", "synthetic_canvas")}
        labels = {"ndvi6": "(4a) six months of world NDVI (6 GeoTIFF layers)",
                  "points": "(4b) one million points (FlatGeobuf file layer)",
                  "synthetic_canvas": "(4c) synthetic_u16 world at canvas resolution"}
        for case, r in results.items():
            what = f"{r['features']} features" if r["features"] else f"{r['layers']} layer(s), pixel {r['pixel_size']}"
            print(f"{labels[case]}: {r['seconds']:.2f} s, {what}; longest event-loop turn {r['max_turn_ms']:.0f} ms "
                  f"(99th percentile {r['p99_turn_ms']:.0f} ms; goal < 100 ms: {verdict(r['max_turn_ms'] < 100)}); "
                  f"RSS {r['rss_before_mb']:.0f} MB before, peak {r['peak_rss_mb']:.0f} MB")
        raws = [stall_case(server.base_url, "points_raw")["seconds"] for _ in range(max(1, min(args.rounds, 3)))]
        raw = statistics.median(raws)
        ratio = results["points"]["seconds"] / raw
        print(f"(5) one million points: load {results['points']['seconds']:.2f} s, raw receive {raw:.2f} s "
              f"(median of {len(raws)}); load / raw = {ratio:.1f} (goal <= 2: {verdict(ratio <= 2)}); "
              f"peak RSS {results['points']['peak_rss_mb']:.0f} MB")


def throughput_with_slow_server(args: argparse.Namespace, slow_tile_s: float = 0.008) -> None:
    """(1b) the same job against a server that waits ``slow_tile_s`` per tile: CPU is no longer the limit."""
    with ServerProcess(slow_tile_s=slow_tile_s) as server:
        session = Session(server.base_url, use_env=False)
        workflow = register_workflow(SYNTHETIC, session=session)
        ours(workflow, window(1024))
        query = window(args.throughput_px)
        raws, writes = [], []
        for _ in range(args.rounds):
            seconds, messages, _size = raw_receive(session, workflow, query)
            raws.append(seconds)
            writes.append(ours(workflow, query, args.compress))
        ratio = statistics.median(raws) / statistics.median(writes)
        print(f"(1b) server waiting {slow_tile_s * 1000:.0f} ms per tile: raw {messages / statistics.median(raws):.0f} "
              f"tiles/s, stream->GeoTIFF {messages / statistics.median(writes):.0f} tiles/s, ratio {ratio:.2f} "
              f"(goal >= 0.8: {verdict(ratio >= 0.8)})")


if __name__ == "__main__":
    sys.exit(main())

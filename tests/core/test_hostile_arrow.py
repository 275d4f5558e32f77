"""A hostile server's Arrow messages: forged offsets, truncated files, huge declared sizes, oversized messages.

Each stream is decoded in a child process (hostile_child.py): a forged offset read without validation kills
the process with SIGSEGV, which here is a failed assertion on its exit code, not a dead test run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import geoengine_qgis
import pytest

CHILD = Path(__file__).with_name("hostile_child.py")
PACKAGE_PARENT = str(Path(geoengine_qgis.__path__[0]).parent)


def run_child(url: str, kind: str) -> dict:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([PACKAGE_PARENT, os.environ.get("PYTHONPATH", "")]))
    done = subprocess.run([sys.executable, str(CHILD), url, kind], capture_output=True, text=True, timeout=180,
                          env=env)
    assert done.returncode == 0, f"the decoding process died (exit {done.returncode}): {done.stderr[-2000:]}"
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_child_reads_an_honest_stream(hostile):
    """The control: without hostile mode both streams decode (so a MalformedResponseError below is the mode's)."""
    vector, raster = run_child(hostile.base_url, "vector"), run_child(hostile.base_url, "raster")
    assert vector == {"error": None, "message": "", "items": vector["items"]} and vector["items"] > 1000
    assert raster["error"] is None and raster["items"] > 0


@pytest.mark.parametrize("mode, words", [
    ("forged_offset", "invalid Arrow record batch"),  # reads 4000 bytes of heap without validation
    ("forged_offset_huge", "invalid Arrow record batch"),  # SIGSEGV without validation
    ("truncated", "not an Arrow IPC file"),
])
def test_spoiled_vector_batches_are_malformed_responses(hostile, mode, words):
    hostile.config.hostile.arrow = mode
    result = run_child(hostile.base_url, "vector")
    assert result["error"] == "MalformedResponseError" and words in result["message"], result
    assert result["items"] == 0  # not one feature of a spoiled batch was handed out


@pytest.mark.parametrize("mode, words", [
    ("truncated", "not an Arrow IPC file"),
    ("huge_size", "declares 100000x100000 pixels"),
    ("oversized", "larger than the accepted"),  # 8 MiB more than a 512x512 U8 tile: refused by websocket size
])
def test_spoiled_raster_tiles_are_malformed_responses(hostile, mode, words):
    hostile.config.hostile.arrow = mode
    result = run_child(hostile.base_url, "raster")
    assert result["error"] == "MalformedResponseError" and words in result["message"], result
    assert result["items"] == 0


@pytest.mark.parametrize("kind", ["coverage", "mosaic"])
def test_a_coverage_declaring_ten_gigapixels_is_not_read(hostile, kind):
    """A 0.5 MB sparse GeoTIFF that declares 100000 x 100000 pixels: refused from its header (3 GiB address cap)."""
    control = run_child(hostile.base_url, kind)
    assert control["error"] is None and control["items"] > 0
    hostile.config.hostile.huge_coverage = True
    result = run_child(hostile.base_url, kind)
    assert result["error"] == "MalformedResponseError" and "declares 100000 x 100000 pixels" in result["message"]


def test_a_tile_placed_far_away_is_not_merged_into_a_huge_array(hostile):
    """Merging one slice allocates the box of all tiles: one tile 10^7 pixels away must not make it gigabytes."""
    control = run_child(hostile.base_url, "merge")
    assert control["error"] is None and control["items"] > 0
    hostile.config.hostile.arrow = "far_tile"
    result = run_child(hostile.base_url, "merge")
    assert result["error"] == "MalformedResponseError" and "a tile lies far outside the others" in result["message"]

"""raster_stream_into_xarray equals the official client's, both run in .venv-official (which has xarray)."""

from __future__ import annotations

import json
import subprocess
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
OFFICIAL = REPO / ".venv-official"

pytestmark = [pytest.mark.official, pytest.mark.timeout(300)]


@pytest.fixture(scope="module")
def official_python() -> Path:
    if not (OFFICIAL / ".installed").exists():
        pytest.fail(".venv-official is missing: run `make setup-official` (make test does)")
    return OFFICIAL / "bin" / "python"


def test_our_xarray_equals_the_official_one(official_python, base_url) -> None:
    parent = Path(tempfile.mkdtemp(prefix="geoengine-qgis-official-"))
    (parent / "geoengine_qgis").symlink_to(REPO, target_is_directory=True)
    result = subprocess.run(
        [str(official_python), str(Path(__file__).parent / "xarray_compare.py"), str(parent), base_url,
         "-15.03", "30.07", "40.04", "59.96", "2014-03-01T00:00:00Z", "2014-05-01T00:00:00Z"],
        capture_output=True, text=True, timeout=240, check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["dims"][0] == ["time", "band", "y", "x"] == report["dims"][1]
    assert report["shape"][0] == [2, 1, 1024, 1024] == report["shape"][1]
    assert report["x"] and report["y"] and report["time"]
    assert report["values"] and report["nan"] > 0  # the sea is no-data (NaN) on both sides
    # clipped: the pixels overlapping the box, edge pixels partly inside included, as the official client
    assert report["clip_shape"][0] == [2, 1, 300, 552] == report["clip_shape"][1]
    assert report["clip_values"]

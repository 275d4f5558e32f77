"""``make demo`` end to end: tools/demo.py in its own process writes a map with NDVI colours and ports, and fails
with one clear line (non-zero) when the server cannot start."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from osgeo import gdal

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "tools" / "demo.py"

pytestmark = [pytest.mark.qgis, pytest.mark.slow]


def run_demo(tmp_path, *extra, env=None, timeout=240):
    environment = dict(os.environ, QT_QPA_PLATFORM="offscreen", **(env or {}))
    return subprocess.run([sys.executable, str(DEMO), "--output", str(tmp_path / "demo.png"), "--timeout", "90",
                           *extra], cwd=REPO, env=environment, capture_output=True, text=True, timeout=timeout)


def test_demo_renders_ndvi_and_ports(tmp_path):
    result = run_demo(tmp_path, "--size", "600")
    assert result.returncode == 0, result.stderr[-2000:]
    out = result.stdout
    assert "Plugin started as QGIS does: geoengine_qgis.plugin.GeoEnginePlugin" in out
    assert "provenance: Nasa Earth Observations, MODIS Vegetation Index Products" in out
    assert "provenance: Natural Earth, Cultural Vectors 10m Ports" in out
    assert "Quota:" in out and "symbology:PaletteColorizer" in out

    image = gdal.Open(str(tmp_path / "demo.png"))
    assert (image.RasterXSize, image.RasterYSize) == (600, 600)
    rgb = np.dstack([image.GetRasterBand(b).ReadAsArray() for b in (1, 2, 3)]).astype(int)
    white = (rgb == 255).all(axis=2)
    assert white.mean() < 0.05  # the NDVI raster covers the map
    greenish = (rgb[..., 1] > rgb[..., 0] + 10) & (rgb[..., 1] > rgb[..., 2])
    assert greenish.mean() > 0.05  # vegetation colours of the palette over central Africa
    port_blue = (np.abs(rgb - np.array([0, 92, 170])).sum(axis=2) < 40)
    assert port_blue.sum() > 100  # the port markers


def test_demo_failure_is_one_clear_line(tmp_path):
    result = run_demo(tmp_path, env={"GEOENGINE_TEST_DATA": str(tmp_path / "no-such-data")}, timeout=120)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1].startswith("make demo failed: the test server exited")
    assert not (tmp_path / "demo.png").exists()

"""The GeoTIFF sink fed tiles in random orders writes the same files, equal to the direct array."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).parent))
from geoengine_qgis.core.errors import MalformedResponseError  # noqa: E402
from geoengine_qgis.core.geotiff_writer import GeoTiffSink, default_no_data_value  # noqa: E402
from geoengine_qgis.core.raster import RasterStreamProcessing  # noqa: E402
from geoengine_qgis.core.tiling import TilingGrid  # noqa: E402
from geoengine_qgis.core.types import GeoTransform  # noqa: E402
from stream_helpers import read_tif  # noqa: E402
from tile_cases import Case, cut_tiles, expected_on_tiles  # noqa: E402

TILE = 16  # GeoTIFF blocks must be multiples of 16 px
DTYPES = {"U8": np.uint8, "U16": np.uint16, "I16": np.int16, "F32": np.float32, "I32": np.int32, "I8": np.int8,
          "U32": np.uint32, "U64": np.uint64, "I64": np.int64, "F64": np.float64}


def sink_for(case: Case, directory: Path, stem: str) -> GeoTiffSink:
    grid = TilingGrid.for_raster(GeoTransform(case.col0 * case.pixel, -case.row0 * case.pixel, case.pixel,
                                              -case.pixel), TILE)
    tiles = grid.tile_range(*case.bbox())
    return GeoTiffSink(directory, stem, grid, tiles, list(case.bands), case.data.dtype, "EPSG:4326")


@st.composite
def cases(draw) -> Case:
    data_type = draw(st.sampled_from(sorted(DTYPES)))
    dtype = np.dtype(DTYPES[data_type])
    n_times, n_bands = draw(st.integers(1, 2)), draw(st.integers(1, 3))
    height, width = draw(st.integers(1, 40)), draw(st.integers(1, 40))
    rng = np.random.default_rng(draw(st.integers(0, 2**31 - 1)))
    shape = (n_times, n_bands, height, width)
    if dtype.kind == "f":
        values = rng.normal(0, 100, shape).astype(dtype)
    else:
        info = np.iinfo(dtype)
        values = rng.integers(info.min, info.max, shape, endpoint=False, dtype=dtype)  # max is U16's no-data
        values[values == default_no_data_value(dtype)] += 1  # keep valid pixels distinct from no-data
    mask = rng.random(shape) < draw(st.sampled_from([0.0, 0.2, 1.0]))
    return Case(np.ma.MaskedArray(values, mask=mask), draw(st.integers(-40, 40)), draw(st.integers(-40, 40)),
                TILE, data_type=data_type, times=((0, 10), (10, 20))[:n_times],
                bands=tuple(range(n_bands)))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(case=cases(), seeds=st.tuples(st.integers(0, 1000), st.integers(0, 1000)))
def test_random_tile_orders_write_identical_files_equal_to_the_array(case: Case, seeds, tmp_path_factory) -> None:
    results = []
    for run, seed in enumerate(seeds):
        directory = tmp_path_factory.mktemp("sink")
        messages = cut_tiles(case)
        np.random.default_rng(seed).shuffle(messages)
        sink = sink_for(case, directory, f"run{run}")
        paths = sink.write_all(RasterStreamProcessing.process_bytes(m) for m in messages)
        assert len(paths) == len(case.times) and sink.no_data_collisions == 0
        results.append([read_tif(p) for p in paths])
    no_data = default_no_data_value(case.data.dtype)
    for t, (first, second) in enumerate(zip(*results)):
        np.testing.assert_array_equal(first.array, second.array)
        assert first.geo_transform == second.geo_transform
        expected = expected_on_tiles(case, t)
        assert first.array.shape == expected.shape
        np.testing.assert_array_equal(first.array, expected.filled(no_data))
        tx0, ty0, _, _ = case.tile_range()
        assert first.geo_transform == pytest.approx((tx0 * TILE * case.pixel, case.pixel, 0.0,
                                                     -ty0 * TILE * case.pixel, 0.0, -case.pixel))


def test_tiles_off_the_grid_or_of_unknown_bands_are_refused_unplanned_ones_dropped(tmp_path, caplog) -> None:
    case = Case(np.ma.MaskedArray(np.ones((1, 1, 16, 16), np.uint16)), 0, 0, TILE, times=((0, 1),))
    tile = RasterStreamProcessing.process_bytes(cut_tiles(case)[0])
    other = Case(np.ma.MaskedArray(np.ones((1, 1, 16, 16), np.uint16)), 32, 0, TILE, times=((0, 1),))
    sink = sink_for(other, tmp_path, "x")
    assert sink.write_all([tile]) == []  # a tile wholly outside the plan is dropped with a log line, no abort
    assert "dropped" in caplog.text and list(tmp_path.iterdir()) == []
    off = Case(np.ma.MaskedArray(np.ones((1, 1, 16, 16), np.uint16)), 0, 0, TILE, pixel=0.5, times=((0, 1),))
    off_tile = RasterStreamProcessing.process_bytes(cut_tiles(off)[0])
    off_tile.geo_transform = GeoTransform(0.2, 0.0, 0.5, -0.5)  # not on the pixel lattice
    with pytest.raises(MalformedResponseError, match="not on the raster's pixel grid"):
        sink_for(case, tmp_path, "w").write_all([off_tile])
    assert list(tmp_path.iterdir()) == []
    sink = sink_for(case, tmp_path, "y")
    tile.band = 4
    with pytest.raises(MalformedResponseError, match="band 4"):
        sink.write_all([tile])
    assert list(tmp_path.iterdir()) == []


def test_collisions_with_the_no_data_value_are_counted(tmp_path) -> None:
    case = Case(np.ma.MaskedArray(np.zeros((1, 1, 16, 16), np.uint8)), 0, 0, TILE, data_type="U8", times=((0, 1),))
    sink = sink_for(case, tmp_path, "z")
    sink.write_all(RasterStreamProcessing.process_bytes(m) for m in cut_tiles(case))
    assert sink.no_data_collisions == 256


def test_the_writer_thread_yields_the_cpu_to_the_receiving_thread(tmp_path, monkeypatch) -> None:
    import os
    import threading

    case = Case(np.ma.MaskedArray(np.arange(256, dtype=np.uint8).reshape(1, 1, 16, 16)), 0, 0, TILE,
                data_type="U8", times=((0, 1),))
    seen = []
    original = GeoTiffSink.write

    def write(self, tile):
        seen.append((threading.current_thread().name, os.getpriority(os.PRIO_PROCESS, threading.get_native_id())))
        return original(self, tile)

    monkeypatch.setattr(GeoTiffSink, "write", write)
    receiving = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    paths = sink_for(case, tmp_path, "n").write_all(RasterStreamProcessing.process_bytes(m) for m in cut_tiles(case))
    assert len(paths) == 1 and seen
    assert seen == [("geotiff-writer", min(19, receiving + 10))] * len(seen)
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == receiving  # the caller keeps its own

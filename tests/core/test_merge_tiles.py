"""Tile decoding and merging: random arrays cut into Geo Engine tiles, decoded and merged in random order."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).parent))
from geoengine_qgis.core.errors import MalformedResponseError  # noqa: E402
from geoengine_qgis.core.raster import RasterStreamProcessing, merge_time_series  # noqa: E402
from tile_cases import Case, cut_tiles, expected_on_tiles  # noqa: E402

DTYPES = {"U8": np.uint8, "U16": np.uint16, "I16": np.int16, "I32": np.int32, "F32": np.float32, "F64": np.float64,
          "U64": np.uint64, "I8": np.int8}


@st.composite
def cases(draw) -> Case:
    data_type = draw(st.sampled_from(sorted(DTYPES)))
    dtype = DTYPES[data_type]
    n_times = draw(st.integers(1, 2))
    n_bands = draw(st.integers(1, 3))
    height, width = draw(st.integers(1, 23)), draw(st.integers(1, 23))
    tile = draw(st.sampled_from([4, 5, 8]))
    col0, row0 = draw(st.integers(-20, 20)), draw(st.integers(-20, 20))
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    shape = (n_times, n_bands, height, width)
    if np.dtype(dtype).kind == "f":
        values = rng.normal(0, 1000, shape).astype(dtype)
    else:
        info = np.iinfo(dtype)
        values = rng.integers(max(info.min, -(2**31)), min(info.max, 2**31), shape, endpoint=True).astype(dtype)
    mask = rng.random(shape) < draw(st.sampled_from([0.0, 0.1, 0.5, 1.0]))
    bands = tuple(sorted(draw(st.sets(st.integers(0, 5), min_size=n_bands, max_size=n_bands))))
    return Case(np.ma.MaskedArray(values, mask=mask), col0, row0, tile, data_type=data_type,
                times=((0, 10), (10, 20))[:n_times], bands=bands)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=cases(), order_seed=st.integers(0, 2**31 - 1))
def test_merge_in_any_order_equals_the_direct_array(case: Case, order_seed: int) -> None:
    messages = cut_tiles(case)
    np.random.default_rng(order_seed).shuffle(messages)
    tiles = [RasterStreamProcessing.process_bytes(m) for m in messages]
    merged = merge_time_series(tiles)
    assert [m.time_start_ms for m in merged] == [t[0] for t in case.times]
    tx0, ty0, _, _ = case.tile_range()
    for t, raster in enumerate(merged):
        expected = expected_on_tiles(case, t)
        assert raster.bands == list(case.bands)
        assert raster.data.shape == expected.shape
        assert raster.data.dtype == case.data.dtype
        np.testing.assert_array_equal(np.ma.getmaskarray(raster.data), np.ma.getmaskarray(expected))
        valid = ~np.ma.getmaskarray(expected)
        np.testing.assert_array_equal(raster.data.data[valid], expected.data[valid])
        gt = raster.geo_transform
        assert gt.x_min == pytest.approx(tx0 * case.tile * case.pixel)
        assert gt.y_max == pytest.approx(-ty0 * case.tile * case.pixel)
        assert (gt.x_pixel_size, gt.y_pixel_size) == (case.pixel, -case.pixel)


def test_decoding_is_a_view_with_the_validity_bitmap_as_mask() -> None:
    data = np.ma.MaskedArray(np.arange(9 * 7, dtype=np.uint16).reshape(7, 9), mask=False)
    data.mask[0, 0] = data.mask[3, 8] = data.mask[6, 1] = True
    case = Case(data[None, None], 0, 0, 9, times=((5, 6),))
    message = cut_tiles(case)[0]
    batch = RasterStreamProcessing.read_arrow_ipc(message)
    tile = RasterStreamProcessing.process_bytes(message)
    assert not tile.data.data.flags.owndata  # a view on the Arrow buffer, not a copy
    assert tile.band == 0 and (tile.time_start_ms, tile.time_end_ms) == (5, 6)
    assert tile.crs == "EPSG:4326"
    assert tile.shape == (9, 9)  # full tile size; the rows outside the data is no-data
    assert batch.column(0).null_count == 2 * 9 + 3  # two rows below the data + three masked
    assert tile.data.mask[0, 0] and tile.data.mask[3, 8] and tile.data.mask[6, 1] and tile.data.mask[7:].all()
    assert tile.data[1, 1] == data[1, 1] and tile.data[6, 8] == data[6, 8]
    assert str(tile.time_start) == "1970-01-01T00:00:00.005"


def test_tile_without_nulls_has_no_mask_and_full_tiles_are_empty() -> None:
    full = Case(np.ma.MaskedArray(np.ones((1, 1, 4, 4), np.uint8)), 0, 0, 4, data_type="U8", times=((0, 1),))
    tile = RasterStreamProcessing.process_bytes(cut_tiles(full)[0])
    assert tile.data.mask is np.ma.nomask and not tile.has_null_values and not tile.is_empty()
    empty = Case(np.ma.masked_all((1, 1, 4, 4), np.uint8), 0, 0, 4, data_type="U8", times=((0, 1),))
    tile = RasterStreamProcessing.process_bytes(cut_tiles(empty)[0])
    assert tile.is_empty() and tile.to_numpy_mask_array().all()


@pytest.mark.parametrize("payload", [b"", b"not arrow at all", b"ARROW1\x00\x00garbage"])
def test_malformed_messages_raise_a_clear_error(payload: bytes) -> None:
    with pytest.raises(MalformedResponseError, match="Arrow IPC"):
        RasterStreamProcessing.process_bytes(payload)


def _ipc(batch: pa.RecordBatch) -> bytes:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_file(sink, batch.schema) as writer:
        writer.write_batch(batch)
    return sink.getvalue().to_pybytes()


def test_missing_metadata_and_wrong_pixel_count_are_named() -> None:
    schema = pa.schema([pa.field("data", pa.uint8())], metadata={"xSize": "2", "ySize": "2"})
    batch = pa.RecordBatch.from_arrays([pa.array([1, 2, 3, 4], pa.uint8())], schema=schema)
    with pytest.raises(MalformedResponseError, match="metadata"):
        RasterStreamProcessing.process_bytes(_ipc(batch))
    meta = {"geoTransform": '{"originCoordinate":{"x":0,"y":0},"xPixelSize":1,"yPixelSize":-1}', "xSize": "3",
            "ySize": "2", "time": '{"start":0,"end":1}', "spatialReference": "EPSG:4326", "band": "0"}
    batch = pa.RecordBatch.from_arrays([pa.array([1, 2, 3, 4], pa.uint8())],
                                       schema=pa.schema([pa.field("data", pa.uint8())], metadata=meta))
    with pytest.raises(MalformedResponseError, match="4 pixels, expected 3x2"):
        RasterStreamProcessing.process_bytes(_ipc(batch))
    batch = pa.RecordBatch.from_arrays([pa.array(["a"] * 6)],
                                       schema=pa.schema([pa.field("data", pa.utf8())], metadata=meta))
    with pytest.raises(MalformedResponseError, match="unsupported pixel type"):
        RasterStreamProcessing.process_bytes(_ipc(batch))


def test_merge_tiles_refuses_mixed_times_and_returns_none_for_nothing() -> None:
    case = Case(np.ma.MaskedArray(np.ones((2, 1, 4, 4), np.uint16)), 0, 0, 4)
    tiles = [RasterStreamProcessing.process_bytes(m) for m in cut_tiles(case)]
    assert RasterStreamProcessing.merge_tiles([]) is None
    with pytest.raises(ValueError, match="one time slice"):
        RasterStreamProcessing.merge_tiles(tiles)
    assert RasterStreamProcessing.merge_tiles(tiles[:1]).data.shape == (1, 4, 4)

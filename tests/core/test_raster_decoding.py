"""core.raster decoding edges with hand-built Arrow tiles: size limits, non-square tiles, validity
bitmaps without nulls, pixel coordinates, and the far-tile guard of merging at its exact threshold.

Truth: the tile format of geo-engine/geoengine@5748ef7:operators/src/util/raster_stream_to_arrow (one nullable
``data`` column, row-major; ``geoTransform``/``xSize``/``ySize``/``time``/``band`` metadata) built here with
pyarrow, and numbers worked out by hand.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from geoengine_qgis.core.errors import MalformedResponseError  # noqa: E402
from geoengine_qgis.core.raster import MAX_TILE_SIDE, RasterStreamProcessing, RasterTile2D  # noqa: E402
from geoengine_qgis.core.types import GeoTransform  # noqa: E402
from tile_cases import tile_message  # noqa: E402

T = (1396310400000, 1398902400000)


def batch(column: pa.Array, width: int, height: int) -> pa.RecordBatch:
    metadata = {"geoTransform": json.dumps({"originCoordinate": {"x": 10.0, "y": 50.0}, "xPixelSize": 0.5,
                                             "yPixelSize": -0.5}),
                "xSize": str(width), "ySize": str(height), "time": json.dumps({"start": T[0], "end": T[1]}),
                "band": "0"}
    schema = pa.schema([pa.field("data", column.type)], metadata=metadata)
    return pa.RecordBatch.from_arrays([column], schema=schema)


def test_tile_sides_up_to_8192_pixels():
    assert MAX_TILE_SIDE == 8192
    for width, height in ((8192, 1), (1, 8192)):
        tile = RasterTile2D.from_record_batch(batch(pa.array(np.zeros(8192, np.uint8)), width, height))
        assert tile.shape == (height, width)
    for width, height in ((8193, 1), (1, 8193), (1, 0), (0, 1)):
        with pytest.raises(MalformedResponseError, match=f"declares {width}x{height} pixels"):
            RasterTile2D.from_record_batch(batch(pa.array(np.zeros(width * height, np.uint8)), width, height))


def test_non_square_tile_is_row_major_with_its_coordinates():
    tile = RasterStreamProcessing.process_bytes(tile_message(np.ma.masked_array(np.arange(6, dtype=np.int16)
                                                                                .reshape(2, 3)), 10.0, 50.0, 0.5,
                                                             T, 0))
    np.testing.assert_array_equal(tile.data.data, [[0, 1, 2], [3, 4, 5]])
    assert tile.bounds == (10.0, 49.0, 11.5, 50.0)
    np.testing.assert_allclose(tile.coords_x(), [10.0, 10.5, 11.0])  # pixel edges by default
    np.testing.assert_allclose(tile.coords_x(True), [10.25, 10.75, 11.25])
    np.testing.assert_allclose(tile.coords_y(), [50.0, 49.5])
    np.testing.assert_allclose(tile.coords_y(True), [49.75, 49.25])
    assert RasterStreamProcessing.process_bytes(None) is None


def test_a_validity_bitmap_without_nulls_gives_no_mask():
    values = pa.py_buffer(np.arange(6, dtype=np.uint8).tobytes())
    all_valid = pa.py_buffer(bytes([0b00111111]))
    column = pa.Array.from_buffers(pa.uint8(), 6, [all_valid, values], null_count=-1)  # keeps the bitmap
    assert column.buffers()[0] is not None and column.null_count == 0
    tile = RasterTile2D.from_record_batch(batch(column, 3, 2))
    assert tile.data.mask is np.ma.nomask and not tile.has_null_values
    one_null = pa.Array.from_buffers(pa.uint8(), 6, [pa.py_buffer(bytes([0b00111011])), values], null_count=1)
    masked = RasterTile2D.from_record_batch(batch(one_null, 3, 2))
    np.testing.assert_array_equal(np.ma.getmaskarray(masked.data), [[False, False, True], [False, False, False]])


def test_merged_xarray_keeps_integers_without_no_data_and_nan_with_it():
    tile = RasterTile2D(np.ma.masked_array(np.arange(4, dtype=np.uint8).reshape(2, 2)),
                        GeoTransform(0.0, 2.0, 1.0, -1.0), "EPSG:4326", T[0], T[1], 0)
    merged = RasterStreamProcessing.merge_tiles([tile])
    plain = merged.to_xarray()
    assert plain.dtype == np.uint8 and plain.values.tolist() == [[[0, 1], [2, 3]]]
    holed = RasterTile2D(np.ma.masked_array(np.arange(4, dtype=np.uint8).reshape(2, 2), mask=[[1, 0], [0, 0]]),
                         GeoTransform(0.0, 2.0, 1.0, -1.0), "EPSG:4326", T[0], T[1], 0)
    with_nan = RasterStreamProcessing.merge_tiles([holed]).to_xarray()
    assert with_nan.dtype == np.float64 and np.isnan(with_nan.values[0, 0, 0]) and with_nan.values[0, 1, 1] == 3


def test_tile_helpers_defaults_and_xarray():
    holed = RasterTile2D(np.ma.masked_array(np.arange(6, dtype=np.uint8).reshape(2, 3), mask=[[1, 0, 0], [0, 0, 0]]),
                         GeoTransform(10.0, 50.0, 0.5, -0.5), "EPSG:4326", T[0], T[1], 2)
    assert (holed.size_x, holed.size_y) == (3, 2)
    assert holed.to_numpy_data_array().tolist() == [[0, 1, 2], [3, 4, 5]]  # no-data filled with 0 by default
    array = holed.to_xarray()
    assert array.dims == ("y", "x") and np.isnan(array.values[0, 0]) and array.values[1, 2] == 5
    np.testing.assert_allclose(array.x.values, [10.25, 10.75, 11.25])
    np.testing.assert_allclose(array.y.values, [49.75, 49.25])
    assert int(array.band) == 2 and array.attrs["crs"] == "EPSG:4326"


def test_without_xarray_the_tile_names_the_package(monkeypatch):
    from geoengine_qgis.core.errors import MissingDependencyError

    monkeypatch.setitem(sys.modules, "xarray", None)
    tile = RasterTile2D(np.ma.masked_array(np.zeros((1, 1), np.uint8)), GeoTransform(0.0, 1.0, 1.0, -1.0),
                        "EPSG:4326", T[0], T[1], 0)
    with pytest.raises(MissingDependencyError, match="xarray"):
        tile.to_xarray()


def test_decoding_shares_the_arrow_buffer_and_reads_a_prefix_slice():
    column = pa.array(np.arange(8, dtype=np.uint16))
    tile = RasterTile2D.from_record_batch(batch(column.slice(0, 6), 3, 2))
    assert tile.data.data.tolist() == [[0, 1, 2], [3, 4, 5]]  # a buffer longer than the pixels is fine
    assert tile.data.data.ctypes.data == column.buffers()[1].address  # a view, not a copy
    shifted = RasterTile2D.from_record_batch(batch(column.slice(2, 6), 3, 2))  # an offset into the buffer
    assert shifted.data.data.tolist() == [[2, 3, 4], [5, 6, 7]]


def test_tiles_without_a_data_column_or_batch_are_named():
    empty = pa.RecordBatch.from_arrays([], schema=pa.schema([], metadata=batch(pa.array([1], pa.uint8()), 1, 1)
                                                              .schema.metadata))
    with pytest.raises(MalformedResponseError, match="has no data column"):
        RasterTile2D.from_record_batch(empty)
    sink = pa.BufferOutputStream()
    with pa.ipc.new_file(sink, pa.schema([pa.field("data", pa.uint8())])):
        pass  # a file without any record batch
    with pytest.raises(MalformedResponseError, match="holds no record batch"):
        RasterStreamProcessing.read_arrow_ipc(sink.getvalue().to_pybytes())


def test_merging_places_tiles_by_rounded_offsets():
    a = RasterTile2D(np.ma.masked_array(np.full((1, 3), 1, np.uint8)), GeoTransform(0.0, 1.0, 0.1, -0.1),
                     "EPSG:4326", T[0], T[1], 0)
    b = RasterTile2D(np.ma.masked_array(np.full((1, 3), 2, np.uint8)), GeoTransform(0.3, 1.0, 0.1, -0.1),
                     "EPSG:4326", T[0], T[1], 0)  # 0.3 / 0.1 = 2.9999999999999996: pixel 3, not 2
    merged = RasterStreamProcessing.merge_tiles([a, b])
    assert merged.data.data.tolist() == [[[1, 1, 1, 2, 2, 2]]]
    c = RasterTile2D(np.ma.masked_array(np.full((3, 1), 3, np.uint8)), GeoTransform(0.0, 0.7, 0.1, -0.1),
                     "EPSG:4326", T[0], T[1], 0)  # rows 3..5 below a (0.3 / 0.1 again)
    tall = RasterStreamProcessing.merge_tiles([a, c])
    assert tall.data.shape == (1, 6, 3) and tall.data.data[0, 3:, 0].tolist() == [3, 3, 3]
    xr = tall.to_xarray()
    np.testing.assert_allclose(xr.x.values, [0.05, 0.15, 0.25])
    np.testing.assert_allclose(xr.y.values, [0.95, 0.85, 0.75, 0.65, 0.55, 0.45])


def strip_tile(offset: int, length: int, band: int, vertical: bool) -> RasterTile2D:
    shape, origin = ((length, 1), (0.0, -float(offset))) if vertical else ((1, length), (float(offset), 0.0))
    return RasterTile2D(np.ma.masked_array(np.ones(shape, np.uint8)), GeoTransform(*origin, 1.0, -1.0),
                        "EPSG:4326", T[0], T[1], band)


@pytest.mark.parametrize("vertical", [False, True])
@pytest.mark.parametrize("span, merges", [(1_048_581, True), (1_048_583, False), (1_048_590, False)])
def test_far_tile_guard_at_its_threshold(span, merges, vertical):
    """Two bands, tiles of 1 and 2 pixels: covered = 3 / 2 = 1.5 pixels per band, so a slice may span at most
    4 * 1.5 + 2**20 = 1 048 582 pixels. The far tile comes first, so the other lies at a negative offset."""
    tiles = [strip_tile(span - 2, 2, 1, vertical), strip_tile(0, 1, 0, vertical)]
    if merges:
        merged = RasterStreamProcessing.merge_tiles(tiles)
        assert merged.data.shape == ((2, span, 1) if vertical else (2, 1, span)) and merged.bands == [0, 1]
        line = merged.data.reshape(2, span)
        assert line[0, 0] == 1 and line[1, span - 1] == 1 and np.ma.is_masked(line[0, 1])
    else:
        size = f"1 x {span}" if vertical else f"{span} x 1"
        with pytest.raises(MalformedResponseError, match=f"span {size} pixels but cover only 1"):
            RasterStreamProcessing.merge_tiles(tiles)

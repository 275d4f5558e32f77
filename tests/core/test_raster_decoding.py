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


def line_tile(x: int, width: int, band: int) -> RasterTile2D:
    return RasterTile2D(np.ma.masked_array(np.ones((1, width), np.uint8)), GeoTransform(float(x), 1.0, 1.0, -1.0),
                        "EPSG:4326", T[0], T[1], band)


@pytest.mark.parametrize("span, merges", [(1_048_581, True), (1_048_583, False), (1_048_590, False)])
def test_far_tile_guard_at_its_threshold(span, merges):
    """Two bands, tiles of 1 and 2 pixels: covered = 3 / 2 = 1.5 pixels per band, so a slice may span at most
    4 * 1.5 + 2**20 = 1 048 582 pixels."""
    tiles = [line_tile(0, 1, 0), line_tile(span - 2, 2, 1)]
    if merges:
        merged = RasterStreamProcessing.merge_tiles(tiles)
        assert merged.data.shape == (2, 1, span) and merged.bands == [0, 1]
        assert merged.data[0, 0, 0] == 1 and merged.data[1, 0, span - 1] == 1 and np.ma.is_masked(merged.data[0, 0, 1])
    else:
        with pytest.raises(MalformedResponseError, match=f"span {span} x 1 pixels but cover only 1"):
            RasterStreamProcessing.merge_tiles(tiles)

"""GeoTiffSink edge cases, checked by reading the written GeoTIFFs back with GDAL and against hand-worked numbers:
the flush schedule (every 4 MiB of pixels, module docstring), band names shorter than the band list, slices
finished with tiles missing, overview strips of a tall narrow file (every f-th pixel of the full-resolution
image, nearest neighbour), unplanned tiles at the file's edges, a broken tile source while the writer queue is
full, and the no-data collision warning."""

from __future__ import annotations

import logging
import os
import queue
import sys
import threading
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
from osgeo import gdal

sys.path.insert(0, str(Path(__file__).resolve().parent))
from geoengine_qgis.core import geotiff_writer as gw  # noqa: E402
from geoengine_qgis.core.errors import MalformedResponseError  # noqa: E402
from geoengine_qgis.core.geotiff_writer import GeoTiffSink, stream_raster_to_geotiff  # noqa: E402
from geoengine_qgis.core.raster import RasterTile2D  # noqa: E402
from geoengine_qgis.core.tiling import TileRange, TilingGrid  # noqa: E402
from geoengine_qgis.core.types import GeoTransform, QueryRectangle  # noqa: E402
from stream_helpers import SYNTHETIC, workflow  # noqa: E402

gdal.UseExceptions()
NO_DATA_U16 = 65535  # the default no-data value of U16 (the type's maximum)


def grid(tile: int) -> TilingGrid:
    return TilingGrid(0.0, 0.0, 1.0, -1.0, tile)  # 1 unit pixels anchored at (0, 0)


def tile_at(column: int, row: int, values: np.ndarray, band: int = 0, time=(0, 1), mask=None) -> RasterTile2D:
    """A tile whose upper-left pixel is grid pixel (column, row)."""
    data = np.ma.MaskedArray(values, mask=np.ma.nomask if mask is None else mask)
    return RasterTile2D(data, GeoTransform(float(column), float(-row), 1.0, -1.0), "EPSG:4326", time[0], time[1],
                        band)


def sink(tmp_path: Path, tiles: TileRange, tile: int, dtype=np.uint16, bands=(0,), **kwargs) -> GeoTiffSink:
    return GeoTiffSink(tmp_path, "t", grid(tile), tiles, list(bands), dtype, "EPSG:4326", **kwargs)


def test_cached_blocks_are_flushed_after_every_4_mib(tmp_path, monkeypatch):
    """Eight 512 px U32 tiles of exactly 1 MiB each: flushed after the 4th and the 8th, then once more on closing."""
    flushes = []
    real_flush = gw._flush

    def counting_flush(open_file):
        flushes.append(open_file.tiles_left)
        real_flush(open_file)

    monkeypatch.setattr(gw, "_flush", counting_flush)
    target = sink(tmp_path, TileRange(0, 0, 8, 1), 512, np.uint32)  # 4096 x 512 px: no overviews
    assert 512 * 512 * 4 == 1 << 20
    expected = np.zeros((512, 4096), np.uint32)
    for tx in range(8):
        values = np.full((512, 512), tx + 1, np.uint32)
        expected[:, tx * 512:(tx + 1) * 512] = values
        target.write(tile_at(tx * 512, 0, values))
    # tiles_left when flushed: 8 - 3 = 5 after the 4th tile, 1 after the 8th, 0 when the file closes
    assert flushes == [5, 1, 0]
    (path,) = target.finish()
    np.testing.assert_array_equal(gdal.Open(str(path)).ReadAsArray(), expected)


def test_a_flush_leaves_no_overview_blocks_in_gdals_cache(tmp_path):
    """Four 1 MiB tiles of a file with overviews: the 4 MiB flush writes the level-2 overview blocks too (1 MiB),
    so GDAL's block cache holds no more than before the file was made (it grew with the file otherwise)."""
    before = gdal.GetCacheUsed()
    target = sink(tmp_path, TileRange(0, 0, 9, 1), 512, np.uint32)  # 4608 x 512 px: overviews 2 .. 32
    for tx in range(4):
        target.write(tile_at(tx * 512, 0, np.full((512, 512), tx + 1, np.uint32)))
    assert gdal.GetCacheUsed() - before < 64 << 10
    target.finish()


def test_band_names_shorter_than_the_bands_name_the_first_bands_only(tmp_path):
    target = sink(tmp_path, TileRange(0, 0, 1, 1), 16, bands=(3, 5), band_names=["nir"])
    for band in (3, 5):
        target.write(tile_at(0, 0, np.full((16, 16), band, np.uint16), band=band))
    (path,) = target.finish()
    dataset = gdal.Open(str(path))
    assert [dataset.GetRasterBand(i).GetDescription() for i in (1, 2)] == ["nir", ""]
    assert [int(dataset.GetRasterBand(i).ReadAsArray()[0, 0]) for i in (1, 2)] == [3, 5]


def test_finish_closes_a_slice_with_missing_tiles(tmp_path):
    """Two tiles planned, one arrives: after finish() the file on disk holds it, the other tile is no-data."""
    target = sink(tmp_path, TileRange(0, 0, 2, 1), 16)
    values = np.arange(256, dtype=np.uint16).reshape(16, 16)
    target.write(tile_at(0, 0, values))
    (path,) = target.finish()
    array = gdal.Open(str(path)).ReadAsArray()  # read while the sink still exists: finish() closed the file
    np.testing.assert_array_equal(array[:, :16], values)
    assert (array[:, 16:] == NO_DATA_U16).all()
    assert target.paths == [path]


def test_slices_with_the_same_start_get_the_end_in_their_name(tmp_path):
    """Slices (0, 10) and (0, 20) ms start alike: the second file is named <stem>_<start>_<end>.tif."""
    target = sink(tmp_path, TileRange(0, 0, 1, 1), 16)
    for value, time in ((1, (0, 10)), (2, (0, 20))):
        target.write(tile_at(0, 0, np.full((16, 16), value, np.uint16), time=time))
    paths = target.finish()
    assert [p.name for p in paths] == ["t_19700101T000000Z.tif", "t_19700101T000000Z_19700101T000000020Z.tif"]
    assert [int(gdal.Open(str(p)).ReadAsArray()[0, 0]) for p in paths] == [1, 2]
    assert gdal.Open(str(paths[1])).GetMetadata()["time_end"] == "1970-01-01T00:00:00.020Z"


def test_a_slice_starting_at_999_ms_is_labelled_with_its_milliseconds(tmp_path):
    target = sink(tmp_path, TileRange(0, 0, 1, 1), 16)
    target.write(tile_at(0, 0, np.ones((16, 16), np.uint16), time=(86_400_999, 86_401_000)))
    assert [p.name for p in target.finish()] == ["t_19700102T000000999Z.tif"]


class FailingFlush:
    """A GDAL dataset whose FlushCache reports a CE_Failure (as a full disk does) after flushing."""

    def __init__(self, dataset) -> None:
        self._dataset = dataset

    def __getattr__(self, name):
        return getattr(self._dataset, name)

    def FlushCache(self):  # noqa: N802 - GDAL's name
        self._dataset.FlushCache()
        gdal.PushErrorHandler("CPLQuietErrorHandler")
        try:
            gdal.Error(gdal.CE_Failure, gdal.CPLE_FileIO, "No space left on device")
        finally:
            gdal.PopErrorHandler()


@pytest.fixture
def gdal_without_exceptions():
    """GDAL as QGIS may run it: errors as GDAL's error state, not Python exceptions (restored after)."""
    from osgeo import ogr

    with_ogr = ogr.GetUseExceptions()
    if with_ogr:  # GDAL 3.6 unwinds the bindings' error handlers last-in first-out: ogr's sits above gdal's
        ogr.DontUseExceptions()
    gdal.DontUseExceptions()
    yield
    gdal.UseExceptions()
    if with_ogr:
        ogr.UseExceptions()


def test_a_gdal_failure_while_flushing_is_an_os_error(tmp_path, gdal_without_exceptions):
    target = sink(tmp_path, TileRange(0, 0, 2, 1), 16)
    target.write(tile_at(0, 0, np.ones((16, 16), np.uint16)))
    (open_file,) = target._open.values()
    open_file.dataset = FailingFlush(open_file.dataset)
    with pytest.raises(OSError, match="GDAL cannot write .*No space left on device"):
        target.finish()
    target.abort()


def refused_priority(*args):
    raise OSError(3, "No such process")  # a platform whose native thread ids are not process ids


@pytest.mark.timeout(60)
@pytest.mark.parametrize("setpriority", [None, refused_priority])
def test_the_writer_thread_works_where_threads_have_no_priority(tmp_path, monkeypatch, setpriority):
    """Without os.setpriority (Windows), or where it refuses thread ids, the writer keeps its priority and writes."""
    if setpriority is None:
        monkeypatch.delattr(gw.os, "setpriority")
    else:
        monkeypatch.setattr(gw.os, "setpriority", setpriority)
    target = sink(tmp_path, TileRange(0, 0, 4, 1), 16)
    values = np.ones((16, 16), np.uint16)
    (path,) = target.write_all((tile_at(tx * 16, 0, values) for tx in range(4)), queue_size=1)
    assert gdal.Open(str(path)).ReadAsArray().shape == (16, 64)


def overview_arrays(path: Path) -> tuple[np.ndarray, list[np.ndarray]]:
    dataset = gdal.Open(str(path))  # kept open while its band is read (the band does not hold the dataset)
    band = dataset.GetRasterBand(1)
    return band.ReadAsArray(), [band.GetOverview(i).ReadAsArray() for i in range(band.GetOverviewCount())]


def test_overview_strips_of_a_tall_narrow_file_hold_every_fth_pixel(tmp_path):
    """A 16 x 4112 px file (16 px tiles, 257 tile rows): overview factors 2, 4, 8, 16 (4112 / 16 = 257 > 256),
    256 px overview blocks. Tiles arrive in rows 0, 1, 40 (the next block row of level 2), 5 (back in the first
    block row) and one tile of 16 x 8 px; each overview must be every f-th pixel of the full image."""
    tiles = TileRange(0, 0, 1, 257)
    target = sink(tmp_path, tiles, 16)
    assert gw.overview_factors(16, 4112, 16) == [2, 4, 8, 16]
    full = np.full((4112, 16), NO_DATA_U16, np.uint16)
    rng = np.random.default_rng(7)
    for ty, width in ((0, 16), (1, 16), (40, 16), (5, 16), (9, 8)):
        values = rng.integers(0, 60000, (16, width), dtype=np.uint16)
        full[ty * 16:(ty + 1) * 16, :width] = values
        target.write(tile_at(0, ty * 16, values))
    (path,) = target.finish()
    image, overviews = overview_arrays(path)
    np.testing.assert_array_equal(image, full)
    assert [o.shape for o in overviews] == [(2056, 8), (1028, 4), (514, 2), (257, 1)]
    for factor, overview in zip((2, 4, 8, 16), overviews):
        np.testing.assert_array_equal(overview, full[::factor, ::factor], err_msg=f"factor {factor}")


def test_overview_level_2_of_512_px_tiles_fills_whole_blocks(tmp_path):
    """512 px tiles: level 2 takes 256 x 256 px per tile, whole overview blocks; smaller levels use strips."""
    target = sink(tmp_path, TileRange(0, 0, 9, 1), 512, np.uint8)  # 4608 x 512 px
    assert gw.overview_factors(4608, 512) == [2, 4, 8, 16, 32]
    full = np.zeros((512, 4608), np.uint8)  # U8 no-data is 0
    rng = np.random.default_rng(3)
    for tx in (8, 0, 3):
        values = rng.integers(1, 255, (512, 512), dtype=np.uint8)
        full[:, tx * 512:(tx + 1) * 512] = values
        target.write(tile_at(tx * 512, 0, values))
    (path,) = target.finish()
    image, overviews = overview_arrays(path)
    np.testing.assert_array_equal(image, full)
    for factor, overview in zip((2, 4, 8, 16, 32), overviews):
        np.testing.assert_array_equal(overview, full[::factor, ::factor], err_msg=f"factor {factor}")


@pytest.mark.parametrize("codec, compression", [("ZSTD", "ZSTD"), ("LZW", "LZW"), ("NONE", None)])
def test_overviews_use_the_files_codec_in_256_px_blocks(tmp_path, codec, compression):
    """Each overview is its own TIFF directory (GDAL's GTIFF_DIR:n, n = 2 for the first overview)."""
    if codec == "ZSTD" and "ZSTD" not in gw.CODECS[gw.TEMPORARY_CODEC][0]:
        pytest.skip("GDAL without ZSTD")
    target = sink(tmp_path, TileRange(0, 0, 9, 1), 512, np.uint8, compress=codec)
    for tx in range(9):
        target.write(tile_at(tx * 512, 0, np.full((512, 512), tx + 1, np.uint8)))
    (path,) = target.finish()
    for directory, width in ((2, 2304), (3, 1152), (6, 144)):  # 4608 / 2, / 4, / 32
        overview = gdal.Open(f"GTIFF_DIR:{directory}:{path}")
        assert overview.RasterXSize == width
        assert overview.GetMetadata("IMAGE_STRUCTURE").get("COMPRESSION") == compression
        assert overview.GetRasterBand(1).GetBlockSize() == [256, 256]


@pytest.mark.parametrize("column, row, inside", [
    (24, 0, True),  # overlaps the right tile's right half
    (32, 0, False),  # starts at the file's right edge (32 px wide)
    (-8, 0, True),  # overlaps the left edge
    (-16, 0, False),  # ends at the left edge
    (0, 8, True),  # inside, off the tile rows
    (0, 24, True),  # overlaps the bottom edge (file 32 px tall)
    (0, 32, False),  # starts at the bottom edge
    (0, -8, True),
    (0, -16, False),
    (0, -15, True),  # its last row is the file's first
    (-15, 0, True),  # its last column is the file's first
])
def test_unplanned_tiles_write_their_pixels_inside_the_file(tmp_path, column, row, inside):
    """A 2 x 2 tile file (32 x 32 px) and one tile off the planned grid at pixel (column, row): the pixels inside
    the file are written (the rest of the file stays no-data), a tile wholly outside is dropped."""
    target = sink(tmp_path, TileRange(0, 0, 2, 2), 16)
    values = np.arange(256, dtype=np.uint16).reshape(16, 16) + 1
    target.write(tile_at(column, row, values))
    paths = target.finish()
    if not inside:
        assert paths == [] and list(tmp_path.iterdir()) == []
        return
    expected = np.full((64, 64), NO_DATA_U16, np.uint16)  # the file at offset (16, 16) in a larger canvas
    expected[16 + row:16 + row + 16, 16 + column:16 + column + 16] = values
    (path,) = paths
    np.testing.assert_array_equal(gdal.Open(str(path)).ReadAsArray(), expected[16:48, 16:48])


def test_an_unplanned_tile_does_not_count_as_a_planned_one(tmp_path):
    """An unplanned tile first, then both planned tiles: the slice closes after the second planned tile only."""
    target = sink(tmp_path, TileRange(0, 0, 2, 1), 16)
    target.write(tile_at(8, 0, np.full((16, 16), 9, np.uint16)))  # off the tile columns
    for tx in range(2):
        target.write(tile_at(tx * 16, 0, np.full((16, 16), tx + 1, np.uint16)))
    (path,) = target.finish()
    np.testing.assert_array_equal(gdal.Open(str(path)).ReadAsArray(), np.repeat([[1, 2]], 16, 1).repeat(16, 0))


def test_bigtiff_counts_every_band():
    """4 bands (or 4 rows) of 1 000 000 000 bytes are 4 GB uncompressed: BigTIFF (one band of them would not be)."""
    assert "BIGTIFF=YES" in gw.creation_options(np.uint8, 1_000_000_000, 1, 4, "NONE")
    assert "BIGTIFF=NO" in gw.creation_options(np.uint8, 1_000_000_000, 1, 1, "NONE")
    assert "BIGTIFF=YES" in gw.creation_options(np.uint8, 1_000_000_000, 4, 1, "NONE")  # 4 rows of 10**9 px


@pytest.mark.parametrize("columns, rows", [(1, 1), (2, 1), (1, 2)])
def test_an_unplanned_tile_of_a_finished_slice_is_dropped(tmp_path, columns, rows):
    target = sink(tmp_path, TileRange(0, 0, columns, rows), 16)
    values = np.ones((16 * rows, 16 * columns), np.uint16)
    for ty in range(rows):
        for tx in range(columns):  # every planned tile: the slice is complete and closed
            target.write(tile_at(tx * 16, ty * 16, values[:16, :16]))
    target.write(tile_at(8, 8, 2 * values[:16, :16]))  # off the grid, same slice: dropped, the file is not reopened
    (path,) = target.finish()
    np.testing.assert_array_equal(gdal.Open(str(path)).ReadAsArray(), values)


@pytest.mark.timeout(60)
def test_a_broken_tile_source_with_a_full_queue_stops_the_writer_and_removes_files(tmp_path, monkeypatch):
    """The writer thread holds tile 0, tiles 1 and 2 fill the queue (size 2), then the source raises: write_all
    must empty the queue to hand the writer its stop marker, then remove the files and re-raise."""
    holding, release = threading.Event(), threading.Event()

    class StopFlag(threading.Event):  # write_all's stop flag; setting it lets the held write finish
        def set(self) -> None:
            super().set()
            release.set()

    patched = ModuleType("threading")  # the threading module as geotiff_writer sees it, with StopFlag as Event
    patched.__dict__.update(vars(threading))
    patched.Event = StopFlag
    monkeypatch.setattr(gw, "threading", patched)
    target = sink(tmp_path, TileRange(0, 0, 4, 1), 16)
    held_writer(target, holding, release)
    values = np.ones((16, 16), np.uint16)

    def source():
        yield tile_at(0, 0, values)
        holding.wait()  # the writer holds tile 0
        yield tile_at(16, 0, values)
        yield tile_at(32, 0, values)
        raise RuntimeError("stream broke")

    with pytest.raises(RuntimeError, match="stream broke"):
        target.write_all(source(), queue_size=2)
    assert list(tmp_path.iterdir()) == [] and target.paths == []


def release_on_full_end_marker(monkeypatch, release: threading.Event, any_item: bool = False) -> None:
    """geotiff_writer's queue module with a Queue that sets ``release`` when handing over the end marker (None),
    or with ``any_item`` any tile, times out because the queue is full."""

    class SignallingQueue(queue.Queue):
        def put(self, item, block=True, timeout=None):
            try:
                super().put(item, block, timeout)
            except queue.Full:
                if item is None or any_item:
                    release.set()
                raise

    patched = ModuleType("queue")
    patched.__dict__.update(vars(queue))
    patched.Queue = SignallingQueue
    monkeypatch.setattr(gw, "queue", patched)


def held_writer(target: GeoTiffSink, holding: threading.Event, release: threading.Event) -> None:
    """The sink's writer takes its first tile, sets ``holding`` and waits for ``release`` before writing it."""
    real_write = target.write

    def held_write(tile):
        holding.set()
        release.wait()
        real_write(tile)

    target.write = held_write


@pytest.mark.timeout(60)
def test_a_full_queue_at_the_end_waits_for_the_writer(tmp_path, monkeypatch):
    """Tile 0 held by the writer, tiles 1 and 2 fill the queue (size 2), the source ends: handing over the end marker
    times out (the queue is full) and is retried until the writer has room; every tile is written."""
    holding, release = threading.Event(), threading.Event()
    release_on_full_end_marker(monkeypatch, release)
    target = sink(tmp_path, TileRange(0, 0, 3, 1), 16)
    held_writer(target, holding, release)
    expected = np.zeros((16, 48), np.uint16)

    def source():
        for tx in range(3):
            expected[:, tx * 16:(tx + 1) * 16] = tx + 1
            yield tile_at(tx * 16, 0, np.full((16, 16), tx + 1, np.uint16))
            holding.wait()  # the writer holds tile 0 from here on

    (path,) = target.write_all(source(), queue_size=2)
    np.testing.assert_array_equal(gdal.Open(str(path)).ReadAsArray(), expected)


@pytest.mark.timeout(60)
def test_a_full_queue_makes_the_source_wait_and_no_tile_is_lost(tmp_path, monkeypatch):
    """Tile 0 held by the writer, tiles 1 and 2 fill the queue (size 2): handing over tile 3 times out and is retried
    until the writer has room; all four tiles are written."""
    holding, release = threading.Event(), threading.Event()
    release_on_full_end_marker(monkeypatch, release, any_item=True)
    target = sink(tmp_path, TileRange(0, 0, 4, 1), 16)
    held_writer(target, holding, release)

    def source():
        for tx in range(4):
            yield tile_at(tx * 16, 0, np.full((16, 16), tx + 1, np.uint16))
            holding.wait()

    (path,) = target.write_all(source(), queue_size=2)
    expected = np.repeat(np.arange(1, 5, dtype=np.uint16), 16)[None].repeat(16, 0)  # columns of 1, 2, 3, 4
    np.testing.assert_array_equal(gdal.Open(str(path)).ReadAsArray(), expected)


def test_a_writer_failure_stops_the_source_at_its_next_tile(tmp_path):
    """The writer fails on tile 0 and ends; the next tile from the source finds the failure and raises it."""
    target = sink(tmp_path, TileRange(0, 0, 3, 1), 16)
    taken = []

    def source():
        yield tile_at(0, 0, np.ones((16, 16), np.int32))  # wrong type: the writer raises and ends
        (writer,) = [t for t in threading.enumerate() if t.name == "geotiff-writer"]
        writer.join()
        taken.append(1)
        yield tile_at(16, 0, np.ones((16, 16), np.uint16))
        taken.append(2)
        yield tile_at(32, 0, np.ones((16, 16), np.uint16))

    with pytest.raises(MalformedResponseError, match="expected uint16"):
        target.write_all(source(), queue_size=2)
    assert taken == [1] and list(tmp_path.iterdir()) == []


def test_a_planned_tile_of_a_finished_slice_is_refused_with_the_slice_start(tmp_path):
    target = sink(tmp_path, TileRange(0, 0, 1, 1), 16)
    values = np.ones((16, 16), np.uint16)
    target.write(tile_at(0, 0, values, time=(5000, 9000)))  # the only tile: the slice is complete
    with pytest.raises(MalformedResponseError, match=r"time slice 1970-01-01T00:00:05\.000Z arrived after"):
        target.write(tile_at(0, 0, values, time=(5000, 9000)))


def test_collisions_with_the_maximum_as_no_data_are_counted(tmp_path):
    """U16's default no-data value is its maximum 65535: valid pixels of 65535 are counted, masked ones not."""
    target = sink(tmp_path, TileRange(0, 0, 1, 1), 16)
    values = np.zeros((16, 16), np.uint16)
    values[0, :5] = 65535
    mask = np.zeros((16, 16), bool)
    mask[0, 0] = True  # masked: no-data anyway, not a collision
    mask[5, 5] = True
    target.write(tile_at(0, 0, values, mask=mask))
    assert target.no_data_collisions == 4


def test_an_unplanned_tile_makes_the_overviews_rebuilt(tmp_path):
    """A tall narrow file with overviews, one planned tile and one off the tile rows (rows 8..23): the overviews are
    rebuilt at the end and hold every f-th pixel of the whole image, the unplanned tile's pixels included."""
    target = sink(tmp_path, TileRange(0, 0, 1, 257), 16)
    full = np.full((4112, 16), NO_DATA_U16, np.uint16)
    planned = np.full((16, 16), 7, np.uint16)
    unplanned = np.arange(256, dtype=np.uint16).reshape(16, 16)
    full[32:48] = planned
    full[8:24] = unplanned
    target.write(tile_at(0, 32, planned))
    target.write(tile_at(0, 8, unplanned))
    (path,) = target.finish()
    image, overviews = overview_arrays(path)
    np.testing.assert_array_equal(image, full)
    for factor, overview in zip((2, 4, 8, 16), overviews):
        np.testing.assert_array_equal(overview, full[::factor, ::factor], err_msg=f"factor {factor}")


@pytest.mark.timeout(60)
def test_a_writer_failure_while_the_queue_is_full_at_the_end_is_raised(tmp_path, monkeypatch):
    """As above, but tile 0 is of the wrong type: the writer fails while the end marker waits for room; write_all
    stops waiting, removes the files and raises the writer's error."""
    holding, release = threading.Event(), threading.Event()
    release_on_full_end_marker(monkeypatch, release)
    target = sink(tmp_path, TileRange(0, 0, 3, 1), 16)
    held_writer(target, holding, release)

    def source():
        yield tile_at(0, 0, np.ones((16, 16), np.int32))  # wrong type: the writer raises on it
        holding.wait()
        yield tile_at(16, 0, np.ones((16, 16), np.uint16))
        yield tile_at(32, 0, np.ones((16, 16), np.uint16))

    with pytest.raises(MalformedResponseError, match="expected uint16"):
        target.write_all(source(), queue_size=2)
    assert list(tmp_path.iterdir()) == []


def test_tiles_are_written_by_the_writer_thread_even_with_a_one_tile_queue(tmp_path):
    threads = []
    target = sink(tmp_path, TileRange(0, 0, 1, 1), 16)
    real_write = target.write

    def recording_write(tile):
        threads.append(threading.current_thread().name)
        real_write(tile)

    target.write = recording_write
    target.write_all([tile_at(0, 0, np.ones((16, 16), np.uint16))], queue_size=1)
    assert threads == ["geotiff-writer"]


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="lists open files through /proc (Linux)")
def test_abort_closes_the_files_before_removing_them(tmp_path):
    target = sink(tmp_path, TileRange(0, 0, 2, 1), 16)
    target.write(tile_at(0, 0, np.ones((16, 16), np.uint16)))  # the slice's file is open (one tile missing)
    (path,) = target.paths

    def open_on(name: str) -> list[str]:
        links = []
        for fd in Path("/proc/self/fd").iterdir():
            try:
                links.append(os.readlink(fd))
            except OSError:
                pass
        return [link for link in links if name in link]

    assert open_on(str(path))
    target.abort()
    assert list(tmp_path.iterdir()) == [] and open_on(str(path)) == []


@pytest.mark.parametrize("queue_size", [0, 2])
def test_a_failure_while_finishing_removes_the_files(tmp_path, monkeypatch, queue_size):
    """The last slice is closed by finish(); its flush fails (say the disk is full): the files go, the error stays."""
    def failing_flush(open_file):
        raise OSError(f"GDAL cannot write {open_file.path}: disk full")

    target = sink(tmp_path, TileRange(0, 0, 2, 1), 16)
    monkeypatch.setattr(gw, "_flush", failing_flush)
    with pytest.raises(OSError, match="disk full"):
        target.write_all([tile_at(0, 0, np.ones((16, 16), np.uint16))], queue_size=queue_size)  # one of two tiles
    assert list(tmp_path.iterdir()) == [] and target.paths == []


def test_a_failing_write_in_the_writer_thread_is_raised_and_removes_files(tmp_path):
    target = sink(tmp_path, TileRange(0, 0, 2, 1), 16)
    good = tile_at(0, 0, np.ones((16, 16), np.uint16))
    wrong_type = tile_at(16, 0, np.ones((16, 16), np.int32))
    with pytest.raises(Exception, match="expected uint16"):
        target.write_all(iter([good, wrong_type]), queue_size=1)
    assert list(tmp_path.iterdir()) == []


def test_inline_writing_without_a_queue_writes_the_same_file(tmp_path):
    values = np.arange(256, dtype=np.uint16).reshape(16, 16)
    target = sink(tmp_path, TileRange(0, 0, 1, 1), 16)
    threads = []
    real_write = target.write

    def recording_write(tile):
        threads.append(threading.current_thread() is threading.main_thread())
        real_write(tile)

    target.write = recording_write
    (path,) = target.write_all([tile_at(0, 0, values)], queue_size=0)
    assert threads == [True]  # queue_size 0: written in the calling thread, no writer thread
    np.testing.assert_array_equal(gdal.Open(str(path)).ReadAsArray(), values)
    (tmp_path / "x").mkdir()
    failing = sink(tmp_path / "x", TileRange(0, 0, 2, 1), 16)
    with pytest.raises(Exception, match="expected uint16"):
        failing.write_all([tile_at(0, 0, values), tile_at(16, 0, values.astype(np.int32))], queue_size=0)
    assert list((tmp_path / "x").iterdir()) == []


def closed_form(row0: int, col0: int, height: int, width: int) -> np.ndarray:
    rows, cols = np.mgrid[row0:row0 + height, col0:col0 + width]
    return (cols * 7 + rows * 13) % 65521  # the synthetic_u16 dataset (tests/geoengine_server)


def test_no_data_collisions_are_warned_about_with_their_count(base_url, tmp_path, caplog):
    synthetic = workflow(base_url, SYNTHETIC)
    query = QueryRectangle((20.0, -5.0, 21.5, -4.0), "2014-01-01T00:00:00Z")
    with caplog.at_level(logging.WARNING, logger=gw.__name__):
        (path,) = stream_raster_to_geotiff(synthetic, query, tmp_path / "plain" / "nested")  # folders made
    assert "equal the no-data value" not in caplog.text  # 65535 never occurs (mod 65521)
    dataset = gdal.Open(str(path))
    gt = dataset.GetGeoTransform()
    col0, row0 = round((gt[0] + 180.0) / 0.0018), round((90.0 - gt[3]) / 0.0018)
    values = closed_form(row0, col0, dataset.RasterYSize, dataset.RasterXSize)
    chosen = int(values[0, 0])
    count = int(np.count_nonzero(values == chosen))
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger=gw.__name__):
        stream_raster_to_geotiff(synthetic, query, tmp_path / "collide", no_data_value=chosen)
    assert f"{count} valid pixels equal the no-data value {chosen}" in caplog.text

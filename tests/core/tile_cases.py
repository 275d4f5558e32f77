"""Builds raster stream messages from a known array, cut on a tiling grid like Geo Engine does.

Shared by the merge and GeoTIFF property tests: ``cut_tiles`` returns, for every time slice and band,
full-size tiles (no-data outside the array) as Arrow IPC files in the layout of the wire reference 11.3.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import pyarrow as pa


def tile_message(values: np.ma.MaskedArray, x_min: float, y_max: float, pixel: float, time: tuple, band: int,
                 srs: str = "EPSG:4326") -> bytes:
    """One tile as Geo Engine sends it: nullable ``data`` column, row-major, string metadata."""
    height, width = values.shape
    flat = np.ascontiguousarray(np.ma.getdata(values)).reshape(-1)
    mask = np.ma.getmaskarray(values).reshape(-1)
    array = pa.array(flat, mask=mask if mask.any() else None)
    metadata = {
        "geoTransform": json.dumps({"originCoordinate": {"x": x_min, "y": y_max}, "xPixelSize": pixel,
                                    "yPixelSize": -pixel}),
        "xSize": str(width), "ySize": str(height),
        "time": json.dumps({"start": time[0], "end": time[1]}),
        "spatialReference": srs, "band": str(band),
    }
    schema = pa.schema([pa.field("data", array.type, nullable=True)], metadata=metadata)
    sink = pa.BufferOutputStream()
    with pa.ipc.new_file(sink, schema) as writer:
        writer.write_batch(pa.RecordBatch.from_arrays([array], schema=schema))
    return sink.getvalue().to_pybytes()


@dataclass
class Case:
    """A raster ``data[time, band, row, col]`` placed at grid pixel ``(col0, row0)`` of a tiling grid."""

    data: np.ma.MaskedArray
    col0: int
    row0: int
    tile: int
    pixel: float = 0.5
    data_type: str = "U16"
    times: tuple = ((0, 10), (10, 20))
    bands: tuple = (0,)

    def tile_range(self) -> tuple[int, int, int, int]:
        _, _, height, width = self.data.shape
        return (self.col0 // self.tile, self.row0 // self.tile,
                -(-(self.col0 + width) // self.tile), -(-(self.row0 + height) // self.tile))

    def bbox(self) -> tuple[float, float, float, float]:
        """The data's extent (anchor at 0, 0)."""
        _, _, height, width = self.data.shape
        p = self.pixel
        return (self.col0 * p, -(self.row0 + height) * p, (self.col0 + width) * p, -self.row0 * p)


def cut_tiles(case: Case) -> list[bytes]:
    """All tile messages in Geo Engine's order (time, tile row-major, band)."""
    tx0, ty0, tx1, ty1 = case.tile_range()
    n_times, _, height, width = case.data.shape
    size, p = case.tile, case.pixel
    messages = []
    for t in range(n_times):
        for ty in range(ty0, ty1):
            for tx in range(tx0, tx1):
                for b_index, band in enumerate(case.bands):
                    tile = np.ma.masked_all((size, size), dtype=case.data.dtype)
                    c_lo, r_lo = tx * size - case.col0, ty * size - case.row0
                    cs, ce = max(c_lo, 0), min(c_lo + size, width)
                    rs, re_ = max(r_lo, 0), min(r_lo + size, height)
                    if cs < ce and rs < re_:
                        tile[rs - r_lo:re_ - r_lo, cs - c_lo:ce - c_lo] = case.data[t, b_index, rs:re_, cs:ce]
                    messages.append(tile_message(tile, tx * size * p, -ty * size * p, p, case.times[t], band))
    return messages


def expected_on_tiles(case: Case, t: int) -> np.ma.MaskedArray:
    """The data of time ``t`` on the full tile extent (masked outside the data), shape (bands, y, x)."""
    tx0, ty0, tx1, ty1 = case.tile_range()
    size = case.tile
    _, bands, height, width = case.data.shape
    out = np.ma.masked_all((bands, (ty1 - ty0) * size, (tx1 - tx0) * size), dtype=case.data.dtype)
    r, c = case.row0 - ty0 * size, case.col0 - tx0 * size
    out[:, r:r + height, c:c + width] = case.data[t]
    return out

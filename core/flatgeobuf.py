"""Big point results of a vector stream as a FlatGeobuf file, built column-wise with numpy (no per-feature Python).

Why: a QGIS memory layer of a million points costs seconds of ``QgsFeature`` building and a spatial index built
one insert at a time; a FlatGeobuf file with its packed Hilbert R-tree is written here in about a second (most
of it after the stream ended), and QGIS (OGR) reads it lazily. Layout, from the FlatGeobuf 3 specification
(flatgeobuf.org, ``src/fbs/header.fbs`` and ``feature.fbs``):

* magic ``fgb\\x03fgb\\x00``, then a size-prefixed FlatBuffer ``Header`` (name, envelope, geometry type
  MultiPoint, columns, feature count, index node size 16, CRS);
* the packed Hilbert R-tree: node items ``(min x, min y, max x, max y: f64, offset: u64)``, root level first,
  leaves last; a leaf's offset is its feature's byte offset in the feature section, an inner node's the index
  of its first child;
* the features in the leaves' order (Hilbert order of the points), each a size-prefixed FlatBuffer ``Feature``
  with a ``Geometry`` (``xy`` only: the header's type applies) and ``properties``: per present value a u16
  column index then the value (i64, f64, u8 for bool; u32 length + UTF-8 for text and ISO 8601 date/times).

Every feature of one block of rows has the same record size: its properties vector has the feature's own length
and the bytes after it up to the block's longest are unused (FlatBuffers allow bytes no offset points to), so a
block is one 2-D numpy array written column by column. A block whose padding would exceed its data is split.

Only features that are each one point (``MULTIPOINT((x y))`` or ``POINT (x y)``) are written; anything else
raises :class:`NotSinglePoints` before a byte is written, and the caller keeps its other way.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional, Sequence, Tuple

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .errors import MalformedResponseError

MAGIC = b"fgb\x03fgb\x00"
NODE_SIZE = 16  # children per R-tree node (the format's default)
MULTI_POINT = 4  # FlatGeobuf GeometryType
# FlatGeobuf ColumnType of each Geo Engine column type (category -> Long, as the memory layers do)
COLUMN_TYPES = {"int": 7, "category": 7, "float": 10, "bool": 2, "text": 11, "dateTime": 13}
_HEAD = 72  # bytes of a record before its properties: size prefix, FlatBuffer tables, x, y, properties length
_BLOCK_ROWS = 65_536  # rows built at once (bounds the temporary arrays)
_POINT_PATTERN = r"^(?:MULTI)?POINT ?\(\(?(?P<x>[^ ,()]+) (?P<y>[^ ,()]+)\)?\)$"
_NODE = np.dtype([("min_x", "<f8"), ("min_y", "<f8"), ("max_x", "<f8"), ("max_y", "<f8"), ("offset", "<u8")])
_TIME_RANGE_MS = (-62135596800000, 253402300799999)  # years 1..9999: date/times outside are written as null


class NotSinglePoints(ValueError):
    """The batches hold a feature that is not exactly one point (or no geometry)."""


@dataclass(frozen=True)
class Column:
    """One attribute of the file: ``kind`` is a Geo Engine column type (int, float, text, bool, category,
    dateTime); ``source`` the Arrow column it comes from, or ``__time_start`` / ``__time_end`` for the bounds of
    the stream's ``__time``."""

    name: str
    kind: str
    source: str


# --------------------------------------------------------------------------------------------- FlatBuffers


def _feature_layout() -> bytes:
    """Bytes 0..47 of a ``Feature`` FlatBuffer, the same for every point feature:

    0 root offset -> 12 | 4 vtable(Feature): size 8, table 12, geometry at 4, properties at 8 |
    12 table: soffset 8, geometry -> 32, properties -> 64 | 24 vtable(Geometry): size 8, table 8, ends absent,
    xy at 4 | 32 table: soffset 8, xy -> 44 | 40 padding | 44 xy length 2 | 48 x, 56 y | 64 properties length,
    68 properties.
    """
    return struct.pack("<I4HiII4HiIII", 12, 8, 12, 4, 8, 8, 32 - 16, 64 - 20, 8, 8, 0, 4, 8, 44 - 36, 0, 2)


_TEMPLATE = np.frombuffer(_feature_layout(), np.uint8)
# 48 bytes (the format string of _feature_layout fixes the size)


class _Table:
    """A FlatBuffer table to encode: ``fields`` maps field id -> (kind, value); kinds u8, u16, i32, u64, str,
    f64s (vector of doubles), tables (vector of tables), table."""

    def __init__(self, fields: dict) -> None:
        self.fields = {k: v for k, v in fields.items() if v[1] is not None}


_SCALARS = {"u8": "<B", "u16": "<H", "i32": "<i", "u64": "<Q"}  # offsets to children are "<I"


def _encode(root: _Table) -> bytes:
    """One FlatBuffer, written front to back (children after their parents, so every offset points forward)."""
    buf = bytearray(4)

    def pad(alignment: int, extra: int = 0) -> None:
        buf.extend(b"\0" * ((-(len(buf) + extra)) % alignment))

    def child(kind: str, value) -> int:
        if kind == "str":
            data = value.encode("utf-8")
            pad(4)
            at = len(buf)
            buf.extend(struct.pack("<I", len(data)) + data + b"\0")
            return at
        if kind == "f64s":
            pad(8, 4)
            at = len(buf)
            buf.extend(struct.pack(f"<I{len(value)}d", len(value), *value))
            return at
        if kind == "tables":
            pad(4)
            at = len(buf)
            buf.extend(struct.pack("<I", len(value)) + b"\0" * (4 * len(value)))
            for i, table in enumerate(value):
                slot = at + 4 + 4 * i
                struct.pack_into("<I", buf, slot, table_at(table) - slot)
            return at
        return table_at(value)

    def table_at(table: _Table) -> int:
        ids = sorted(table.fields)
        pad(2)
        vtable = len(buf)
        vtable_size = 4 + 2 * (ids[-1] + 1)  # a table always has a field (empty ones are left out)
        start = vtable + vtable_size
        start += (-start) % 8 + (4 if any(table.fields[i][0] == "u64" for i in ids) else 0)  # u64 at +4 aligned
        # widest first from an aligned start: every field lands on its natural alignment without padding
        widths = {i: struct.calcsize(_SCALARS.get(table.fields[i][0], "<I")) for i in ids}
        layout, size = {}, 4  # field id -> offset in the table (after the 4-byte soffset)
        for fid in sorted(ids, key=lambda i: -widths[i]):
            layout[fid] = size
            size += widths[fid]
        offsets = [layout.get(i, 0) for i in range(vtable_size // 2 - 2)]
        buf.extend(struct.pack(f"<2H{len(offsets)}H", vtable_size, size, *offsets))
        buf.extend(b"\0" * (start - len(buf)))
        buf.extend(b"\0" * size)
        struct.pack_into("<i", buf, start, start - vtable)
        for fid in ids:
            kind, value = table.fields[fid]
            if kind in _SCALARS:
                struct.pack_into(_SCALARS[kind], buf, start + layout[fid], value)
        for fid in ids:
            kind, value = table.fields[fid]
            if kind not in _SCALARS:
                slot = start + layout[fid]
                struct.pack_into("<I", buf, slot, child(kind, value) - slot)
        return start

    struct.pack_into("<I", buf, 0, table_at(root))
    return bytes(buf)


def _crs_table(srs: str, wkt: str) -> Optional[_Table]:
    org, _, code = (srs or "").partition(":")
    if org.upper() == "EPSG" and code.isdigit():
        return _Table({0: ("str", "EPSG"), 1: ("i32", int(code))})
    if wkt:
        return _Table({4: ("str", wkt)})
    return None


def header_bytes(name: str, columns: Sequence[Column], count: int, envelope: Tuple[float, float, float, float],
                 srs: str, wkt: str = "") -> bytes:
    """The size-prefixed ``Header`` FlatBuffer."""
    column_tables = [_Table({0: ("str", c.name), 1: ("u8", COLUMN_TYPES[c.kind])}) for c in columns]
    header = _Table({
        0: ("str", name), 1: ("f64s", list(envelope)), 2: ("u8", MULTI_POINT),
        7: ("tables", column_tables) if column_tables else ("tables", None),
        8: ("u64", count), 9: ("u16", NODE_SIZE), 10: ("table", _crs_table(srs, wkt)),
    })
    encoded = _encode(header)
    return struct.pack("<I", len(encoded)) + encoded


# --------------------------------------------------------------------------------------------- index


def hilbert(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Position on a 16-bit Hilbert curve of integer cells ``x``, ``y`` (0..65535), for whole arrays
    (the branch-free bit-interleaving form; only the locality matters to the index, not the exact curve)."""
    x, y = x.astype(np.uint32), y.astype(np.uint32)
    full = np.uint32(0xFFFF)
    a = x ^ y
    b = full ^ a
    c = full ^ (x | y)
    d = x & (y ^ full)
    big_a = a | (b >> 1)
    big_b = (a >> 1) ^ a
    big_c = ((c >> 1) ^ (b & (d >> 1))) ^ c
    big_d = ((a & (c >> 1)) ^ (d >> 1)) ^ d
    for shift in (2, 4):
        a, b, c, d = big_a, big_b, big_c, big_d
        big_a = (a & (a >> shift)) ^ (b & (b >> shift))
        big_b = (a & (b >> shift)) ^ (b & ((a ^ b) >> shift))
        big_c = c ^ ((a & (c >> shift)) ^ (b & (d >> shift)))
        big_d = d ^ ((b & (c >> shift)) ^ ((a ^ b) & (d >> shift)))
    a, b, c, d = big_a, big_b, big_c, big_d
    big_c = c ^ ((a & (c >> 8)) ^ (b & (d >> 8)))
    big_d = d ^ ((b & (c >> 8)) ^ ((a ^ b) & (d >> 8)))
    a = big_c ^ (big_c >> 1)
    b = big_d ^ (big_d >> 1)
    i0 = x ^ y
    i1 = b | (full ^ (i0 | a))
    i0, i1 = _spread(i0), _spread(i1)
    return (i1 << 1) | i0


def _spread(v: np.ndarray) -> np.ndarray:
    """The 16 low bits of ``v`` moved to the even bit positions."""
    v = (v | (v << 8)) & np.uint32(0x00FF00FF)
    v = (v | (v << 4)) & np.uint32(0x0F0F0F0F)
    v = (v | (v << 2)) & np.uint32(0x33333333)
    return (v | (v << 1)) & np.uint32(0x55555555)


def level_bounds(count: int, node_size: int = NODE_SIZE) -> List[Tuple[int, int]]:
    """``(first, end)`` node index of each R-tree level, leaves first; the nodes are stored root first."""
    if count <= 0 or node_size < 2:
        raise ValueError("an R-tree needs at least one item and nodes of two or more")
    sizes, n = [count], count
    while True:
        n = -(-n // node_size)
        sizes.append(n)
        if n == 1:
            break
    total, bounds = sum(sizes), []
    for size in sizes:
        total -= size
        bounds.append((total, total + size))
    return bounds


def packed_rtree(xs: np.ndarray, ys: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """The node items of points already in Hilbert order, leaf ``i`` at feature byte offset ``offsets[i]``."""
    bounds = level_bounds(len(xs))
    nodes = np.empty(bounds[0][1], _NODE)
    boxes = (xs, ys, xs, ys)  # the level below, as contiguous arrays
    for level, (first, end) in enumerate(bounds):
        part = nodes[first:end]
        for name, values in zip(("min_x", "min_y", "max_x", "max_y"), boxes):
            part[name] = values
        part["offset"] = offsets if level == 0 else bounds[level - 1][0] + np.arange(0, bounds[level - 1][1] -
                                                                                      bounds[level - 1][0], NODE_SIZE)
        if end - first > 1 or level == 0:
            starts = np.arange(0, end - first, NODE_SIZE)
            boxes = (np.minimum.reduceat(boxes[0], starts), np.minimum.reduceat(boxes[1], starts),
                     np.maximum.reduceat(boxes[2], starts), np.maximum.reduceat(boxes[3], starts))
    return nodes


def hilbert_order(xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """Indices that put the points in Hilbert order over their extent."""
    min_x, min_y = xs.min(), ys.min()
    width, height = (xs.max() - min_x) or 1.0, (ys.max() - min_y) or 1.0
    cells = np.float64(0xFFFF)
    hx = np.floor(cells * (xs - min_x) / width)
    hy = np.floor(cells * (ys - min_y) / height)
    keys = hilbert(hx, hy)
    low = np.argsort((keys & np.uint32(0xFFFF)).astype(np.uint16), kind="stable")  # two 16-bit radix passes:
    high = np.argsort((keys[low] >> np.uint32(16)).astype(np.uint16), kind="stable")  # 2.5x a 32-bit sort
    return low[high]


# --------------------------------------------------------------------------------------------- values


def point_coordinates(geometry: pa.Array) -> Tuple[np.ndarray, np.ndarray]:
    """(x, y) of a ``__geometry`` column whose every value is one point with finite coordinates;
    :class:`NotSinglePoints` otherwise."""
    xs, ys = parse_points(geometry)
    if not (np.isfinite(xs).all() and np.isfinite(ys).all()):
        raise NotSinglePoints("a point's coordinates are not finite")
    return xs, ys


def parse_points(geometry: pa.Array) -> Tuple[np.ndarray, np.ndarray]:
    """(x, y) of a ``__geometry`` column whose every value is one point (``MULTIPOINT((x y))``, ``POINT (x y)``),
    parsed column-wise (NaN and infinities pass as numbers); :class:`NotSinglePoints` otherwise."""
    if geometry.null_count or not (pa.types.is_string(geometry.type) or pa.types.is_large_string(geometry.type)):
        raise NotSinglePoints("a feature has no geometry or the geometry column is not WKT text")
    fast = _multipoint_coordinates(geometry)
    if fast is not None:
        return fast
    parts = pc.extract_regex(geometry, _POINT_PATTERN)
    if parts.null_count:
        raise NotSinglePoints("a feature's geometry is not a single point")
    try:
        xs = _numpy(pc.cast(parts.field("x"), pa.float64()))
        ys = _numpy(pc.cast(parts.field("y"), pa.float64()))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        raise NotSinglePoints(f"a point's coordinates are not numbers: {exc}") from None
    return xs, ys


def _multipoint_coordinates(geometry: pa.Array) -> Optional[Tuple[np.ndarray, np.ndarray]]:
    """The common form ``MULTIPOINT((x y))`` without a regular expression (twice as fast); None when any value
    has another form (then the pattern decides)."""
    if not (pc.all(pc.starts_with(geometry, "MULTIPOINT((")).as_py() and pc.all(pc.ends_with(geometry, "))")).as_py()):
        return None
    words = pc.list_flatten(pc.split_pattern(pc.utf8_slice_codeunits(geometry, 12, -2), " ", max_splits=1))
    if len(words) != 2 * len(geometry):
        return None
    try:
        pairs = _numpy(pc.cast(words, pa.float64())).reshape(-1, 2)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    if not np.isfinite(pairs).all():
        return None
    return pairs[:, 0].copy(), pairs[:, 1].copy()


def _numpy(array: pa.Array) -> np.ndarray:
    """A null-free primitive Arrow array (numbers or booleans) as numpy, read from its buffers (``to_numpy``
    imports pandas, a quarter of a second once per QGIS process)."""
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    buffer = array.buffers()[1]
    if pa.types.is_boolean(array.type):
        bits = np.unpackbits(np.frombuffer(buffer, np.uint8), bitorder="little")
        return bits[array.offset:array.offset + len(array)].astype(bool)
    kind = "f" if pa.types.is_floating(array.type) else "i" if pa.types.is_signed_integer(array.type) else "u"
    dtype = np.dtype(f"<{kind}{array.type.bit_width // 8}")
    return np.frombuffer(buffer, dtype, len(array), array.offset * dtype.itemsize)


def _arrow(values: np.ndarray) -> pa.Array:
    """A numpy int64 array as an Arrow array without a copy (``pa.array`` would import pandas to check it)."""
    values = np.ascontiguousarray(values, np.int64)
    return pa.Array.from_buffers(pa.int64(), len(values), [None, pa.py_buffer(values)])


def _time_bounds(column: pa.Array) -> Tuple[np.ndarray, np.ndarray]:
    flat = column.flatten()
    if flat.null_count:
        raise MalformedResponseError("__time holds nulls")
    values = _numpy(pc.cast(flat, pa.int64()))
    if values.size != 2 * len(column):
        raise MalformedResponseError(f"__time holds {values.size} values for {len(column)} features")
    pairs = values.reshape(-1, 2)
    return pairs[:, 0].copy(), pairs[:, 1].copy()


def _valid(array: pa.Array) -> np.ndarray:
    if array.null_count == 0:
        return np.ones(len(array), bool)
    return _numpy(array.is_valid())


def _milliseconds(array: pa.Array) -> np.ndarray:
    """Epoch milliseconds of a date/time column (nulls as 0)."""
    if pa.types.is_timestamp(array.type):
        array = pc.cast(array, pa.timestamp("ms", array.type.tz))
    if pa.types.is_date32(array.type):  # days (Arrow casts date32 to int32 only)
        return _numpy(pc.cast(array, pa.int32())).astype(np.int64) * 86_400_000
    return _numpy(pc.cast(array, pa.int64()))  # null slots hold anything: the valid mask leaves them out


_NUMBERS = {"int": (pa.int64(), "<i8"), "category": (pa.int64(), "<i8"), "float": (pa.float64(), "<f8"),
            "bool": (pa.bool_(), "u1")}


class _ColumnValues:
    """One column's values, batch by batch in stream order: fixed-width byte rows (u16 column index, value),
    built as the batches arrive, or text arrays (dictionary-encoded once at the end)."""

    def __init__(self, index: int, column: Column) -> None:
        self.index, self.column = index, column
        self.key = np.frombuffer(struct.pack("<H", index), np.uint8)
        self.parts: list = []
        self.valid: list = []

    def add(self, array: Optional[pa.Array], count: int, times: Optional[np.ndarray]) -> None:
        kind = self.column.kind
        if times is None and array is None:  # a declared column this batch lacks: null there, same widths
            array = pa.nulls(count, pa.utf8() if kind == "text" else pa.int64())
        if times is not None:  # __time_start / __time_end
            rows, valid = self._iso_rows(times, np.ones(count, bool))
        elif kind == "text":
            valid = _valid(array)
            rows = array if pa.types.is_string(array.type) or pa.types.is_large_string(array.type) else \
                pc.cast(array, pa.utf8())
        elif kind == "dateTime":
            rows, valid = self._iso_rows(_milliseconds(array), _valid(array))
        elif kind in _NUMBERS:
            arrow_type, dtype = _NUMBERS[kind]
            numbers = np.asarray(_numpy(pc.cast(array, arrow_type)), dtype)  # null slots: left out by ``valid``
            rows, valid = self._rows(numbers.view(np.uint8).reshape(count, -1)), _valid(array)
        else:
            raise ValueError(f"unknown column type {kind!r}")
        self.parts.append(rows)
        self.valid.append(valid)

    def _rows(self, values: np.ndarray) -> np.ndarray:
        rows = np.empty((len(values), 2 + values.shape[1]), np.uint8)
        rows[:, :2] = self.key
        rows[:, 2:] = values
        return rows

    def _iso_rows(self, ms: np.ndarray, valid: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        """u32 length + ``YYYY-MM-DDTHH:MM:SS.sssZ`` per row, formatted once per distinct instant; instants
        outside years 1..9999 are null (as in the memory layers)."""
        valid = valid & (ms >= _TIME_RANGE_MS[0]) & (ms <= _TIME_RANGE_MS[1])
        distinct, inverse = np.unique(np.where(valid, ms, 0), return_inverse=True)
        texts = np.char.add(np.datetime_as_string(distinct.astype("datetime64[ms]"), unit="ms"), "Z").astype("S24")
        table = np.empty((len(texts), 28), np.uint8)
        table[:, :4] = np.frombuffer(struct.pack("<I", 24), np.uint8)
        table[:, 4:] = texts.view(np.uint8).reshape(-1, 24)
        return self._rows(table[inverse]), valid

    def sorted(self, order: np.ndarray) -> _Sorted:
        """The values in file order: byte rows gathered block by block, or text by dictionary."""
        valid = np.concatenate(self.valid)[order]
        if self.column.kind != "text":
            return _Sorted(valid, rows=np.concatenate(self.parts), order=order)
        try:
            text = pa.chunked_array(self.parts).combine_chunks().take(_arrow(order))
        except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
            raise MalformedResponseError(f"column {self.column.name!r} changes its type between batches: "
                                         f"{exc}") from None
        return _Sorted.of_text(self.index, valid, text)


@dataclass
class _Sorted:
    """A column in file order: per valid row the bytes ``u16 index, value``, as ``rows`` (one per feature), as
    ``codes`` into a ``table`` of distinct byte strings (``table_lengths`` when they differ in length), or as
    ``text`` (u16 index, u32 length, then the ragged UTF-8 bytes)."""

    valid: np.ndarray
    rows: Optional[np.ndarray] = None
    order: Optional[np.ndarray] = None  # rows[order[i]] is row i (gathered in :meth:`part`)
    codes: Optional[np.ndarray] = None
    table: Optional[np.ndarray] = None
    table_lengths: Optional[np.ndarray] = None
    text: Optional[Tuple[int, np.ndarray, np.ndarray]] = None  # index, offsets (rows + 1), data

    _MAX_DISTINCT = 1024  # text with more distinct values is written byte by byte

    @classmethod
    def of_text(cls, index: int, valid: np.ndarray, text: pa.Array) -> _Sorted:
        key = struct.pack("<H", index)
        encoded = text.dictionary_encode()
        dictionary = encoded.dictionary
        if len(dictionary) <= cls._MAX_DISTINCT:
            values = [key + struct.pack("<I", len(v)) + v for v in
                      (s.encode("utf-8") for s in dictionary.to_pylist())] or [b""]  # all null: never written
            lengths = np.array([len(v) for v in values], np.int64)
            table = np.zeros((len(values), int(lengths.max(initial=6))), np.uint8)
            for i, v in enumerate(values):
                table[i, :len(v)] = np.frombuffer(v, np.uint8)
            codes = np.where(valid, _numpy(encoded.indices), 0)
            return cls(valid, codes=codes, table=table, table_lengths=lengths)
        width = 8 if pa.types.is_large_string(text.type) else 4
        buffers = text.buffers()
        offsets = np.frombuffer(buffers[1], f"<i{width}", len(text) + 1, text.offset * width).astype(np.int64)
        data = np.frombuffer(buffers[2], np.uint8) if buffers[2] is not None else np.zeros(0, np.uint8)
        return cls(valid, text=(index, offsets, data))

    def sizes(self) -> np.ndarray:
        if self.rows is not None:
            widths = np.full(len(self.valid), self.rows.shape[1])
        elif self.table is not None:
            widths = self.table_lengths[self.codes]
        else:
            widths = 6 + np.diff(self.text[1])
        return np.where(self.valid, widths, 0)

    def part(self, first: int, end: int) -> _Sorted:
        valid = self.valid[first:end]
        if self.rows is not None:
            return _Sorted(valid, rows=self.rows[self.order[first:end]] if self.order is not None else
                           self.rows[first:end])
        if self.table is not None:
            return _Sorted(valid, codes=self.codes[first:end], table=self.table, table_lengths=self.table_lengths)
        index, offsets, data = self.text
        return _Sorted(valid, text=(index, offsets[first:end + 1], data))

    def write(self, block: np.ndarray, position: np.ndarray) -> None:
        """Into the records of ``block`` at each row's ``position``; advances ``position``."""
        rows = np.flatnonzero(self.valid)
        if self.rows is not None:
            _put_rows(block, rows, position[rows], self.rows if len(rows) == len(self.rows) else self.rows[rows])
        elif self.table is not None:
            self._write_table(block, rows, position[rows])
        else:
            index, offsets, data = self.text
            lengths = np.diff(offsets)[rows]
            heads = np.empty((len(rows), 6), np.uint8)
            heads[:, :2] = np.frombuffer(struct.pack("<H", index), np.uint8)
            heads[:, 2:] = lengths.astype("<u4").view(np.uint8).reshape(-1, 4)
            _put_rows(block, rows, position[rows], heads)
            total = int(lengths.sum())
            if total:
                within = np.arange(total) - np.repeat(np.cumsum(lengths) - lengths, lengths)
                targets = np.repeat(rows * block.shape[1] + position[rows] + 6, lengths) + within
                block.reshape(-1)[targets] = data[np.repeat(offsets[:-1][rows], lengths) + within]
        position += self.sizes()

    def _write_table(self, block: np.ndarray, rows: np.ndarray, at: np.ndarray) -> None:
        """One broadcast copy per (position, distinct value) group of rows."""
        codes = self.codes[rows]
        if len(at) and at.min() == at.max() and len(self.table) <= 64:  # one position, few values: a mask each
            where = int(at[0])
            for code in np.flatnonzero(np.bincount(codes, minlength=len(self.table))).tolist():
                width = int(self.table_lengths[code])
                block[rows[codes == code], where:where + width] = self.table[code, :width]
            return
        groups = at.astype(np.int64) * len(self.table) + codes
        distinct, inverse = np.unique(groups, return_inverse=True)
        order = np.argsort(inverse, kind="stable")
        bounds = np.searchsorted(inverse[order], np.arange(len(distinct) + 1))
        for g, group in enumerate(distinct.tolist()):
            where, code = divmod(group, len(self.table))
            width = int(self.table_lengths[code])
            block[rows[order[bounds[g]:bounds[g + 1]]], where:where + width] = self.table[code, :width]


def _put_rows(block: np.ndarray, rows: np.ndarray, at: np.ndarray, values: np.ndarray) -> None:
    """``values[i]`` into ``block[rows[i], at[i]:]``: one slice copy per distinct position."""
    if len(rows) == 0:
        return
    width = values.shape[1]
    first, last = int(at.min()), int(at.max())
    if first == last:
        if len(rows) == len(block):
            block[:, first:first + width] = values
        else:
            block[rows, first:first + width] = values
        return
    distinct = np.unique(at)
    if len(distinct) <= 64:
        for where in distinct.tolist():
            chosen = at == where
            block[rows[chosen], where:where + width] = values[chosen]
        return
    targets = (rows * block.shape[1] + at)[:, None] + np.arange(width)
    block.reshape(-1)[targets.ravel()] = values.ravel()


def _records(xs: np.ndarray, ys: np.ndarray, columns: List[_Sorted], sizes: np.ndarray) -> np.ndarray:
    """The records of one block (rows of equal length): size prefix, the fixed tables, x, y, properties."""
    rows = len(xs)
    record = _HEAD + int(sizes.max(initial=0))
    block = np.zeros((rows, record), np.uint8)
    block[:, :4] = np.frombuffer(struct.pack("<I", record - 4), np.uint8)
    block[:, 4:52] = _TEMPLATE
    block[:, 52:60] = np.ascontiguousarray(xs, "<f8").view(np.uint8).reshape(rows, 8)
    block[:, 60:68] = np.ascontiguousarray(ys, "<f8").view(np.uint8).reshape(rows, 8)
    block[:, 68:72] = sizes.astype("<u4").view(np.uint8).reshape(rows, 4)
    position = np.full(rows, _HEAD, np.int64)
    for column in columns:
        column.write(block, position)
    return block


def _blocks(sizes: np.ndarray) -> List[Tuple[int, int]]:
    """Row ranges written as one block: at most :data:`_BLOCK_ROWS`, split while the padding to the block's
    longest record would exceed its data (one huge text value does not blow up its neighbours)."""
    out, pending = [], [(s, min(s + _BLOCK_ROWS, len(sizes))) for s in range(0, len(sizes), _BLOCK_ROWS)]
    while pending:
        first, end = pending.pop(0)
        part = sizes[first:end]
        padded = (end - first) * (_HEAD + int(part.max(initial=0)))
        if end - first > 1 and padded > 2 * int((part + _HEAD).sum()) + (1 << 16):
            middle = (first + end) // 2
            pending[:0] = [(first, middle), (middle, end)]
            continue
        out.append((first, end))
    return out


# --------------------------------------------------------------------------------------------- the file


@dataclass(frozen=True)
class WrittenFile:
    path: Path
    count: int
    envelope: Tuple[float, float, float, float]


class PointFileWriter:
    """Collects Geo Engine vector stream batches (:meth:`add`, while the stream arrives: coordinates and values
    are decoded per batch) and writes them as one indexed FlatGeobuf file (:meth:`write`).

    ``columns``: the file's attributes in order (text columns are stored after the others in each feature, which
    keeps the fixed-width values at the same place in every record). :meth:`add` raises :class:`NotSinglePoints`
    for a batch with a feature that is not one point.
    """

    def __init__(self, columns: Sequence[Column], srs: str, name: str = "", wkt: str = "") -> None:
        self.columns = list(columns)
        self.srs, self.name, self.wkt = srs, name, wkt
        self._xs: List[np.ndarray] = []
        self._ys: List[np.ndarray] = []
        self._values = [_ColumnValues(i, c) for i, c in enumerate(self.columns)]
        self.count = 0

    def add(self, batch: pa.RecordBatch) -> None:
        if batch.num_rows == 0:
            return
        names = batch.schema.names
        if "__geometry" not in names:
            raise NotSinglePoints("the features have no geometry column")
        xs, ys = point_coordinates(batch.column("__geometry"))
        starts = ends = None
        if any(c.source in ("__time_start", "__time_end") for c in self.columns):
            if "__time" not in names:
                raise MalformedResponseError("a vector batch without a __time column")
            starts, ends = _time_bounds(batch.column("__time"))
        for values in self._values:
            source = values.column.source
            times = starts if source == "__time_start" else ends if source == "__time_end" else None
            values.add(batch.column(source) if source in names else None, batch.num_rows, times)
        self._xs.append(xs)
        self._ys.append(ys)
        self.count += batch.num_rows

    def write(self, path: Path) -> WrittenFile:
        """The file, features in Hilbert order with the packed R-tree; removed again if writing fails."""
        if self.count == 0:
            raise ValueError("no features to write")
        xs, ys = np.concatenate(self._xs), np.concatenate(self._ys)
        order = hilbert_order(xs, ys)
        xs, ys = xs[order], ys[order]
        fixed_first = sorted(self._values, key=lambda v: v.column.kind == "text")
        columns = [values.sorted(order) for values in fixed_first]
        sizes = np.zeros(len(xs), np.int64)
        for column in columns:
            sizes += column.sizes()
        blocks = _blocks(sizes)
        offsets = np.empty(len(xs), np.uint64)
        at = 0
        for first, end in blocks:
            record = _HEAD + int(sizes[first:end].max(initial=0))
            offsets[first:end] = at + np.arange(end - first, dtype=np.uint64) * record
            at += (end - first) * record
        envelope = (float(xs.min()), float(ys.min()), float(xs.max()), float(ys.max()))
        path = Path(path)
        try:
            with open(path, "wb") as out:
                out.write(MAGIC)
                out.write(header_bytes(self.name or path.stem, self.columns, len(xs), envelope, self.srs, self.wkt))
                out.write(packed_rtree(xs, ys, offsets).tobytes())
                for first, end in blocks:
                    part = [column.part(first, end) for column in columns]
                    out.write(_records(xs[first:end], ys[first:end], part, sizes[first:end]).data)
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        return WrittenFile(path, len(xs), envelope)


def write_points(path: Path, batches: Sequence[pa.RecordBatch], columns: Sequence[Column], srs: str,
                 name: str = "", wkt: str = "") -> WrittenFile:
    """:class:`PointFileWriter` in one call."""
    writer = PointFileWriter(columns, srs, name, wkt)
    for batch in batches:
        writer.add(batch)
    return writer.write(path)

"""What a plot workflow's output (``WrappedPlotOutput``) shows, as plain data the plot dock can draw.

QGIS has no Vega renderer, so the Vega-Lite specs Geo Engine produces are read here:

* bar charts (``mark: bar``) with ``data.values`` and ``encoding.x``/``x2``/``y`` fields, e.g. the Histogram
  (``binStart``/``binEnd``/``Frequency``) -> :class:`BarChart`;
* ``JsonPlain`` outputs: Statistics (one column per input, rows count/min/max/mean/stddev/percentiles) and any
  other JSON object flattened -> :class:`TablePlot`;
* ``ImagePng`` (base64) -> :class:`ImagePlot`.

Anything else raises :class:`UnsupportedPlot` naming what is missing (the dock still offers the JSON export).
No Qt here.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from dataclasses import dataclass, field
from typing import Any, List, Optional, Sequence, Union

from ..core.errors import InputError


class UnsupportedPlot(InputError):
    """A plot output the plugin cannot draw (it can still be exported as JSON)."""


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    start: Optional[float] = None  # binned x axis: the bin's edges
    end: Optional[float] = None


@dataclass(frozen=True)
class BarChart:
    bars: List[Bar]
    x_title: str = ""
    y_title: str = ""
    title: str = ""

    @property
    def binned(self) -> bool:
        return bool(self.bars) and all(b.start is not None and b.end is not None for b in self.bars)


@dataclass(frozen=True)
class TablePlot:
    columns: List[str]  # first column is the row caption
    rows: List[List[str]]
    values: dict = field(default_factory=dict)  # (row caption, column) -> number, for tests and export


@dataclass(frozen=True)
class ImagePlot:
    png: bytes


PlotContent = Union[BarChart, TablePlot, ImagePlot]


def parse_plot(output: Any) -> PlotContent:
    """The drawable content of a ``WrappedPlotOutput``; :class:`UnsupportedPlot` when there is none."""
    if not isinstance(output, dict) or "outputFormat" not in output:
        raise UnsupportedPlot("not a Geo Engine plot output (no outputFormat)")
    kind = output.get("outputFormat")
    data = output.get("data")
    if kind == "JsonVega":
        return parse_vega_lite(vega_spec_of(data))
    if kind == "JsonPlain":
        if output.get("plotType") == "Statistics" and isinstance(data, dict):
            return statistics_table(data)
        return json_table(data)
    if kind == "ImagePng":
        return ImagePlot(_png_bytes(data))
    raise UnsupportedPlot(f"the plot output format {kind!r} is not supported")


def vega_spec_of(data: Any) -> dict:
    if isinstance(data, dict) and isinstance(data.get("vegaSpec"), dict):
        return data["vegaSpec"]
    try:
        spec = json.loads(data["vegaString"])
    except (KeyError, TypeError, ValueError):
        raise UnsupportedPlot("the JsonVega plot has no readable vegaString") from None
    if not isinstance(spec, dict):
        raise UnsupportedPlot("the Vega-Lite spec is not a JSON object")
    return spec


def _mark(spec: dict) -> str:
    mark = spec.get("mark")
    return str(mark.get("type") if isinstance(mark, dict) else mark)


def _title(channel: dict) -> str:
    axis = channel.get("axis")
    if isinstance(axis, dict) and axis.get("title"):
        return str(axis["title"])
    return str(channel.get("title") or channel.get("field") or "")


def _number(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise UnsupportedPlot(f"{what} is not a number: {value!r}")
    if not math.isfinite(value):  # JSON Infinity/NaN (Python's json reads them) would break the drawing
        raise UnsupportedPlot(f"{what} is not a finite number: {value!r}")
    return float(value)


def parse_vega_lite(spec: dict) -> BarChart:
    """A bar chart from a single-view Vega-Lite spec with inline data (``data.values``)."""
    if _mark(spec) != "bar":
        raise UnsupportedPlot(f"only Vega-Lite bar charts are drawn here, this one has mark {_mark(spec)!r}")
    values = (spec.get("data") or {}).get("values")
    encoding = spec.get("encoding") or {}
    x, x2, y = encoding.get("x") or {}, encoding.get("x2") or {}, encoding.get("y") or {}
    if not isinstance(values, list) or not x.get("field") or not y.get("field"):
        raise UnsupportedPlot("the bar chart needs inline data.values and x/y fields")
    bars = []
    for row in values:
        if not isinstance(row, dict):
            raise UnsupportedPlot("data.values must hold objects")
        value = _number(row.get(y["field"]), y["field"])
        x_value = row.get(x["field"])
        if x2.get("field"):
            start, end = _number(x_value, x["field"]), _number(row.get(x2["field"]), x2["field"])
            bars.append(Bar(f"{start:.4g}–{end:.4g}", value, start, end))
        else:
            bars.append(Bar(str(x_value), value))
    title = spec.get("title")
    return BarChart(bars, _title(x), _title(y), str(title.get("text") if isinstance(title, dict) else title or ""))


def format_number(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


STATISTICS_ROWS = ("valueCount", "validCount", "min", "max", "mean", "stddev")


def statistics_table(data: dict) -> TablePlot:
    """Statistics: rows count/min/max/…/percentiles, one column per input (raster or vector column)."""
    names = list(data)
    percentiles: List[float] = []
    for name in names:
        for item in (data[name] or {}).get("percentiles") or []:
            if isinstance(item, dict) and item.get("percentile") not in percentiles:
                percentiles.append(item.get("percentile"))
    rows, values = [], {}
    for key in STATISTICS_ROWS:
        cells = [(data[n] or {}).get(key) for n in names]
        rows.append([key] + [format_number(c) for c in cells])
        values.update({(key, n): c for n, c in zip(names, cells)})
    for p in percentiles:
        caption = f"p{format_number(p * 100 if isinstance(p, (int, float)) else p)}"
        cells = []
        for n in names:
            match = [i.get("value") for i in (data[n] or {}).get("percentiles") or [] if i.get("percentile") == p]
            cells.append(match[0] if match else None)
        rows.append([caption] + [format_number(c) for c in cells])
        values.update({(caption, n): c for n, c in zip(names, cells)})
    return TablePlot(["statistic"] + names, rows, values)


def json_table(data: Any) -> TablePlot:
    """Any JSON as a key/value table (nested keys joined with dots)."""
    rows: List[List[str]] = []
    values = {}
    for key, value in _flatten(data, ""):
        rows.append([key, format_number(value)])
        values[(key, "value")] = value
    return TablePlot(["key", "value"], rows, values)


def _flatten(value: Any, prefix: str) -> Sequence[tuple]:
    if isinstance(value, dict):
        items = []
        for key, inner in value.items():
            items.extend(_flatten(inner, f"{prefix}.{key}" if prefix else str(key)))
        return items
    if isinstance(value, list) and any(isinstance(v, (dict, list)) for v in value):
        items = []
        for index, inner in enumerate(value):
            items.extend(_flatten(inner, f"{prefix}[{index}]"))
        return items
    if isinstance(value, list):
        return [(prefix or "value", ", ".join(format_number(v) for v in value))]
    return [(prefix or "value", value)]


def _png_bytes(data: Any) -> bytes:
    text = data.get("image") if isinstance(data, dict) else data
    if not isinstance(text, str):
        raise UnsupportedPlot("the ImagePng plot holds no base64 text")
    try:
        png = base64.b64decode(text.split(",", 1)[-1], validate=False)
    except (binascii.Error, ValueError):
        raise UnsupportedPlot("the ImagePng plot is not valid base64") from None
    if not png.startswith(b"\x89PNG"):
        raise UnsupportedPlot("the ImagePng plot is not a PNG image")
    return png

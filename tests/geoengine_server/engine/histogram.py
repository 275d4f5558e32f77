"""Plot ``Histogram`` over a raster band or a numeric vector column, as Vega-Lite (``JsonVega``).

Params: ``columnName``/``attributeName`` (vector column; for rasters an optional band name),
``bounds`` (``"data"`` or ``{min, max}``), ``buckets`` (``{"type": "number", "value": n}`` or
``{"type": "squareRootChoiceRule", "maxNumberOfBuckets": n}``, default the latter with 20),
``interactive``. Values equal to max go into the last bucket; values outside ``bounds`` are not
counted. Rasters contribute every pixel of the whole tiles the bbox touches (see ``plot_input``).
"""

from __future__ import annotations

import json
import math

import numpy as np

from .build import register
from .params import get, spec_error
from .plot_input import numeric_column, raster_values, vector_values
from .types import BBox, PlotDescriptor, PlotOperator, TimeInterval

VEGA_SCHEMA = "https://vega.github.io/schema/vega-lite/v4.json"


def bucket_counts(values: np.ndarray, count: int, lo: float, hi: float) -> list[int]:
    if count <= 0 or len(values) == 0:
        return [0] * max(count, 1)
    width = (hi - lo) / count
    inside = values[(values >= lo) & (values <= hi)]
    if width <= 0:
        return [int(len(inside))] + [0] * (count - 1)
    idx = np.minimum(((inside - lo) / width).astype(np.int64), count - 1)
    return np.bincount(idx, minlength=count).tolist()


# The Vega-Lite bar chart: geo-engine/geoengine@5748ef7:geoengine/datatypes/src/plots/histogram.rs
def vega_histogram(counts: list[int], lo: float, hi: float, title: str, interactive: bool) -> dict:
    n = len(counts)
    width = (hi - lo) / n if n else 0.0
    values = [
        {"binStart": lo + i * width, "binEnd": lo + (i + 1) * width, "Frequency": int(c)} for i, c in enumerate(counts)
    ]
    spec: dict = {
        "$schema": VEGA_SCHEMA,
        "data": {"values": values},
        "mark": "bar",
        "encoding": {
            "x": {"field": "binStart", "bin": {"binned": True, "step": width}, "axis": {"title": title}},
            "x2": {"field": "binEnd"},
            "y": {"field": "Frequency", "type": "quantitative"},
        },
    }
    metadata = None
    if interactive:
        spec["selection"] = {"range": {"type": "interval", "encodings": ["x"]}}
        metadata = {"selectionName": "range"}
    return {
        "outputFormat": "JsonVega",
        "plotType": "Histogram",
        "data": {"vegaString": json.dumps(spec, separators=(",", ":")), "metadata": metadata},
    }


def _title(measurement: dict) -> str:
    if measurement.get("type") == "continuous":
        unit = measurement.get("unit")
        return f"{measurement.get('measurement', '')}" + (f" in {unit}" if unit else "")
    if measurement.get("type") == "classification":
        return str(measurement.get("measurement", ""))
    return ""


class Histogram(PlotOperator):
    def __init__(self, source, is_raster: bool, band_or_column, bounds, buckets: dict, interactive: bool):
        self.source, self.is_raster, self.target = source, is_raster, band_or_column
        self.bounds, self.buckets, self.interactive = bounds, buckets, interactive
        self.datasets = list(source.datasets)
        self.descriptor = PlotDescriptor.of_sources([source.descriptor])

    def plot(self, bbox: BBox, time: TimeInterval) -> dict:
        if self.is_raster:
            values = raster_values(self.source, self.target, bbox, time).valid
            title = _title(self.source.descriptor.bands[self.target].measurement)
        else:
            values = vector_values(self.source, self.target, bbox, time).valid
            title = self.target
        if self.bounds == "data":
            if len(values) == 0:
                return vega_histogram([0], 0.0, 0.0, title, self.interactive)
            lo, hi = float(values.min()), float(values.max())
        else:
            lo, hi = self.bounds
        if self.buckets["type"] == "number":
            count = self.buckets["value"]
        else:
            count = max(1, min(self.buckets["maxNumberOfBuckets"], math.ceil(math.sqrt(max(len(values), 1)))))
        if math.isclose(lo, hi) and count > 1:
            count = 1
        return vega_histogram(bucket_counts(values, count, lo, hi), lo, hi, title, self.interactive)


def _buckets(params: dict, name: str) -> dict:
    buckets = get(params, name, "buckets", (dict, int), {"type": "squareRootChoiceRule", "maxNumberOfBuckets": 20})
    if isinstance(buckets, int) and not isinstance(buckets, bool):
        buckets = {"type": "number", "value": buckets}
    kind = buckets.get("type")
    key = {"number": "value", "squareRootChoiceRule": "maxNumberOfBuckets"}.get(kind)
    if key is None:
        raise spec_error(name, f"`buckets.type` must be number or squareRootChoiceRule (got {kind!r})")
    value = buckets.get(key, 100 if key == "maxNumberOfBuckets" else None)
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 10_000:
        raise spec_error(name, f"`buckets.{key}` must be an integer between 1 and 10000 (got {value!r})")
    return {"type": kind, key: value}


# geo-engine/geoengine@5748ef7:geoengine/operators/src/plot/histogram.rs
@register("Plot", "Histogram")
def build_histogram(params: dict, sources, name: str) -> Histogram:
    column = params.get("columnName", params.get("attributeName"))
    if column is not None and not isinstance(column, str):
        raise spec_error(name, f"field `columnName` must be a string (got {column!r})")
    bounds = get(params, name, "bounds", (str, dict), "data")
    if isinstance(bounds, str):
        if bounds != "data":
            raise spec_error(name, f"`bounds` must be \"data\" or {{min, max}} (got {bounds!r})")
    else:
        lo, hi = bounds.get("min"), bounds.get("max")
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (lo, hi)) or lo > hi:
            raise spec_error(name, f"`bounds` needs numbers min <= max (got {bounds!r})")
        bounds = (float(lo), float(hi))
    buckets = _buckets(params, name)
    interactive = get(params, name, "interactive", bool, False)
    if sources.kind("source") == "Vector":
        vector = sources.one("source", "Vector")
        if column is None:
            raise spec_error(name, "Histogram on vector input is missing `columnName`")
        numeric_column(vector, column, name)
        return Histogram(vector, False, column, bounds, buckets, interactive)
    raster = sources.one("source", "Raster")
    band_names = [b.name for b in raster.descriptor.bands]
    band = 0
    if column is not None and len(band_names) > 1:
        if column not in band_names:
            raise spec_error(name, f"unknown band {column!r} (bands: {band_names})")
        band = band_names.index(column)
    return Histogram(raster, True, band, bounds, buckets, interactive)

"""Plot ``Statistics`` (``JsonPlain``): count, min, max, mean, stddev and percentiles.

Rasters (``sources.source`` one raster or a list): keys ``columnNames`` or ``Raster-1``,
``Raster-2`` ...; single-band rasters only (like Geo Engine). Vectors: one entry per numeric
column (or ``columnNames``). ``valueCount`` counts no-data too (for rasters: every pixel of the whole
tiles the bbox touches, per time slice, as Geo Engine), ``validCount`` does not; stddev is
the population standard deviation; empty inputs give null statistics. Percentiles (at most 8,
each in [0, 1]) are exact here (Geo Engine estimates them). Raster reads are decimated above
4096 x 4096 pixels (see ``plot_input``).
"""

from __future__ import annotations

import numpy as np

from .build import register
from .params import get, spec_error
from .plot_input import Values, column_values, numeric_column, raster_values
from .types import BBox, EngineError, PlotDescriptor, PlotOperator, TimeInterval


def summarize(values: Values, percentiles: list[float]) -> dict:
    v = values.valid
    empty = len(v) == 0
    return {
        "valueCount": int(values.total),
        "validCount": int(len(v)),
        "min": None if empty else float(v.min()),
        "max": None if empty else float(v.max()),
        "mean": None if empty else float(v.mean()),
        "stddev": None if empty else float(v.std()),
        "percentiles": [
            {"percentile": p, "value": None if empty else float(np.quantile(v, p))} for p in percentiles
        ],
    }


class Statistics(PlotOperator):
    def __init__(self, sources: list, is_raster: bool, names: list[str], percentiles: list[float]):
        self.sources, self.is_raster, self.names, self.percentiles = sources, is_raster, names, percentiles
        self.datasets = sorted({d for s in sources for d in s.datasets})
        self.descriptor = PlotDescriptor.of_sources([s.descriptor for s in sources])

    def plot(self, bbox: BBox, time: TimeInterval) -> dict:
        if self.is_raster:
            data = {
                n: summarize(raster_values(r, 0, bbox, time), self.percentiles)
                for n, r in zip(self.names, self.sources)
            }
        else:
            features = self.sources[0].query(bbox, time)  # one query for all columns
            data = {n: summarize(column_values(features, n), self.percentiles) for n in self.names}
        return {"outputFormat": "JsonPlain", "plotType": "Statistics", "data": data}


# geo-engine/geoengine@5748ef7:geoengine/operators/src/plot/statistics.rs
@register("Plot", "Statistics")
def build_statistics(params: dict, sources, name: str) -> Statistics:
    names = get(params, name, "columnNames", list, [])
    percentiles = get(params, name, "percentiles", list, [])
    if len(percentiles) > 8:
        raise spec_error(name, "Only up to 8 percentiles can be computed at the same time.")
    if not all(isinstance(p, (int, float)) and not isinstance(p, bool) and 0 <= p <= 1 for p in percentiles):
        raise spec_error(name, f"`percentiles` must be numbers in [0, 1] (got {percentiles!r})")
    if sources.raw("source") == []:
        return Statistics([], True, [], [float(p) for p in percentiles])
    if sources.kind("source") == "Vector":
        vector = sources.one("source", "Vector")
        if not names:
            names = [c for c, col in vector.descriptor.columns.items() if col.data_type in ("int", "float")]
        for n in names:
            numeric_column(vector, n, name)
        return Statistics([vector], False, names, [float(p) for p in percentiles])
    rasters = sources.many("source", "Raster")
    if names and len(names) != len(rasters):
        raise spec_error(
            name,
            "Statistics on raster data must either contain a name/alias for every input "
            "('column_names' parameter) or no names at all.",
        )
    if any(len(r.descriptor.bands) != 1 for r in rasters):
        raise EngineError("OperatorDoesNotSupportMultiBandsSourcesYet",
                          "Operator Statistics does not support sources with multiple bands yet")
    if len({r.descriptor.spatial_reference for r in rasters}) > 1:
        raise EngineError("AllSourcesMustHaveSameSpatialReference", "All sources must have the same spatial reference")
    names = names or [f"Raster-{i}" for i in range(1, len(rasters) + 1)]
    return Statistics(rasters, True, names, [float(p) for p in percentiles])

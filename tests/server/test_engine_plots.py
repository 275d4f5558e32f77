"""Histogram and Statistics plots against numpy on the same pixels/columns (no HTTP)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from geoengine_server.engine.types import BBox
from osgeo import ogr
from server.engine_helpers import NDVI, PORTS, PORTS_SHP, build, instant, ndvi_file, plot

APRIL = instant("2014-04-01T12:00:00Z")
AFRICA = BBox(-20.0, -35.0, 52.0, 38.0)


# Plots read the whole 512 px tiles their box touches (Geo Engine 0.9.3, audit W2). Hand-worked for AFRICA on
# NDVI (0.1 degree, tile anchor (0, 0)): columns floor(-200 / 512) = -1 .. floor(520 / 512) = 1, rows
# floor(-380 / 512) = -1 .. floor(350 / 512) = 0, i.e. lon -51.2..102.4, lat 51.2..-51.2 = file rows 388..1412,
# columns 1288..2824.
AFRICA_TILES = (slice(388, 1412), slice(1288, 2824))


def ndvi_window_values(bbox: BBox, month: str = "04") -> np.ndarray:
    assert bbox == AFRICA
    block = ndvi_file(month)[AFRICA_TILES]
    return block[block != 0].astype(float), block.size


def histogram(params: dict, source: dict) -> dict:
    return plot({"type": "Histogram", "params": params, "sources": {"source": source}})


def vega(output: dict) -> dict:
    assert output["outputFormat"] == "JsonVega" and output["plotType"] == "Histogram"
    return json.loads(output["data"]["vegaString"])


def test_raster_histogram_counts_sum_to_valid_pixels():
    op = build(histogram({"attributeName": "ndvi", "bounds": "data", "buckets": {"type": "number", "value": 20}},
                         NDVI["operator"]))
    out = op.plot(AFRICA, APRIL)
    spec = vega(out)
    assert out["data"]["metadata"] is None
    assert spec["$schema"] == "https://vega.github.io/schema/vega-lite/v4.json" and spec["mark"] == "bar"
    assert spec["encoding"]["x"]["field"] == "binStart" and spec["encoding"]["x2"] == {"field": "binEnd"}
    assert spec["encoding"]["y"] == {"field": "Frequency", "type": "quantitative"}
    bins = spec["data"]["values"]
    valid, _ = ndvi_window_values(AFRICA)
    assert len(bins) == 20 and sum(b["Frequency"] for b in bins) == len(valid)
    assert bins[0]["binStart"] == valid.min() and bins[-1]["binEnd"] == pytest.approx(valid.max())
    expected, _ = np.histogram(valid, bins=20, range=(valid.min(), valid.max()))
    assert [b["Frequency"] for b in bins] == expected.tolist()
    assert spec["encoding"]["x"]["bin"]["step"] == pytest.approx((valid.max() - valid.min()) / 20)


def test_histogram_with_fixed_bounds_and_square_root_rule():
    op = build(histogram({"bounds": {"min": 0, "max": 100}, "buckets": {"type": "number", "value": 4},
                          "interactive": True}, NDVI["operator"]))
    out = op.plot(AFRICA, APRIL)
    bins = vega(out)["data"]["values"]
    valid, _ = ndvi_window_values(AFRICA)
    assert [(b["binStart"], b["binEnd"]) for b in bins] == [(0, 25), (25, 50), (50, 75), (75, 100)]
    assert sum(b["Frequency"] for b in bins) == int(((valid >= 0) & (valid <= 100)).sum())
    assert out["data"]["metadata"] == {"selectionName": "range"}
    auto = build(histogram({"bounds": "data", "buckets": {"type": "squareRootChoiceRule", "maxNumberOfBuckets": 7}},
                           NDVI["operator"]))
    assert len(vega(auto.plot(AFRICA, APRIL))["data"]["values"]) == 7


def test_vector_histogram_over_a_column():
    op = build(histogram({"columnName": "natlscale", "bounds": "data", "buckets": {"type": "number", "value": 5}},
                         PORTS))
    spec = vega(op.plot(BBox(-180, -90, 180, 90), APRIL))
    ds = ogr.Open(str(PORTS_SHP))
    values = np.array([f.GetField("natlscale") for f in ds.GetLayer(0)])
    expected, _ = np.histogram(values, bins=5, range=(values.min(), values.max()))
    assert [b["Frequency"] for b in spec["data"]["values"]] == expected.tolist()
    assert spec["encoding"]["x"]["axis"]["title"] == "natlscale"


def test_raster_statistics_equal_numpy():
    op = build(plot({"type": "Statistics", "params": {"percentiles": [0.5, 0.9]},
                     "sources": {"source": [NDVI["operator"], NDVI["operator"]]}}))
    out = op.plot(AFRICA, APRIL)
    assert out["outputFormat"] == "JsonPlain" and out["plotType"] == "Statistics"
    assert list(out["data"]) == ["Raster-1", "Raster-2"]
    valid, total = ndvi_window_values(AFRICA)
    stats = out["data"]["Raster-1"]
    assert stats["valueCount"] == total and stats["validCount"] == len(valid)
    assert (stats["min"], stats["max"]) == (valid.min(), valid.max())
    assert stats["mean"] == pytest.approx(valid.mean()) and stats["stddev"] == pytest.approx(valid.std())
    assert stats["percentiles"] == [{"percentile": 0.5, "value": pytest.approx(np.quantile(valid, 0.5))},
                                    {"percentile": 0.9, "value": pytest.approx(np.quantile(valid, 0.9))}]


def test_statistics_names_months_and_vectors():
    named = build(plot({"type": "Statistics", "params": {"columnNames": ["ndvi"]},
                        "sources": {"source": NDVI["operator"]}}))
    from server.engine_helpers import interval

    two_months = named.plot(AFRICA, interval("2014-03-01T00:00:00Z", "2014-05-01T00:00:00Z"))["data"]["ndvi"]
    march, total = ndvi_window_values(AFRICA, "03")
    april, _ = ndvi_window_values(AFRICA, "04")
    assert two_months["valueCount"] == 2 * total and two_months["validCount"] == len(march) + len(april)
    vector = build(plot({"type": "Statistics", "params": {}, "sources": {"source": PORTS}}))
    data = vector.plot(BBox(-180, -90, 180, 90), APRIL)["data"]
    assert set(data) == {"natlscale", "scalerank"}
    ds = ogr.Open(str(PORTS_SHP))
    ranks = np.array([f.GetField("scalerank") for f in ds.GetLayer(0)], float)
    assert data["scalerank"]["validCount"] == len(ranks) and data["scalerank"]["mean"] == pytest.approx(ranks.mean())
    empty = build(plot({"type": "Statistics", "params": {}, "sources": {"source": NDVI["operator"]}}))
    corner = empty.plot(BBox(-10, 89.95, -9.95, 90), APRIL)["data"]["Raster-1"]
    # one tile, lon -51.2..0, lat 102.4..51.2: the file's rows 0..388 of columns 1288..1800, no-data beyond 90 N
    block = ndvi_file("04")[0:388, 1288:1800]
    assert corner["valueCount"] == 512 * 512 and corner["validCount"] == int((block != 0).sum())


def test_world_statistics_of_the_synthetic_raster_are_decimated_and_bounded():
    op = build(plot({"type": "Statistics", "params": {},
                     "sources": {"source": {"type": "GdalSource", "params": {"data": "synthetic_u16"}}}}))
    stats = op.plot(BBox(-180, -90, 180, 90), APRIL)["data"]["Raster-1"]
    assert 0 < stats["valueCount"] <= 4096 * 4096  # decimated whole tiles; some lie partly outside the data
    assert 0.98 * stats["valueCount"] <= stats["validCount"] <= stats["valueCount"]
    assert 0 <= stats["min"] < 100 and 65400 < stats["max"] <= 65520
    assert stats["mean"] == pytest.approx(65520 / 2, rel=0.01)

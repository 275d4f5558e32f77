"""Vector sources and operators against independent OGR/pyproj computations (no HTTP)."""

from __future__ import annotations

import json
from datetime import datetime

import numpy as np
import pytest
from geoengine_server.engine import reproject_features, transform_bbox
from geoengine_server.engine.build import BuildContext
from geoengine_server.engine.types import TIME_MAX, TIME_MIN, BBox, TimeInterval
from osgeo import ogr
from pyproj import Transformer
from server.engine_helpers import (
    DATA,
    GERMANY_GPKG,
    NDVI,
    PORTS,
    PORTS_SHP,
    build,
    catalog,
    instant,
    interval,
    ndvi_file,
    ndvi_pixel,
    vector,
)

WORLD = BBox(-180, -90, 180, 90)
APRIL = instant("2014-04-01T12:00:00Z")


def _xy(wkt: str) -> tuple[float, float]:
    """The coordinates of a one-point ``MULTIPOINT((x y))`` (the wkt crate's layout, audit C6)."""
    assert wkt.startswith("MULTIPOINT((") and wkt.endswith("))") and "," not in wkt
    x, y = wkt[len("MULTIPOINT(("):-2].split()
    return float(x), float(y)


def ogr_count(bbox: BBox) -> int:
    ds = ogr.Open(str(PORTS_SHP))
    layer = ds.GetLayer(0)
    layer.SetSpatialFilterRect(bbox.xmin, bbox.ymin, bbox.xmax, bbox.ymax)
    return layer.GetFeatureCount()


@pytest.mark.parametrize("bbox", [WORLD, BBox(-60, 5, 61, 6), BBox(5, 47, 15, 55), BBox(100, -50, 180, 0),
                                  BBox(-10.05265018, 5.858055556, -10.05265018, 5.858055556)])
def test_ports_in_bbox_equal_ogr_count(bbox):
    fc = build(vector(PORTS)).query(bbox, APRIL)
    assert len(fc) == ogr_count(bbox) > 0


def test_port_features_carry_columns_wkt_and_all_time():
    op = build(vector(PORTS))
    assert list(op.descriptor.columns) == ["website", "name", "natlscale", "scalerank", "featurecla"]
    fc = op.query(BBox(-10.1, 5.8, -10.0, 5.9), APRIL)
    assert fc.wkt == ["MULTIPOINT((-10.05265018 5.858055556))"]
    assert fc.columns["name"] == ["Buchanan"] and fc.columns["scalerank"] == [7] and fc.columns["natlscale"] == [10.0]
    assert (fc.time_start, fc.time_end) == ([TIME_MIN], [TIME_MAX])
    ds = ogr.Open(str(PORTS_SHP))
    layer = ds.GetLayer(0)
    layer.SetAttributeFilter("name = 'Buchanan'")
    feature = layer.GetNextFeature()
    point = feature.GetGeometryRef()
    x, y = _xy(fc.wkt[0])
    assert (x, y) == (point.GetX(), point.GetY())


def test_attribute_projection_and_filters():
    source = {"type": "OgrSource", "params": {
        "data": "ne_10m_ports", "attributeProjection": ["name", "scalerank"],
        "attributeFilters": [{"attribute": "scalerank", "ranges": [[3, 4]], "keepNulls": False}]}}
    ds = ogr.Open(str(PORTS_SHP))
    layer = ds.GetLayer(0)
    # a graph of typed operators drops attributeFilters, as 0.9.3's typed OgrSource has none (audit C1)
    assert len(build(vector(source)).query(WORLD, APRIL)) == layer.GetFeatureCount()
    # the legacy model (a graph with an operator that has no typed model) applies them
    op = BuildContext(catalog()).build(source, "Vector")
    assert list(op.descriptor.columns) == ["name", "scalerank"]
    fc = op.query(WORLD, APRIL)
    layer.SetAttributeFilter("scalerank >= 3 AND scalerank <= 4")
    assert len(fc) == layer.GetFeatureCount() > 0
    assert set(fc.columns) == {"name", "scalerank"} and set(fc.columns["scalerank"]) <= {3, 4}


def test_germany_polygon_is_multipolygon_for_all_time():
    op = build(vector({"type": "OgrSource", "params": {"data": "germany_outline"}}))
    fc = op.query(WORLD, APRIL)
    assert len(fc) == 1 and fc.wkt[0].startswith("MULTIPOLYGON(((")
    assert (fc.time_start[0], fc.time_end[0]) == (TIME_MIN, TIME_MAX)
    assert ogr.CreateGeometryFromWkt(fc.wkt[0]).Area() == pytest.approx(_germany().Area())
    assert len(op.query(BBox(20, 20, 30, 30), APRIL)) == 0


def _expected_points_with_time(query: TimeInterval) -> set[tuple[float, float]]:
    data = json.loads((DATA / "vector" / "data" / "points_with_time.json").read_text())
    out = set()
    for f in data["features"]:
        start, end = (int(datetime.strptime(f["properties"][k], "+%Y-%m-%d %H:%M:%S %z").timestamp() * 1000)
                      for k in ("time_start", "time_end"))
        if TimeInterval(start, end).intersects(query):
            out.add(tuple(f["geometry"]["coordinates"]))
    return out


@pytest.mark.parametrize("query", [
    instant("2014-04-01T12:00:00Z"), instant("2014-05-01T00:00:00Z"), instant("2014-06-01T00:00:00Z"),
    interval("2014-05-01T00:00:00Z", "2014-06-01T00:00:00Z"), interval("2014-01-01T00:00:00Z", "2015-01-01T00:00:00Z"),
    instant("2015-03-01T00:00:00Z"),
])
def test_points_with_time_filtering(query):
    fc = build(vector({"type": "OgrSource", "params": {"data": "points_with_time"}})).query(WORLD, query)
    got = {_xy(w) for w in fc.wkt}
    assert got == _expected_points_with_time(query)
    if query == instant("2014-04-01T12:00:00Z"):
        assert got == {(12.843159, 47.825724)}
        assert (fc.time_start, fc.time_end) == ([1396310400000], [1404172800000])


def _join(temporal: str = "none", names=("NDVI",), feature: str | None = None) -> dict:
    params = {"names": {"type": "names", "values": list(names)}, "temporalAggregation": temporal,
              "featureAggregation": feature or "first"}
    return vector({"type": "RasterVectorJoin", "params": params,
                   "sources": {"vector": PORTS, "rasters": [NDVI["operator"]]}})


def test_raster_vector_join_buchanan_and_tema():
    op = build(vector({"type": "RasterVectorJoin", "params": {
                       "names": {"type": "names", "values": ["NDVI"]}, "featureAggregation": "none",
                       "temporalAggregation": "none"},
                       "sources": {"vector": PORTS, "rasters": [NDVI["operator"]]}}))
    assert op.descriptor.columns["NDVI"].data_type == "int"
    assert sorted(op.datasets) == ["ndvi", "ne_10m_ports"]
    fc = op.query(BBox(-60.0, 5.0, 61.0, 6.0), APRIL)
    rows = {n: i for i, n in enumerate(fc.columns["name"])}
    tiff = ndvi_file("04")
    for name in ("Buchanan", "Tema"):
        i = rows[name]
        x, y = _xy(fc.wkt[i])
        col, row = ndvi_pixel(x, y)
        expected = int(tiff[row, col])
        assert fc.columns["NDVI"][i] == (expected if expected else None)
        assert (fc.time_start[i], fc.time_end[i]) == (1396310400000, 1398902400000)
    assert fc.columns["NDVI"][rows["Buchanan"]] == 178


def test_join_splits_features_per_slice_or_aggregates():
    bbox = BBox(-10.1, 5.8, -10.0, 5.9)
    months = interval("2014-02-01T00:00:00Z", "2014-05-01T00:00:00Z")
    col, row = ndvi_pixel(-10.05265018, 5.858055556)
    values = [int(ndvi_file(m)[row, col]) for m in ("02", "03", "04")]
    split = build(_join()).query(bbox, months)
    assert split.columns["NDVI"] == values
    assert split.time_start == [interval(f"2014-0{m}-01T00:00:00Z", "2014-06-01T00:00:00Z").start for m in (2, 3, 4)]
    mean = build(_join("mean")).query(bbox, months)
    assert len(mean) == 1 and mean.columns["NDVI"] == [pytest.approx(np.mean(values))]
    assert build(_join("mean")).descriptor.columns["NDVI"].data_type == "float"
    first = build(_join("first")).query(bbox, months)
    assert first.columns["NDVI"] == [values[0]] and (first.time_start, first.time_end) == ([TIME_MIN], [TIME_MAX])


def _germany() -> ogr.Geometry:
    ds = ogr.Open(str(GERMANY_GPKG))
    feature = ds.GetLayer(0).GetNextFeature()
    return feature.GetGeometryRef().Clone()


def _ports_in_germany_by_ogr() -> set[str]:
    germany = _germany()
    ds = ogr.Open(str(PORTS_SHP))
    return {f.GetField("name") for f in ds.GetLayer(0) if germany.Contains(f.GetGeometryRef())}


def test_ports_in_germany_layer():
    layer = catalog().layers["b75db46e-2b9a-4a86-b33f-bc06a73cd711"]
    op = build(layer["workflow"])
    assert op.descriptor.data_type == "MultiPoint"
    fc = op.query(WORLD, APRIL)
    expected = _ports_in_germany_by_ogr()
    assert set(fc.columns["name"]) == expected and len(fc) == len(expected) > 5
    assert len(op.query(BBox(8, 53, 9, 54), APRIL)) < len(fc)


def test_vector_reprojection_to_web_mercator():
    op = build(vector({"type": "Reprojection", "params": {"targetSpatialReference": "EPSG:3857"},
                       "sources": {"source": PORTS}}))
    assert op.descriptor.spatial_reference == "EPSG:3857"
    to_merc = Transformer.from_crs("EPSG:4326", "EPSG:3857", always_xy=True)
    x0, y0 = to_merc.transform(-60.0, 5.0)
    x1, y1 = to_merc.transform(61.0, 6.0)
    fc = op.query(BBox(x0, y0, x1, y1), APRIL)
    plain = build(vector(PORTS)).query(BBox(-60.0, 5.0, 61.0, 6.0), APRIL)
    assert sorted(fc.columns["name"]) == sorted(plain.columns["name"])
    i = fc.columns["name"].index("Buchanan")
    x, y = _xy(fc.wkt[i])
    assert (x, y) == pytest.approx(to_merc.transform(-10.05265018, 5.858055556))


def test_reproject_features_and_transform_bbox_round_trip():
    fc = build(vector(PORTS)).query(BBox(5, 47, 15, 55), APRIL)
    there = reproject_features(fc, "EPSG:4326", "EPSG:3857")
    back = reproject_features(there, "EPSG:3857", "EPSG:4326")
    assert len(back) == len(fc) and back.columns == fc.columns
    for a, b in zip(fc.wkt, back.wkt):
        assert _xy(b) == pytest.approx(_xy(a), abs=1e-9)
    world = transform_bbox(WORLD, "EPSG:4326", "EPSG:3857")
    to_merc = Transformer.from_crs("EPSG:4326", "EPSG:3857", always_xy=True)
    assert (world.xmin, world.ymax) == pytest.approx(to_merc.transform(-180.0, 85.06))  # clipped to +-85.06
    box = transform_bbox(BBox(5, 47, 15, 55), "EPSG:4326", "EPSG:3857")
    back_box = transform_bbox(box, "EPSG:3857", "EPSG:4326")
    assert (back_box.xmin, back_box.ymin, back_box.xmax, back_box.ymax) == pytest.approx((5, 47, 15, 55))


def test_mock_sources():
    op = build(vector({"type": "MockPointSource", "params": {"points": [{"x": 0.0, "y": 0.1}, {"x": 1, "y": 1.1}]}}))
    fc = op.query(WORLD, APRIL)
    assert fc.wkt == ["MULTIPOINT((0 0.1))", "MULTIPOINT((1 1.1))"]
    assert len(op.query(BBox(0.5, 0.5, 2, 2), APRIL)) == 1
    typed = build(vector({"type": "MockPointSource", "params": {
        "points": [{"x": 3.0, "y": 4.0}], "spatialBounds": {"type": "derive"}}}))
    assert typed.descriptor.to_json()["bbox"] == {"lowerLeftCoordinate": {"x": 3.0, "y": 4.0},
                                                  "upperRightCoordinate": {"x": 3.0, "y": 4.0}}
    mock = build(vector({"type": "MockDatasetDataSource", "params": {"data": "Mock"}}))
    assert mock.query(WORLD, APRIL).wkt == ["MULTIPOINT((1 2))"] and mock.datasets == ["Mock"]


def test_concurrent_first_loads_and_queries_agree():
    from concurrent.futures import ThreadPoolExecutor

    from geoengine_server.engine import ogr_source

    ogr_source._tables.clear()  # force the first load to race between threads
    workflows = [
        vector(PORTS),
        catalog().layers["b75db46e-2b9a-4a86-b33f-bc06a73cd711"]["workflow"],
        _join(),
        vector({"type": "Reprojection", "params": {"targetSpatialReference": "EPSG:3857"},
                "sources": {"source": PORTS}}),
    ]
    boxes = {3: transform_bbox(WORLD, "EPSG:4326", "EPSG:3857")}

    def run(k: int):
        op = build(workflows[k % 4])
        return k % 4, op.query(boxes.get(k % 4, WORLD), APRIL)

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(run, range(32)))
    by_kind: dict[int, list] = {}
    for kind, fc in results:
        by_kind.setdefault(kind, []).append(fc)
    for kind, collections in by_kind.items():
        assert all(c == collections[0] for c in collections), kind
    assert len(by_kind[0][0]) == ogr_count(WORLD)
    assert set(by_kind[1][0].columns["name"]) == _ports_in_germany_by_ogr()

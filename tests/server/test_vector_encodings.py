"""Vector encodings as Geo Engine 0.9.3 writes them (audit C6).

* stream WKT in the ``wkt`` crate's layout: ``MULTIPOINT((x y),(x y))``, no blanks after commas or type names
  (geo-engine/geoengine@5748ef7:geoengine/datatypes/src/primitives/multi_point.rs ``test_to_wkt``:
  ``"MULTIPOINT((0.5 0.6),(0.7 0.8),(0.9 0.99))"``; multi_line_string.rs / multi_polygon.rs likewise);
* WFS ``dateTime`` properties as integer milliseconds
  (geo-engine/geoengine@5748ef7:geoengine/datatypes/src/primitives/feature_data.rs ``DateTimeDataRef::json_value``).
"""

from __future__ import annotations

import pyarrow as pa
import pytest
from geoengine_server.engine.types import Column, FeatureCollection, VectorDescriptor
from geoengine_server.engine.wkt import to_multi_wkt
from geoengine_server.geojson import feature_collection_json
from osgeo import ogr
from server.dataplane_helpers import PORTS, PORTS_SHP, session_ctx
from server.test_streams import open_stream, read_all, stream_url


@pytest.fixture(scope="module")
def ctx(shared_server):
    return session_ctx(shared_server, ports=PORTS)


def test_the_wkt_crate_layout() -> None:
    # the real crate's own test case, then lines and polygons in the same layout
    multi = ogr.CreateGeometryFromWkt("MULTIPOINT (0.5 0.6,0.7 0.8,0.9 0.99)")
    assert to_multi_wkt(multi) == "MULTIPOINT((0.5 0.6),(0.7 0.8),(0.9 0.99))"
    line = ogr.CreateGeometryFromWkt("LINESTRING (0.1 0.1,0.5 0.5)")
    assert to_multi_wkt(line) == "MULTILINESTRING((0.1 0.1,0.5 0.5))"
    polygon = ogr.CreateGeometryFromWkt("POLYGON ((0.1 0.1,0.8 0.1,0.8 0.8,0.1 0.1))")
    assert to_multi_wkt(polygon) == "MULTIPOLYGON(((0.1 0.1,0.8 0.1,0.8 0.8,0.1 0.1)))"
    assert to_multi_wkt(ogr.CreateGeometryFromWkt("POINT (1e-07 100)")) == "MULTIPOINT((0.0000001 100))"


def test_streamed_port_geometries_are_in_that_layout_and_equal_ogr(ctx) -> None:
    url = stream_url(ctx, ctx["ports"], "vectorStream", resultType="arrow", spatialBounds="-10,35,20,60",
                     timeInterval="2014-04-01T00:00:00.000Z")
    with open_stream(ctx, url) as ws:
        table = pa.Table.from_batches(read_all(ws))
    geometries = table.column("__geometry").to_pylist()
    assert geometries and all(g.startswith("MULTIPOINT((") and g.endswith("))") and ", " not in g
                              for g in geometries)
    dataset = ogr.Open(str(PORTS_SHP))  # kept alive while its layer is read
    layer = dataset.GetLayer(0)
    layer.SetSpatialFilterRect(-10, 35, 20, 60)
    expected = sorted((f.GetGeometryRef().GetX(), f.GetGeometryRef().GetY()) for f in layer)
    parsed = sorted(tuple(float(v) for v in g[len("MULTIPOINT(("):-2].split()) for g in geometries)
    assert parsed == expected


def test_wfs_date_time_properties_are_integer_milliseconds() -> None:
    features = FeatureCollection(["MULTIPOINT((1 2))"], [0], [1], {"seen": [1396310400000]})
    descriptor = VectorDescriptor("MultiPoint", "EPSG:4326", {"seen": Column("dateTime")})
    (feature,) = feature_collection_json(features, descriptor)["features"]
    assert feature["properties"] == {"seen": 1396310400000}

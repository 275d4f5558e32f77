"""Memory layers keep every column, whatever its name (issue 9): ``a&b``, ``x#y`` and ``50%`` are columns a real
workflow makes (a RasterVectorJoin names its new columns), loaded through the plugin's loader; expected values
come from the NDVI source TIFF read with GDAL."""

from __future__ import annotations

import plugin_support
import pytest
from layer_support import NDVI_TIFF, PORTS, PORTS_SHP
from osgeo import gdal, ogr
from plugin_support import request, run_load

pytestmark = pytest.mark.qgis
ODD = ["a&b", "x#y", "50%"]
EUROPE = (-10.0, 35.0, 30.0, 60.0)
NDVI_OPERATOR = {"type": "GdalSource", "params": {"data": "ndvi"}}


def _joined() -> dict:
    return {"type": "Vector", "operator": {
        "type": "RasterVectorJoin",
        "params": {"names": {"type": "names", "values": ODD}, "featureAggregation": "first",
                   "temporalAggregation": "none"},
        "sources": {"vector": PORTS["operator"], "rasters": [NDVI_OPERATOR] * len(ODD)}}}


def _ndvi_at(x: float, y: float):
    source = gdal.Open(NDVI_TIFF.format("2014-04-01"))
    x0, dx, _, y0, _, dy = source.GetGeoTransform()
    value = int(source.GetRasterBand(1).ReadAsArray(int((x - x0) / dx), int((y - y0) / dy), 1, 1)[0, 0])
    return None if value == 0 else value


def test_odd_column_names_survive_the_memory_layer(session, loader, project):
    from geoengine_qgis.core.workflow import Workflow

    workflow_id = plugin_support.register_in(session, _joined())
    descriptor = Workflow(workflow_id, session).get_result_descriptor()
    outcome, _ = run_load(loader, session, request(workflow_id, bounds=EUROPE, name="Ports NDVI"))
    assert outcome.ok, outcome.error
    layer = outcome.layers[0]
    names = layer.fields().names()
    assert names[:len(descriptor.columns)] == list(descriptor.columns)
    assert set(ODD) <= set(names)
    assert layer.source().count("field=") == len(names)

    shapefile = ogr.Open(str(PORTS_SHP))
    ports = shapefile.GetLayer(0)
    ports.SetSpatialFilterRect(*EUROPE)
    assert layer.featureCount() == ports.GetFeatureCount() > 20
    checked = 0
    for feature in layer.getFeatures():
        point = feature.geometry().asMultiPoint()[0] if feature.geometry().isMultipart() \
            else feature.geometry().asPoint()
        expected = _ndvi_at(point.x(), point.y())
        values = [feature[name] for name in ODD]
        assert values == [expected] * len(ODD), (point, values, expected)
        checked += expected is not None
    assert checked > 5

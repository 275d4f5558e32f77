"""Every EngineError path of workflow initialisation and reads (no HTTP)."""

from __future__ import annotations

import pytest
from geoengine_server.engine import EngineError
from geoengine_server.engine.types import Window
from server.engine_helpers import NDVI, PORTS, build, catalog, instant, plot, vector

GDAL = NDVI["operator"]


def raster(op):
    return {"type": "Raster", "operator": op}


def error_of(workflow) -> EngineError:
    with pytest.raises(EngineError) as err:
        build(workflow)
    return err.value


def test_unknown_dataset_name():
    err = error_of(raster({"type": "GdalSource", "params": {"data": "nope"}}))
    assert (err.error, err.message) == ("UnknownDatasetName", "Unknown dataset name: nope")
    err = error_of(vector({"type": "OgrSource", "params": {"data": "missing_ports"}}))
    assert err.error == "UnknownDatasetName" and "missing_ports" in err.message


def test_namespaced_and_legacy_dataset_references():
    assert build(raster({"type": "GdalSource", "params": {"data": "ns:ndvi"}})).datasets == ["ndvi"]
    dataset_id = catalog().dataset("ndvi").id
    legacy = raster({"type": "GdalSource", "params": {"data": {"type": "internal", "datasetId": dataset_id}}})
    assert build(legacy).datasets == ["ndvi"]
    err = error_of(raster({"type": "GdalSource", "params": {
        "data": {"type": "internal", "datasetId": "00000000-0000-0000-0000-000000000000"}}}))
    assert err.error == "UnknownDatasetId"


def test_operator_type_mismatches():
    expected = ("InvalidOperatorType", "Invalid operator type: expected Vector found Raster")
    err = error_of(vector({"type": "Reprojection", "params": {"targetSpatialReference": "EPSG:3857"},
                           "sources": {"source": GDAL}}))
    assert (err.error, err.message) == expected
    err = error_of(vector(GDAL))
    assert (err.error, err.message) == expected
    err = error_of(raster(PORTS))
    assert (err.error, err.message) == ("InvalidOperatorType", "Invalid operator type: expected Raster found Vector")
    err = error_of(vector({"type": "PointInPolygonFilter", "params": {},
                           "sources": {"points": PORTS, "polygons": GDAL}}))
    assert (err.error, err.message) == expected
    err = error_of(raster({"type": "GdalSource", "params": {"data": "ne_10m_ports"}}))
    assert err.error == "InvalidOperatorType" and "ne_10m_ports" in err.message
    err = error_of(plot(GDAL))
    assert err.message == "Invalid operator type: expected Plot found Raster"


def test_unknown_operator():
    err = error_of(raster({"type": "Teleport", "params": {}}))
    assert err.error == "UnknownOperator" and "Teleport" in err.message


@pytest.mark.parametrize("workflow, field", [
    (raster({"type": "GdalSource", "params": {}}), "data"),
    (raster({"type": "GdalSource", "params": {"data": "ndvi", "overviewLevel": -1}}), "overviewLevel"),
    (raster({"type": "Expression", "params": {"outputType": "U8", "mapNoData": False}, "sources": {"raster": GDAL}}),
     "expression"),
    (raster({"type": "Expression", "params": {"expression": "A", "outputType": "U8", "mapNoData": False}}), "raster"),
    (raster({"type": "RasterTypeConversion", "params": {"outputDataType": "U3"}, "sources": {"raster": GDAL}}),
     "outputDataType"),
    (raster({"type": "RasterStacker", "params": {"renameBands": {"type": "rename", "values": ["a", "b"]}},
             "sources": {"rasters": [GDAL]}}), "renameBands"),
    (raster({"type": "BandFilter", "params": {"bands": ["nir"]}, "sources": {"raster": GDAL}}), "nir"),
    (raster({"type": "Reprojection", "params": {}, "sources": {"source": GDAL}}), "targetSpatialReference"),
    (vector({"type": "MockPointSource", "params": {"points": [{"x": "a", "y": 1}]}}), "points"),
    (vector({"type": "RasterVectorJoin", "params": {"names": {"type": "names", "values": ["a", "b"]},
                                                       "featureAggregation": "first", "temporalAggregation": "none"},
             "sources": {"vector": PORTS, "rasters": [GDAL]}}), "names"),
    (vector({"type": "RasterVectorJoin", "params": {"names": {"type": "names", "values": ["a"]},
                                                       "featureAggregation": "first", "temporalAggregation": "median"},
             "sources": {"vector": PORTS, "rasters": [GDAL]}}), "temporalAggregation"),
    (plot({"type": "Histogram", "params": {"bounds": "data", "buckets": {"type": "number", "value": 0}},
           "sources": {"source": GDAL}}), "buckets"),
    (plot({"type": "Histogram", "params": {"bounds": "all"}, "sources": {"source": GDAL}}), "bounds"),
    (plot({"type": "Histogram", "params": {"bounds": "data"}, "sources": {"source": PORTS}}), "columnName"),
    (plot({"type": "Statistics", "params": {"percentiles": [0.1] * 9}, "sources": {"source": GDAL}}), "percentiles"),
    (plot({"type": "Statistics", "params": {"columnNames": ["a", "b"]}, "sources": {"source": [GDAL]}}),
     "column_names"),
])
def test_bad_params_name_the_field(workflow, field):
    err = error_of(workflow)
    assert err.error in ("InvalidOperatorSpec", "InvalidExpression") and field in err.message


def test_column_and_reference_errors():
    err = error_of(vector({"type": "OgrSource", "params": {"data": "ne_10m_ports", "attributeProjection": ["x"]}}))
    assert err.error == "ColumnDoesNotExist" and "'x'" in err.message
    err = error_of(plot({"type": "Histogram", "params": {"columnName": "name", "bounds": "data"},
                         "sources": {"source": PORTS}}))
    assert err.error == "InvalidOperatorSpec" and "numerical" in err.message
    err = error_of(plot({"type": "Statistics", "params": {"columnNames": ["nope"]}, "sources": {"source": PORTS}}))
    assert err.error == "ColumnDoesNotExist"
    err = error_of(vector({"type": "RasterVectorJoin", "params": {"names": {"type": "names", "values": ["name"]},
                                                                     "featureAggregation": "first",
                                                                     "temporalAggregation": "none"},
                           "sources": {"vector": PORTS, "rasters": [GDAL]}}))
    assert err.error == "ColumnNameConflict"
    err = error_of(raster({"type": "Reprojection", "params": {"targetSpatialReference": "EPSG:432"},
                           "sources": {"source": GDAL}}))
    assert (err.error, err.message) == ("UnknownSrsString", "Spatial reference system 'EPSG:432' is unknown")
    err = error_of(plot({"type": "Statistics", "params": {}, "sources": {"source": [
        catalog().layers["83866f7b-dcee-47b8-9242-e5636ceaf402"]["workflow"]["operator"]]}}))
    assert err.error == "OperatorDoesNotSupportMultiBandsSourcesYet"


def test_reading_a_missing_band():
    op = build(raster(GDAL))
    (t,) = op.time_slices(instant("2014-04-01T00:00:00Z"))
    with pytest.raises(EngineError) as err:
        op.read(1, t, Window(0, 0, 2, 2))
    assert err.value.error == "InvalidBandIndex"

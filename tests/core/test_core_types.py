"""core.types / descriptors / colorizer / errors: parsing, validation and JSON round trips (no server)."""

from __future__ import annotations

import copy
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pytest
from geoengine_qgis.core.colorizer import (
    ColorBreakpoint,
    Colorizer,
    LinearGradientColorizer,
    MultiBandRasterColorizer,
    PaletteColorizer,
    RasterColorizer,
    RasterSymbology,
    SingleBandRasterColorizer,
)
from geoengine_qgis.core.descriptors import (
    ClassificationMeasurement,
    ContinuousMeasurement,
    RasterResultDescriptor,
    RegularTimeDimension,
    ResultDescriptor,
    TimeStepGranularity,
    VectorResultDescriptor,
)
from geoengine_qgis.core.errors import (
    BadRequestError,
    GeoEngineError,
    InputError,
    MalformedResponseError,
    OGCXMLError,
)
from geoengine_qgis.core.http import encode_query, normalize_server_url
from geoengine_qgis.core.quota import UsageSummaryGranularity
from geoengine_qgis.core.tasks import (
    AbortedTaskStatusInfo,
    CompletedTaskStatusInfo,
    FailedTaskStatusInfo,
    RunningTaskStatusInfo,
    TaskStatusInfo,
    parse_timestamp,
)
from geoengine_qgis.core.types import (
    TIME_MAX_MS,
    TIME_MIN_MS,
    BoundingBox2D,
    QueryRectangle,
    RasterQueryRectangle,
    SpatialPartition2D,
    SpatialResolution,
    TimeInterval,
    WorkflowId,
    validate_srs,
)
from geoengine_server.config import default_data_dir

DATA = default_data_dir()

NDVI_09 = {
    "type": "raster", "dataType": "U8", "spatialReference": "EPSG:4326",
    "time": {"bounds": {"start": 1388534400000, "end": 1404172800000},
             "dimension": {"type": "regular", "origin": 1388534400000, "step": {"granularity": "months", "step": 1}}},
    "spatialGrid": {"descriptor": "source", "spatialGrid": {
        "geoTransform": {"originCoordinate": {"x": -180.0, "y": 90.0}, "xPixelSize": 0.1, "yPixelSize": -0.1},
        "gridBounds": {"topLeftIdx": {"xIdx": 0, "yIdx": 0}, "bottomRightIdx": {"xIdx": 3599, "yIdx": 1799}}}},
    "bands": [{"name": "ndvi", "measurement": {"type": "continuous", "measurement": "vegetation", "unit": None}}],
}
NDVI_08 = {
    "type": "raster", "dataType": "U8", "spatialReference": "EPSG:4326",
    "time": {"start": 1388534400000, "end": 1404172800000},
    "bbox": {"upperLeftCoordinate": {"x": -180.0, "y": 90.0}, "lowerRightCoordinate": {"x": 180.0, "y": -90.0}},
    "resolution": {"x": 0.1, "y": 0.1},
    "bands": [{"name": "ndvi", "measurement": {"type": "unitless"}}],
}
PORTS_JOINED = {
    "type": "vector", "dataType": "MultiPoint", "spatialReference": "EPSG:4326",
    "columns": {"scalerank": {"dataType": "int", "measurement": {"type": "unitless"}},
                "NDVI": {"dataType": "int", "measurement": {"type": "continuous", "measurement": "vegetation",
                                                            "unit": None}},
                "kind": {"dataType": "category", "measurement": {"type": "classification", "measurement": "kind",
                                                                 "classes": {"0": "water", "1": "forest"}}}},
    "time": None, "bbox": None,
}


# ------------------------------------------------------------------------------------------- ids, time


def test_workflow_id_accepts_uuid_strings_and_refuses_garbage():
    text = "1e415c9c-55f3-51a2-b50b-b5053d1debbb"
    assert str(WorkflowId(text)) == text
    assert WorkflowId(WorkflowId(text)) == WorkflowId(text.upper())
    for bad in ("1", "", "not-a-uuid", None, 42):
        with pytest.raises(InputError) as info:
            WorkflowId(bad)
        assert info.value.field == "workflow_id"


@pytest.mark.parametrize("value", [
    "2014-04-01T12:00:00Z", "2014-04-01T12:00:00.000+00:00", "2014-04-01T14:00:00+02:00",
    "2014-04-01T07:00:00-05:00", np.datetime64("2014-04-01T12:00:00"), datetime(2014, 4, 1, 12),
    datetime(2014, 4, 1, 14, tzinfo=timezone(timedelta(hours=2))), 1396353600000,
])
def test_time_inputs_give_the_official_query_string(value):
    interval = TimeInterval(value)
    assert interval.time_str == "2014-04-01T12:00:00.000+00:00"
    assert interval.to_dict() == {"start": 1396353600000, "end": 1396353600000}
    assert interval.is_instant()


def test_time_interval_forms_and_extremes():
    interval = TimeInterval.coerce("2014-01-01T00:00:00Z/2014-07-01T00:00:00Z")
    assert interval.time_str == "2014-01-01T00:00:00.000+00:00/2014-07-01T00:00:00.000+00:00"
    assert TimeInterval.coerce(("2014-01-01T00:00:00Z", None)).is_instant()
    extremes = TimeInterval.from_response({"start": TIME_MIN_MS, "end": TIME_MAX_MS})
    assert extremes.to_dict() == {"start": TIME_MIN_MS, "end": TIME_MAX_MS}
    assert extremes.time_str.startswith("-262143-01-01T00:00:00.000+00:00/")
    assert TimeInterval("-262143-01-01T00:00:00+00:00").start_ms == TIME_MIN_MS


@pytest.mark.parametrize(("start", "end", "field"), [
    ("2014-02-01T00:00:00Z", "2014-01-01T00:00:00Z", "time"),
    ("yesterday", None, "time.start"),
    ("2014-01-01T00:00:00Z", "2014-13-45", "time.end"),
    (np.datetime64("NaT"), None, "time.start"),
    (3.5, None, "time.start"),
])
def test_bad_times_are_refused_with_the_field(start, end, field):
    with pytest.raises(InputError) as info:
        TimeInterval(start, end)
    assert info.value.field == field
    assert field in str(info.value)


# ------------------------------------------------------------------------------------------- space


@pytest.mark.parametrize("bbox", [(1, 0, 0, 1), (0, 1, 1, 0), (0, 0, float("nan"), 1), (0, float("inf"), 1, 2),
                                  ("a", 0, 1, 1)])
def test_bad_bboxes_are_refused(bbox):
    with pytest.raises(InputError) as info:
        QueryRectangle(bbox, "2014-04-01T12:00:00Z")
    assert info.value.field == "bbox"


@pytest.mark.parametrize("srs", ["EPSG:432", "CRS:84", "epsg:4326", "4326", "EPSG:4326:1", "ESRI:1", "", None])
def test_unknown_crs_strings_are_refused(srs):
    with pytest.raises(InputError) as info:
        QueryRectangle((0, 0, 1, 1), "2014-04-01T12:00:00Z", srs=srs)
    assert info.value.field == "srs"


def test_known_crs_strings_pass():
    for srs in ("EPSG:4326", "EPSG:3857", "EPSG:32632", "ESRI:54009", "SR-ORG:81"):
        assert validate_srs(srs) == srs


def test_query_rectangle_strings_follow_the_axis_rules():
    query = QueryRectangle((-60.0, 5.0, 61.0, 6.0), "2014-04-01T12:00:00Z")
    assert query.bbox_str == "-60.0,5.0,61.0,6.0"
    assert query.bbox_ogc_str == "5.0,-60.0,6.0,61.0"
    mercator = QueryRectangle((-1e6, -2e6, 1e6, 2e6), "2014-04-01T12:00:00Z", srs="EPSG:3857")
    assert mercator.bbox_ogc_str == mercator.bbox_str == "-1000000.0,-2000000.0,1000000.0,2000000.0"
    assert query.to_dict() == {
        "spatialBounds": {"upperLeftCoordinate": {"x": -60.0, "y": 6.0}, "lowerRightCoordinate": {"x": 61.0, "y": 5.0}},
        "timeInterval": {"start": 1396353600000, "end": 1396353600000},
    }


def test_raster_query_rectangle_matches_the_official_constructor():
    query = RasterQueryRectangle((-10, 40, 10, 50), ("2014-04-01T00:00:00Z", "2014-05-01T00:00:00Z"), [0, 2],
                                 "EPSG:4326")
    assert query.raster_bands == [0, 2] and query.srs == "EPSG:4326"
    assert RasterQueryRectangle((0, 0, 1, 1), "2014-04-01T00:00:00Z", None).raster_bands == [0]
    assert RasterQueryRectangle((0, 0, 1, 1), "2014-04-01T00:00:00Z", 3).raster_bands == [3]
    assert QueryRectangle((0, 0, 1, 1), "2014-04-01T00:00:00Z").with_raster_bands([1]).raster_bands == [1]
    for bad in ([], [0, 0], [-1], ["a"], [True]):
        with pytest.raises(InputError) as info:
            RasterQueryRectangle((0, 0, 1, 1), "2014-04-01T00:00:00Z", bad)
        assert info.value.field == "raster_bands"


def test_resolution_and_partition_json():
    assert SpatialResolution.coerce(0.5).as_tuple() == (0.5, 0.5)
    assert SpatialResolution(45.0, 22.5).resolution_ogc("EPSG:4326") == (-22.5, 45.0)
    assert str(SpatialResolution(0.1, 0.2)) == "0.1,0.2"
    for bad in (0, -1, float("nan"), (1, 0)):
        with pytest.raises(InputError):
            SpatialResolution.coerce(bad)
    json_partition = {"upperLeftCoordinate": {"x": -10.0, "y": 80.0}, "lowerRightCoordinate": {"x": 50.0, "y": 20.0}}
    partition = SpatialPartition2D.from_response(json_partition)
    assert partition.as_tuple() == (-10.0, 20.0, 50.0, 80.0) and partition.to_dict() == json_partition
    json_bbox = {"lowerLeftCoordinate": {"x": -1.0, "y": 2.0}, "upperRightCoordinate": {"x": 3.0, "y": 4.0}}
    assert BoundingBox2D.from_response(json_bbox).to_dict() == json_bbox


# ------------------------------------------------------------------------------------------- descriptors


def test_raster_descriptor_09_round_trips_and_derives_extent():
    descriptor = ResultDescriptor.from_response(copy.deepcopy(NDVI_09))
    assert isinstance(descriptor, RasterResultDescriptor) and descriptor.is_raster_result()
    assert descriptor.to_dict() == NDVI_09
    assert descriptor.spatial_bounds.as_tuple() == pytest.approx((-180.0, -90.0, 180.0, 90.0))
    assert descriptor.spatial_resolution.as_tuple() == pytest.approx((0.1, 0.1))
    assert descriptor.grid_bounds.width == 3600 and descriptor.grid_bounds.height == 1800
    assert descriptor.time_bounds.to_dict() == {"start": 1388534400000, "end": 1404172800000}
    dimension = descriptor.time_dimension
    assert isinstance(dimension, RegularTimeDimension)
    assert dimension.step.granularity is TimeStepGranularity.MONTHS and dimension.step.step == 1
    assert descriptor.bands[0].name == "ndvi"
    assert descriptor.bands[0].measurement == ContinuousMeasurement("vegetation", None)
    descriptor.check_bands([0])
    with pytest.raises(InputError) as info:
        descriptor.check_bands([1])
    assert info.value.field == "raster_bands" and "1 band" in str(info.value)


def test_raster_descriptor_08_is_read_and_round_trips():
    descriptor = ResultDescriptor.from_response(copy.deepcopy(NDVI_08))
    assert descriptor.legacy and descriptor.to_dict() == NDVI_08
    assert descriptor.spatial_bounds.as_tuple() == (-180.0, -90.0, 180.0, 90.0)
    assert descriptor.spatial_resolution.as_tuple() == (0.1, 0.1)
    assert descriptor.grid_bounds.width == 3600 and descriptor.geo_transform.to_gdal()[0] == -180.0
    assert descriptor.time_bounds.end_ms == 1404172800000
    assert not descriptor.time_dimension.is_regular()
    bare = ResultDescriptor.from_response({"type": "raster", "dataType": "F32", "spatialReference": "EPSG:3857",
                                           "time": None, "bbox": None, "resolution": None, "bands": []})
    assert bare.spatial_grid is None and bare.spatial_bounds is None and bare.time_bounds is None


def test_vector_and_plot_descriptors():
    vector = ResultDescriptor.from_response(copy.deepcopy(PORTS_JOINED))
    assert isinstance(vector, VectorResultDescriptor) and vector.to_dict() == PORTS_JOINED
    assert vector.columns["kind"].measurement == ClassificationMeasurement("kind", {0: "water", 1: "forest"})
    assert vector.columns["scalerank"].data_type.value == "int"
    plot = ResultDescriptor.from_response({"type": "plot", "spatialReference": "EPSG:4326"})
    assert plot.is_plot_result() and plot.spatial_bounds is None
    assert ResultDescriptor.from_response({"bands": [], "dataType": "U8", "spatialReference": "",
                                           "time": None}).is_raster_result()


@pytest.mark.parametrize("body", [[], {"type": "raster"}, {"type": "mesh"},
                                  {"type": "raster", "dataType": "U9", "spatialReference": "", "bands": []},
                                  {"type": "vector", "dataType": "Point", "spatialReference": "", "columns": {}}])
def test_broken_descriptors_are_malformed_responses(body):
    with pytest.raises(MalformedResponseError):
        ResultDescriptor.from_response(body)


# ------------------------------------------------------------------------------------------- colorizers


def test_colorizer_examples_round_trip_exactly():
    examples = [
        {"type": "singleBand", "band": 0, "bandColorizer": {
            "type": "linearGradient",
            "breakpoints": [{"value": 0, "color": [0, 0, 0, 255]}, {"value": 255, "color": [255, 255, 255, 255]}],
            "noDataColor": [0, 0, 0, 0], "overColor": [246, 250, 254, 255], "underColor": [247, 251, 255, 255]}},
        {"type": "singleBand", "band": 1, "bandColorizer": {
            "type": "logarithmicGradient",
            "breakpoints": [{"value": 1.0, "color": [255, 255, 255, 255]}, {"value": 100.0, "color": [0, 0, 0, 255]}],
            "noDataColor": [0, 0, 0, 0], "overColor": [0, 0, 0, 255], "underColor": [255, 255, 255, 255]}},
        {"type": "singleBand", "band": 0, "bandColorizer": {
            "type": "palette", "colors": {"1": [255, 255, 255, 255], "2.5": [0, 0, 0, 255], "3.0": [1, 2, 3, 4]},
            "noDataColor": [0, 0, 0, 0], "defaultColor": [0, 0, 0, 0]}},
        {"type": "multiBand", "redBand": 2, "greenBand": 1, "blueBand": 0,
         "redMin": 0, "redMax": 255, "redScale": 1, "greenMin": 0, "greenMax": 255, "greenScale": 1,
         "blueMin": 0, "blueMax": 255, "blueScale": 0.5, "noDataColor": [0, 0, 0, 0]},
    ]
    for example in examples:
        colorizer = RasterColorizer.from_response(copy.deepcopy(example))
        assert colorizer.to_dict() == example
        assert json.dumps(colorizer.to_dict(), sort_keys=True) == json.dumps(example, sort_keys=True)
        assert colorizer.wms_style() == "custom:" + json.dumps(example)


def test_stored_symbologies_of_the_test_data_round_trip():
    checked = 0
    for path in sorted(Path(DATA, "dataset_defs").glob("*.json")) + sorted(Path(DATA, "layer_defs").glob("*.json")):
        text = json.loads(path.read_text())
        symbology = (text.get("properties") or text).get("symbology")
        if isinstance(symbology, dict) and symbology.get("type") == "raster":
            parsed = RasterSymbology.from_response(copy.deepcopy(symbology))
            expected = dict(symbology, opacity=symbology.get("opacity", 1.0))
            assert parsed.to_dict() == expected, path.name
            checked += 1
    assert checked >= 3


def test_colorizer_validation_names_the_field():
    with pytest.raises(InputError, match="color"):
        ColorBreakpoint(0, (0, 0, 256, 0))
    with pytest.raises(InputError, match="breakpoints"):
        LinearGradientColorizer([ColorBreakpoint(10, (0, 0, 0, 0)), ColorBreakpoint(1, (0, 0, 0, 0))])
    with pytest.raises(InputError, match="colorizer.type"):
        Colorizer.from_response({"type": "rgba"})
    with pytest.raises(InputError, match="red_max"):
        MultiBandRasterColorizer(0, 1, 2, 5, 5, 0, 1, 0, 1)
    with pytest.raises(InputError, match="at most 256"):
        PaletteColorizer({i: (0, 0, 0, 0) for i in range(257)})
    colorizer = SingleBandRasterColorizer(0, PaletteColorizer({1.0: (1, 2, 3, 4)}))
    assert colorizer.to_dict()["bandColorizer"]["colors"] == {"1": [1, 2, 3, 4]}


# ------------------------------------------------------------------------------------------- tasks, misc


def test_task_status_variants():
    running = TaskStatusInfo.from_response({
        "status": "running", "taskType": "create-dataset", "description": "d", "pctComplete": "12.50%",
        "timeStarted": "2023-02-16T15:25:45.390Z", "estimatedTimeRemaining": "? (± ?)", "info": None})
    assert isinstance(running, RunningTaskStatusInfo) and running.pct_complete == 12.5
    assert running.pct_complete_text == "12.50%" and not running.finished
    assert running.time_started == datetime(2023, 2, 16, 15, 25, 45, 390000, tzinfo=timezone.utc)
    done = TaskStatusInfo.from_response({"status": "completed", "taskType": "t", "description": "d",
                                         "info": {"dataset": "foo", "upload": "u"}, "timeTotal": "00:00:30",
                                         "timeStarted": "2021-04-26T13:47:10.579724800Z"})
    assert isinstance(done, CompletedTaskStatusInfo) and done.info["dataset"] == "foo" and done.finished
    aborted = TaskStatusInfo.from_response({"status": "aborted", "cleanUp": {"status": "noCleanUp"}})
    assert isinstance(aborted, AbortedTaskStatusInfo) and aborted.clean_up == {"status": "noCleanUp"}
    failed = TaskStatusInfo.from_response({"status": "failed", "error": "TileLimitExceeded",
                                           "cleanUp": {"status": "completed", "info": None}})
    assert isinstance(failed, FailedTaskStatusInfo) and failed.error == "TileLimitExceeded"
    for bad in ({"status": "clear"}, {"status": "running"}, {"status": "failed"}):
        with pytest.raises(MalformedResponseError):
            TaskStatusInfo.from_response(bad)
    assert parse_timestamp("2021-04-26T13:47:10.579724800Z").microsecond == 579724


def test_urls_and_query_encoding():
    for url in ("http://h:3030", "http://h:3030/", "http://h:3030/api", "http://h:3030/api/"):
        assert normalize_server_url(url) == "http://h:3030/api"
    assert normalize_server_url("https://h/geo/api/") == "https://h/geo/api"
    for bad in ("", "ftp://h/api", "h:3030", "http://user:pw@h/api"):
        with pytest.raises(InputError):
            normalize_server_url(bad)
    query = encode_query({"time": "2014-04-01T12:00:00.000+00:00", "bbox": "-60.0,5.0", "srsName": "EPSG:4326",
                          "force": True, "skip": None})
    assert query == ("time=2014-04-01T12%3A00%3A00.000%2B00%3A00&bbox=-60.0%2C5.0&srsName=EPSG%3A4326&force=true")
    assert [g.value for g in UsageSummaryGranularity] == ["minutes", "hours", "days", "months", "years"]


def test_error_strings_and_ogc_xml():
    error = BadRequestError("No workflow for given id", error="NoWorkflowForGivenId", status=400,
                            url="GET http://h/api/workflow/x/metadata")
    assert str(error) == "NoWorkflowForGivenId: No workflow for given id (HTTP 400, GET http://h/api/workflow/x/metadata)"
    assert isinstance(error, GeoEngineError)
    xml = (b'\n<?xml version="1.0" encoding="UTF-8"?>\n<ServiceExceptionReport version="1.3.0" '
           b'xmlns="http://www.opengis.net/ogc">\n<ServiceException>\n  Spatial reference system '
           b"'EPSG:432' is unknown\n</ServiceException>\n</ServiceExceptionReport>")
    assert OGCXMLError.is_ogc_error(xml)
    ogc = OGCXMLError(xml)
    assert ogc.service_exception == "Spatial reference system 'EPSG:432' is unknown"
    assert str(ogc).startswith("OGCServiceException: OGC API error: Spatial reference system 'EPSG:432' is unknown")


def test_task_status_to_dict_round_trips():
    examples = [
        {"status": "running", "timeStarted": "2023-02-16T15:25:45.390Z", "taskType": "create-dataset",
         "description": "d", "pctComplete": "12.50%", "estimatedTimeRemaining": "? (± ?)", "info": None},
        {"status": "completed", "timeStarted": "2023-02-16T15:25:45.390Z", "taskType": "t", "description": "d",
         "info": {"dataset": "foo", "upload": "u"}, "timeTotal": "00:00:30"},
        {"status": "aborted", "cleanUp": {"status": "noCleanUp"}},
        {"status": "failed", "error": "TileLimitExceeded", "cleanUp": {"status": "completed", "info": None}},
    ]
    for example in examples:
        assert TaskStatusInfo.from_response(example).to_dict() == example


def test_errors_survive_pickle_and_copy():
    import pickle

    from geoengine_qgis.core.errors import MethodNotCalledOnRasterException, MissingDependencyError, StreamClosedError

    errors = [
        BadRequestError("No workflow for given id", error="NoWorkflowForGivenId", status=400, url="GET http://h/api/x"),
        InputError("xmin 1.0 is greater than xmax 0.0", field="bbox"),
        MissingDependencyError("geopandas", "get_dataframe"),
        MethodNotCalledOnRasterException("vector"),
        StreamClosedError("stream failed", code=1011, reason="boom"),
        OGCXMLError(b"\n<?xml version='1.0'?><ServiceExceptionReport><ServiceException>bad</ServiceException>"
                    b"</ServiceExceptionReport>", url="GET http://h/api/wms/x", status=200),
    ]
    for error in errors:
        for clone in (pickle.loads(pickle.dumps(error)), copy.deepcopy(error)):
            assert type(clone) is type(error) and str(clone) == str(error) and repr(clone) == repr(error)
            assert clone.__dict__ == error.__dict__

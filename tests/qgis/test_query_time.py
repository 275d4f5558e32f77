"""qgis_glue.query and qgis_glue.wms_time: time arithmetic, defaults and stored queries, against hand-worked
calendar values (no server; a QgsApplication only for the layer and URI checks).

Truth: the calendar (month lengths, leap years), epoch milliseconds worked out by hand
(2014-04-01T00:00:00Z = 1396310400000), ISO 8601 durations, and Geo Engine's open time ends
(geo-engine/geoengine@5748ef7:geoengine/datatypes/src/primitives/time_instance.rs: TimeInstance::MIN/MAX,
-8_334_601_228_800_000 and 8_210_266_876_799_999 ms, outside years 1..9999).
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import numpy as np
import pytest
from geoengine_qgis.core.descriptors import RegularTimeDimension, TimeStep, TimeStepGranularity
from geoengine_qgis.core.types import TimeInterval
from geoengine_qgis.qgis_glue import query as q
from geoengine_qgis.qgis_glue import wms_time as w

UTC = dt.timezone.utc
APRIL_MS = 1396310400000  # 2014-04-01T00:00:00Z: 44 years of 365 days + 11 leap days + 90 days, times 86400000
MONTH = TimeStep(1, TimeStepGranularity.MONTHS)


def utc(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def descriptor(start_ms, end_ms, step=None):
    bounds = None if start_ms is None else SimpleNamespace(start_ms=start_ms, end_ms=end_ms)
    dimension = RegularTimeDimension(step) if step is not None else None
    return SimpleNamespace(time_bounds=bounds, time_dimension=dimension)


# --------------------------------------------------------------------------------------------- instants


def test_epoch_milliseconds_and_open_ends():
    assert q.ms_to_datetime(APRIL_MS) == utc(2014, 4, 1)
    assert q.ms_to_datetime(0) == utc(1970, 1, 1)
    assert q.ms_to_datetime(-1) == utc(1969, 12, 31, 23, 59, 59, 999000)
    first, last = -62135596800000, 253402214400000  # 0001-01-01 and 9999-12-31, 00:00 UTC
    assert q.ms_to_datetime(first) == utc(1, 1, 1) and q.ms_to_datetime(last) == utc(9999, 12, 31)
    assert q.ms_to_datetime(first - 1) is None and q.ms_to_datetime(last + 1) is None
    assert q.ms_to_datetime(-8334601228800000) is None  # Geo Engine's beginning of time
    assert q.ms_to_datetime(8210266876799999) is None  # and its end


def test_parse_iso_reads_z_offsets_naive_text_and_milliseconds():
    assert q.parse_iso("2014-04-01T00:00:00Z") == utc(2014, 4, 1)
    assert q.parse_iso(" 2014-04-01T02:00:00+02:00 ") == utc(2014, 4, 1)
    assert q.parse_iso("2014-04-01T00:00:00") == utc(2014, 4, 1)  # no zone: UTC
    assert q.parse_iso(str(APRIL_MS)) == utc(2014, 4, 1)
    assert q.parse_iso("yesterday") is None and q.parse_iso(None) is None


def test_iso_is_utc_with_milliseconds_and_z():
    assert q.iso(utc(2014, 4, 1)) == "2014-04-01T00:00:00.000Z"
    assert q.iso(dt.datetime(2014, 4, 1, 2, 0, 0, 123456, tzinfo=dt.timezone(dt.timedelta(hours=2)))) == \
        "2014-04-01T00:00:00.123Z"


# ------------------------------------------------------------------------------------------------ steps


@pytest.mark.parametrize("moment, step, times, expected", [
    (utc(2014, 1, 31), MONTH, 1, utc(2014, 2, 28)),  # clamped to February's end
    (utc(2016, 1, 31), MONTH, 1, utc(2016, 2, 29)),  # leap year
    (utc(2014, 11, 15), TimeStep(3, TimeStepGranularity.MONTHS), 1, utc(2015, 2, 15)),
    (utc(2014, 3, 31), MONTH, -1, utc(2014, 2, 28)),
    (utc(2014, 1, 1), MONTH, -1, utc(2013, 12, 1)),
    (utc(2014, 12, 1), MONTH, 1, utc(2015, 1, 1)),
    (utc(2016, 2, 29), TimeStep(1, TimeStepGranularity.YEARS), 1, utc(2017, 2, 28)),
    (utc(2014, 4, 1), TimeStep(2, TimeStepGranularity.YEARS), 3, utc(2020, 4, 1)),
    (utc(2014, 4, 1), TimeStep(16, TimeStepGranularity.DAYS), 2, utc(2014, 5, 3)),
    (utc(2014, 4, 1), TimeStep(6, TimeStepGranularity.HOURS), 5, utc(2014, 4, 2, 6)),
    (utc(2014, 4, 1), TimeStep(15, TimeStepGranularity.MINUTES), 3, utc(2014, 4, 1, 0, 45)),
    (utc(2014, 4, 1), TimeStep(90, TimeStepGranularity.SECONDS), 1, utc(2014, 4, 1, 0, 1, 30)),
    (utc(2014, 4, 1), TimeStep(250, TimeStepGranularity.MILLIS), 2, utc(2014, 4, 1, 0, 0, 0, 500000)),
])
def test_add_step(moment, step, times, expected):
    assert q.add_step(moment, step, times) == expected


def test_describe_step():
    assert q.describe_step(MONTH) == "every month"
    assert q.describe_step(TimeStep(16, TimeStepGranularity.DAYS)) == "every 16 days"


# ------------------------------------------------------------------------------------------ default time


def test_default_time_of_a_monthly_raster_is_its_first_month():
    may_ms = APRIL_MS + 30 * 86400000
    assert q.time_bounds(descriptor(APRIL_MS, may_ms)) == (utc(2014, 4, 1), utc(2014, 5, 1))
    assert q.default_time(descriptor(APRIL_MS, APRIL_MS + 365 * 86400000, MONTH)) == (utc(2014, 4, 1),
                                                                                      utc(2014, 5, 1))
    # the step would end after the bounds: the bounds' end
    assert q.default_time(descriptor(APRIL_MS, APRIL_MS + 86400000, MONTH)) == (utc(2014, 4, 1), utc(2014, 4, 2))
    assert q.default_time(descriptor(APRIL_MS, may_ms, MONTH)) == (utc(2014, 4, 1), utc(2014, 5, 1))
    assert q.default_time(descriptor(APRIL_MS, 8210266876799999, MONTH)) == (utc(2014, 4, 1), utc(2014, 5, 1))


def test_default_time_without_a_step_or_bounds():
    assert q.default_time(descriptor(APRIL_MS, APRIL_MS + 86400000 * 30)) == (utc(2014, 4, 1), utc(2014, 4, 1))
    fallback = utc(2020, 2, 2)
    assert q.default_time(descriptor(None, None), fallback) == (fallback, fallback)
    assert q.default_time(descriptor(-8334601228800000, 8210266876799999, MONTH), fallback) == (fallback, fallback)
    start, end = q.default_time(descriptor(None, None))
    today = dt.datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    assert start == end and start in (today, today - dt.timedelta(days=1))  # today, 00:00 UTC (midnight race)


def test_finite_time_and_regular_steps():
    assert q.has_finite_time(descriptor(APRIL_MS, 8210266876799999))
    assert q.has_finite_time(descriptor(-8334601228800000, APRIL_MS))
    assert not q.has_finite_time(descriptor(-8334601228800000, 8210266876799999))
    assert not q.has_finite_time(descriptor(None, None))
    assert q.regular_step(descriptor(APRIL_MS, APRIL_MS, MONTH)) == MONTH
    assert q.regular_step(descriptor(APRIL_MS, APRIL_MS)) is None


def test_interval_iso():
    interval = TimeInterval(np.datetime64(APRIL_MS, "ms"), np.datetime64(APRIL_MS + 86400000, "ms"))
    assert q.interval_iso(interval) == ("2014-04-01T00:00:00.000Z", "2014-04-02T00:00:00.000Z")


# --------------------------------------------------------------------------------------- stored queries


QUERY = q.LayerQuery("8df9b0e6-e4b4-586e-90a3-6cf0f08c4e62", "local", "http://127.0.0.1:1/api",
                     (-10.5, 35.25, 30.0, 60.0), "EPSG:4326", "2014-04-01T00:00:00.000Z", "2014-05-01T00:00:00.000Z",
                     (0, 2), "raster", "geotiff", {"time_slice": "2014-04-01T00:00:00.000Z/2014-05-01T00:00:00.000Z"})


def test_layer_query_properties_are_text():
    props = QUERY.to_properties()
    assert props["geoengine/extent"] == "-10.5,35.25,30.0,60.0"
    assert props["geoengine/time"] == "2014-04-01T00:00:00.000Z/2014-05-01T00:00:00.000Z"
    assert props["geoengine/bands"] == "0,2" and props["geoengine/kind"] == "raster"
    assert props["geoengine/mode"] == "geotiff" and props["geoengine/connection"] == "local"
    assert props["geoengine/time_slice"] == "2014-04-01T00:00:00.000Z/2014-05-01T00:00:00.000Z"
    assert props["geoengine/query"] == (
        '{"bands": [0, 2], "bbox": [-10.5, 35.25, 30.0, 60.0], "crs": "EPSG:4326", "time": {"end": '
        '"2014-05-01T00:00:00.000Z", "start": "2014-04-01T00:00:00.000Z"}, "workflowId": '
        '"8df9b0e6-e4b4-586e-90a3-6cf0f08c4e62"}')
    assert QUERY.time_interval == TimeInterval("2014-04-01T00:00:00Z", "2014-05-01T00:00:00Z")


def test_layer_query_round_trips_through_a_layer(qgis_app):
    from qgis.core import QgsVectorLayer

    layer = QgsVectorLayer("Point?crs=EPSG:4326", "x", "memory")
    assert q.LayerQuery.from_layer(layer) is None
    QUERY.apply_to(layer)
    back = q.LayerQuery.from_layer(layer)
    assert back == q.LayerQuery(*[getattr(QUERY, f) for f in ("workflow_id", "connection_name", "server_url",
                                                               "bounds", "srs", "time_start", "time_end", "bands",
                                                               "kind", "mode")])
    layer.setCustomProperty("geoengine/time", "2014-04-01T00:00:00.000Z")  # an instant: end = start
    layer.setCustomProperty("geoengine/bands", "")
    layer.setCustomProperty("geoengine/resolution", "native")
    instant = q.LayerQuery.from_layer(layer)
    assert instant.time_end == instant.time_start == "2014-04-01T00:00:00.000Z"
    assert instant.bands == () and instant.extra == {"resolution": "native"}
    layer.setCustomProperty("geoengine/extent", "")
    assert q.LayerQuery.from_layer(layer).bounds == (0.0, 0.0, 0.0, 0.0)


# --------------------------------------------------------------------------------------------- WMS-T


@pytest.mark.parametrize("step, text", [
    (TimeStep(1, TimeStepGranularity.YEARS), "P1Y"), (MONTH, "P1M"), (TimeStep(16, TimeStepGranularity.DAYS), "P16D"),
    (TimeStep(6, TimeStepGranularity.HOURS), "PT6H"), (TimeStep(15, TimeStepGranularity.MINUTES), "PT15M"),
    (TimeStep(30, TimeStepGranularity.SECONDS), "PT30S"), (TimeStep(5, TimeStepGranularity.MILLIS), None),
])
def test_iso_durations(step, text):
    assert w.iso_duration(step) == text


@pytest.mark.parametrize("moment, expected", [
    (utc(2014, 4, 1), (utc(2014, 4, 1), utc(2014, 5, 1))),
    (utc(2014, 4, 30, 23, 59), (utc(2014, 4, 1), utc(2014, 5, 1))),
    (utc(2014, 5, 1), (utc(2014, 5, 1), utc(2014, 6, 1))),
    (utc(2013, 12, 31), (utc(2013, 12, 1), utc(2014, 1, 1))),  # before the origin
    (utc(2014, 1, 1), (utc(2014, 1, 1), utc(2014, 2, 1))),
    (utc(2024, 2, 29, 12), (utc(2024, 2, 1), utc(2024, 3, 1))),  # 121 months on: found from the guess
])
def test_slice_containing_a_moment(moment, expected):
    assert w.slice_containing(moment, utc(2014, 1, 1), MONTH) == expected


def test_slice_search_is_bounded():
    assert w.slice_containing(utc(2014, 1, 1, 5), utc(2014, 1, 1), TimeStep(1, TimeStepGranularity.HOURS)) == (
        utc(2014, 1, 1, 5), utc(2014, 1, 1, 6))
    with pytest.raises(ValueError, match="within 3 steps"):
        w.slice_containing(utc(2013, 1, 1), utc(2014, 1, 1), MONTH, limit=3)


def test_wmst_uri_moves_time_into_the_uri(qgis_app):
    from qgis.core import QgsDataSourceUri

    source = ("crs=EPSG:4326&format=image/png&layers=abc&styles=&url=http://127.0.0.1:1/api/wms/abc?"
              "time%3D2014-04-01T00:00:00.000Z")
    text = w.wmst_uri(source, (utc(2014, 1, 1), utc(2015, 1, 1)), MONTH, (utc(2014, 4, 1), utc(2014, 5, 1)))
    uri = QgsDataSourceUri()
    uri.setEncodedUri(text)
    assert uri.param("url") == "http://127.0.0.1:1/api/wms/abc"
    assert uri.param("type") == "wmst" and uri.param("temporalSource") == "provider"
    assert uri.param("timeDimensionExtent") == "2014-01-01T00:00:00.000Z/2015-01-01T00:00:00.000Z/P1M"
    assert uri.param("allowTemporalUpdates") == "true"
    assert uri.param("time") == "2014-04-01T00:00:00.000Z/2014-05-01T00:00:00.000Z"
    assert uri.param("layers") == "abc"
    assert w.wmst_uri(source, (utc(2014, 1, 1), utc(2015, 1, 1)), TimeStep(5, TimeStepGranularity.MILLIS),
                      (utc(2014, 4, 1), utc(2014, 5, 1))) is None


def test_wms_candidates(qgis_app):
    from qgis.core import QgsRasterLayer, QgsVectorLayer

    source = "crs=EPSG:4326&format=image/png&layers=abc&styles=&url=http://127.0.0.1:1/api/wms/abc"
    plain = QgsRasterLayer(source, "plain", "wms")
    assert not w.is_wmst(plain) and not w.wms_candidate(plain)  # not loaded by the plugin
    loaded = QgsRasterLayer(source, "loaded", "wms")
    q.LayerQuery("8df9b0e6-e4b4-586e-90a3-6cf0f08c4e62", "local", "", (0, 0, 1, 1), "EPSG:4326", "a", "a",
                 mode="wms").apply_to(loaded)
    assert w.wms_candidate(loaded)
    timed = QgsRasterLayer(w.wmst_uri(source, (utc(2014, 1, 1), utc(2015, 1, 1)), MONTH,
                                      (utc(2014, 4, 1), utc(2014, 5, 1))), "timed", "wms")
    q.LayerQuery.from_layer(loaded).apply_to(timed)
    assert w.is_wmst(timed) and not w.wms_candidate(timed)  # already time-aware
    memory = QgsVectorLayer("Point?crs=EPSG:4326", "m", "memory")
    q.LayerQuery.from_layer(loaded).apply_to(memory)
    assert not w.is_wmst(memory) and not w.wms_candidate(memory)
    geotiff = QgsRasterLayer(source, "g", "wms")
    q.LayerQuery("8df9b0e6-e4b4-586e-90a3-6cf0f08c4e62", "local", "", (0, 0, 1, 1), "EPSG:4326", "a", "a",
                 mode="geotiff").apply_to(geotiff)
    assert not w.wms_candidate(geotiff)


def test_only_wms_raster_layers_are_wms_candidates(qgis_app, tmp_path):
    import dataclasses

    from osgeo import gdal
    from qgis.core import QgsRasterLayer

    path = str(tmp_path / "one.tif")
    dataset = gdal.GetDriverByName("GTiff").Create(path, 1, 1, 1, gdal.GDT_Byte)
    dataset.SetGeoTransform((0, 1, 0, 1, 0, -1))
    dataset = None
    local = QgsRasterLayer(path, "file", "gdal")
    assert local.isValid()
    q.LayerQuery("8df9b0e6-e4b4-586e-90a3-6cf0f08c4e62", "local", "", (0, 0, 1, 1), "EPSG:4326", "a", "a",
                 mode="wms").apply_to(local)
    assert not w.wms_candidate(local)  # a GeoTIFF layer, whatever its stored mode says
    with pytest.raises(dataclasses.FrozenInstanceError):
        QUERY.srs = "EPSG:3857"

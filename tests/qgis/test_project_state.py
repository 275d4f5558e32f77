"""Projects with Geo Engine layers: kept files on save, re-fetch on open, nothing secret in the file
(headless QGIS in this process, real server). The reopen in a NEW QGIS process is test_project_reopen.py."""

from __future__ import annotations

import zipfile
from pathlib import Path

import plugin_support
import pytest
from layer_support import NDVI_TIFF, PORTS, PORTS_SHP
from osgeo import gdal, ogr
from plugin_support import NDVI, request, run_load
from plugin_support import register_in as register
from vector_truth import assert_rows_match

pytestmark = pytest.mark.qgis
BOUNDS = (-20.0, -36.0, 53.0, 38.0)  # Africa
POINTS = [(18.42, -33.92), (31.24, 30.04), (36.82, -1.29), (3.38, 6.52), (28.05, -26.2), (15.3, 4.4), (25.0, 10.0)]


@pytest.fixture
def tempdir(tmp_path, project):
    from geoengine_qgis.qgis_glue.tempfiles import PluginTempDir

    folder = PluginTempDir(str(tmp_path / "plugin-temp"))
    (tmp_path / "plugin-temp").mkdir()
    yield folder
    folder.cleanup()


@pytest.fixture
def state(runner, tempdir, bar, project, session):
    from geoengine_qgis.qgis_glue.messages import Notifier
    from geoengine_qgis.qgis_glue.project_state import ProjectState

    def session_for(_query, on_ready, _on_error):
        on_ready(session)

    keeper = ProjectState(runner, tempdir, Notifier(bar), session_for, project)
    yield keeper
    keeper.stop()


def ndvi_expected(month="2014-04-01"):
    source = gdal.Open(NDVI_TIFF.format(month))
    values, (x0, dx, _, y0, _, dy) = source.GetRasterBand(1).ReadAsArray(), source.GetGeoTransform()
    out = []
    for x, y in POINTS:
        col, row = int((x - x0) / dx), int((y - y0) / dy)
        value = int(values[row, col])
        out.append(((x0 + (col + 0.5) * dx, y0 + (row + 0.5) * dy), None if value == 0 else value))
    return out


def ndvi_matches(layer, month="2014-04-01"):
    from qgis.core import QgsPointXY, QgsRaster

    expected = ndvi_expected(month)
    got = [layer.dataProvider().identify(QgsPointXY(*centre), QgsRaster.IdentifyFormatValue).results().get(1)
           for centre, _ in expected]
    return got == [value for _, value in expected], got, expected


def ports_expected():
    dataset = ogr.Open(str(PORTS_SHP))  # keep the dataset alive while its layer is used
    layer = dataset.GetLayer(0)
    layer.SetSpatialFilterRect(*BOUNDS)
    return layer.GetFeatureCount()


def load_both(loader, session):
    ndvi_id, ports_id = register(session, NDVI), register(session, PORTS)
    raster, _ = run_load(loader, session, request(ndvi_id, bounds=BOUNDS, name="NDVI"))
    vector, _ = run_load(loader, session, request(ports_id, bounds=BOUNDS, name="Ports"))
    assert raster.ok and vector.ok, (raster.error, vector.error)
    return raster.layers[0], vector.layers[0]


def project_text(path: Path) -> str:
    """Everything in a .qgz (the .qgs XML and any side files) as text."""
    with zipfile.ZipFile(path) as archive:
        return "\n".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist())


def assert_no_secrets(path: Path, session) -> None:
    token = session.auth_header["Authorization"].split(" ", 1)[1]
    text = project_text(path)
    assert "<maplayer" in text and "geoengine/workflow_id" in text  # the reader works on this file
    for secret in (token, "Bearer", "Authorization", "analyst-password", "adminadmin"):
        assert secret not in text, f"{secret[:12]}... found in {path.name}"


def by_name(project, name):
    layers = project.mapLayersByName(name)
    assert len(layers) == 1, [layer.name() for layer in project.mapLayers().values()]
    return layers[0]


def test_saved_with_files_reopens_without_the_server(server, session, loader, state, project, tempdir, tmp_path):
    from geoengine_qgis.qgis_glue.project_state import keep_files, storage_folder

    ndvi, ports = load_both(loader, session)
    renderer_type = ndvi.renderer().type()
    assert ports.providerType() == "memory" and ports.featureCount() == ports_expected() > 50
    path = tmp_path / "africa.qgz"
    assert keep_files(project)  # the default
    assert project.write(str(path))
    folder = storage_folder(project)
    assert folder == tmp_path / "africa_geoengine"
    # the layers now read the copies next to the project (the temporary files may go)
    assert Path(ndvi.source()).parent == folder and ndvi.renderer().type() == renderer_type
    assert ports.providerType() == "ogr" and Path(ports.source().split("|")[0]).parent == folder
    assert ports.featureCount() == ports_expected()
    assert ports.customProperty("geoengine/workflow_id")
    assert_no_secrets(path, session)

    project.clear()
    tempdir.cleanup()  # what unload does
    before = len(server.api["quota"].computations)
    assert project.read(str(path))
    assert state.pending == {} and state.fetch_count == 0
    ndvi, ports = by_name(project, "NDVI 2014-04-01"), by_name(project, "Ports")
    assert ndvi.isValid() and ndvi.renderer().type() == renderer_type
    ok, got, expected = ndvi_matches(ndvi)
    assert ok, (got, expected)
    assert ports.isValid() and ports.featureCount() == ports_expected()
    assert assert_rows_match(ports, PORTS_SHP, BOUNDS) == ports_expected()  # the kept copy holds the file's values
    assert ndvi.customProperty("geoengine/time_slice").startswith("2014-04-01")
    assert len(server.api["quota"].computations) == before


def test_saved_without_files_refetches_on_open(server, session, loader, state, project, tempdir, tmp_path):
    from geoengine_qgis.qgis_glue.project_state import RESTORE_KEY, is_placeholder, set_keep_files

    ndvi, ports = load_both(loader, session)
    renderer_type = ndvi.renderer().type()
    set_keep_files(project, False)
    path = tmp_path / "refetch.qgz"
    assert project.write(str(path))
    assert not (tmp_path / "refetch_geoengine").exists()
    assert ports.providerType() == "memory"
    assert_no_secrets(path, session)

    project.clear()
    tempdir.cleanup()  # the GeoTIFF the project names is gone
    before = len(server.api["quota"].computations)
    assert project.read(str(path))
    ndvi, ports = by_name(project, "NDVI 2014-04-01"), by_name(project, "Ports")
    assert set(state.pending.values()) == {"refetch"} and len(state.pending) == 2
    assert ndvi.customProperty(RESTORE_KEY) == "pending" and is_placeholder(ndvi.source())  # not a bad layer
    assert plugin_support.wait_until(lambda: not state.pending, timeout=60), state.pending
    assert ndvi.isValid() and ndvi.customProperty(RESTORE_KEY) is None
    assert ndvi.renderer().type() == renderer_type  # the style read from the project is back
    ok, got, expected = ndvi_matches(ndvi)
    assert ok, (got, expected)
    assert ports.featureCount() == ports_expected()
    assert {f["name"] for f in ports.getFeatures()} >= {"Cape Town", "Durban"}
    assert assert_rows_match(ports, PORTS_SHP, BOUNDS) == ports_expected()
    assert state.fetch_count == 2 and len(server.api["quota"].computations) >= before + 2


def test_restore_failure_marks_the_layer(server, session, loader, state, project, tempdir, tmp_path, faults):
    from geoengine_qgis.qgis_glue.project_state import RESTORE_KEY, is_placeholder, set_keep_files

    ndvi, _ = load_both(loader, session)
    set_keep_files(project, False)
    path = tmp_path / "broken.qgz"
    assert project.write(str(path))
    project.clear()
    tempdir.cleanup()
    failures = []
    state.restoreFailed.connect(lambda layer_id, reason: failures.append(reason))
    faults.stream_fail_after = 0
    assert project.read(str(path))
    assert plugin_support.wait_until(lambda: not state.pending, timeout=60), state.pending
    ndvi = by_name(project, "NDVI 2014-04-01")
    assert is_placeholder(ndvi.source()) and str(ndvi.customProperty(RESTORE_KEY)).startswith("failed: ")
    # the reason names the failure the server injected (a stream closed with an error), once per layer (2)
    assert failures == 2 * ["The server stopped the transfer with an error: Injected fault: the stream failed "
                            "after 0 messages."]


# ------------------------------------------------------------------------------- the "keep files" choice


def test_project_properties_page_sets_the_keep_files_choice(project, tmp_path):
    from geoengine_qgis.qgis_glue.project_state import keep_files
    from geoengine_qgis.ui.project_properties import GeoEngineProjectPageFactory

    project.setFileName(str(tmp_path / "choice.qgz"))
    factory = GeoEngineProjectPageFactory()
    assert factory.title() == "Geo Engine"
    page = factory.createWidget()
    assert page.keep.isChecked() and keep_files(project)
    assert "choice_geoengine" in page.explanation.text()
    page.keep.setChecked(False)
    assert keep_files(project)  # nothing changes before Apply/OK
    page.apply()
    assert not keep_files(project)
    assert project.write(str(tmp_path / "choice.qgz"))
    project.clear()
    assert keep_files(project)  # a new project starts with the default
    assert project.read(str(tmp_path / "choice.qgz"))
    assert not keep_files(project) and not factory.createWidget().keep.isChecked()  # saved with the project
    page.deleteLater()


def test_plugin_registers_the_page_and_removes_it_on_unload(qgis_app):
    import geoengine_qgis


    class Iface(plugin_support.WidgetIface):
        def __init__(self):
            super().__init__()
            self.pages = []

        def registerProjectPropertiesWidgetFactory(self, factory):  # noqa: N802 - QgisInterface name
            self.pages.append(factory)

        def unregisterProjectPropertiesWidgetFactory(self, factory):  # noqa: N802
            self.pages.remove(factory)

    iface = Iface()
    plugin = geoengine_qgis.classFactory(iface)
    plugin.initGui()
    try:
        assert [page.title() for page in iface.pages] == ["Geo Engine"]
        assert plugin.project_state is not None and plugin.temporal is not None
    finally:
        plugin.unload()
    assert iface.pages == [] and plugin.project_state is None and plugin.temporal is None
    iface.close()


def test_time_vector_kept_in_a_geopackage_still_filters_by_time(session, loader, state, project, tempdir, tmp_path):
    from geoengine_qgis.qgis_glue.temporal import instant_safe_vector_time
    from layer_support import POINTS_WITH_TIME
    from qgis.core import QgsDateTimeRange, QgsFeatureRequest, QgsVectorLayerTemporalContext
    from qgis.PyQt.QtCore import QDate, QDateTime, Qt, QTime

    workflow_id = register(session, POINTS_WITH_TIME)
    outcome, _ = run_load(loader, session, request(workflow_id, bounds=(-180, -90, 180, 90), name="Points in time",
                                                   start="2014-01-01T00:00:00Z", end="2015-01-01T00:00:00Z"))
    assert outcome.ok, outcome.error
    layer = outcome.layers[0]
    assert instant_safe_vector_time(layer)  # as the plugin's time manager does when the layer is added

    def may_count(target):
        may = QgsDateTimeRange(QDateTime(QDate(2014, 5, 1), QTime(0, 0), Qt.UTC),
                               QDateTime(QDate(2014, 6, 1), QTime(0, 0), Qt.UTC), True, False)
        context = QgsVectorLayerTemporalContext()
        context.setLayer(target)
        expression = target.temporalProperties().createFilterString(context, may)
        return sum(1 for _ in target.getFeatures(QgsFeatureRequest().setFilterExpression(expression)))

    expected = may_count(layer)
    expressions = (layer.temporalProperties().startExpression(), layer.temporalProperties().endExpression())
    assert expected == 3  # an instant on May 1st, May-June and April-July
    path = tmp_path / "points.qgz"
    assert project.write(str(path))
    assert layer.providerType() == "ogr" and may_count(layer) == expected
    project.clear()
    tempdir.cleanup()
    assert project.read(str(path))
    reopened = by_name(project, "Points in time")
    assert reopened.providerType() == "ogr" and reopened.temporalProperties().isActive()
    properties = reopened.temporalProperties()
    assert (properties.startExpression(), properties.endExpression()) == expressions
    assert may_count(reopened) == expected and state.pending == {}

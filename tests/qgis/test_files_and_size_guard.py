"""Files outlive the plugin, downloads are sized first (issue 9).

* Unload keeps the GeoTIFF a layer of the open project reads (the layer can be reopened), removes the rest and
  never makes its folder again; the next start removes what no layer reads, and a crashed run's folder.
* A load over the size limit fetches nothing (counted in the server's request log) unless the user agrees.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import plugin_support
import pytest
import test_browser
from osgeo import gdal

pytestmark = pytest.mark.qgis

plugin = test_browser.plugin  # a plugin with the Browser tests' connections and canvas (Germany)
SMALL = (5.0, 40.0, 15.0, 50.0)  # 10 x 10 degrees of NDVI (0.1 deg pixels) inside the tile 0..51.2 deg: 256 KB/month


def _stream_requests(server) -> list:
    return [line for line in server.call(lambda: list(server.api["request_log"])) if line.endswith("/rasterStream")]


def _load(plugin, session, workflow_id, **kwargs):
    outcome, _task = plugin_support.run_load(plugin.layer_loader(), session,
                                             plugin_support.request(workflow_id, bounds=SMALL, **kwargs))
    assert outcome.ok, outcome.error
    return outcome.layers[0]


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_unload_keeps_the_files_layers_read_and_the_next_start_cleans_up(iface, project, session, base_url):
    from geoengine_qgis import classFactory
    from geoengine_qgis.qgis_glue.tempfiles import TempDirClosed
    from qgis.core import QgsApplication, QgsRasterLayer

    ndvi = plugin_support.register_in(session, plugin_support.NDVI)
    plugin = classFactory(iface)
    plugin.initGui()
    profile = Path(QgsApplication.qgisSettingsDirPath()).resolve()
    layer = _load(plugin, session, ndvi)
    source = Path(layer.source())
    assert profile in source.resolve().parents  # the cache lives in the QGIS profile, not the system temp dir
    stray = plugin.tempdir.job_dir("unused") / "stray.tif"
    stray.write_bytes(b"no layer reads this")
    root = plugin.tempdir.root

    plugin.unload()

    assert source.is_file() and not stray.exists()
    with pytest.raises(TempDirClosed):  # a task that outlives unload cannot make a folder nobody removes
        plugin.tempdir.job_dir("late task")
    reopened = QgsRasterLayer(str(source), "reopened", "gdal")  # e.g. Layer > Change data source, reload
    assert reopened.isValid()
    expected = gdal.Open(str(source)).ReadAsArray()
    assert reopened.dataProvider().block(1, reopened.extent(), 4, 4).isValid() and expected.size > 0

    # a crashed run of another QGIS: its owner process is gone
    crashed = plugin.tempdir.base / f"geoengine-qgis-{_dead_pid()}-crashed"
    (crashed / "job").mkdir(parents=True)
    (crashed / "job" / "old.tif").write_bytes(b"left by a crash")
    # another QGIS that still runs (this test's parent process): left alone
    alive = plugin.tempdir.base / f"geoengine-qgis-{os.getppid()}-alive"
    alive.mkdir()
    (alive / "busy.tif").write_bytes(b"in use elsewhere")

    again = classFactory(iface)
    again.initGui()  # a reload with the project still open: the layer's file stays
    try:
        assert source.is_file() and layer.isValid()
        assert not crashed.exists()
        assert (alive / "busy.tif").is_file()
    finally:
        again.unload()
    project.removeMapLayer(layer.id())
    third = classFactory(iface)
    third.initGui()  # nothing reads it any more
    third.unload()
    assert not source.exists() and not root.exists()


def test_a_load_over_the_limit_fetches_nothing_unless_the_user_agrees(iface, project, session, server):
    from geoengine_qgis.qgis_glue import plugin_settings
    from qgis.core import QgsSettings

    ndvi = plugin_support.register_in(session, plugin_support.NDVI)
    months = ("2014-01-01T00:00:00.000Z", "2014-04-01T00:00:00.000Z")  # 3 slices x 256 KB = 768 KB
    plugin = plugin_support.start_plugin(iface, server.base_url)
    settings = QgsSettings()
    settings.setValue(plugin_settings.MAX_DOWNLOAD_MB, 0.5)
    asked = []
    try:
        loader = plugin.layer_loader()
        loader.ask = lambda verdict: asked.append(verdict) or False
        before = len(_stream_requests(server))
        outcome, _ = plugin_support.run_load(loader, session,
                                             plugin_support.request(ndvi, bounds=SMALL, start=months[0], end=months[1]))
        assert outcome.error is not None and not outcome.layers
        assert len(asked) == 1 and asked[0].estimate.bytes == 3 * 512 * 512  # U8: one byte per pixel
        assert "larger than the limit" in asked[0].message
        assert len(_stream_requests(server)) == before  # nothing was fetched
        assert not project.mapLayers()

        loader.ask = lambda verdict: asked.append(verdict) or True
        outcome, _ = plugin_support.run_load(loader, session,
                                             plugin_support.request(ndvi, bounds=SMALL, start=months[0], end=months[1]))
        assert outcome.ok and len(outcome.layers) == 3
        assert len(asked) == 2 and len(_stream_requests(server)) == before + 1
        fetched = sum(Path(layer.source()).stat().st_size for layer in outcome.layers)
        assert fetched <= asked[1].estimate.bytes  # compressed GeoTIFFs: at most the estimate

        settings.setValue(plugin_settings.MAX_DOWNLOAD_MB, 1)  # within the limit: no question
        outcome, _ = plugin_support.run_load(loader, session,
                                             plugin_support.request(ndvi, bounds=SMALL, start=months[0], end=months[1]))
        assert outcome.ok and len(asked) == 2
    finally:
        settings.remove(plugin_settings.MAX_DOWNLOAD_MB)
        plugin_support.stop_plugin(plugin)


def test_no_room_on_disk_is_refused_without_a_question(tmp_path):
    from geoengine_qgis.core.download_estimate import DownloadEstimate
    from geoengine_qgis.qgis_glue.download_guard import REFUSE, GuardLimits, free_space, judge

    free = free_space(tmp_path)
    assert free is not None and free > 0
    huge = DownloadEstimate("raster", pixels=free, bytes=free, tiles=1, slices=1, bands=1)
    verdict = judge(huge, GuardLimits(max_bytes=10 * free, max_pixels=10 * free), tmp_path, confirmed_bytes=free)
    assert verdict.decision == REFUSE and "free" in verdict.message


def test_processing_refuses_a_download_over_the_limit(qgis_app, server, tmp_path):
    import processing_support
    from geoengine_qgis import classFactory
    from geoengine_qgis.qgis_glue import plugin_settings
    from qgis.core import QgsProcessingContext, QgsProcessingException, QgsProcessingFeedback, QgsSettings

    module = processing_support.start_processing()
    plugin = classFactory(None)
    plugin.initProcessing()
    settings = QgsSettings()
    settings.setValue(plugin_settings.MAX_DOWNLOAD_MB, 0.5)
    output = tmp_path / "ndvi.tif"
    parameters = {"CONNECTION": server.base_url, "WORKFLOW": json.dumps(plugin_support.NDVI),
                  "EXTENT": processing_support.AFRICA_EXTENT, "TIME_START": "2014-01-01T00:00:00Z",
                  "TIME_END": "2014-04-01T00:00:00Z", "OUTPUT": str(output)}
    try:
        workflow = module.run("geoengine:registerworkflow", {"CONNECTION": server.base_url,
                                                               "WORKFLOW_JSON": parameters.pop("WORKFLOW")},
                              feedback=QgsProcessingFeedback(), context=QgsProcessingContext())["WORKFLOW_ID"]
        before = len(_stream_requests(server))
        with pytest.raises(QgsProcessingException, match="larger than the limit"):
            module.run("geoengine:loadworkflowraster", dict(parameters, WORKFLOW=workflow),
                       feedback=QgsProcessingFeedback(), context=QgsProcessingContext())
        assert len(_stream_requests(server)) == before and not output.exists()
        settings.setValue(plugin_settings.MAX_DOWNLOAD_MB, 100)
        module.run("geoengine:loadworkflowraster", dict(parameters, WORKFLOW=workflow),
                   feedback=QgsProcessingFeedback(), context=QgsProcessingContext())
        assert len(_stream_requests(server)) == before + 1 and output.exists()
    finally:
        settings.remove(plugin_settings.MAX_DOWNLOAD_MB)
        plugin.unload()


def test_the_browser_asks_before_a_download_over_the_limit(plugin, project, server):
    from geoengine_qgis.browser.items import EntryItem
    from geoengine_qgis.qgis_glue import plugin_settings
    from geoengine_qgis.qgis_glue.download_guard import DownloadTooLarge
    from qgis.core import QgsSettings

    tree = test_browser.Tree()
    settings = QgsSettings()
    settings.setValue(plugin_settings.MAX_DOWNLOAD_MB, 0.01)  # 10 KB: any NDVI extent is over it
    asked = []
    try:
        plugin.layer_loader().ask = lambda verdict: asked.append(verdict) or False
        datasets = tree.path(test_browser.LOCAL, "Datasets")
        ndvi = next(e for e in tree.items(datasets) if isinstance(e, EntryItem) and e.target.dataset == "ndvi")
        before = len(_stream_requests(server))
        done = []
        plugin.browser.actions.add_to_map(ndvi.target, done.append)
        assert plugin_support.wait_until(lambda: bool(done), timeout=30)
        assert isinstance(done[0].error, DownloadTooLarge) and not done[0].layers
        assert len(asked) == 1 and asked[0].estimate.bytes > 10 * 1024
        assert len(_stream_requests(server)) == before and not project.mapLayers()
    finally:
        settings.remove(plugin_settings.MAX_DOWNLOAD_MB)
        tree.close()


def test_a_vector_stream_stops_at_the_limit_and_asks(iface, project, session, server):
    from geoengine_qgis.qgis_glue import plugin_settings
    from layer_support import PORTS, PORTS_SHP
    from osgeo import ogr
    from qgis.core import QgsSettings

    ports = plugin_support.register_in(session, PORTS)
    world = (-180.0, -90.0, 180.0, 90.0)
    plugin = plugin_support.start_plugin(iface, server.base_url)
    settings = QgsSettings()
    settings.setValue(plugin_settings.MAX_DOWNLOAD_MB, 0.01)  # 10 KB: the world's ports are more
    asked = []
    try:
        loader = plugin.layer_loader()
        loader.ask = lambda verdict: asked.append(verdict) or False
        outcome, _ = plugin_support.run_load(loader, session, plugin_support.request(ports, bounds=world))
        assert outcome.error is not None and not outcome.layers and not project.mapLayers()
        assert len(asked) == 1 and asked[0].estimate.bytes > 10 * 1024
        assert "passed the limit" in asked[0].message

        loader.ask = lambda verdict: asked.append(verdict) or True  # "download anyway": all of it
        outcome, _ = plugin_support.run_load(loader, session, plugin_support.request(ports, bounds=world))
        assert outcome.ok, outcome.error
        assert outcome.layers[0].featureCount() == ogr.Open(str(PORTS_SHP)).GetLayer(0).GetFeatureCount()
        assert len(asked) == 2
    finally:
        settings.remove(plugin_settings.MAX_DOWNLOAD_MB)
        plugin_support.stop_plugin(plugin)


def test_unload_does_not_wait_and_a_late_task_makes_no_folder(iface, project, session, server):
    from geoengine_qgis import classFactory
    from qgis.core import QgsTask

    ndvi = plugin_support.register_in(session, plugin_support.NDVI)
    plugin = classFactory(iface)
    plugin.initGui()
    base = plugin.tempdir.base
    folders_before = set(base.glob("geoengine-qgis-*")) if base.is_dir() else set()
    server.config.faults.latency_s = 1.0  # every request is slow: the load is still running at unload
    try:
        task = plugin.layer_loader().load(session, plugin_support.request(ndvi, bounds=SMALL))
        assert plugin_support.wait_until(lambda: task.status() == QgsTask.TaskStatus.Running, timeout=10)
        plugin.unload()
        assert task.status() == QgsTask.TaskStatus.Running  # unload cancelled it and did not wait for it
        assert plugin_support.wait_until(lambda: task.status() in (QgsTask.TaskStatus.Complete,
                                                                   QgsTask.TaskStatus.Terminated), timeout=30)
    finally:
        server.config.faults.latency_s = 0
    folders_after = set(base.glob("geoengine-qgis-*")) if base.is_dir() else set()
    assert folders_after <= folders_before  # the late task made no folder nobody would remove
    assert not project.mapLayers()

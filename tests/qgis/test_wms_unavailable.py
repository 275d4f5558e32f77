"""No "Handle Unavailable Layers" dialog for the plugin's live WMS layers (issue 9, qgis-review item 6).

QGIS reads each layer of a project and hands every layer that is invalid right after reading to the project's
bad-layer handler (QGIS desktop installs one that shows the dialog). A WMS layer is invalid when its server does
not answer GetCapabilities, which a Geo Engine server never does before the plugin logged in. The test installs a
recording handler the way QGIS desktop installs its own (``QgsProject.setBadLayerHandler``), reopens a project
with plugin WMS layers (one server up, one a closed port) and two layers the plugin does not own (a GeoTIFF that is
gone, a WMS layer of the stopped server): only those two reach the handler; the plugin restores its own.
"""

from __future__ import annotations

import shutil

import plugin_support
import pytest
from layer_support import NDVI_TIFF
from plugin_support import NDVI, render_pixels, request, same_fraction

pytestmark = pytest.mark.qgis
BOUNDS = (10.0, -10.0, 30.0, 10.0)
APRIL = "2014-04-01T00:00:00.000Z"


def reopen(project, path) -> list:
    """Read ``path`` with a recording bad-layer handler; returns the layer names the "dialog" was offered."""
    project.clear()
    return sorted(plugin_support.read_recording_bad_layers(project, path))


def by_name(project, name):
    return next(layer for layer in project.mapLayers().values() if layer.name() == name)


def plugin_session(plugin, connection):
    sessions = []
    plugin.with_session(connection, sessions.append, sessions.append)
    assert plugin_support.wait_until(lambda: bool(sessions), timeout=30), "no login within 30 s"
    assert not isinstance(sessions[0], BaseException), sessions[0]
    return sessions[0]


def test_plugin_wms_layers_never_reach_the_unavailable_layers_dialog(server, plugin, project, tmp_path):
    from geoengine_qgis.core.workflow import register_workflow
    from geoengine_qgis.qgis_glue.layers import LayerOptions
    from geoengine_qgis.qgis_glue.project_state import RESTORE_KEY, WMS_SOURCE_KEY
    from geoengine_qgis.qgis_glue.query import LayerQuery
    from geoengine_qgis.qgis_glue.raster_layers import wms_uri
    from qgis.core import QgsRasterLayer

    session = plugin_session(plugin, "admin")
    ndvi_id = str(register_workflow(NDVI, session=session).workflow_id)
    outcomes = []
    plugin.layer_loader().load(session, request(ndvi_id, bounds=BOUNDS, name="NDVI live", connection_name="admin",
                                                options=LayerOptions(raster_mode="wms")), on_done=outcomes.append)
    assert plugin_support.wait_until(lambda: bool(outcomes), timeout=60) and outcomes[0].ok, outcomes
    live = outcomes[0].layers[0]
    assert live.providerType() == "wms" and live.isValid()
    assert plugin_support.wait_until(lambda: plugin.temporal.following(live.id()), timeout=20)  # now WMS-T
    pixels = render_pixels(live, BOUNDS)

    down_url = plugin.store.load("down").url  # a closed port: the server is stopped
    stopped_uri = wms_uri(down_url, ndvi_id, "EPSG:4326", APRIL)
    stopped = QgsRasterLayer(stopped_uri, "NDVI stopped server", "wms")
    LayerQuery(ndvi_id, "down", down_url, BOUNDS, "EPSG:4326", APRIL, "", (), "raster", "wms").apply_to(stopped)
    unknown_id = "00000000-0000-4000-8000-000000000000"  # the server is up but has no such workflow
    unknown = QgsRasterLayer(wms_uri(plugin.store.load("admin").url, unknown_id, "EPSG:4326", APRIL),
                             "unknown workflow", "wms")
    LayerQuery(unknown_id, "admin", "", BOUNDS, "EPSG:4326", APRIL, "", (), "raster", "wms").apply_to(unknown)
    plain_tiff = tmp_path / "plain.tif"
    shutil.copyfile(NDVI_TIFF.format("2014-04-01"), plain_tiff)
    others = [QgsRasterLayer(str(plain_tiff), "plain GeoTIFF", "gdal"),
              QgsRasterLayer(stopped_uri, "plain WMS", "wms")]  # same server, not the plugin's layer
    project.addMapLayers([stopped, unknown] + others)
    path = tmp_path / "live.qgz"
    assert project.write(str(path))
    plain_tiff.unlink()

    assert reopen(project, path) == ["plain GeoTIFF", "plain WMS"]  # the plugin's two layers were not offered
    state = plugin.project_state
    assert plugin_support.wait_until(lambda: not state.pending, timeout=60), state.pending
    live = by_name(project, "NDVI live")
    assert live.providerType() == "wms" and live.isValid() and live.customProperty(RESTORE_KEY) is None
    assert same_fraction(render_pixels(live, BOUNDS), pixels) > 0.95  # the server's April again
    assert plugin_support.wait_until(lambda: plugin.temporal.following(live.id()), timeout=20)
    stopped = by_name(project, "NDVI stopped server")
    assert str(stopped.customProperty(RESTORE_KEY)).startswith("failed: ")  # told, not removed
    assert stopped.isValid() and stopped.customProperty(WMS_SOURCE_KEY) == stopped_uri
    unknown = by_name(project, "unknown workflow")  # logged in, but QGIS cannot open the WMS: placeholder again
    assert str(unknown.customProperty(RESTORE_KEY)).startswith("failed: QGIS could not open the WMS layer: ")
    assert unknown.isValid() and unknown.providerType() == "gdal" and unknown.customProperty(WMS_SOURCE_KEY)

    again = tmp_path / "again.qgz"  # saved while the server is still down: the address survives
    assert project.write(str(again))
    assert reopen(project, again) == ["plain GeoTIFF", "plain WMS"]
    assert plugin_support.wait_until(lambda: not state.pending, timeout=60), state.pending
    assert by_name(project, "NDVI stopped server").customProperty(WMS_SOURCE_KEY) == stopped_uri
    assert by_name(project, "NDVI live").providerType() == "wms"

"""A time-following layer loaded at a coarser resolution fetches its other months at that resolution."""

from __future__ import annotations

from pathlib import Path

import pytest
from plugin_support import NDVI, request, run_load, wait_until
from resolution_support import layer_array, ndvi_downsampled, resolution
from test_temporal import BOUNDS, canvas, monthly, register, temporal  # noqa: F401  (fixtures)

pytestmark = pytest.mark.qgis


def test_may_is_fetched_at_the_layers_own_resolution(session, loader, temporal, canvas, project):  # noqa: F811
    from geoengine_qgis.qgis_glue.temporal import FOLLOW, FOLLOW_KEY

    workflow_id = register(session, NDVI)
    outcome, _ = run_load(loader, session, request(workflow_id, bounds=BOUNDS, name="NDVI",
                                                   resolution=resolution("custom", pixel_size=(0.3, 0.3))))
    assert outcome.ok, outcome.error
    layer = outcome.layers[0]
    april_file = Path(layer.source())
    assert wait_until(lambda: layer.customProperty(FOLLOW_KEY) == FOLLOW and not temporal.busy(layer.id()),
                      timeout=20), "the layer was not made time-following"
    shown = []
    temporal.sliceShown.connect(lambda layer_id, start: shown.append(start))
    monthly(canvas.navigation)
    canvas.navigation.setCurrentFrameNumber(4)  # May
    assert wait_until(lambda: "2014-05-01T00:00:00.000Z" in shown, timeout=30), "May was not shown"
    assert Path(layer.source()) != april_file
    assert abs(layer.rasterUnitsPerPixelX() - 0.3) < 1e-9
    got, gt = layer_array(layer)
    want = ndvi_downsampled(3, gt, got.shape, "2014-05-01")
    assert (got.mask == want.mask).all() and (got.data[~got.mask] == want.data[~want.mask]).all()


def test_a_pan_is_sized_at_the_layers_resolution(session, loader, temporal, canvas, project):  # noqa: F811
    from geoengine_qgis.qgis_glue import plugin_settings
    from qgis.core import QgsCoordinateReferenceSystem, QgsRectangle, QgsSettings

    canvas.resize(400, 400)
    canvas.setDestinationCrs(QgsCoordinateReferenceSystem("EPSG:4326"))
    canvas.setExtent(QgsRectangle(*BOUNDS))
    workflow_id = register(session, NDVI)
    outcome, _ = run_load(loader, session, request(workflow_id, bounds=BOUNDS, name="NDVI",
                                                   resolution=resolution("custom", pixel_size=(0.4, 0.4))))
    assert outcome.ok, outcome.error
    layer = outcome.layers[0]
    assert wait_until(lambda: temporal.following(layer.id()) and not temporal.busy(layer.id()), timeout=20)
    monthly(canvas.navigation)
    canvas.navigation.setCurrentFrameNumber(3)  # April
    assert wait_until(lambda: not temporal.busy(layer.id()), timeout=30)
    settings = QgsSettings()
    settings.setValue(plugin_settings.MAX_DOWNLOAD_MB, 0.3)
    try:
        fetched = temporal.fetch_count
        # 10..60 degrees (widened to the canvas shape): four 512 px tiles natively (1 MB), one at 0.4 degrees
        canvas.setExtent(QgsRectangle(10.0, 10.0, 60.0, 60.0))  # (256 KB): under the limit
        assert wait_until(lambda: temporal.fetch_count == fetched + 1 and not temporal.busy(layer.id()),
                          timeout=30), temporal.refused.get(layer.id())
        assert layer.id() not in temporal.refused and abs(layer.rasterUnitsPerPixelX() - 0.4) < 1e-9
    finally:
        settings.remove(plugin_settings.MAX_DOWNLOAD_MB)

"""A time-following layer loaded at a coarser resolution fetches its other months at that resolution."""

from __future__ import annotations

from pathlib import Path

import pytest
from plugin_support import NDVI, request, run_load, wait_until
from test_resolution import layer_array, ndvi_downsampled, resolution
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

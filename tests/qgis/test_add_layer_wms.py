"""Raster mode "live WMS layer": QGIS's own WMS provider against the test server, the Bearer header added by the
plugin's request preprocessor (no token in the URI), the colorizer as ``styles=custom:`` and the time as ``time``;
and plot workflows, which give a plot result instead of a layer."""

from __future__ import annotations

import pytest
from plugin_support import NDVI, render_pixels, request, run_load, same_fraction

pytestmark = pytest.mark.qgis
EXTENT = (10.0, -10.0, 30.0, 10.0)  # Congo basin: strong NDVI differences between months


@pytest.fixture
def loader(project, tempdir, runner):
    """The shared loader's parts, with a plot handler that keeps the plots in ``loader.plots``."""
    from geoengine_qgis.qgis_glue.layers import WorkflowLayerLoader
    from geoengine_qgis.qgis_glue.messages import Notifier

    plots = []
    loader = WorkflowLayerLoader(runner, tempdir, Notifier(), project, plot_handler=plots.append)
    loader.plots = plots
    return loader


def test_wms_layer_uses_the_preprocessor_the_style_and_the_time(loader, session, session_injector):
    from geoengine_qgis.core.workflow import register_workflow
    from geoengine_qgis.qgis_glue.layers import LayerOptions

    workflow_id = str(register_workflow(NDVI, session=session).workflow_id)
    wms, _ = run_load(loader, session, request(workflow_id, bounds=EXTENT, name="NDVI live",
                                               options=LayerOptions(raster_mode="wms")))
    assert wms.ok, wms.error
    layer = wms.layers[0]
    assert layer.providerType() == "wms" and layer.isValid() and layer.name() == "NDVI live"
    source = layer.source()
    token = session.auth_header["Authorization"][len("Bearer "):]
    assert token not in source and "Bearer" not in source
    assert "styles=custom:" in source and "palette" in source and "time%3D2014-04-01" in source.replace("%253D", "%3D")
    assert layer.customProperty("geoengine/mode") == "wms"

    geotiff, _ = run_load(loader, session, request(workflow_id, bounds=EXTENT, name="NDVI file"))
    assert geotiff.ok, geotiff.error
    live, local = render_pixels(layer, EXTENT), render_pixels(geotiff.layers[0], EXTENT)
    assert same_fraction(live, local) > 0.95  # the server's palette rendering = the QGIS palette renderer

    january, _ = run_load(loader, session, request(workflow_id, bounds=EXTENT, start="2014-01-01T00:00:00.000Z",
                                                   name="NDVI January", options=LayerOptions(raster_mode="wms")))
    assert january.ok, january.error
    assert same_fraction(render_pixels(january.layers[0], EXTENT), live) < 0.5  # the time reached the server


def test_plot_workflow_gives_a_plot_result_not_a_layer(loader, session, project):
    from geoengine_qgis.core.workflow import register_workflow

    histogram = {"type": "Plot", "operator": {
        "type": "Histogram", "params": {"bounds": "data", "buckets": {"type": "number", "value": 20},
                                        "attributeName": "ndvi"},
        "sources": {"source": NDVI["operator"]}}}
    workflow_id = str(register_workflow(histogram, session=session).workflow_id)
    outcome, _ = run_load(loader, session, request(workflow_id, bounds=EXTENT, name="NDVI histogram"))
    assert outcome.ok, outcome.error
    assert outcome.layers == [] and project.count() == 0
    assert outcome.plot is not None and loader.plots == [outcome.plot]
    assert outcome.plot.plot["outputFormat"] == "JsonVega" and "vegaString" in outcome.plot.plot["data"]
    assert outcome.plot.query.workflow_id == workflow_id

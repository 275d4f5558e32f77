"""The Browser adds rasters at auto resolution: a world view of the 40 GB ``synthetic_u16`` comes at the map
canvas's resolution (whole native pixels), a small NDVI view natively."""

from __future__ import annotations

import pytest
from plugin_support import wait_for_fetch
from test_browser import LOCAL, plugin, tree  # noqa: F401  (fixtures)

pytestmark = pytest.mark.qgis


def add(plugin, tree, dataset):  # noqa: F811
    from geoengine_qgis.browser.items import EntryItem

    datasets = tree.path(LOCAL, "Datasets")
    entry = next(e for e in tree.items(datasets) if isinstance(e, EntryItem) and e.target.dataset == dataset)
    done = []
    plugin.browser.actions.add_to_map(entry.target, done.append)
    assert wait_for_fetch(lambda: done)
    assert done[0].ok, done[0].error
    return done[0].layers[0]


def test_a_world_view_of_a_huge_raster_comes_at_the_canvas_resolution(plugin, project, tree):  # noqa: F811
    import math

    from qgis.core import QgsRectangle

    canvas = plugin.iface.mapCanvas()
    canvas.setExtent(QgsRectangle(-180, -90, 180, 90))
    per_pixel = canvas.mapUnitsPerPixel()
    layer = add(plugin, tree, "synthetic_u16")
    factor = math.floor(per_pixel / 0.0018 + 1e-6)
    assert factor > 100 and abs(layer.rasterUnitsPerPixelX() - factor * 0.0018) < 1e-9
    assert "(canvas" in layer.name() and layer.customProperty("geoengine/resolution").startswith("canvas:")


def test_a_small_view_stays_native(plugin, project, tree):  # noqa: F811
    layer = add(plugin, tree, "ndvi")  # the fixture's canvas shows Germany
    assert abs(layer.rasterUnitsPerPixelX() - 0.1) < 1e-9
    assert layer.customProperty("geoengine/resolution") == "native"

"""Shared helpers of the add-layer tests (loaded by tests/qgis/test_add_layer*.py and test_styling*.py)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from geoengine_server.config import default_data_dir

DATA = default_data_dir()
NDVI = {"type": "Raster", "operator": {"type": "GdalSource", "params": {"data": "ndvi"}}}
PORTS = {"type": "Vector", "operator": {"type": "OgrSource", "params": {"data": "ne_10m_ports"}}}
POINTS_WITH_TIME = {"type": "Vector", "operator": {"type": "OgrSource", "params": {"data": "points_with_time"}}}
NDVI_TIFF = str(DATA / "raster/modis_ndvi/MOD13A2_M_NDVI_{}.TIFF")
PORTS_SHP = DATA / "vector/data/ne_10m_ports/ne_10m_ports.shp"
LAYER_DB = "ce5e84db-cbf9-48a2-9a32-d4b7cc56ea74"
NE_RGB_LAYER = "83866f7b-dcee-47b8-9242-e5636ceaf402"
RASTER_STACK_LAYER = "c078db52-2dc6-4838-ad75-340cefeab476"
AFRICA = (-20.0, -36.0, 53.0, 38.0)


def plugin_support():
    """tests/qgis/plugin_support.py as a module (bounded event loops, flush_deletes)."""
    name = "geoengine_plugin_test_support"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name("plugin_support.py"))
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def request(workflow_id, bounds=AFRICA, crs="EPSG:4326", start="2014-04-01T00:00:00.000Z", end=None, **kwargs):
    from geoengine_qgis.qgis_glue.layers import LayerRequest
    from qgis.core import QgsCoordinateReferenceSystem, QgsRectangle

    return LayerRequest(str(workflow_id), QgsRectangle(*bounds), QgsCoordinateReferenceSystem(crs), start, end,
                        **kwargs)


def run_load(loader, session, layer_request, timeout=60.0, cancel_after_start=False):
    """Start a load and process events until it reports (bounded); returns (outcome, task)."""
    outcomes = []
    task = loader.load(session, layer_request, on_done=outcomes.append)
    if cancel_after_start:
        task.cancel()
    finished = plugin_support().wait_until(lambda: bool(outcomes), timeout=timeout)
    assert finished, f"the load did not finish within {timeout} s"
    return outcomes[0], task

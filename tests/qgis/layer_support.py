"""Paths and ids in the Geo Engine test data set (needs the test server's package for the data folder).

Helpers live in plugin_support.py; this module holds only what points into the data.
"""

from __future__ import annotations

from geoengine_server.config import default_data_dir

DATA = default_data_dir()
PORTS = {"type": "Vector", "operator": {"type": "OgrSource", "params": {"data": "ne_10m_ports"}}}
POINTS_WITH_TIME = {"type": "Vector", "operator": {"type": "OgrSource", "params": {"data": "points_with_time"}}}
NDVI_TIFF = str(DATA / "raster/modis_ndvi/MOD13A2_M_NDVI_{}.TIFF")
PORTS_SHP = DATA / "vector/data/ne_10m_ports/ne_10m_ports.shp"
LAYER_DB = "ce5e84db-cbf9-48a2-9a32-d4b7cc56ea74"
NE_RGB_LAYER = "83866f7b-dcee-47b8-9242-e5636ceaf402"
RASTER_STACK_LAYER = "c078db52-2dc6-4838-ad75-340cefeab476"

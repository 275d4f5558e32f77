"""Headless QGIS smoke test: what the server's OGC endpoints deliver opens as valid QGIS layers.

The files are fetched with plain ``requests`` (Bearer header), saved, and opened with QGIS's own
GDAL/OGR providers; their values are checked against the test data read directly with GDAL/OGR.
"""

from __future__ import annotations

import numpy as np
import pytest
import requests
from interop.data_truth import ndvi_file, ports_in, read_window
from qgis.core import Qgis, QgsApplication, QgsPointXY, QgsProviderRegistry, QgsRaster, QgsRasterLayer, QgsVectorLayer

pytestmark = pytest.mark.qgis

TIMEOUT_S = 30
WHEN = "2014-04-01T12:00:00.000Z"
RASTER_BBOX = (0.0, 40.0, 20.0, 60.0)  # grid-aligned with NDVI's 0.1 degree pixels
VECTOR_BBOX = (-10.0, 35.0, 30.0, 60.0)
NDVI = {"type": "Raster", "operator": {"type": "GdalSource", "params": {"data": "ndvi"}}}
PORTS = {"type": "Vector", "operator": {"type": "OgrSource", "params": {"data": "ne_10m_ports"}}}


def anonymous_headers(base_url: str) -> dict:
    response = requests.post(f"{base_url}/anonymous", timeout=TIMEOUT_S)
    response.raise_for_status()
    return {"Authorization": f"Bearer {response.json()['id']}"}


def register(base_url: str, headers: dict, workflow: dict) -> str:
    response = requests.post(f"{base_url}/workflow", json=workflow, headers=headers, timeout=TIMEOUT_S)
    assert response.status_code == 200, response.text
    return response.json()["id"]


def test_qgis_application_starts(qgis_app):
    assert QgsApplication.instance() is qgis_app
    assert Qgis.QGIS_VERSION_INT >= 32200
    assert QgsApplication.prefixPath()
    assert {"gdal", "ogr"} <= set(QgsProviderRegistry.instance().providerList())


def test_wcs_geotiff_opens_as_raster_layer(qgis_app, base_url, server, tmp_path):
    headers = anonymous_headers(base_url)
    workflow_id = register(base_url, headers, NDVI)
    xmin, ymin, xmax, ymax = RASTER_BBOX
    params = {
        "service": "WCS", "version": "1.1.1", "request": "GetCoverage", "identifier": workflow_id,
        "boundingbox": f"{ymin},{xmin},{ymax},{xmax}", "timesequence": WHEN, "format": "image/tiff",
        "crs": "urn:ogc:def:crs:EPSG::4326", "resx": "-0.1", "resy": "0.1",
    }
    response = requests.get(f"{base_url}/wcs/{workflow_id}", params=params, headers=headers, timeout=TIMEOUT_S)
    assert response.status_code == 200, response.text
    path = tmp_path / "ndvi.tif"
    path.write_bytes(response.content)

    layer = QgsRasterLayer(str(path), "ndvi", "gdal")
    assert layer.isValid(), layer.error().summary()
    window = read_window(ndvi_file(server.config.data_dir, "2014-04-01"), RASTER_BBOX)
    assert (layer.height(), layer.width()) == window.values.shape
    assert layer.crs().authid() == "EPSG:4326"
    extent = layer.extent()
    assert (extent.xMinimum(), extent.yMinimum(), extent.xMaximum(), extent.yMaximum()) == pytest.approx(RASTER_BBOX)

    # three valid pixels spread over the window, probed at their centres
    rows, cols = np.nonzero(window.valid)
    for i in (0, len(rows) // 2, len(rows) - 1):
        row, col = int(rows[i]), int(cols[i])
        point = QgsPointXY(xmin + (col + 0.5) * 0.1, ymax - (row + 0.5) * 0.1)
        identified = layer.dataProvider().identify(point, QgsRaster.IdentifyFormatValue)
        assert identified.isValid()
        assert identified.results()[1] == window.values[row, col]
        value, ok = layer.dataProvider().sample(point, 1)
        assert ok and value == window.values[row, col]


def test_wfs_geojson_opens_as_vector_layer(qgis_app, base_url, server, tmp_path):
    headers = anonymous_headers(base_url)
    workflow_id = register(base_url, headers, PORTS)
    params = {
        "service": "WFS", "version": "2.0.0", "request": "GetFeature", "typeNames": workflow_id,
        "bbox": ",".join(map(str, VECTOR_BBOX)), "srsName": "EPSG:4326", "time": WHEN,
    }
    response = requests.get(f"{base_url}/wfs/{workflow_id}", params=params, headers=headers, timeout=TIMEOUT_S)
    assert response.status_code == 200, response.text
    path = tmp_path / "ports.geojson"
    path.write_bytes(response.content)

    layer = QgsVectorLayer(str(path), "ports", "ogr")
    assert layer.isValid()
    ports = ports_in(server.config.data_dir, VECTOR_BBOX)
    assert layer.featureCount() == len(ports.names) > 10
    assert sorted(str(f["name"]) for f in layer.getFeatures()) == ports.names
    fields = {field.name(): field.typeName().lower() for field in layer.fields()}
    assert set(ports.columns) <= set(fields)
    for column, kind in ports.columns.items():
        expected = {"float": ("real",), "int": ("integer", "integer64"), "text": ("string",)}[kind]
        assert fields[column] in expected, (column, fields[column])

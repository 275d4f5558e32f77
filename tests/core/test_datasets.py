"""core.datasets against the test server: dataset symbology/provenance, catalog layers, source dataset names."""

from __future__ import annotations

import json

import pytest
from geoengine_qgis.core.colorizer import MultiBandRasterColorizer, PaletteColorizer, RasterSymbology
from geoengine_qgis.core.datasets import get_dataset, get_layer, layer_workflow_id, source_dataset_name
from geoengine_qgis.core.errors import ApiError, InputError
from geoengine_qgis.core.session import Session
from geoengine_qgis.core.workflow import register_workflow
from geoengine_server.config import default_data_dir

DATA = default_data_dir()
LAYER_DB = "ce5e84db-cbf9-48a2-9a32-d4b7cc56ea74"
NE_RGB_LAYER = "83866f7b-dcee-47b8-9242-e5636ceaf402"


@pytest.fixture
def session(base_url):
    active = Session(base_url, use_env=False)
    yield active
    active.close()


def test_ndvi_dataset_has_its_palette_and_provenance(session):
    info = get_dataset("ndvi", session=session)
    definition = json.loads((DATA / "dataset_defs/ndvi.json").read_text())["properties"]
    assert info.name == "ndvi" and info.display_name == definition["displayName"]
    assert info.source_operator == "GdalSource"
    symbology = RasterSymbology.from_response(info.symbology)
    palette = symbology.raster_colorizer.band_colorizer
    assert isinstance(palette, PaletteColorizer)
    assert len(palette.colors) == len(definition["symbology"]["rasterColorizer"]["bandColorizer"]["colors"])
    assert palette.colors[0.0][3] == 0  # "0" is transparent
    assert [p.citation for p in info.provenance] == [p["citation"] for p in definition["provenance"]]


def test_vector_dataset_without_symbology(session):
    info = get_dataset("ne_10m_ports", session=session)
    assert info.symbology is None and info.source_operator == "OgrSource"
    assert info.provenance and "Natural Earth" in info.provenance[0].citation


def test_unknown_dataset_and_bad_name(session):
    with pytest.raises(ApiError) as caught:
        get_dataset("no_such_dataset", session=session)
    assert "UnknownDatasetName" in caught.value.message
    with pytest.raises(InputError) as bad:
        get_dataset("  ", session=session)
    assert bad.value.field == "name"


def test_catalog_layer_with_multiband_symbology_and_its_workflow_id(session):
    layer = get_layer(LAYER_DB, NE_RGB_LAYER, session=session)
    assert layer.name.startswith("Natural Earth II") and layer.workflow["type"] == "Raster"
    colorizer = RasterSymbology.from_response(layer.symbology).raster_colorizer
    assert isinstance(colorizer, MultiBandRasterColorizer)
    assert (colorizer.red_band, colorizer.green_band, colorizer.blue_band) == (2, 1, 0)
    workflow_id = layer_workflow_id(LAYER_DB, NE_RGB_LAYER, session=session)
    assert workflow_id == str(register_workflow(layer.workflow, session=session).workflow_id)


@pytest.mark.parametrize(("workflow", "expected"), [
    ({"type": "Raster", "operator": {"type": "GdalSource", "params": {"data": "ndvi"}}}, "ndvi"),
    ({"type": "Vector", "operator": {"type": "OgrSource", "params": {"data": "ns:ports"}}}, "ns:ports"),
    ({"type": "Raster", "operator": {"type": "Expression", "params": {"expression": "A"},
                                     "sources": {"raster": {"type": "GdalSource", "params": {"data": "ndvi"}}}}},
     None),
    ({"type": "Raster", "operator": {"type": "GdalSource", "params": {}}}, None),
    ("not a workflow", None),
])
def test_source_dataset_name(workflow, expected):
    assert source_dataset_name(workflow) == expected

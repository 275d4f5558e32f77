"""The German translation at run time: dialogs, Processing algorithms and messages switch language with the
plugin's QTranslator (the .qm compiled by lrelease as `make package` does), and back to English without it."""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

pytestmark = pytest.mark.qgis

REPO = Path(__file__).resolve().parents[2]


def german(source: str) -> str:
    for node in ET.parse(REPO / "i18n" / "geoengine_de.ts").getroot().iter("message"):
        if node.findtext("source") == source:
            return node.findtext("translation") or ""
    raise AssertionError(f"{source!r} is not in geoengine_de.ts")


@pytest.fixture
def translations(qgis_app, tmp_path):
    """The plugin's Translations with the German .qm compiled into tmp_path; removed after the test."""
    sys.path.insert(0, str(REPO / "tools"))
    try:
        from package_plugin import compiled_translations
    finally:
        sys.path.remove(str(REPO / "tools"))
    for name, data in compiled_translations(REPO).items():
        (tmp_path / name).write_bytes(data)
    from geoengine_qgis.qgis_glue.i18n import Translations

    active = Translations()
    yield active, tmp_path
    active.remove()


def test_dialog_processing_and_messages_follow_the_translator(translations):
    from geoengine_qgis.processing_provider.load_raster import LoadWorkflowRaster
    from geoengine_qgis.qgis_glue.i18n import tr
    from geoengine_qgis.qgis_glue.ogc_fallback import transport_note
    from geoengine_qgis.ui.workflow_definition_dialog import WorkflowDefinitionDialog

    active, folder = translations
    assert active.install("de_DE", folder) == folder / "geoengine_de.qm"
    dialog = WorkflowDefinitionDialog("1e415c9c-55f3-51a2-b50b-b5053d1debbb", {"type": "Raster"}, "NDVI")
    assert dialog.windowTitle() == german("Workflow definition – {title}").format(title="NDVI")
    dialog.deleteLater()
    algorithm = LoadWorkflowRaster()
    assert algorithm.displayName() == german("Load workflow raster") == "Workflow-Raster laden"
    assert german("Example (command line):") in algorithm.shortHelpString()
    assert "geoengine:loadworkflowraster" in algorithm.shortHelpString()  # code samples stay as they are
    assert transport_note("ogc", "raster").startswith("über WCS GeoTIFF")
    assert tr("Ready.") == "Bereit."

    active.remove()
    assert algorithm.displayName() == "Load workflow raster" and tr("Ready.") == "Ready."


def test_english_and_unknown_languages_install_nothing(translations):
    active, folder = translations
    assert active.install("en_US", folder) is None
    assert active.install("xx", folder) is None and active.path is None
    assert active.install("de", folder) is not None  # the language alone finds geoengine_de.qm too

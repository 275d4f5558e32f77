"""The "Geo Engine" Processing provider comes and goes with the plugin; its algorithms are model/batch ready."""

from __future__ import annotations

import configparser
from pathlib import Path

import plugin_support
import pytest

pytestmark = pytest.mark.qgis

EXPECTED = {"loadworkflowraster", "loadworkflowvector", "registerworkflow", "runplotworkflow", "saveasdataset",
            "getprovenance"}


def registry():
    from qgis.core import QgsApplication

    return QgsApplication.processingRegistry()


def test_metadata_declares_a_processing_provider():
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(Path(__file__).resolve().parents[2] / "metadata.txt", encoding="utf-8")
    assert parser.get("general", "hasProcessingProvider") == "yes"


def test_provider_registers_with_init_gui_and_goes_with_unload(qgis_app):
    from geoengine_qgis.plugin import GeoEnginePlugin

    iface = plugin_support.WidgetIface()
    plugin = GeoEnginePlugin(iface)
    assert registry().providerById("geoengine") is None
    plugin.initGui()
    try:
        provider = registry().providerById("geoengine")
        assert provider is not None and provider.name() == "Geo Engine"
        assert {a.name() for a in provider.algorithms()} == EXPECTED
        assert registry().algorithmById("geoengine:loadworkflowraster") is not None
        plugin.initProcessing()  # QGIS may call both; still one provider
        assert [p.id() for p in registry().providers()].count("geoengine") == 1
    finally:
        plugin.unload()
        iface.close()
    assert registry().providerById("geoengine") is None
    assert registry().algorithmById("geoengine:loadworkflowraster") is None


def test_init_processing_without_iface_as_qgis_process_does(qgis_app):
    from geoengine_qgis import classFactory

    plugin = classFactory(None)  # qgis_process has no iface
    plugin.initProcessing()
    try:
        assert registry().providerById("geoengine") is not None
    finally:
        plugin.unload()
    assert registry().providerById("geoengine") is None


def test_algorithms_help_flags_and_parameters(qgis_app):
    from geoengine_qgis.processing_provider.provider import ALGORITHMS
    from qgis.core import QgsProcessingAlgorithm

    for cls in ALGORITHMS:
        algorithm = cls().create()  # what the registry and the model designer do
        assert algorithm.name() in EXPECTED
        help_text = algorithm.shortHelpString()
        assert "Example" in help_text and f"geoengine:{algorithm.name()}" in help_text, algorithm.name()
        flags = algorithm.flags()
        assert flags & QgsProcessingAlgorithm.FlagSupportsBatch
        assert not flags & QgsProcessingAlgorithm.FlagNoThreading  # runs in the background in the GUI
        assert not flags & QgsProcessingAlgorithm.FlagNotAvailableInStandaloneTool  # qgis_process
        names = [p.name() for p in algorithm.parameterDefinitions()]
        assert names[0] == "CONNECTION"
        assert not algorithm.icon().isNull()


def test_connection_parameter_defaults_to_the_first_saved_connection(qgis_app):
    from geoengine_qgis.processing_provider.load_raster import LoadWorkflowRaster
    from geoengine_qgis.qgis_glue.connections import ANONYMOUS, Connection, ConnectionStore

    store = ConnectionStore()
    for name in ("aaa processing default",):
        if name in store.names():
            store.delete(name)
    store.save(Connection("aaa processing default", "http://127.0.0.1:9/api", ANONYMOUS))
    try:
        algorithm = LoadWorkflowRaster().create()
        # "aaa ..." sorts before every other saved name: the connection list is alphabetical
        assert sorted(store.names())[0] == "aaa processing default"
        assert algorithm.parameterDefinition("CONNECTION").defaultValue() == "aaa processing default"
    finally:
        store.delete("aaa processing default")


def test_connection_text_is_a_saved_name_or_a_url(qgis_app):
    from geoengine_qgis.processing_provider.runtime import connection_from_text
    from geoengine_qgis.qgis_glue.connections import ConnectionSettingsError

    connection = connection_from_text("http://127.0.0.1:3030/api/")
    assert connection.url == "http://127.0.0.1:3030/api" and connection.auth_kind == "anonymous"
    with pytest.raises(ConnectionSettingsError, match="No saved Geo Engine connection named 'nope'"):
        connection_from_text("nope")
    with pytest.raises(ConnectionSettingsError, match="API URL"):
        connection_from_text("  ")
    with pytest.raises(ConnectionSettingsError, match="credentials"):
        connection_from_text("http://user:secret@127.0.0.1/api")

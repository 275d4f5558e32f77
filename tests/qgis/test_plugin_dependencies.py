"""Missing optional packages: the plugin still loads, logs what is disabled and offers the fallback."""

from __future__ import annotations

import importlib.util
import sys

import pytest

pytestmark = pytest.mark.qgis


def test_is_available_sees_blocked_and_absent_modules(qgis_app, monkeypatch):
    from geoengine_qgis.qgis_glue.dependencies import is_available

    assert is_available("json")
    assert is_available("osgeo.gdal")
    assert not is_available("geoengine_no_such_module_xyz")
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # how Python marks a module as not importable
    assert not is_available("pyarrow")


def test_find_spec_failure_counts_as_missing(qgis_app, monkeypatch):
    from geoengine_qgis.qgis_glue import dependencies

    real_find_spec = importlib.util.find_spec
    monkeypatch.delitem(sys.modules, "websockets", raising=False)
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "websockets" else real_find_spec(name, *a))
    missing = [dep.pip_name for dep in dependencies.missing_dependencies()]
    assert missing == ["websockets"]


def test_plugin_loads_without_pyarrow_and_says_so_once(iface, log_messages, monkeypatch):
    from geoengine_qgis import classFactory

    monkeypatch.setitem(sys.modules, "pyarrow", None)
    monkeypatch.setitem(sys.modules, "geopandas", None)
    plugin = classFactory(iface)
    plugin.initGui()
    try:
        assert [dep.pip_name for dep in plugin.missing_dependencies] == ["pyarrow", "geopandas"]
        assert iface.submenu_actions("Geo Engine")  # the plugin is there anyway
        ours = [message for tag, message, _level in log_messages if tag == "Geo Engine"]
        pyarrow_lines = [m for m in ours if "'pyarrow' is missing" in m]
        assert len(pyarrow_lines) == 1
        assert "Arrow raster and vector streams" in pyarrow_lines[0]
        assert "WCS GeoTIFF" in pyarrow_lines[0] and 'pip install --user "pyarrow<24"' in pyarrow_lines[0]
        assert any("'geopandas' is missing" in m for m in ours)
        bar_items = iface.messageBar().items()
        assert len(bar_items) == 1  # one message bar entry for all missing packages
        assert "pyarrow" in bar_items[0].text() and "geopandas" in bar_items[0].text()
    finally:
        plugin.unload()


def test_all_present_means_no_message(iface, log_messages):
    from geoengine_qgis import classFactory

    plugin = classFactory(iface)
    plugin.initGui()
    try:
        assert plugin.missing_dependencies == ()
        assert iface.messageBar().items() == []
        assert not [m for tag, m, _ in log_messages if tag == "Geo Engine" and "missing" in m]
    finally:
        plugin.unload()


def test_missing_required_package_is_an_error_level_message(iface, monkeypatch):
    from geoengine_qgis import classFactory
    from qgis.core import Qgis

    monkeypatch.setitem(sys.modules, "requests", None)
    plugin = classFactory(iface)
    plugin.initGui()
    try:
        items = iface.messageBar().items()
        assert len(items) == 1 and items[0].level() == Qgis.MessageLevel.Critical
        assert "requests" in items[0].text()
    finally:
        plugin.unload()

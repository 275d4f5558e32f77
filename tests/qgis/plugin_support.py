"""Test support for the plugin tests (loaded by tests/qgis/test_plugin_*.py, not collected itself).

``WidgetIface`` stands in for QGIS's ``QgisInterface`` with real Qt widgets: a QMainWindow with a Web
menu, real toolbars, dock areas and a ``QgsMessageBar``. Unlike a Mock iface it keeps real state, so a
test can count what the plugin leaves behind after ``unload``. Its Web-menu helpers behave like QGIS's
(``addPluginToWebMenu`` makes the named submenu; ``removePluginWebMenu`` deletes it once empty).
"""

from __future__ import annotations

import importlib
import os
import time
from pathlib import Path
from typing import List

from qgis.core import QgsApplication
from qgis.gui import QgsMapCanvas, QgsMessageBar
from qgis.PyQt.QtCore import QCoreApplication, QEvent
from qgis.PyQt.QtWidgets import QDockWidget, QMainWindow, QMenu, QToolBar

MASTER_PASSWORD = "plugin-tests-master"


class WidgetIface:
    """The part of QgisInterface the plugin uses, with real widgets."""

    def __init__(self) -> None:
        self._window = QMainWindow()
        self._web_menu = self._window.menuBar().addMenu("&Web")
        self._bar = QgsMessageBar(self._window)
        self._canvas = QgsMapCanvas(self._window)
        self._help_menu = self._window.menuBar().addMenu("&Help")

    def mainWindow(self):  # noqa: N802 - QgisInterface names
        return self._window

    def messageBar(self):  # noqa: N802
        return self._bar

    def mapCanvas(self):  # noqa: N802
        return self._canvas

    def webMenu(self):  # noqa: N802
        return self._web_menu

    def pluginHelpMenu(self):  # noqa: N802
        return self._help_menu

    def addToolBar(self, name: str) -> QToolBar:  # noqa: N802
        return self._window.addToolBar(name)

    def addDockWidget(self, area, dock) -> None:  # noqa: N802
        self._window.addDockWidget(area, dock)

    def removeDockWidget(self, dock) -> None:  # noqa: N802
        self._window.removeDockWidget(dock)

    def _submenu(self, name: str):
        for action in self._web_menu.actions():
            if action.menu() is not None and action.text() == name:
                return action.menu()
        return None

    def addPluginToWebMenu(self, name: str, action) -> None:  # noqa: N802
        menu = self._submenu(name)
        if menu is None:
            menu = QMenu(name, self._web_menu)
            self._web_menu.addMenu(menu)
        menu.addAction(action)

    def removePluginWebMenu(self, name: str, action) -> None:  # noqa: N802
        menu = self._submenu(name)
        if menu is None:
            return
        menu.removeAction(action)
        if not menu.actions():
            self._web_menu.removeAction(menu.menuAction())
            menu.deleteLater()

    # --- inspection for tests -------------------------------------------------------------------
    def web_submenus(self) -> List[str]:
        return [a.text() for a in self._web_menu.actions() if a.menu() is not None]

    def submenu_actions(self, name: str) -> List[str]:
        menu = self._submenu(name)
        return [a.text() for a in menu.actions()] if menu is not None else []

    def toolbars(self) -> List[str]:
        flush_deletes()
        return [tb.windowTitle() for tb in self._window.findChildren(QToolBar)]

    def docks(self) -> List[str]:
        flush_deletes()
        return [d.objectName() for d in self._window.findChildren(QDockWidget)]

    def close(self) -> None:
        self._window.close()
        self._window.deleteLater()
        flush_deletes()


def flush_deletes() -> None:
    """Run pending deleteLater() calls and queued events (bounded: one pass each)."""
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    QCoreApplication.processEvents()


def wait_until(predicate, timeout: float = 20.0, step: float = 0.02) -> bool:
    """Process Qt events until ``predicate()`` is true or ``timeout`` seconds pass (bounded loop)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        QCoreApplication.processEvents()
        if predicate():
            return True
        time.sleep(step)
    QCoreApplication.processEvents()
    return bool(predicate())


def ensure_master_password() -> None:
    """Set the Auth Manager's master password of the test profile (headless: no dialog)."""
    manager = QgsApplication.authManager()
    assert not manager.isDisabled(), "QGIS auth manager disabled"
    if not manager.masterPasswordIsSet():
        assert manager.setMasterPassword(MASTER_PASSWORD, True), "could not set the auth master password"


def settings_file() -> Path:
    from qgis.core import QgsSettings

    settings = QgsSettings()
    settings.sync()
    return Path(settings.fileName())


def plugin_package():
    """The plugin package as tests import it (``geoengine_qgis``)."""
    return importlib.import_module("geoengine_qgis")


def profile_dir() -> Path:
    return Path(QgsApplication.qgisSettingsDirPath())


def env_without_proxy() -> dict:
    env = dict(os.environ)
    for key in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        env.pop(key, None)
    return env

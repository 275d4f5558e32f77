"""A "Geo Engine" page in QGIS's Settings > Options: download limits, time-following layers, the download cache.

The values are the plugin's QgsSettings keys (:mod:`..qgis_glue.plugin_settings`); everything that uses them
reads them when it decides, so Apply/OK changes the next size check and the next cache trim at once. "Clear
cache now" removes the downloaded files no layer of the open project reads, with the same code as the start-up
clean-up (:func:`..qgis_glue.tempfiles.sweep`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable, Optional, Tuple

from qgis.gui import QgsOptionsPageWidget, QgsOptionsWidgetFactory
from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
)

from ..core.download_estimate import format_bytes
from ..qgis_glue import plugin_settings, temporal_controller
from ..qgis_glue.i18n import tr
from ..qgis_glue.tempfiles import default_base, sweep
from .icons import icon

TITLE = "Geo Engine"
PAGE_NAME = "GeoEngineSettingsPage"  # iface.showOptionsDialog(currentPage=...) finds the page by this name


def cache_usage(folder: Path) -> Tuple[int, int]:
    """(files, bytes) under ``folder``; (0, 0) when it does not exist."""
    files = size = 0
    for dirpath, _dirs, names in os.walk(folder):
        for name in names:
            try:
                size += (Path(dirpath) / name).stat().st_size
                files += 1
            except OSError:
                continue
    return files, size


def _plain(text: str) -> QLabel:
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    return label


class GeoEngineSettingsPage(QgsOptionsPageWidget):
    """The page. ``cache_folder()`` is where downloads live, ``busy_folder()`` a folder that running downloads
    write to (kept by "Clear cache now"), ``applied()`` runs after the values were stored."""

    def __init__(self, cache_folder: Optional[Callable[[], Path]] = None,
                 busy_folder: Optional[Callable[[], Optional[Path]]] = None,
                 applied: Optional[Callable[[], None]] = None, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName(PAGE_NAME)
        self._cache_folder = cache_folder or default_base
        self._busy_folder = busy_folder or (lambda: None)
        self._applied = applied
        layout = QVBoxLayout(self)
        layout.addWidget(self._downloads_group())
        layout.addWidget(self._time_group())
        layout.addWidget(self._cache_group())
        layout.addStretch(1)

    @staticmethod
    def _spin(key: str, suffix: str, name: str, step: int) -> QSpinBox:
        spin = QSpinBox()
        spin.setObjectName(name)
        spin.setRange(*plugin_settings.RANGES[key])
        spin.setSuffix(suffix)
        spin.setSingleStep(step)
        spin.setValue(plugin_settings.number(key))
        return spin

    def _downloads_group(self) -> QGroupBox:
        box = QGroupBox(tr("Download limits"))
        form = QFormLayout(box)
        self.max_megabytes = self._spin(plugin_settings.MAX_DOWNLOAD_MB, tr(" MB"), "GeoEngineMaxMegabytes", 256)
        self.max_megapixels = self._spin(plugin_settings.MAX_DOWNLOAD_MEGAPIXELS, tr(" million pixels"),
                                         "GeoEngineMaxMegapixels", 100)
        form.addRow(tr("Largest download"), self.max_megabytes)
        form.addRow(tr("Most pixels"), self.max_megapixels)
        form.addRow(_plain(tr(
            "Before a raster is downloaded, the plugin works out how big it will be (pixels of every time step "
            "and band, uncompressed). Above either limit, Add layer and the Browser ask first, Processing stops "
            "with the reason, and a layer that follows the Temporal Controller keeps what it shows. Vector "
            "results stop at the size limit and ask.")))
        return box

    def _time_group(self) -> QGroupBox:
        box = QGroupBox(tr("Layers that follow the Temporal Controller"))
        form = QFormLayout(box)
        self.follow_extent = QCheckBox(tr("Fetch the visible area when the map moves outside the layer"))
        self.follow_extent.setObjectName("GeoEngineFollowExtent")
        self.follow_extent.setChecked(plugin_settings.follow_extent())
        self.set_controller = QCheckBox(tr("Set the Temporal Controller to the first time series' range and step"))
        self.set_controller.setObjectName("GeoEngineSetController")
        self.set_controller.setChecked(temporal_controller.enabled())
        self.cache_megabytes = self._spin(plugin_settings.TIME_CACHE_MB, tr(" MB"), "GeoEngineCacheMegabytes", 128)
        form.addRow(self.follow_extent)
        form.addRow(self.set_controller)
        form.addRow(tr("Time step cache"), self.cache_megabytes)
        form.addRow(_plain(tr(
            "Off, a layer keeps the area it was loaded for and only changes its time step. The cache keeps time "
            "steps already fetched so stepping back is instant; when it grows past its size, the steps used "
            "longest ago are deleted (never one a layer shows).")))
        return box

    def _cache_group(self) -> QGroupBox:
        box = QGroupBox(tr("Downloaded files"))
        column = QVBoxLayout(box)
        self.cache_status = _plain("")
        self.cache_status.setObjectName("GeoEngineCacheStatus")
        self.clear_button = QPushButton(tr("Clear cache now"))
        self.clear_button.setObjectName("GeoEngineClearCache")
        self.clear_button.clicked.connect(lambda _checked=False: self.clear_cache())
        row = QHBoxLayout()
        row.addWidget(self.clear_button)
        row.addStretch(1)
        column.addWidget(_plain(tr(
            "Downloads are stored under your QGIS profile. Clearing deletes every downloaded file that no layer "
            "of the open project reads; layers keep working. Files of downloads still running and of other QGIS "
            "windows are left alone.")))
        column.addLayout(row)
        column.addWidget(self.cache_status)
        self._show_usage()
        return box

    def _show_usage(self, prefix: str = "") -> None:
        folder = self._cache_folder()
        files, size = cache_usage(folder)
        self.cache_status.setText(prefix + tr("{0} file(s), {1} in {2}").format(files, format_bytes(size), folder))

    def clear_cache(self) -> int:
        """Delete the downloaded files no layer of the open project reads; returns how many were deleted."""
        try:
            removed = sweep(self._cache_folder(), exclude=self._busy_folder())
        except OSError as exc:
            self.cache_status.setText(tr("The cache was not cleared: {0}").format(exc))
            return 0
        self._show_usage(tr("Deleted {0} file(s). Now: ").format(removed))
        return removed

    def apply(self) -> None:  # QGIS calls it on OK/Apply
        plugin_settings.set_number(plugin_settings.MAX_DOWNLOAD_MB, self.max_megabytes.value())
        plugin_settings.set_number(plugin_settings.MAX_DOWNLOAD_MEGAPIXELS, self.max_megapixels.value())
        plugin_settings.set_number(plugin_settings.TIME_CACHE_MB, self.cache_megabytes.value())
        plugin_settings.set_flag(plugin_settings.FOLLOW_EXTENT, self.follow_extent.isChecked())
        plugin_settings.set_flag(temporal_controller.SETTING, self.set_controller.isChecked())
        if self._applied is not None:
            self._applied()


class GeoEngineSettingsPageFactory(QgsOptionsWidgetFactory):
    """Registered with ``iface.registerOptionsWidgetFactory``; the arguments go to every page it makes."""

    def __init__(self, cache_folder: Optional[Callable[[], Path]] = None,
                 busy_folder: Optional[Callable[[], Optional[Path]]] = None,
                 applied: Optional[Callable[[], None]] = None) -> None:
        super().__init__(TITLE, icon("icon.svg"))
        self._arguments = (cache_folder, busy_folder, applied)

    def createWidget(self, parent=None) -> GeoEngineSettingsPage:  # noqa: N802 - QGIS API name
        return GeoEngineSettingsPage(*self._arguments, parent=parent)


class SettingsDialog(QDialog):
    """The page in a dialog of its own (OK applies), for a QGIS without an options hook for plugins."""

    def __init__(self, hooks: tuple = (), parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Geo Engine settings"))
        self.page = GeoEngineSettingsPage(*hooks, parent=self)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.page)
        layout.addWidget(buttons)

    def accept(self) -> None:
        self.page.apply()
        super().accept()

"""The plugin's page in Settings > Options (issue 9): a value changed there and applied changes what the download
guard decides and what the time-step cache keeps; "Clear cache now" deletes only files no layer reads; the
"Settings…" menu entry opens QGIS's options at the page; unload unregisters the page (headless QGIS)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import plugin_support
import pytest
from layer_support import NDVI_TIFF

pytestmark = pytest.mark.qgis
MB = 1024 * 1024
KEYS = ("geoengine/downloads/max_megabytes", "geoengine/downloads/max_megapixels",
        "geoengine/temporal/cache_megabytes", "geoengine/temporal/follow_extent", "geoengine/temporal/set_controller")


class OptionsIface(plugin_support.WidgetIface):
    """WidgetIface plus QGIS's options hooks: the registered factories and the options dialogs asked for."""

    def __init__(self) -> None:
        super().__init__()
        self.factories = []
        self.options_shown = []

    def registerOptionsWidgetFactory(self, factory) -> None:  # noqa: N802 - QgisInterface names
        self.factories.append(factory)

    def unregisterOptionsWidgetFactory(self, factory) -> None:  # noqa: N802
        self.factories.remove(factory)

    def showOptionsDialog(self, parent=None, currentPage=""):  # noqa: N802, N803
        self.options_shown.append((parent, currentPage))


@pytest.fixture
def clean_settings(qgis_app):
    from qgis.core import QgsSettings

    for key in KEYS:
        QgsSettings().remove(key)
    yield
    for key in KEYS:
        QgsSettings().remove(key)


@pytest.fixture
def plugin(clean_settings, project):
    iface = OptionsIface()
    plugin = plugin_support.start_plugin(iface, "http://127.0.0.1:9/api")  # no request is made
    yield plugin
    if plugin.actions:  # not unloaded by the test
        plugin_support.stop_plugin(plugin)
    iface.close()


def _page(plugin):
    factories = plugin.iface.factories
    assert factories == [plugin.settings_page]  # registered with QGIS's options
    return factories[0].createWidget()


def test_applied_limits_change_the_guard_decision(plugin):
    from geoengine_qgis.core.download_estimate import DownloadEstimate
    from geoengine_qgis.qgis_glue.download_guard import ASK, OK, judge

    # 300 MB and 50 million pixels: under the defaults (2 GB, 1000 million pixels)
    estimate = DownloadEstimate("raster", pixels=50_000_000, bytes=300 * MB, tiles=1, slices=1, bands=1)
    assert judge(estimate).decision == OK
    page = _page(plugin)
    assert (page.max_megabytes.value(), page.max_megapixels.value()) == (2048, 1000)  # what the user sees
    assert page.max_megabytes.suffix() == " MB" and page.max_megapixels.suffix() == " million pixels"
    page.max_megabytes.setValue(100)
    assert judge(estimate).decision == OK  # nothing changes before Apply/OK
    page.apply()
    verdict = judge(estimate)
    assert verdict.decision == ASK and "300.0 MB > 100.0 MB" in verdict.message

    page.max_megabytes.setValue(1000)
    page.max_megapixels.setValue(40)
    page.apply()
    verdict = judge(estimate)
    assert verdict.decision == ASK and "pixels" in verdict.message and "MB >" not in verdict.message
    page.max_megapixels.setValue(60)
    page.apply()
    assert judge(estimate).decision == OK
    page.max_megabytes.setValue(10**9)  # beyond the range: clamped, never a 0 or negative limit
    assert page.max_megabytes.value() == 1_048_576


def test_applied_cache_budget_trims_the_time_step_cache_at_once(plugin, tmp_path):
    import datetime as dt

    from geoengine_qgis.qgis_glue.temporal import CachedSlice

    cache = plugin.temporal.cache
    files = []
    for month in (1, 2, 3):  # three 10 MB slices, used in this order (January least recently)
        path = tmp_path / f"slice-{month}" / "ndvi.tif"
        path.parent.mkdir()
        with open(path, "wb") as handle:
            handle.truncate(10 * MB)
        start = dt.datetime(2014, month, 1, tzinfo=dt.timezone.utc)
        cache.add(("wf", (0.0, 0.0, 1.0, 1.0), "EPSG:4326", (), ""),
                  CachedSlice(start, start + dt.timedelta(days=28), path))
        files.append(path)
    assert all(path.exists() for path in files) and cache.size == 30 * MB  # within the default 512 MB
    page = _page(plugin)
    assert page.cache_megabytes.value() == 512 and page.cache_megabytes.minimum() >= 1
    page.cache_megabytes.setValue(16)
    page.apply()
    assert [path.exists() for path in files] == [False, False, True]  # oldest first, down to 10 MB <= 16 MB
    assert cache.size == 10 * MB and cache.evicted == 2


def test_follow_extent_box_switches_following_the_view(plugin):
    page = _page(plugin)
    assert page.follow_extent.isChecked() and plugin.temporal.follow_extent
    page.follow_extent.setChecked(False)
    assert plugin.temporal.follow_extent  # before Apply
    page.apply()
    assert plugin.temporal.follow_extent is False
    assert _page(plugin).follow_extent.isChecked() is False  # a new page shows the stored value


def _tiff(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(NDVI_TIFF.format("2014-04-01"), path)
    return path


def test_clear_cache_keeps_what_a_layer_reads(clean_settings, project, tmp_path):
    from geoengine_qgis.ui.settings_page import GeoEngineSettingsPage
    from qgis.core import QgsRasterLayer

    base = tmp_path / "cache"
    run = base / f"geoengine-qgis-{os.getpid()}-abc"
    read = _tiff(run / "ndvi-1" / "read.tif")
    unread = _tiff(run / "ndvi-2" / "unread.tif")
    old_run = _tiff(base / "geoengine-qgis-999999999-old" / "job" / "crashed.tif")  # a run that is gone
    running = _tiff(base / f"geoengine-qgis-{os.getppid()}-other" / "job" / "other.tif")  # another live QGIS
    layer = QgsRasterLayer(str(read), "read", "gdal")
    assert layer.isValid()
    project.addMapLayer(layer)

    page = GeoEngineSettingsPage(lambda: base)
    assert "4 file(s)" in page.cache_status.text()
    page.clear_button.click()
    assert read.exists() and running.exists()
    assert not unread.exists() and not old_run.exists() and not old_run.parent.parent.exists()
    assert page.cache_status.text().startswith("Deleted 2 file(s). Now: 2 file(s)")
    assert layer.isValid() and layer.dataProvider().sample(layer.extent().center(), 1)[1]


def test_clear_cache_keeps_the_folder_running_downloads_write_to(clean_settings, project, tmp_path):
    from geoengine_qgis.ui.settings_page import GeoEngineSettingsPage

    base = tmp_path / "cache"
    run = base / f"geoengine-qgis-{os.getpid()}-abc"
    partial = _tiff(run / "job" / "partial.tif")
    page = GeoEngineSettingsPage(lambda: base, busy_folder=lambda: run)
    assert page.clear_cache() == 0 and partial.exists()
    page = GeoEngineSettingsPage(lambda: base, busy_folder=lambda: None)
    assert page.clear_cache() == 1 and not partial.exists()


def test_menu_opens_the_page_and_unload_unregisters_it(plugin):
    from geoengine_qgis.ui.settings_page import PAGE_NAME

    iface = plugin.iface
    factory = iface.factories[0]
    assert factory.title() == "Geo Engine"
    assert factory.createWidget().objectName() == PAGE_NAME  # QGIS's options find the page by this name
    action = plugin.actions["settings"]
    assert action.text() == "Settings…" and "Settings…" in iface.submenu_actions("Geo Engine")
    action.trigger()
    assert iface.options_shown == [(iface.mainWindow(), PAGE_NAME)]
    plugin_support.stop_plugin(plugin)
    assert iface.factories == [] and plugin.settings_page is None


def test_without_an_options_hook_the_menu_opens_a_dialog_that_applies_on_ok(clean_settings, project, iface):
    from geoengine_qgis.core.download_estimate import DownloadEstimate
    from geoengine_qgis.qgis_glue.download_guard import ASK, OK, judge
    from geoengine_qgis.ui.settings_page import SettingsDialog

    plugin = plugin_support.start_plugin(iface, "http://127.0.0.1:9/api")  # WidgetIface: no options hooks
    try:
        assert plugin.settings_page is None
        plugin.actions["settings"].trigger()
        dialogs = [d for d in plugin._dialogs if isinstance(d, SettingsDialog)]
        assert len(dialogs) == 1 and dialogs[0].isVisible()
        estimate = DownloadEstimate("raster", pixels=1_000_000, bytes=300 * MB, tiles=1, slices=1, bands=1)
        dialogs[0].page.max_megabytes.setValue(200)
        dialogs[0].reject()  # Cancel: nothing stored
        assert judge(estimate).decision == OK
        plugin.actions["settings"].trigger()
        dialog = next(d for d in plugin._dialogs if isinstance(d, SettingsDialog))
        dialog.page.max_megabytes.setValue(200)
        dialog.accept()
        assert judge(estimate).decision == ASK
    finally:
        plugin_support.stop_plugin(plugin)

"""The plugin object QGIS creates: menu, toolbar, and the lifetime of everything the plugin owns.

``initGui`` builds the actions, registers the Processing provider and the Browser entries, connects the
time-following and project hooks to signals and checks which optional packages exist. It opens no
connection, reads no credentials and imports neither pyarrow nor websockets (they load when a result is
streamed). ``unload`` removes every trace: menu entries, toolbar, docks, Browser and Processing entries, the
network request preprocessor, running tasks (cancelled) and the temporary folder.
"""

from __future__ import annotations

import configparser
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional

from qgis.core import Qgis
from qgis.PyQt.QtCore import Qt, QUrl
from qgis.PyQt.QtGui import QDesktopServices

try:  # Qt 6 (QGIS 4) moved QAction to QtGui
    from qgis.PyQt.QtGui import QAction
except ImportError:  # Qt 5 (QGIS 3)
    from qgis.PyQt.QtWidgets import QAction

from .features import FeatureActions
from .qgis_glue.connections import ConnectionSettingsError, ConnectionStore
from .qgis_glue.connections import add_listener as add_connection_listener
from .qgis_glue.connections import remove_listener as remove_connection_listener
from .qgis_glue.dependencies import report_missing
from .qgis_glue.i18n import QT_TR_NOOP, Translations, tr
from .qgis_glue.messages import CoreLogForwarder, Notifier, log
from .qgis_glue.network import BearerHeaderInjector
from .qgis_glue.sessions import SessionManager
from .qgis_glue.tasks import TaskRunner
from .qgis_glue.tempfiles import PluginTempDir
from .ui.icons import icon
from .ui.widgets import close_dialogs, keep_open

PLUGIN_DIR = Path(__file__).resolve().parent
MENU = "Geo Engine"
TOOLBAR_OBJECT_NAME = "GeoEngineToolbar"
COMING = QT_TR_NOOP("coming in a later version")


@dataclass(frozen=True)
class ActionSpec:
    """One menu/toolbar action; ``handler`` names a method of the plugin, or None while not built."""

    key: str
    text: str
    icon: str
    tip: str
    handler: Optional[str] = None
    toolbar: bool = True


ACTIONS = (
    ActionSpec("connections", QT_TR_NOOP("Connections…"), "connections.svg",
               QT_TR_NOOP("Manage Geo Engine server connections"), "open_connections"),
    ActionSpec("add_layer", QT_TR_NOOP("Add workflow layer…"), "add_layer.svg",
               QT_TR_NOOP("Add a workflow result as a layer"), "open_add_layer"),
    # feature actions (handlers in features.FeatureActions)
    ActionSpec("provenance", QT_TR_NOOP("Provenance"), "provenance.svg",
               QT_TR_NOOP("Citations and licences of the selected layer"), "show_provenance_dock"),
    ActionSpec("quota", QT_TR_NOOP("Quota && usage"), "quota.svg", QT_TR_NOOP("Remaining quota and data usage"),
               "show_quota_dock"),
    ActionSpec("plot", QT_TR_NOOP("Plot"), "plot.svg", QT_TR_NOOP("Show a plot workflow"), "show_plot_dock"),
    ActionSpec("save_dataset", QT_TR_NOOP("Save result as dataset…"), "save_dataset.svg",
               QT_TR_NOOP("Store a workflow result on the server"), "save_result_as_dataset"),
    ActionSpec("download_metadata", QT_TR_NOOP("Download metadata…"), "download_metadata.svg",
               QT_TR_NOOP("Download the metadata zip of a workflow"), "download_metadata"),
    ActionSpec("workflow_definition", QT_TR_NOOP("Show workflow definition"), "workflow_definition.svg",
               QT_TR_NOOP("Show the workflow JSON of the selected layer"), "show_workflow_definition"),
    ActionSpec("copy_workflow_id", QT_TR_NOOP("Copy workflow id"), "copy_id.svg",
               QT_TR_NOOP("Copy the workflow id of the selected layer"), "copy_workflow_id"),
    ActionSpec("settings", QT_TR_NOOP("Settings…"), "icon.svg",
               QT_TR_NOOP("Download limits, time-series behaviour and the download cache"), "open_settings",
               toolbar=False),
    ActionSpec("help", QT_TR_NOOP("Help"), "help.svg", QT_TR_NOOP("Open the plugin's documentation"), "open_help",
               toolbar=False),
)


def read_metadata(key: str, default: str = "") -> str:
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(PLUGIN_DIR / "metadata.txt", encoding="utf-8")
    return parser.get("general", key, fallback=default)


class GeoEnginePlugin(FeatureActions):
    """Owns the menu, toolbar, docks, task runner, temp folder and the request preprocessor."""

    def __init__(self, iface) -> None:
        self.iface = iface
        self.translations = Translations()
        self.translations.install()  # before any widget: menus, dialogs and messages in QGIS's language
        self.actions: Dict[str, QAction] = {}
        self.toolbar = None
        self.docks: List = []
        self.notifier: Optional[Notifier] = None
        self.tasks: Optional[TaskRunner] = None
        self.tempdir: Optional[PluginTempDir] = None
        self.injector: Optional[BearerHeaderInjector] = None
        self.sessions: Optional[SessionManager] = None
        self.store = ConnectionStore()
        self.missing_dependencies = ()
        self.core_log: Optional[CoreLogForwarder] = None  # core's warnings (e.g. no-data masking) -> QGIS log
        self._dialogs: List = []
        self._layer_loader = None
        self.processing_provider = None
        self.temporal = None  # time-series layers follow the Temporal Controller (qgis_glue.temporal)
        self.controller_setup = None  # the first series sets the controller's range and step
        self.project_state = None  # Geo Engine layers in project files (qgis_glue.project_state)
        self.project_page = None  # the "Geo Engine" page of Project > Properties (ui.project_properties)
        self.browser = None  # Browser panel integration (browser/)
        self._time_steps_action = None  # "Load all time steps" for time-following layers
        self.settings_page = None  # the "Geo Engine" page of Settings > Options (ui.settings_page)

    # --- QGIS entry points -------------------------------------------------------------------------
    def initProcessing(self) -> None:  # noqa: N802 - QGIS API name (qgis_process calls only this)
        """Register the "Geo Engine" Processing provider (once; no network, no credentials)."""
        if self.processing_provider is None:
            from qgis.core import QgsApplication

            try:
                from .processing_provider.provider import GeoEngineProvider
            except ImportError as exc:  # a missing optional package must not stop the plugin from loading
                log(f"Geo Engine Processing algorithms are unavailable: {exc}", Qgis.MessageLevel.Warning)
                return
            self.processing_provider = GeoEngineProvider()
            QgsApplication.processingRegistry().addProvider(self.processing_provider)

    def initGui(self) -> None:  # noqa: N802 - QGIS API name
        self.initProcessing()
        self.notifier = Notifier(self.iface.messageBar())
        self.core_log = CoreLogForwarder().install()
        self.tasks = TaskRunner(self.notifier)
        self.tempdir = PluginTempDir()
        self._sweep_old_files()
        self.injector = BearerHeaderInjector()
        self.injector.install()
        self.sessions = SessionManager(self.injector)
        self.sessions.watch(self.tasks)  # renew before validUntil and on a 401 of a live WMS layer
        add_connection_listener(self.sessions.connection_changed)  # a deleted connection logs out
        self._start_time_and_projects()
        self.toolbar = self.iface.addToolBar(MENU)
        self.toolbar.setObjectName(TOOLBAR_OBJECT_NAME)
        for spec in ACTIONS:
            action = self._make_action(spec)
            self.actions[spec.key] = action
            self.iface.addPluginToWebMenu(MENU, action)
            if spec.toolbar:
                self.toolbar.addAction(action)
        self._register_settings_page()
        self.missing_dependencies = report_missing(self.notifier, homepage=read_metadata("homepage"))
        try:
            self._register_browser()
        except ImportError as exc:  # a missing optional package must not stop the plugin from loading
            log(f"Geo Engine entries in the Browser are unavailable: {exc}", Qgis.MessageLevel.Warning)

    def unload(self) -> None:
        """Remove every trace of the plugin; a step that fails is logged and the others still run."""
        steps = (self._unload_browser, self._unload_processing, self._unload_settings_page,
                 self._unload_time_and_projects, self._unload_tasks, self._unload_dialogs,
                 self.unload_features, self._unload_docks, self._unload_menus, self._unload_network, self._unload_files)
        for step in steps:
            try:
                step()
            except Exception as exc:  # noqa: BLE001 - a half-unloaded plugin is worse than a logged error
                log(f"Unloading Geo Engine: {step.__name__} failed: {type(exc).__name__}: {exc}",
                    Qgis.MessageLevel.Warning)
        self.translations.remove()  # last: the steps above may still show translated messages

    def _sweep_old_files(self) -> None:
        """Remove downloads of earlier runs that no layer of the open project reads (a crash, an unload)."""
        from .qgis_glue.tempfiles import sweep

        try:
            sweep(self.tempdir.base)
        except OSError as exc:
            log(f"Old Geo Engine downloads were not cleaned up: {exc}", Qgis.MessageLevel.Warning)

    def _unload_processing(self) -> None:
        if self.processing_provider is not None:
            from qgis.core import QgsApplication

            provider, self.processing_provider = self.processing_provider, None
            QgsApplication.processingRegistry().removeProvider(provider)

    def _unload_tasks(self) -> None:
        if self.tasks is not None:
            cancelled = self.tasks.cancel_all(wait_ms=0)  # never block the GUI; late tasks find the folder closed
            if cancelled:
                log(f"Cancelled {cancelled} running Geo Engine task(s) on unload")

    def _unload_dialogs(self) -> None:
        close_dialogs(self._dialogs)

    def _unload_docks(self) -> None:
        docks, self.docks = list(self.docks), []
        for dock in docks:
            self.iface.removeDockWidget(dock)
            dock.deleteLater()

    def _unload_menus(self) -> None:
        actions, self.actions = list(self.actions.values()), {}
        for action in actions:
            self.iface.removePluginWebMenu(MENU, action)
            action.deleteLater()
        if self.toolbar is not None:
            toolbar, self.toolbar = self.toolbar, None
            self.iface.mainWindow().removeToolBar(toolbar)
            toolbar.deleteLater()

    def _unload_network(self) -> None:
        if self.sessions is not None:
            remove_connection_listener(self.sessions.connection_changed)
            self.sessions.close_all()  # no logout: unload must not wait for the network
        if self.injector is not None:
            self.injector.uninstall()

    def _unload_files(self) -> None:
        if self.tempdir is not None:
            self.tempdir.close()  # files that layers of the open project read stay (removed at a later start)
        if self.notifier is not None:
            self.notifier.detach()
        if self.core_log is not None:
            self.core_log, core_log = None, self.core_log
            core_log.uninstall()

    # --- API for features --------------------------------------------------------------------------
    def add_dock(self, dock, area=None):
        """Show ``dock`` in the main window and remove it again on unload; returns it."""
        if not dock.objectName():
            raise ValueError("a Geo Engine dock needs an objectName (QGIS saves dock positions by it)")
        self.iface.addDockWidget(area if area is not None else Qt.DockWidgetArea.RightDockWidgetArea, dock)
        self.docks.append(dock)
        return dock

    def with_session(self, connection_name: str, on_ready, on_error=None):
        """Call ``on_ready(session)`` on the main thread with the connection's session, logging in first
        in a background task if needed. Returns the login task, or None (session ready, or an error that
        was already reported to the user)."""
        try:
            connection = self.store.load(connection_name)
            return self.sessions.ensure(connection, self.tasks, on_ready, on_error)
        except (KeyError, ConnectionSettingsError) as exc:
            self.notifier.error(str(exc.args[0]) if exc.args else str(exc))
            if on_error is not None:
                on_error(exc)
            return None

    # --- actions ------------------------------------------------------------------------------------
    def _make_action(self, spec: ActionSpec) -> QAction:
        text, tip = tr(spec.text), tr(spec.tip)
        action = QAction(icon(spec.icon), text, self.iface.mainWindow())
        action.setObjectName(f"GeoEngine_{spec.key}")
        if spec.handler is None:
            action.setEnabled(False)
            action.setToolTip(f"{text}: {tr(COMING)}")
            action.setStatusTip(f"{tip} ({tr(COMING)})")
        else:
            action.setToolTip(tip)
            action.setStatusTip(tip)
            handler = getattr(self, spec.handler)
            action.triggered.connect(lambda _checked=False: handler())  # ``checked`` must not reach the handler
        return action

    def open_connections(self):
        """Show the connections dialog (non-modal) and return it."""
        from .qgis_glue.sessions import probe_connection
        from .ui.connections_dialog import ConnectionsDialog

        dialog = keep_open(self._dialogs, ConnectionsDialog(self.store, self.tasks, probe_connection,
                                                            self.iface.mainWindow()))
        dialog.finished.connect(lambda _result: self.browser is not None and self.browser.refresh_connections())
        return dialog

    # --- Add workflow layer (qgis_glue.layers + ui.add_layer_dialog) -------------------------------------
    def layer_loader(self):
        """The plugin's WorkflowLayerLoader (one per plugin run; the dialog, demo and Processing share it)."""
        if self._layer_loader is None:
            from .qgis_glue.download_guard import ask_user
            from .qgis_glue.layers import WorkflowLayerLoader

            self._layer_loader = WorkflowLayerLoader(self.tasks, self.tempdir, self.notifier,
                                                     plot_handler=self.show_fetched_plot)
            self._layer_loader.ask = lambda verdict: ask_user(verdict, self.iface.mainWindow())
        return self._layer_loader

    def open_add_layer(self):
        """Show the "Add workflow layer" dialog (non-modal) and return it."""
        from .ui.add_layer_dialog import AddLayerDialog

        return keep_open(self._dialogs, AddLayerDialog(self.store, self.with_session, self.tasks, self.layer_loader(),
                                                       self.iface.mapCanvas(), self.iface.mainWindow()))

    def open_help(self) -> None:
        QDesktopServices.openUrl(QUrl(read_metadata("homepage")))

    # --- Settings > Options > Geo Engine (ui.settings_page) ------------------------------------------------
    def _register_settings_page(self) -> None:
        if not hasattr(self.iface, "registerOptionsWidgetFactory"):
            return
        from .ui.settings_page import GeoEngineSettingsPageFactory

        self.settings_page = GeoEngineSettingsPageFactory(*self._settings_hooks())
        self.iface.registerOptionsWidgetFactory(self.settings_page)

    def _settings_hooks(self):
        """The download folder, the folder running downloads write to, and what to do after Apply."""
        return (lambda: self.tempdir.base), self._busy_download_folder, self._settings_applied

    def _busy_download_folder(self):
        """The run folder while downloads write to it (Clear cache keeps it), else None."""
        busy = self.tasks is not None and self.tasks.active
        return self.tempdir.root if busy and self.tempdir.exists and not self.tempdir.closed else None

    def _settings_applied(self) -> None:
        """New settings take effect now: a smaller time-step cache is trimmed at once (limits are read per check)."""
        if self.temporal is not None:
            self.temporal.cache.shrink()

    def open_settings(self) -> None:
        """Settings > Options at the Geo Engine page (a dialog with the page where QGIS has no options hook)."""
        from .ui.settings_page import PAGE_NAME

        if self.settings_page is not None and hasattr(self.iface, "showOptionsDialog"):
            self.iface.showOptionsDialog(self.iface.mainWindow(), PAGE_NAME)
            return
        from .ui.settings_page import SettingsDialog

        keep_open(self._dialogs, SettingsDialog(self._settings_hooks(), self.iface.mainWindow()))

    def _unload_settings_page(self) -> None:
        if self.settings_page is not None:
            page, self.settings_page = self.settings_page, None
            self.iface.unregisterOptionsWidgetFactory(page)

    # --- Browser panel (browser/: data item provider, context menu, drops) -----------------------------------
    def _register_browser(self) -> None:
        """Put "Geo Engine" into QGIS's Browser (registration only: no network, no credentials)."""
        from .browser.host import BrowserHost
        from .browser.integration import BrowserIntegration

        host = BrowserHost(self.store, self.sessions, self.with_session, self.tasks, self.layer_loader, self.notifier,
                           canvas=self.iface.mapCanvas(), parent=self.iface.mainWindow(),
                           show_provenance=self.show_workflow_provenance, open_connections=self.open_connections)
        self.browser = BrowserIntegration(host)
        self.browser.register(self.iface)

    def _unload_browser(self) -> None:
        if self.browser is not None:
            browser, self.browser = self.browser, None
            browser.unregister()

    def show_workflow_provenance(self, connection: str, workflow_id: str, title: str = ""):
        """Show a workflow's provenance in the provenance dock (until another layer becomes current)."""
        dock = self.show_provenance_dock()
        dock.load(connection, workflow_id)
        dock.set_title(title, workflow_id)
        return dock

    # --- Time and projects (qgis_glue.temporal, qgis_glue.project_state) ------------------------------------
    def _session_for_layer(self, query, on_ready, on_error):
        """The session of a layer's saved connection (login in a task; credentials from the Auth Manager).

        A layer without a saved connection (e.g. loaded with a session of its own) gets ``on_error`` only: the
        caller decides whether to tell the user (project restoring does, time following stays quiet)."""
        if query.connection_name not in self.store.names():
            on_error(KeyError(f"no saved Geo Engine connection named {query.connection_name!r}"))
            return None
        return self.with_session(query.connection_name, on_ready, on_error)

    def _start_time_and_projects(self) -> None:
        """Follow the Temporal Controller and keep Geo Engine layers in projects (signal hookups only)."""
        from .qgis_glue.project_state import ProjectState
        from .qgis_glue.temporal import TemporalRasterLayers

        self.temporal = TemporalRasterLayers(self.iface.mapCanvas(), self.tasks, self.tempdir, self.notifier,
                                             self._session_for_layer)
        self.project_state = ProjectState(self.tasks, self.tempdir, self.notifier, self._session_for_layer,
                                          after_restore=self.temporal.refresh)
        from .qgis_glue.temporal_controller import ControllerSetup

        controller = self.iface.mapCanvas().temporalController()  # the first series sets its range and step
        self.controller_setup = ControllerSetup(self.temporal, controller if hasattr(
            controller, "setFrameDuration") else None, self.notifier)
        if hasattr(self.iface, "registerProjectPropertiesWidgetFactory"):  # QGIS 3.16+
            from .ui.project_properties import GeoEngineProjectPageFactory

            self.project_page = GeoEngineProjectPageFactory()
            self.iface.registerProjectPropertiesWidgetFactory(self.project_page)
        self._add_time_steps_action()

    def _add_time_steps_action(self) -> None:
        """"Load all time steps" in the context menu of time-following layers (QGIS's layer tree)."""
        if not hasattr(self.iface, "addCustomActionForLayerType"):
            return
        from qgis.core import Qgis, QgsMapLayerType

        raster = getattr(getattr(Qgis, "LayerType", None), "Raster", None) or QgsMapLayerType.RasterLayer
        action = QAction(tr("Load all time steps (for export and layouts)"), self.iface.mainWindow())
        action.setToolTip(tr("One layer per time step of the Temporal Controller's range, so animation exports, "
                             "layouts and other map views show the right step in every frame"))
        action.triggered.connect(lambda _checked=False: self.load_all_time_steps())
        self.iface.addCustomActionForLayerType(action, MENU, raster, False)
        self.temporal.followed.connect(self._offer_time_steps)
        self._time_steps_action = action

    def _offer_time_steps(self, layer_id: str) -> None:
        from qgis.core import QgsProject

        layer = QgsProject.instance().mapLayer(layer_id)
        if layer is not None and self._time_steps_action is not None:
            self.iface.addCustomActionForLayer(self._time_steps_action, layer)

    def load_all_time_steps(self, layer=None) -> bool:
        """Load the steps of the Temporal Controller's range (else the series' bounds) of a following layer."""
        from .qgis_glue.temporal import BOUNDS_KEY, parse_range, qdatetime_to_utc

        layer = layer or self.iface.activeLayer()
        if layer is None or self.temporal is None or not self.temporal.following(layer.id()):
            self.notifier.warning(tr('Select a Geo Engine layer that follows the Temporal Controller.'))
            return False
        controller = self.iface.mapCanvas().temporalController()
        extents = controller.temporalExtents() if hasattr(controller, "temporalExtents") else None
        span = (qdatetime_to_utc(extents.begin()), qdatetime_to_utc(extents.end())) if extents is not None else None
        if span is None or None in span:
            span = parse_range(str(layer.customProperty(BOUNDS_KEY) or ""))
        if span is None:
            self.notifier.warning(tr("{layer}: its time range is not known yet.").format(layer=layer.name()))
            return False
        return self.temporal.load_all_steps(layer, span[0], span[1], self.layer_loader())

    def _unload_time_and_projects(self) -> None:
        action, self._time_steps_action = self._time_steps_action, None
        if action is not None:
            self.iface.removeCustomActionForLayerType(action)
            action.deleteLater()
        if self.project_page is not None:
            page, self.project_page = self.project_page, None
            self.iface.unregisterProjectPropertiesWidgetFactory(page)
        if self.controller_setup is not None:
            self.controller_setup.stop()
            self.controller_setup = None
        parts, self.temporal, self.project_state = (self.temporal, self.project_state), None, None
        for part in parts:
            if part is not None:
                part.stop()

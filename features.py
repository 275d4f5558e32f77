"""The plugin's dock and layer actions (provenance, quota, plot, save as dataset, metadata, definition, copy id).

:class:`FeatureActions` is mixed into the plugin object (``plugin.py`` names these methods as action handlers).
It uses what the plugin owns: ``iface``, ``tasks``, ``notifier``, ``tempdir``, ``store``, ``with_session``,
``add_dock``, ``layer_loader()`` and ``_dialogs`` (non-modal dialogs held by ``ui.widgets.keep_open``). Docks are
made on first use (nothing touches the network at start-up).
Layer actions work on the current layer and say clearly when it is not a Geo Engine layer.
"""

from __future__ import annotations

from typing import Optional

from qgis.core import QgsCoordinateReferenceSystem, QgsRectangle

from .qgis_glue.errors import describe_error
from .qgis_glue.i18n import tr
from .qgis_glue.layer_info import NoGeoEngineLayer, require_geoengine_layer
from .qgis_glue.query import LayerQuery
from .qgis_glue.session_jobs import run_with_session
from .qgis_glue.tempfiles import safe_stem
from .ui.widgets import save_file_name


class FeatureActions:
    """Handlers of the feature actions; see the module docstring."""

    provenance_dock = None
    quota_dock = None
    plot_dock = None

    def unload_features(self) -> None:
        """Called by ``unload`` before the docks go: stop following layers, forget docks and the loader."""
        if self.provenance_dock is not None:
            self.provenance_dock.unfollow()
        if self.plot_dock is not None:
            self.plot_dock.set_follow_map(False)
        self.provenance_dock = self.quota_dock = self.plot_dock = None

    # --- docks ---------------------------------------------------------------------------------------
    def show_provenance_dock(self):
        """Show (make on first use) the provenance dock; it follows the current layer."""
        if self.provenance_dock is None:
            from .ui.provenance_dock import ProvenanceDock

            self.provenance_dock = self.add_dock(ProvenanceDock(self.with_session, self.tasks, self.iface.mainWindow()))
            self.provenance_dock.follow(self.iface)
        return self._raise(self.provenance_dock)

    def show_quota_dock(self):
        """Show the quota & usage dock (refreshing it for the current layer's connection, else the first one)."""
        if self.quota_dock is None:
            from .ui.quota_dock import QuotaDock

            self.quota_dock = self.add_dock(QuotaDock(self.with_session, self.tasks, self.store.names,
                                                      self.iface.mainWindow()))
        query = self._current_query()
        self.quota_dock.select_connection(query.connection_name if query is not None else self.quota_dock.connection)
        return self._raise(self.quota_dock)

    def show_plot_dock(self):
        """Show the plot dock (for a plot workflow id typed there, or handed over by the layer loader)."""
        if self.plot_dock is None:
            from .ui.plot_dock import PlotDock

            self.plot_dock = self.add_dock(PlotDock(self.with_session, self.tasks, self.iface.mapCanvas(),
                                                    self.store.names, self.iface.mainWindow()))
        self.plot_dock.reload_connections()
        return self._raise(self.plot_dock)

    def show_fetched_plot(self, fetched) -> None:
        """``plot_handler`` for the workflow layer loader: show the plot it fetched in the plot dock."""
        self.show_plot_dock().show_fetched(fetched)

    @staticmethod
    def _raise(dock):
        dock.show()
        dock.raise_()
        return dock

    # --- layer actions ----------------------------------------------------------------------------
    def current_layer(self):
        view = self.iface.layerTreeView() if hasattr(self.iface, "layerTreeView") else None
        if view is not None:
            return view.currentLayer()
        return self.iface.activeLayer() if hasattr(self.iface, "activeLayer") else None

    def _current_query(self) -> Optional[LayerQuery]:
        from .qgis_glue.layer_info import geoengine_query

        return geoengine_query(self.current_layer())

    def _require_layer(self, kind: Optional[str] = None):
        """(layer, query) of the current Geo Engine layer, or None after telling the user why not."""
        layer = self.current_layer()
        try:
            return layer, require_geoengine_layer(layer, kind)
        except NoGeoEngineLayer as exc:
            self.notifier.warning(exc.message)
            return None

    def copy_workflow_id(self) -> Optional[str]:
        """Copy the current layer's workflow id to the clipboard; returns it."""
        from .ui.widgets import copy_to_clipboard

        selected = self._require_layer()
        if selected is None:
            return None
        workflow_id = selected[1].workflow_id
        copy_to_clipboard(workflow_id)
        self.notifier.info(tr("Copied workflow id {workflow_id}.").format(workflow_id=workflow_id))
        return workflow_id

    def show_workflow_definition(self, on_shown=None) -> None:
        """Fetch the current layer's workflow JSON in a task and show it read-only; ``on_shown(dialog)``."""
        from .qgis_glue.workflow_files import fetch_definition
        from .ui.widgets import keep_open
        from .ui.workflow_definition_dialog import WorkflowDefinitionDialog

        selected = self._require_layer()
        if selected is None:
            return
        layer, query = selected
        name = layer.name()

        def shown(definition: dict) -> None:
            dialog = keep_open(self._dialogs, WorkflowDefinitionDialog(query.workflow_id, definition, name,
                                                                       self.iface.mainWindow()))
            if on_shown is not None:
                on_shown(dialog)

        self._run_reported(query.connection_name, tr("Geo Engine: workflow definition of {name}").format(name=name),
                           lambda session, _context: fetch_definition(session, query.workflow_id), shown)

    def download_metadata(self, path: Optional[str] = None, on_saved=None) -> None:
        """Save the current layer's metadata zip (asks for the file unless ``path``); ``on_saved(path, names)``."""
        from .qgis_glue.workflow_files import download_metadata_zip

        selected = self._require_layer()
        if selected is None:
            return
        layer, query = selected
        if path is None:
            suggestion = f"{safe_stem(layer.name(), fallback='workflow', limit=None)}-metadata.zip"
            path = save_file_name(self.iface.mainWindow(), tr("Save workflow metadata"), suggestion,
                                  tr("Zip files (*.zip)"))  # starts in the folder used last time
            if not path:
                return

        def saved(names) -> None:
            self.notifier.success(tr("Saved the metadata of {layer} to {path} ({files}).").format(
                layer=layer.name(), path=path, files=', '.join(names)))
            if on_saved is not None:
                on_saved(path, names)

        self._run_reported(query.connection_name, tr("Geo Engine: metadata of {layer}").format(layer=layer.name()),
                           lambda session, _context: download_metadata_zip(session, query.workflow_id, path), saved)

    def save_result_as_dataset(self):
        """Open the "Save result as dataset" dialog for the current Geo Engine raster layer; returns it."""
        from .ui.save_dataset_dialog import SaveDatasetDialog
        from .ui.widgets import keep_open

        selected = self._require_layer("raster")
        if selected is None:
            return None
        layer, query = selected
        return keep_open(self._dialogs, SaveDatasetDialog(query, layer.name(), self.with_session, self.tasks,
                                                          self.add_dataset_to_map, self.iface.mainWindow()))

    # --- adding a saved dataset ---------------------------------------------------------------------
    def add_dataset_to_map(self, connection: str, dataset_name: str, query: LayerQuery, on_done=None) -> None:
        """Register a GdalSource workflow of ``dataset_name`` and load it for ``query``'s extent and time."""
        from .core.workflow import register_workflow
        from .qgis_glue.dataset_export import gdal_source_workflow
        from .qgis_glue.layers import LayerRequest

        def registered(result) -> None:
            session, workflow_id = result
            request = LayerRequest(workflow_id, QgsRectangle(*query.bounds), QgsCoordinateReferenceSystem(query.srs),
                                   query.time_start, query.time_end or None, name=dataset_name,
                                   connection_name=connection)
            self.layer_loader().load(session, request, on_done)

        def register(session, _context):
            return session, str(register_workflow(gdal_source_workflow(dataset_name), session=session).workflow_id)

        self._run_reported(connection, tr("Geo Engine: register {dataset_name}").format(
            dataset_name=dataset_name), register, registered)

    # --- helpers ------------------------------------------------------------------------------------
    def _run_reported(self, connection: str, description: str, work, on_success) -> None:
        """Run ``work(session, context)``; failures go to the message bar as one sentence (login failures only
        once: ``with_session`` reports those itself)."""
        def failed(exc: BaseException) -> None:
            report = describe_error(exc)
            self.notifier.error(f"{description}: {report.summary}", details=report.details)

        run_with_session(self.with_session, self.tasks, connection, description, work, on_success, failed,
                         on_session_error=lambda _exc: None)

"""Geo Engine layers in QGIS project files: kept on save, restored on open, nothing secret written.

What a project holds of a Geo Engine layer: its data source, style and the ``geoengine/...`` custom properties
(workflow id, connection NAME, server URL, extent, CRS, time, bands). Never a token or password: WMS URIs
carry no token (the plugin's request preprocessor adds the Bearer header), and connections keep only an Auth
Manager config id in the user's QGIS settings, not in the project.

Saving (``QgsProject.writeProject``, emitted BEFORE the layers are written) with the project option
"keep downloaded files" on (:func:`keep_files`, the default):

* streamed GeoTIFFs (in the plugin's temporary folder, which is removed on unload) are copied into
  ``<project name>_geoengine/`` next to the project file and the layers switched to the copies;
* memory vector layers (QGIS saves only their fields) are written to GeoPackages there and switched to them;
  big point layers (FlatGeobuf files in the temporary folder, :mod:`.point_files`) are copied there.

The project then opens offline, without the plugin. With the option off nothing is copied, and a point file
layer is written into the project as an empty memory layer (its file goes with the temporary folder).

Opening (``QgsProject.readProject``), for every layer with a ``geoengine/workflow_id``:

* GeoTIFF layer whose file is missing (invalid layer): re-fetched for its stored extent, CRS, bands and time
  (slice) in a background task through the loader's :func:`~.layers.fetch`, then the layer is pointed at the
  new file (QGIS restores the style it read from the project);
* memory vector layer (empty after reading): re-fetched the same way, built in the worker, and filled, or
  pointed at the FlatGeobuf file the worker wrote for a big point result;
* WMS layer: a session is opened for its connection (credentials come from the Auth Manager only) so QGIS's
  requests carry its token, then the layer is pointed at its WMS address again.

No "Handle Unavailable Layers" dialog for layers the plugin restores itself. QGIS offers to remove every layer
that is invalid right after it was read (``QgsProject::addLayer``: ``readLayerXml`` then ``isValid``, the broken
ones go to the project's bad-layer handler, which QGIS desktop makes a dialog). A missing download reads as a
1-pixel placeholder GeoTIFF (:func:`install_placeholders`); a plugin WMS layer is WRITTEN as that placeholder
(:meth:`ProjectState._write_layer`, its WMS address kept in ``geoengine/wms_source``) because QGIS's WMS provider
asks the server for its capabilities while it reads the layer, and that needs a session the plugin does not have
yet (or a server that is up). Other layers still reach QGIS's dialog.

While that runs the layer carries ``geoengine/restore = pending``; a failure leaves it as it is, with
``geoengine/restore = failed: <reason>`` and a message.
"""

from __future__ import annotations

import shutil
from collections import defaultdict
from pathlib import Path
from typing import Callable, Dict, List, Optional

from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransformContext,
    QgsDataProvider,
    QgsMapLayer,
    QgsMemoryProviderUtils,
    QgsPathResolver,
    QgsProject,
    QgsRasterLayer,
    QgsRectangle,
    QgsVectorFileWriter,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import QObject, pyqtSignal

from ..core.errors import MalformedResponseError
from ..core.geotiff_archive import archive_copy
from .enums import WRITER_NO_ERROR
from .errors import describe_error
from .i18n import tr
from .layer_sources import swap_raster_source, swap_vector_source, swap_wms_source
from .messages import Notifier, log
from .query import PROPERTY_PREFIX, LayerQuery
from .raster_resolution import from_query as resolution_of
from .tasks import TaskRunner
from .tempfiles import PluginTempDir, safe_stem
from .temporal import SLICE_KEY, SessionFor, parse_range

SCOPE, KEEP_KEY = "GeoEngine", "/keep_downloaded_files"
RESTORE_KEY = PROPERTY_PREFIX + "restore"
PENDING = "pending"
FOLDER_SUFFIX = "_geoengine"
PLACEHOLDER = "geoengine-placeholder.tif"
WMS_SOURCE_KEY = PROPERTY_PREFIX + "wms_source"  # the WMS address of a layer written as a placeholder


def keep_files(project: QgsProject) -> bool:
    """The project's "keep downloaded files with the project" option (default: on)."""
    value, found = project.readBoolEntry(SCOPE, KEEP_KEY, True)
    return bool(value) if found else True


def set_keep_files(project: QgsProject, keep: bool) -> None:
    project.writeEntryBool(SCOPE, KEEP_KEY, bool(keep))


def in_project_storage(project: QgsProject) -> bool:
    """Whether the project lives in a project storage (GeoPackage, PostgreSQL...), not in a file of its own."""
    return bool(project.fileName()) and (project.projectStorage() is not None or not project.absolutePath())


def storage_folder(project: QgsProject) -> Optional[Path]:
    """``<project dir>/<project name>_geoengine`` (``None`` while the project has no file name, and for projects
    in a project storage: their "file name" is a URI such as ``geopackage:/data/p.gpkg?projectName=demo``)."""
    name = project.fileName()
    if not name or in_project_storage(project):
        return None
    path = Path(name)
    return path.with_name(path.stem + FOLDER_SUFFIX)


def is_placeholder(path: str) -> bool:
    return Path(path).name == PLACEHOLDER


def install_placeholders(folder: Path) -> Optional[str]:
    """While a project is read, a missing download of the plugin (``geoengine-qgis-*/...tif``) reads as a
    1-pixel placeholder GeoTIFF, so QGIS does not offer to remove the layer ("Handle Unavailable Layers") that
    :meth:`ProjectState.restore_layers` fetches again a moment later. Returns the preprocessor id."""
    from osgeo import gdal

    placeholder = Path(folder) / PLACEHOLDER
    try:
        if not placeholder.is_file():
            placeholder.parent.mkdir(parents=True, exist_ok=True)
            dataset = gdal.GetDriverByName("GTiff").Create(str(placeholder), 1, 1, 1, gdal.GDT_Byte)
            dataset.SetGeoTransform((0.0, 1e-6, 0.0, 0.0, 0.0, -1e-6))
            dataset.SetProjection('GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563]],'
                                  'PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433],AUTHORITY["EPSG","4326"]]')
            dataset.GetRasterBand(1).SetNoDataValue(0)
            dataset = None
    except (OSError, RuntimeError) as exc:
        log(f"No placeholder for missing Geo Engine downloads: {exc}")
        return None

    def preprocess(path: str) -> str:
        if Path(path).name == PLACEHOLDER:  # a plugin WMS layer as written by ProjectState._write_layer
            return str(placeholder)
        if "geoengine-qgis-" in path and path.lower().endswith((".tif", ".tiff")) and not Path(path).exists():
            return str(placeholder)
        return path

    return QgsPathResolver.setPathPreprocessor(preprocess)


def wms_source(layer: QgsMapLayer) -> str:
    """The WMS address of a plugin WMS layer (its source, or the stored one while it is a placeholder); ""
    for other layers."""
    query = LayerQuery.from_layer(layer)
    if query is None or not isinstance(layer, QgsRasterLayer) or query.mode != "wms":
        return ""
    if layer.providerType() == "wms":
        return layer.source()
    if not is_placeholder(layer.source()):  # e.g. a file that carries a WMS layer's properties: written as is
        return ""
    return str(layer.customProperty(WMS_SOURCE_KEY) or "")


def _set_text(element, tag: str, text: str) -> None:
    """Replace the text of ``element``'s child ``tag`` (a QDomElement)."""
    child = element.firstChildElement(tag)
    if child.isNull():
        return
    while child.hasChildNodes():
        child.removeChild(child.firstChild())
    child.appendChild(element.ownerDocument().createTextNode(text))


def memory_uri_of(layer: QgsVectorLayer) -> str:
    """The memory-provider URI of an empty layer with ``layer``'s geometry type, CRS and fields."""
    empty = QgsMemoryProviderUtils.createMemoryLayer(layer.name(), layer.fields(), layer.wkbType(), layer.crs())
    return empty.source()


def geoengine_layers(project: QgsProject) -> List[QgsMapLayer]:
    return [layer for layer in project.mapLayers().values() if LayerQuery.from_layer(layer) is not None]


def _inside(path: Path, folder: Path) -> bool:
    try:
        return folder.resolve() in path.resolve().parents
    except OSError:
        return False


class ProjectState(QObject):
    """Keeps Geo Engine layers on save and restores them on open (see the module docstring)."""

    restored = pyqtSignal(str)  # layer id  # noqa: N815 - Qt naming
    restoreFailed = pyqtSignal(str, str)  # layer id, reason  # noqa: N815

    def __init__(self, runner: TaskRunner, tempdir: PluginTempDir, notifier: Notifier, session_for: SessionFor,
                 project: Optional[QgsProject] = None, after_restore: Optional[Callable[[QgsMapLayer], None]] = None
                 ) -> None:
        super().__init__()
        self._runner = runner
        self._tempdir = tempdir
        self._notifier = notifier
        self._session_for = session_for
        self._project = project or QgsProject.instance()
        self._after_restore = after_restore
        self.pending: Dict[str, str] = {}  # layer id -> what is being done
        self._told_storage: set = set()  # project URIs whose storage message was shown
        self.fetch_count = 0
        self._project.writeProject.connect(self._before_write)
        self._project.writeMapLayer.connect(self._write_layer)
        self._project.readProject.connect(self._after_read)
        self._placeholder = Path(tempdir.base) / PLACEHOLDER
        self._preprocessor_id = install_placeholders(tempdir.base)

    def stop(self) -> None:
        if self._preprocessor_id is not None:
            QgsPathResolver.removePathPreprocessor(self._preprocessor_id)
            self._preprocessor_id = None
        for signal, slot in ((self._project.writeProject, self._before_write),
                             (self._project.writeMapLayer, self._write_layer),
                             (self._project.readProject, self._after_read)):
            try:
                signal.disconnect(slot)
            except (TypeError, RuntimeError):
                pass

    # --- saving ------------------------------------------------------------------------------------------
    def _before_write(self, _document=None) -> None:
        """Slot of ``writeProject``: never raises into QGIS (a failure is reported, the save goes on)."""
        try:
            for layer in geoengine_layers(self._project):  # before QGIS writes the layers: the WMS address goes
                source = wms_source(layer)  # with the custom properties (the file holds the placeholder)
                if source:
                    layer.setCustomProperty(WMS_SOURCE_KEY, source)
            self.keep_with_project()
        except Exception as exc:  # noqa: BLE001
            report = describe_error(exc)
            self._notifier.error(tr("Geo Engine layers were not stored with the project: {summary}").format(
                summary=report.summary),
                                 details=report.details)

    def _write_layer(self, layer: QgsMapLayer, element, _document=None) -> None:
        """Slot of ``writeMapLayer`` (after QGIS wrote the layer's element): a plugin WMS layer goes into the file
        as the placeholder GeoTIFF, so reading the project never asks its server; a point file layer still in the
        plugin's temporary folder (files not kept) as an empty memory layer with its fields, which opening the
        project fetches again like any memory layer (see the module docstring)."""
        try:
            source = wms_source(layer)
            if source and not element.isNull():
                _set_text(element, "provider", "gdal")
                _set_text(element, "datasource", PLACEHOLDER)
            elif not element.isNull() and self._temporary_vector_file(layer):
                _set_text(element, "provider", "memory")
                _set_text(element, "datasource", memory_uri_of(layer))
        except Exception as exc:  # noqa: BLE001 - a slot must not raise into QGIS; the layer is written as it is
            log(f"Geo Engine layer {layer.name()!r} written as is: {type(exc).__name__}: {exc}")

    def _temporary_vector_file(self, layer: QgsMapLayer) -> bool:
        """A plugin vector layer that reads a file of the plugin's temporary folder (removed on unload)."""
        if not isinstance(layer, QgsVectorLayer) or layer.providerType() != "ogr":
            return False
        if LayerQuery.from_layer(layer) is None:
            return False
        return _inside(Path(layer.source().split("|", 1)[0]), Path(self._tempdir.base))

    def keep_with_project(self) -> List[Path]:
        """Copy downloaded files next to the project and switch the layers to them; returns the files written."""
        if not keep_files(self._project):
            return []
        if in_project_storage(self._project):
            self._tell_storage_once()
            return []
        folder = storage_folder(self._project)
        if folder is None:
            return []
        written: List[Path] = []
        for layer in geoengine_layers(self._project):
            if not layer.isValid() or layer.id() in self.pending or is_placeholder(layer.source()):
                continue  # a placeholder stays one: the next open fetches the layer again
            try:
                if isinstance(layer, QgsRasterLayer) and layer.providerType() == "gdal":
                    written += self._keep_raster(layer, folder)
                elif isinstance(layer, QgsVectorLayer) and layer.providerType() in ("memory", "ogr"):
                    if layer.isEditable():  # switching the source would drop unsaved edits
                        self._notifier.warning(tr("Layer {layer} is being edited: save or discard the edits, then "
                                                  "save the project again to keep its features.").format(
                            layer=repr(layer.name())))
                        continue
                    written += self._keep_vector(layer, folder)
            except Exception as exc:  # noqa: BLE001 - one layer's failure must not stop the others
                report = describe_error(exc)
                self._notifier.warning(tr("Layer {layer} not stored with the project: {summary}").format(
                    layer=repr(layer.name()), summary=report.summary),
                                       details=report.details)
        return written

    def _keep_raster(self, layer: QgsRasterLayer, folder: Path) -> List[Path]:
        source = Path(layer.source())
        if not source.is_file() or _inside(source, folder):
            return []
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"{safe_stem(layer.name())}-{layer.id()[-8:]}{source.suffix}"
        archive_copy(source, target)  # recompressed harder than the temporary file (kept for long)
        swap_raster_source(layer, target, self._project)
        return [target]

    def _tell_storage_once(self) -> None:
        name = self._project.fileName()
        if name in self._told_storage:
            return
        self._told_storage.add(name)
        self._notifier.warning(
            tr("This project is stored in a database or GeoPackage, so Geo Engine's downloaded files are not copied "
            "next to it: its Geo Engine layers are fetched again from the server when the project is opened, and "
            "edits to Geo Engine vector layers are not kept. Save the project as a .qgz file to keep the data "
            "with it."))

    def _keep_vector(self, layer: QgsVectorLayer, folder: Path) -> List[Path]:
        if layer.providerType() == "ogr":  # kept before, e.g. next to the project this one was saved from
            source = Path(layer.source().split("|", 1)[0])
            if not source.is_file() or _inside(source, folder):
                return []
            folder.mkdir(parents=True, exist_ok=True)
            target = folder / f"{safe_stem(layer.name())}-{layer.id()[-8:]}{source.suffix}"
            shutil.copyfile(source, target)
            rest = layer.source()[len(layer.source().split("|", 1)[0]):]
            swap_vector_source(layer, f"{target}{rest}", "ogr", self._project)
            return [target]
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"{safe_stem(layer.name())}-{layer.id()[-8:]}.gpkg"
        options = QgsVectorFileWriter.SaveVectorOptions()
        options.driverName = "GPKG"
        options.layerName = safe_stem(layer.name())
        options.fileEncoding = "UTF-8"
        write = getattr(QgsVectorFileWriter, "writeAsVectorFormatV3", None) or \
            QgsVectorFileWriter.writeAsVectorFormatV2  # V3 since QGIS 3.20
        result = write(layer, str(target), self._project.transformContext(), options)
        error, message = result[0], result[1] if len(result) > 1 else ""
        if error != WRITER_NO_ERROR:
            raise OSError(f"could not write {target.name}: {message}")
        swap_vector_source(layer, f"{target}|layername={options.layerName}", "ogr", self._project)
        return [target]

    # --- opening -----------------------------------------------------------------------------------------
    def _after_read(self, _document=None) -> None:
        try:
            self.restore_layers()
        except Exception as exc:  # noqa: BLE001 - a slot must not raise into QGIS
            report = describe_error(exc)
            self._notifier.error(tr("Geo Engine layers were not restored: {summary}").format(
                summary=report.summary), details=report.details)

    def restore_layers(self) -> List[str]:
        """Start restoring every Geo Engine layer that needs it; returns their ids."""
        by_connection: Dict[str, List[QgsMapLayer]] = defaultdict(list)
        for layer in geoengine_layers(self._project):
            action = self.needs(layer)
            if action:
                self.pending[layer.id()] = action
                layer.setCustomProperty(RESTORE_KEY, PENDING)
                by_connection[LayerQuery.from_layer(layer).connection_name].append(layer)
        for layers in by_connection.values():
            self._restore(layers)
        if self.pending:
            self._notifier.info(tr("Restoring {count} Geo Engine layer(s) in the background.").format(
                count=len(self.pending)))
        return list(self.pending)

    @staticmethod
    def needs(layer: QgsMapLayer) -> str:
        """What a layer read from a project needs: "refetch", "reconnect" or "" (nothing)."""
        query = LayerQuery.from_layer(layer)
        if query is None:
            return ""
        if isinstance(layer, QgsVectorLayer) and layer.providerType() == "memory":
            return "refetch"
        if isinstance(layer, QgsRasterLayer) and (query.mode == "wms" or layer.providerType() == "wms"):
            return "reconnect"  # valid or not (QGIS may answer GetCapabilities from its cache): GetMap needs a token
        if isinstance(layer, QgsRasterLayer) and query.kind == "raster" and (
                not layer.isValid() or is_placeholder(layer.source())):
            return "refetch"
        return ""

    def _restore(self, layers: List[QgsMapLayer]) -> None:
        """One session for the layers of one connection, then one task per layer."""
        query = LayerQuery.from_layer(layers[0])

        def ready(session) -> None:
            for layer in layers:
                if self.pending.get(layer.id()) == "reconnect":
                    self._reconnect(layer)
                else:
                    self._refetch(session, layer)

        def failed(exc: BaseException) -> None:
            for layer in layers:
                self._failed(layer, exc)

        self._session_for(query, ready, failed)

    def _reconnect(self, layer: QgsRasterLayer) -> None:
        """The session exists now (its token goes with QGIS's requests): reopen the layer if it failed, redraw."""
        if layer.providerType() != "wms":  # read as the placeholder: back to its WMS address
            self._reopen_wms(layer)
            return
        if not layer.isValid():
            options = QgsDataProvider.ProviderOptions()
            options.transformContext = self._project.transformContext()
            layer.setDataSource(layer.source(), layer.name(), layer.providerType() or "wms", options)
        if layer.isValid():
            layer.triggerRepaint()
            self._done(layer)
        else:
            error = layer.error().summary() if layer.error() else "the server refused the layer"
            self._failed(layer, RuntimeError(error))

    def _reopen_wms(self, layer: QgsRasterLayer) -> None:
        """Point a placeholder at its stored WMS address; if QGIS cannot open it (server down), the placeholder
        stays (a valid, empty layer marked ``failed``) so the next save and open keep the address."""
        source = str(layer.customProperty(WMS_SOURCE_KEY) or "")
        if not source:
            self._failed(layer, RuntimeError("the project holds no WMS address for this layer"))
            return
        try:
            swap_wms_source(layer, source, self._project)
        except MalformedResponseError:
            options = QgsDataProvider.ProviderOptions()
            options.transformContext = self._project.transformContext()
            layer.setDataSource(str(self._placeholder), layer.name(), "gdal", options)
            self._failed(layer, MalformedResponseError(
                "QGIS could not open the WMS layer: the server refused or did not answer its capabilities request "
                "(the WMS tab of the log has the reason). Open the project again to retry.", url=source))
            return
        self._done(layer)

    def _refetch(self, session, layer: QgsMapLayer) -> None:
        from .layers import LayerOptions, LayerRequest, fetch

        query = LayerQuery.from_layer(layer)
        start, end = query.time_start, query.time_end
        piece = parse_range(str(layer.customProperty(SLICE_KEY) or ""))
        if piece is not None:  # one slice of a series: fetch just that slice
            start, end = str(layer.customProperty(SLICE_KEY)).split("/")[0], None
        request = LayerRequest(query.workflow_id, QgsRectangle(*query.bounds), QgsCoordinateReferenceSystem(query.srs),
                               start, end, tuple(query.bands), layer.name(), query.connection_name,
                               LayerOptions(add_to_project=False), resolution=resolution_of(query))
        transform_context = QgsCoordinateTransformContext(self._project.transformContext())
        layer_id = layer.id()
        self.fetch_count += 1

        def work(context):  # a vector layer is built in the worker (a big point result as a file): no freeze
            return fetch(session, request, self._tempdir, context, transform_context,
                         in_worker=isinstance(layer, QgsVectorLayer))

        def fetched(result) -> None:
            current = self._project.mapLayer(layer_id)
            if current is None:  # removed (or the project closed) meanwhile
                self.pending.pop(layer_id, None)
                return
            try:
                self._apply(current, result, piece)
            except Exception as exc:  # noqa: BLE001 - reported per layer
                self._failed(current, exc)
                return
            self._done(current)

        def failed(exc: BaseException) -> None:
            current = self._project.mapLayer(layer_id)
            if current is not None:
                self._failed(current, exc)
            else:
                self.pending.pop(layer_id, None)

        self._runner.submit(tr("Geo Engine: restore {layer}").format(
            layer=layer.name()), work, on_success=fetched, on_error=failed,
                            notify_errors=False)

    def _apply(self, layer: QgsMapLayer, fetched, piece) -> None:
        if isinstance(layer, QgsVectorLayer):
            from .point_files import FILE_MODE
            from .vector_layers import append_batches

            built = fetched.layer  # made in the worker: a FlatGeobuf file layer or a filled memory layer
            if built is not None and built.providerType() == "ogr":
                swap_vector_source(layer, built.source(), "ogr", self._project)  # style and time settings stay
                layer.setCustomProperty(PROPERTY_PREFIX + "mode", FILE_MODE)
                return
            provider = layer.dataProvider()
            provider.truncate()
            append_batches(layer, [list(built.getFeatures())] if built is not None else fetched.batches)
            layer.triggerRepaint()
            return
        if not fetched.slices:
            raise RuntimeError("the workflow returned no raster data for the stored extent and time")
        chosen = fetched.slices[0]
        if piece is not None:
            from .query import iso

            chosen = next((s for s in fetched.slices if s.time_start == iso(piece[0])), chosen)
        swap_raster_source(layer, chosen.path, self._project, keep_renderer=layer.isValid())

    def _done(self, layer: QgsMapLayer) -> None:
        self.pending.pop(layer.id(), None)
        layer.removeCustomProperty(RESTORE_KEY)
        if self._after_restore is not None:
            self._after_restore(layer)
        self.restored.emit(layer.id())

    def _failed(self, layer: QgsMapLayer, exc: BaseException) -> None:
        self.pending.pop(layer.id(), None)
        report = describe_error(exc)
        layer.setCustomProperty(RESTORE_KEY, f"failed: {report.summary}")
        self._notifier.warning(tr("Geo Engine layer {layer} could not be restored: {summary}").format(
            layer=repr(layer.name()), summary=report.summary),
                               details=report.details)
        log(f"Restoring {layer.name()!r} failed: {report.details}")
        self.restoreFailed.emit(layer.id(), report.summary)

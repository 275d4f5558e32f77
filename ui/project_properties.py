"""A "Geo Engine" page in Project > Properties: keep downloaded files with the project, or fetch them again.

The choice is a project setting (:func:`~..qgis_glue.project_state.keep_files`), saved in the project file;
see :mod:`..qgis_glue.project_state` for what happens on save and on open.
"""

from __future__ import annotations

from typing import Optional

from qgis.core import QgsProject
from qgis.gui import QgsOptionsPageWidget, QgsOptionsWidgetFactory
from qgis.PyQt.QtWidgets import QCheckBox, QLabel, QVBoxLayout

from ..qgis_glue.i18n import tr
from ..qgis_glue.project_state import FOLDER_SUFFIX, geoengine_layers, keep_files, set_keep_files
from .icons import icon

TITLE = "Geo Engine"


class GeoEngineProjectPage(QgsOptionsPageWidget):
    """The page: one check box and what it means for this project."""

    def __init__(self, project: Optional[QgsProject] = None, parent=None) -> None:
        super().__init__(parent)
        self._project = project or QgsProject.instance()
        self.setObjectName("GeoEngineProjectPage")
        self.keep = QCheckBox(tr("Keep downloaded Geo Engine data with the project"))
        self.keep.setObjectName("GeoEngineKeepFiles")
        self.keep.setChecked(keep_files(self._project))
        folder = f"{self._project.baseName() or '<project name>'}{FOLDER_SUFFIX}"
        count = len(geoengine_layers(self._project))
        self.explanation = QLabel(
            tr("On: when the project is saved, streamed rasters and vector results of its {count} Geo Engine "
               "layer(s) are copied into the folder “{folder}” next to the project file, so it opens offline.\n"
               "Off: nothing is copied; when the project is opened, the plugin fetches them again from the server "
               "for their saved extent and time (live WMS layers always reconnect). Credentials are never saved "
               "in the project either way.").format(count=count, folder=folder))
        self.explanation.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.keep)
        layout.addWidget(self.explanation)
        layout.addStretch(1)

    def apply(self) -> None:  # called by QGIS when the user presses OK/Apply
        set_keep_files(self._project, self.keep.isChecked())


class GeoEngineProjectPageFactory(QgsOptionsWidgetFactory):
    """Registered with ``iface.registerProjectPropertiesWidgetFactory`` (QGIS 3.16+)."""

    def __init__(self) -> None:
        super().__init__(TITLE, icon("icon.svg"))

    def createWidget(self, parent=None) -> GeoEngineProjectPage:  # noqa: N802 - QGIS API name
        return GeoEngineProjectPage(QgsProject.instance(), parent)

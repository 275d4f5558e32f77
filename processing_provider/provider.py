"""The "Geo Engine" Processing provider (id ``geoengine``): one algorithm per module of this package."""

from __future__ import annotations

from qgis.core import QgsProcessingProvider
from qgis.PyQt.QtGui import QIcon

from .base import ICON
from .load_raster import LoadWorkflowRaster
from .load_vector import LoadWorkflowVector
from .provenance import GetProvenance
from .register_workflow import RegisterWorkflow
from .run_plot import RunPlotWorkflow
from .save_dataset import SaveAsDataset

PROVIDER_ID = "geoengine"
ALGORITHMS = (LoadWorkflowRaster, LoadWorkflowVector, RegisterWorkflow, RunPlotWorkflow, SaveAsDataset,
              GetProvenance)


class GeoEngineProvider(QgsProcessingProvider):
    """Algorithms for Geo Engine workflows (load raster/vector, register, plot, save as dataset, provenance)."""

    def id(self) -> str:
        return PROVIDER_ID

    def name(self) -> str:
        return "Geo Engine"

    def longName(self) -> str:  # noqa: N802 - QGIS API name
        return "Geo Engine workflows"

    def icon(self) -> QIcon:
        return QIcon(str(ICON))

    def loadAlgorithms(self) -> None:  # noqa: N802
        for algorithm in ALGORITHMS:
            self.addAlgorithm(algorithm())

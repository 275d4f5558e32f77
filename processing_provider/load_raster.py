"""geoengine:loadworkflowraster - a raster workflow's result as a GeoTIFF (one time slice; optionally all of them).

The data comes from the loader's :func:`~..qgis_glue.layers.fetch` (the "Add workflow layer" dialog's code
path: the stream is written into GeoTIFFs, one per time slice). The slice chosen by TIME_SLICE is copied to
OUTPUT (converted by GDAL when OUTPUT is not a GeoTIFF); with SLICES_FOLDER every slice is copied there too.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any, Dict, List, Tuple

from osgeo import gdal
from qgis.core import (
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingFeedback,
    QgsProcessingOutputNumber,
    QgsProcessingOutputString,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFolderDestination,
    QgsProcessingParameterNumber,
    QgsProcessingParameterRasterDestination,
    QgsProcessingParameterString,
    QgsProcessingUtils,
    QgsRasterFileWriter,
)

from ..core.errors import InputError
from ..qgis_glue.i18n import QT_TR_NOOP, tr
from ..qgis_glue.tempfiles import PluginTempDir
from .base import CONNECTION_HELP, EXAMPLE_ID_HELP, QUERY_HELP, GeoEngineAlgorithm
from .compat import DOUBLE, INTEGER
from .output_style import for_raster_output
from .runtime import FeedbackContext
from .streams import streamed_fetch

GEOTIFF_SUFFIXES = (".tif", ".tiff")


def parse_bands(text: str, band_names: List[str]) -> Tuple[int, ...]:
    """``"0,2"`` or band names (``"ndvi"``) -> 0-based indices; empty -> every band."""
    bands = []
    for item in (part.strip() for part in (text or "").split(",")):
        if not item:
            continue
        if item.isdigit():
            bands.append(int(item))
        elif item in band_names:
            bands.append(band_names.index(item))
        else:
            raise InputError(f"band {item!r} is neither a 0-based index nor one of the workflow's bands "
                             f"{band_names}", field="bands")
    return tuple(bands)


def write_raster(source: Path, target: str) -> None:
    """Copy a streamed GeoTIFF to ``target``; other formats (by extension) are written by GDAL."""
    Path(target).parent.mkdir(parents=True, exist_ok=True)
    if Path(target).suffix.lower() in GEOTIFF_SUFFIXES:
        shutil.copyfile(source, target)
        return
    driver = QgsRasterFileWriter.driverForExtension(Path(target).suffix.lstrip("."))
    if not driver:
        raise InputError(f"no raster format for the file extension of {target!r}", field="output")
    result = gdal.Translate(target, str(source), format=driver)
    if result is None:
        raise InputError(f"GDAL could not write {target!r} as {driver}: {gdal.GetLastErrorMsg()}", field="output")
    result = None


class LoadWorkflowRaster(GeoEngineAlgorithm):
    ALGORITHM_ID = "loadworkflowraster"
    DISPLAY_NAME = QT_TR_NOOP("Load workflow raster")
    BANDS, TIME_SLICE, OUTPUT, SLICES_FOLDER = "BANDS", "TIME_SLICE", "OUTPUT", "SLICES_FOLDER"
    RESOLUTION, PIXEL_SIZE = "RESOLUTION", "PIXEL_SIZE"
    RESOLUTION_MODES = ((QT_TR_NOOP("Auto (native if small)"), "auto"), (QT_TR_NOOP("Native"), "native"),
                        (QT_TR_NOOP("Pixel size"), "custom"))
    HELP = (  # translated piece by piece (see base.shortHelpString)
        QT_TR_NOOP("Streams a raster workflow's result for an extent and time into a GeoTIFF, exactly as the "
                   "<i>Add workflow layer</i> dialog does.<br>"),
        CONNECTION_HELP,
        "<br>",
        QUERY_HELP,
        "<br>",
        QT_TR_NOOP("<b>Bands</b>: comma-separated 0-based indices or band names (empty: all bands).<br><b>Time "
                   "slice</b>: a time range can return several slices (e.g. one per month); OUTPUT gets slice "
                   "number <i>Time slice</i> (0 = the first) and <b>Folder for all slices</b>, when set, gets one "
                   "GeoTIFF per slice. The outputs SLICE_COUNT, SLICE_START and SLICE_END describe what came "
                   "back.<br><b>Resolution</b>: <i>Auto</i> loads at the native resolution while the download is "
                   "small, else at about 1920 pixels across; <i>Pixel size</i> uses the <b>Pixel size</b> "
                   "parameter (in the workflow's CRS units, rounded to whole native pixels).<br>"),
        QT_TR_NOOP("Example (command line):"),
        "<br><code>qgis_process.bin run geoengine:loadworkflowraster -- "
        "CONNECTION=http://127.0.0.1:3030/api WORKFLOW=1e415c9c-55f3-51a2-b50b-b5053d1debbb "
        "EXTENT=\"-20,53,-36,38 [EPSG:4326]\" TIME_START=2014-04-01T00:00:00Z OUTPUT=/tmp/ndvi.tif</code><br>",
        EXAMPLE_ID_HELP,
    )

    def define(self, config: Dict[str, Any]) -> None:
        self.add_workflow_parameter()
        self.add_query_parameters()
        self.addParameter(QgsProcessingParameterString(
            self.BANDS, tr("Bands (indices or names)"), optional=True))
        self.addParameter(QgsProcessingParameterNumber(
            self.TIME_SLICE, tr("Time slice for the output (0 = first)"), INTEGER,
            defaultValue=0, minValue=0))
        self.addParameter(QgsProcessingParameterEnum(
            self.RESOLUTION, tr("Resolution"), options=[tr(label) for label, _mode in self.RESOLUTION_MODES],
            defaultValue=0, optional=True))
        self.addParameter(QgsProcessingParameterNumber(
            self.PIXEL_SIZE, tr("Pixel size (CRS units)"), DOUBLE,
            optional=True, minValue=0.0))
        self.addParameter(QgsProcessingParameterRasterDestination(self.OUTPUT, tr("Raster")))
        self.addParameter(QgsProcessingParameterFolderDestination(
            self.SLICES_FOLDER, tr("Folder for all slices"), optional=True, createByDefault=False))
        self.addOutput(QgsProcessingOutputNumber("SLICE_COUNT", "Number of time slices returned"))
        self.addOutput(QgsProcessingOutputString("SLICE_START", "Start of the written slice"))
        self.addOutput(QgsProcessingOutputString("SLICE_END", "End of the written slice"))

    def resolution(self, parameters: Dict[str, Any], context: QgsProcessingContext):
        """The Resolution/Pixel size parameters as a ResolutionRequest (a pixel size must be given for it)."""
        from ..qgis_glue.raster_resolution import ResolutionRequest

        mode = self.RESOLUTION_MODES[self.parameterAsEnum(parameters, self.RESOLUTION, context)][1]
        if mode != "custom":
            return ResolutionRequest(mode)
        size = self.parameterAsDouble(parameters, self.PIXEL_SIZE, context)
        if not size or size <= 0:
            raise QgsProcessingException("Resolution = Pixel size needs a positive Pixel size")
        return ResolutionRequest(mode, pixel_size=(size, size))

    def work(self, session, parameters: Dict[str, Any], context: QgsProcessingContext,
            feedback: QgsProcessingFeedback, progress: FeedbackContext) -> Dict[str, Any]:
        workflow, descriptor, rectangle, crs, start, end = self.query(session, parameters, context, "raster")
        bands = parse_bands(self.parameterAsString(parameters, self.BANDS, context),
                            [band.name for band in descriptor.bands])
        index = self.parameterAsInt(parameters, self.TIME_SLICE, context)
        output = self.parameterAsOutputLayer(parameters, self.OUTPUT, context)
        folder = self.parameterAsString(parameters, self.SLICES_FOLDER, context)
        feedback.pushInfo(f"Querying {workflow.workflow_id} for {start}{'/' + end if end else ''}")
        tempdir = PluginTempDir(QgsProcessingUtils.tempFolder())
        try:
            fetched = streamed_fetch(session, str(workflow.workflow_id), rectangle, crs, (start, end),
                                     self.connection_name, feedback, (0, 95), context.transformContext(), tempdir,
                                     bands, self.resolution(parameters, context))
            progress.check_canceled()
            slices = fetched.slices
            if index >= len(slices):
                raise QgsProcessingException(
                    f"Time slice {index} was asked for, but the query returned {len(slices)} slice(s) "
                    f"({', '.join(s.label for s in slices)}).")
            chosen = slices[index]
            write_raster(chosen.path, output)
            if folder:
                Path(folder).mkdir(parents=True, exist_ok=True)
                for raster_slice in slices:
                    shutil.copyfile(raster_slice.path, Path(folder) / raster_slice.path.name)
        finally:
            tempdir.cleanup()
        if Path(output).suffix.lower() in GEOTIFF_SUFFIXES:
            self.style_when_loaded(output, for_raster_output(fetched, Path(output), chosen))
        feedback.setProgress(100)
        feedback.pushInfo(f"{len(slices)} time slice(s); wrote {chosen.time_start}/{chosen.time_end} to {output}")
        results: Dict[str, Any] = {self.OUTPUT: output, "SLICE_COUNT": len(slices),
                                   "SLICE_START": chosen.time_start, "SLICE_END": chosen.time_end}
        if folder:
            results[self.SLICES_FOLDER] = folder
        return results

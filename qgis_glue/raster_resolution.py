"""The resolution a streamed raster layer is loaded at (worker thread): decide it, and register the resampling
workflow when it is not the native one (see :mod:`..core.resolution`).

The layer keeps the *original* workflow id in its query; the resolution goes into its name, its custom property
``geoengine/resolution`` (``native`` or ``mode:x,y``) and its metadata, so a reload or another time step asks
for the same resolution.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional, Sequence, Tuple

from ..core import resolution as res
from ..core.download_estimate import estimate_download
from ..core.workflow import Workflow, register_workflow

DEFAULT_CANVAS_PX = (1920, 1080)  # ``auto`` without a map canvas (e.g. Processing run from the command line)


@dataclass(frozen=True)
class ResolutionRequest:
    """What the caller asked: ``mode`` (auto | native | canvas | custom), the canvas's size in pixels (its
    extent is the request's extent) and a custom pixel size in the workflow's CRS units."""

    mode: str = res.AUTO
    canvas_px: Optional[Tuple[int, int]] = None
    pixel_size: Optional[Tuple[float, float]] = None


def decide(request: ResolutionRequest, descriptor: Any, bounds: Sequence[float], interval: Any,
           bands: Sequence[int], auto_limit_bytes: int = res.AUTO_LIMIT_BYTES,
           canvas_bounds: Optional[Sequence[float]] = None) -> res.ResolutionChoice:
    """The resolution for a raster load of ``bounds`` (workflow CRS); ``auto`` sizes the native download first.
    ``canvas_bounds``: the request's whole extent in the workflow's CRS (``bounds`` may be cut to the data), the
    area that ``canvas_px`` pixels show."""
    native = res.pixel_size_of(descriptor)
    width, height = request.canvas_px or DEFAULT_CANVAS_PX
    canvas = res.canvas_pixel_size(canvas_bounds or bounds, width, height)
    native_bytes = None
    if request.mode == res.AUTO:
        native_bytes = estimate_download(descriptor, bounds, interval, list(bands), clip_to_data=False).bytes
    return res.choose(request.mode, native, canvas, request.pixel_size, native_bytes, auto_limit_bytes)


def streamed_workflow(workflow: Workflow, choice: res.ResolutionChoice) -> Tuple[Workflow, Any]:
    """(workflow to stream, its descriptor): ``workflow`` itself when native, else its resampling wrapper
    registered on the same server (one ``GET /workflow/{id}`` and one ``POST /workflow``)."""
    if choice.is_native:
        return workflow, workflow.get_result_descriptor()
    wrapped = register_workflow(res.resampled_workflow(workflow.workflow_definition(), choice),
                                session=workflow.session)
    return wrapped, wrapped.get_result_descriptor()


def from_query(query: Any) -> ResolutionRequest:
    """The resolution a layer was loaded at (its query's ``resolution``), to fetch another time step or reload it
    the same way; layers without one were loaded natively."""
    stored = res.from_property(str(getattr(query, "extra", {}).get("resolution", "")))
    if stored is None or stored[1] is None:
        return ResolutionRequest(res.NATIVE)
    return ResolutionRequest(res.CUSTOM, pixel_size=stored[1])


def canvas_pixels(canvas, extent, crs) -> Optional[Tuple[int, int]]:
    """How many canvas pixels ``extent`` covers at the canvas's current scale (its own CRS must be the canvas's;
    otherwise the canvas's whole output size, i.e. the extent shown as large as the canvas)."""
    if canvas is None:
        return None
    settings = canvas.mapSettings()
    size = settings.outputSize()
    per_pixel = canvas.mapUnitsPerPixel()
    if crs == settings.destinationCrs() and per_pixel > 0 and not extent.isEmpty():
        return max(1, round(extent.width() / per_pixel)), max(1, round(extent.height() / per_pixel))
    return (size.width(), size.height()) if size.width() > 0 and size.height() > 0 else None


def describe_resolution(stored: str) -> str:
    """The metadata sentence for a stored ``geoengine/resolution`` (empty for none)."""
    parsed = res.from_property(stored)
    if parsed is None:
        return ""
    mode, size = parsed
    if size is None:
        return "Resolution: native (the workflow's own pixels)."
    return (f"Resolution: {mode}, {size[0]:.6g} x {size[1]:.6g} per pixel (the workflow wrapped in Geo Engine's "
            "Downsampling or Interpolation operator).")

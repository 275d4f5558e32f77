"""The download size the Add-layer dialog shows while extent, time, bands and resolution change: the same bounds,
resolution choice and estimate the loader checks before it fetches (:mod:`..qgis_glue.download_guard`)."""

from __future__ import annotations

from typing import Optional, Sequence

from ..core.descriptors import RasterResultDescriptor
from ..core.download_estimate import estimate_download
from ..core.types import TimeInterval
from ..qgis_glue.download_guard import GuardVerdict, judge
from ..qgis_glue.extent import to_workflow_bounds
from ..qgis_glue.raster_resolution import ResolutionRequest, decide


def preview(descriptor, extent, extent_crs, start: str, end: Optional[str], bands: Sequence[int],
            resolution: Optional[ResolutionRequest] = None, folder=None, context=None) -> GuardVerdict:
    """The guard's verdict for loading ``descriptor`` as the dialog is filled in (main thread, no request).
    Raises :class:`~..core.errors.InputError` (field ``extent``) when the extent misses the data."""
    clip = None
    if isinstance(descriptor, RasterResultDescriptor) and descriptor.spatial_bounds is not None:
        clip = descriptor.spatial_bounds.as_tuple()
    bounds = to_workflow_bounds(extent, extent_crs, descriptor.spatial_reference, context, clip)
    interval = TimeInterval(start, end or start)
    pixel_size = None
    if isinstance(descriptor, RasterResultDescriptor) and resolution is not None:
        choice = decide(resolution, descriptor, bounds, interval, list(bands))
        pixel_size = None if choice.is_native else choice.pixel_size
    estimate = estimate_download(descriptor, bounds, interval, list(bands) or None, clip_to_data=False,
                                 resolution=pixel_size)
    return judge(estimate, folder=folder)

"""``QgsLayerMetadata`` for a workflow layer, from its result descriptor, query and provenance.

identifier = workflow id; title/abstract from the source dataset (or the layer name); spatial extent = the
query's bounds in the workflow's CRS; temporal extent = the query's time; licences and rights (citations)
and links (provenance URIs) from ``/provenance``; a history line says where and when it was loaded.

QGIS's metadata page puts these strings into HTML as they are, so every server string is escaped here and
only http(s) provenance URIs become links.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import List, Optional, Sequence

from qgis.core import (
    QgsAbstractMetadataBase,
    QgsBox3d,
    QgsCoordinateReferenceSystem,
    QgsDateTimeRange,
    QgsLayerMetadata,
)
from qgis.PyQt.QtCore import QDateTime, Qt

from ..core.provenance import Provenance
from .i18n import tr
from .plain_text import escape, safe_link
from .query import LayerQuery, parse_iso


@dataclass(frozen=True)
class SourceInfo:
    """Descriptive facts gathered in the worker: dataset title/description and provenance."""

    title: str = ""
    description: str = ""
    provenance: List[Provenance] = field(default_factory=list)
    symbology: Optional[dict] = None
    symbology_origin: str = ""  # "dataset <name>", "layer", "request" or ""
    workflow_url: str = ""  # the definition's URL (``/workflow/{id}``; 0.10: ``/processingGraphs/{id}``)


def qdatetime(moment: Optional[dt.datetime]) -> QDateTime:
    """A UTC QDateTime (invalid for ``None``)."""
    if moment is None:
        return QDateTime()
    value = QDateTime.fromMSecsSinceEpoch(int(moment.timestamp() * 1000))
    return value.toTimeSpec(Qt.TimeSpec.UTC)


def build_metadata(query: LayerQuery, name: str, descriptor, source: SourceInfo,
                   slice_times: Optional[Sequence[str]] = None) -> QgsLayerMetadata:
    """The metadata of one loaded layer (``slice_times`` = (start, end) ISO of a raster time slice)."""
    metadata = QgsLayerMetadata()
    metadata.setIdentifier(query.workflow_id)
    metadata.setParentIdentifier(query.server_url)
    metadata.setTitle(escape(source.title or name))
    kind = getattr(descriptor, "kind", query.kind)
    abstract = [escape(source.description)] if source.description else []
    abstract.append(f"Geo Engine {kind} workflow {query.workflow_id} on {query.server_url}.")
    bands = getattr(descriptor, "bands", None)
    if bands:
        selected = [bands[b] for b in query.bands if 0 <= b < len(bands)] or bands
        abstract.append("Bands: " + ", ".join(f"{escape(b.name)} ({escape(b.measurement)})" for b in selected) + ".")
    columns = getattr(descriptor, "columns", None)
    if columns:
        abstract.append("Columns: " + ", ".join(f"{escape(n)} ({escape(c.data_type.value)})"
                                                for n, c in columns.items()) + ".")
    metadata.setAbstract("\n".join(abstract))
    metadata.setType("dataset")
    metadata.setKeywords({"Geo Engine": ["Geo Engine", kind, query.workflow_id]})
    crs = QgsCoordinateReferenceSystem(query.srs)
    metadata.setCrs(crs)

    extent = QgsLayerMetadata.Extent()
    spatial = QgsLayerMetadata.SpatialExtent()
    spatial.extentCrs = crs
    xmin, ymin, xmax, ymax = query.bounds
    spatial.bounds = QgsBox3d(xmin, ymin, 0.0, xmax, ymax, 0.0)
    extent.setSpatialExtents([spatial])
    start_text, end_text = slice_times if slice_times else (query.time_start, query.time_end)
    start, end = parse_iso(start_text), parse_iso(end_text)
    if start is not None or end is not None:
        extent.setTemporalExtents([QgsDateTimeRange(qdatetime(start), qdatetime(end))])
    metadata.setExtent(extent)

    licences = sorted({escape(p.license) for p in source.provenance if p.license})
    metadata.setLicenses(licences)
    metadata.setRights(sorted({escape(p.citation) for p in source.provenance if p.citation}))
    for entry in source.provenance:
        uri = safe_link(entry.uri)
        if uri:
            link = QgsAbstractMetadataBase.Link(escape(entry.citation or "Provenance"), "WWW:LINK", uri)
            link.description = escape(entry.citation)
            metadata.addLink(link)
    definition = source.workflow_url or f"{query.server_url}/workflow/{query.workflow_id}"
    metadata.addLink(QgsAbstractMetadataBase.Link(tr("Workflow definition"), "WWW:LINK", definition))
    loaded = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    metadata.addHistoryItem(f"{loaded}: loaded through the Geo Engine plugin (connection "
                            f"{query.connection_name or '-'}, time {start_text}/{end_text}).")
    return metadata

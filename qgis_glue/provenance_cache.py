"""Provenance of workflows (citation, licence, URI per data source), fetched once per connection and workflow.

:func:`fetch_provenance` runs on a worker thread; :class:`ProvenanceCache` is used from the main thread only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

from ..core.provenance import ProvenanceEntry
from ..core.workflow import Workflow


@dataclass(frozen=True)
class ProvenanceRow:
    """One data source (or several sharing one provenance) as the dock shows it."""

    sources: str  # dataset names / provider:layer ids, comma separated
    citation: str
    license: str
    uri: str

    @classmethod
    def from_entry(cls, entry: ProvenanceEntry) -> ProvenanceRow:
        return cls(", ".join(str(d) for d in entry.data), entry.citation, entry.license, entry.uri)


def fetch_provenance(session, workflow_id: str, timeout: Optional[float] = None) -> List[ProvenanceRow]:
    """Worker thread: ``GET /workflow/{id}/provenance`` as rows (an unknown id raises the server's error)."""
    workflow = Workflow(workflow_id, session, timeout=timeout)
    return [ProvenanceRow.from_entry(entry) for entry in workflow.get_provenance(timeout)]


class ProvenanceCache:
    """Rows per (connection, workflow id); provenance of a registered workflow never changes."""

    def __init__(self) -> None:
        self._rows: Dict[Tuple[str, str], List[ProvenanceRow]] = {}

    def get(self, connection: str, workflow_id: str) -> Optional[List[ProvenanceRow]]:
        return self._rows.get((connection, workflow_id.lower()))

    def put(self, connection: str, workflow_id: str, rows: List[ProvenanceRow]) -> None:
        self._rows[(connection, workflow_id.lower())] = list(rows)

    def drop(self, connection: str, workflow_id: str) -> None:
        self._rows.pop((connection, workflow_id.lower()), None)

    def __len__(self) -> int:
        return len(self._rows)

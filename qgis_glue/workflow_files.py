"""Worker-thread calls behind the layer actions: the stored workflow JSON and the metadata zip."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path
from typing import List, Union

from ..core.errors import MalformedResponseError
from ..core.workflow import Workflow


def fetch_definition(session, workflow_id: str) -> dict:
    """``GET /workflow/{id}``: the workflow JSON as the server stored it."""
    return Workflow(workflow_id, session).workflow_definition()


def download_metadata_zip(session, workflow_id: str, path: Union[str, os.PathLike]) -> List[str]:
    """Write ``/workflow/{id}/allMetadata/zip`` to ``path`` (via a partial file) and return the names inside."""
    target = Path(path)
    partial = target.with_name(target.name + ".part")
    try:
        Workflow(workflow_id, session).metadata_zip(partial)
        try:
            with zipfile.ZipFile(partial) as archive:
                names = archive.namelist()
        except zipfile.BadZipFile:
            raise MalformedResponseError("the server's metadata zip cannot be read") from None
        os.replace(partial, target)
    finally:
        if partial.exists():
            partial.unlink()
    return names

"""Workflow fixtures shared by the core test modules; each module decides its own ``client`` session."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from client_helpers import NDVI, PORTS  # noqa: E402
from geoengine_qgis.core.workflow import register_workflow  # noqa: E402


@pytest.fixture(scope="module")
def ndvi(client):
    """The NDVI raster workflow, registered through the module's ``client``."""
    return register_workflow(NDVI, session=client)


@pytest.fixture(scope="module")
def ports(client):
    """The Natural Earth ports vector workflow, registered through the module's ``client``."""
    return register_workflow(PORTS, session=client)

"""Headless QGIS for the tests in tests/qgis (offscreen Qt platform, throw-away profile)."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def qgis_app():
    """One QgsApplication for the whole run (qgis.testing.start_app: temp profile, providers loaded)."""
    from qgis.testing import start_app

    return start_app()

"""The first time-series layer sets QGIS's Temporal Controller to the series' range and step (once per project,
switchable in the settings): NDVI's months 2014-01..2014-07 as read from its GeoTIFF files, step one month, and the
frame of the month the layer shows."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from plugin_support import NDVI, request, run_load, wait_until
from test_temporal import BOUNDS, canvas, register, temporal, utc  # noqa: F401 - fixtures

pytestmark = pytest.mark.qgis
NDVI_DIR = Path(__file__).resolve().parents[1] / "data/geoengine-test-data/raster/modis_ndvi"


def months():
    """(year, month) of every NDVI file, sorted."""
    found = (re.search(r"(\d{4})-(\d{2})-01", f.name) for f in NDVI_DIR.glob("*.TIFF"))
    return sorted((int(m.group(1)), int(m.group(2))) for m in found)


@pytest.fixture
def setup(temporal, canvas, bar, project):  # noqa: F811
    from geoengine_qgis.qgis_glue.messages import Notifier
    from geoengine_qgis.qgis_glue.temporal_controller import SETTING, ControllerSetup
    from qgis.core import QgsSettings

    QgsSettings().remove(SETTING)
    active = ControllerSetup(temporal, canvas.navigation, Notifier(bar), project)
    yield active
    active.stop()
    QgsSettings().remove(SETTING)


def load_april(session, loader, temporal):  # noqa: F811
    from geoengine_qgis.qgis_glue.temporal import FOLLOW, FOLLOW_KEY

    outcome, _ = run_load(loader, session, request(register(session, NDVI), bounds=BOUNDS, name="NDVI"))
    assert outcome.ok, outcome.error
    layer = outcome.layers[0]
    assert wait_until(lambda: layer.customProperty(FOLLOW_KEY) == FOLLOW and not temporal.busy(layer.id()),
                      timeout=20)
    return layer


def test_the_first_series_sets_range_and_step(setup, session, loader, temporal, canvas, bar):  # noqa: F811
    from qgis.core import QgsTemporalNavigationObject, QgsUnitTypes

    navigation = canvas.navigation
    assert navigation.navigationMode() == QgsTemporalNavigationObject.NavigationMode.NavigationOff
    load_april(session, loader, temporal)
    first, last = months()[0], months()[-1]
    extents = navigation.temporalExtents()
    assert extents.begin() == utc(*first)
    assert extents.end() == utc(last[0] + last[1] // 12, last[1] % 12 + 1)  # the end of the last month
    duration = navigation.frameDuration()
    assert (duration.originalDuration(), duration.originalUnit()) == (1, QgsUnitTypes.TemporalUnit.TemporalMonths)
    assert navigation.navigationMode() == QgsTemporalNavigationObject.NavigationMode.Animated
    assert navigation.currentFrameNumber() == months().index((2014, 4))  # the month the layer shows
    assert canvas.temporalRange().begin() == utc(2014, 4)
    assert any("Temporal Controller set to" in item.text() for item in bar.items())


def test_only_once_per_project_and_the_setting_turns_it_off(setup, session, loader, temporal, canvas,  # noqa: F811
                                                            project):
    from geoengine_qgis.qgis_glue.temporal_controller import SETTING
    from qgis.core import QgsDateTimeRange, QgsSettings

    layer = load_april(session, loader, temporal)
    mine = QgsDateTimeRange(utc(2014, 2), utc(2014, 3))
    canvas.navigation.setTemporalExtents(mine)  # the user's own choice afterwards
    assert not setup.apply(layer)  # a second series does not overwrite it
    assert canvas.navigation.temporalExtents() == mine

    project.removeEntry("geoengine", "temporal_controller_set")
    QgsSettings().setValue(SETTING, False)
    assert not setup.apply(layer) and canvas.navigation.temporalExtents() == mine
    QgsSettings().setValue(SETTING, True)
    assert setup.apply(layer) and canvas.navigation.temporalExtents() != mine

"""The steps of a regular time series (e.g. NDVI's months), as the Add-layer dialog offers them for picking."""

from __future__ import annotations

import datetime as dt
from typing import List, Optional, Tuple

from ..core.descriptors import TimeStep, TimeStepGranularity
from ..qgis_glue.query import add_step

MAX_STEPS = 600  # a longer series is typed, not picked from a list


def step_starts(bounds: Tuple[Optional[dt.datetime], Optional[dt.datetime]], step: TimeStep,
                limit: int = MAX_STEPS) -> List[dt.datetime]:
    """The start of every step from the first bound up to (not including) the second; [] when a bound is open,
    the step is not positive or there are more than ``limit`` steps."""
    start, end = bounds
    if start is None or end is None or step.step <= 0:
        return []
    starts: List[dt.datetime] = []
    for count in range(limit + 1):
        moment = add_step(start, step, count)
        if moment >= end:
            return starts
        starts.append(moment)
    return []


def step_label(start: dt.datetime, step: TimeStep) -> str:
    """A step as a user reads it: "2014-04" for months, "2014" for years, the date for days, else date and time."""
    granularity = step.granularity
    if granularity == TimeStepGranularity.YEARS:
        return start.strftime("%Y")
    if granularity == TimeStepGranularity.MONTHS:
        return start.strftime("%Y-%m")
    if granularity == TimeStepGranularity.DAYS:
        return start.strftime("%Y-%m-%d")
    return start.strftime("%Y-%m-%d %H:%M")

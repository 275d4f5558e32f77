"""Combining the time slices of several raster sources."""

from __future__ import annotations

from .types import TimeInterval


# Several sources are temporally aligned (each output slice lies in a slice of every source):
# geo-engine/geoengine@5748ef7:geoengine/operators/src/adapters/raster_stacker.rs
def merge_slices(lists: list[list[TimeInterval]]) -> list[TimeInterval]:
    """Slices valid in every list: the pieces between all slice boundaries covered by each list."""
    if not lists:
        return []
    if all(lst == lists[0] for lst in lists[1:]):
        return list(lists[0])
    bounds = sorted({t for lst in lists for s in lst for t in (s.start, s.end)})
    out = []
    for a, b in zip(bounds, bounds[1:]):
        if all(any(s.start <= a and b <= s.end for s in lst) for lst in lists):
            out.append(TimeInterval(a, b))
    if not out:  # instants or disjoint sources: fall back to the first source's slices
        return list(lists[0])
    return out

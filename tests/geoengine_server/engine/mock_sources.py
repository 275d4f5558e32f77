"""Vector ``MockPointSource`` (points from the params) and ``MockDatasetDataSource`` (the ``Mock`` dataset).

Both yield one MultiPoint feature per point, valid for all time, without columns.
"""

from __future__ import annotations

from ..catalog import Dataset
from . import descriptors
from .build import register
from .params import get, spec_error
from .types import TIME_MAX, TIME_MIN, BBox, FeatureCollection, TimeInterval, VectorDescriptor, VectorOperator
from .vector_data import FeatureTable
from .wkt import number


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _points(points: list, operator: str) -> list[tuple[float, float]]:
    out = []
    for p in points:
        if isinstance(p, dict) and all(_is_number(p.get(k)) for k in "xy"):
            out.append((float(p["x"]), float(p["y"])))
        elif isinstance(p, list) and len(p) == 2 and all(isinstance(v, (int, float)) for v in p):
            out.append((float(p[0]), float(p[1])))
        else:
            raise spec_error(operator, f"every entry of `points` must be {{x, y}} numbers (got {p!r})")
    return out


def _table(points: list[tuple[float, float]]) -> FeatureTable:
    wkt = [f"MULTIPOINT(({number(x)} {number(y)}))" for x, y in points]
    return FeatureTable.build(wkt, [TIME_MIN] * len(wkt), [TIME_MAX] * len(wkt), {})


class _PointTable(VectorOperator):
    """A vector operator answering queries from a fixed in-memory table of points."""

    table: FeatureTable

    def query(self, bbox: BBox, time: TimeInterval) -> FeatureCollection:
        return self.table.collection(self.table.select(bbox, time))


class MockPointSource(_PointTable):
    def __init__(self, points: list[tuple[float, float]], bbox: BBox | None):
        self.datasets: list[str] = []
        self.table = _table(points)
        self.descriptor = VectorDescriptor("MultiPoint", "EPSG:4326", {}, None, bbox)


# geo-engine/geoengine@5748ef7:geoengine/operators/src/mock/mock_point_source.rs
@register("Vector", "MockPointSource")
def build_mock_points(params: dict, sources, name: str) -> MockPointSource:
    points = _points(get(params, name, "points", list), name)
    bounds = get(params, name, "spatialBounds", dict, {"type": "none"})
    bbox = None
    if bounds.get("type") == "derive" and points:
        xs, ys = [p[0] for p in points], [p[1] for p in points]
        bbox = BBox(min(xs), min(ys), max(xs), max(ys))
    elif bounds.get("type") == "bounds":
        lower, upper = bounds.get("lowerLeftCoordinate"), bounds.get("upperRightCoordinate")
        if not isinstance(lower, dict) or not isinstance(upper, dict):
            raise spec_error(name, "`spatialBounds` of type bounds needs lowerLeftCoordinate and upperRightCoordinate")
        bbox = BBox(float(lower["x"]), float(lower["y"]), float(upper["x"]), float(upper["y"]))
    elif bounds.get("type") not in ("none", "derive"):
        raise spec_error(name, f"`spatialBounds.type` must be none, derive or bounds (got {bounds.get('type')!r})")
    return MockPointSource(points, bbox)


class MockDatasetSource(_PointTable):
    def __init__(self, dataset: Dataset):
        self.datasets = [dataset.name]
        self.table = _table(_points(dataset.meta["loadingInfo"]["points"], "MockDatasetDataSource"))
        self.descriptor = descriptors.vector_descriptor(dataset.meta["resultDescriptor"])


# geo-engine/geoengine@5748ef7:geoengine/operators/src/mock/mock_dataset_data_source.rs
@register("Vector", "MockDatasetDataSource")
def build_mock_dataset(params: dict, sources, name: str) -> MockDatasetSource:
    dataset = sources.dataset(params.get("data"))
    if dataset.meta.get("type") != "MockMetaData":
        raise spec_error(name, f"dataset {dataset.name!r} is not a mock dataset")
    return MockDatasetSource(dataset)

"""Child process of test_hostile_arrow.py: stream one workflow from a (hostile) server and say how it ended.

Run as ``python hostile_child.py <api url> vector|raster|merge|coverage|mosaic``; prints one JSON line
``{"error", "message", "items"}``. A decode that reads out of bounds can kill this process (SIGSEGV), never the
test runner.
"""

from __future__ import annotations

import json
import sys

from geoengine_qgis.core.errors import GeoEngineError
from geoengine_qgis.core.session import Session
from geoengine_qgis.core.types import QueryRectangle
from geoengine_qgis.core.workflow import register_workflow

NDVI = {"type": "Raster", "operator": {"type": "GdalSource", "params": {"data": "ndvi"}}}
PORTS = {"type": "Vector", "operator": {"type": "OgrSource", "params": {"data": "ne_10m_ports"}}}


def main(url: str, kind: str) -> dict:
    session = Session(url)
    items = 0
    try:
        if kind == "vector":
            workflow = register_workflow(PORTS, session=session)
            query = QueryRectangle((-180.0, -90.0, 180.0, 90.0), ("2000-01-01T00:00:00Z", "2030-01-01T00:00:00Z"))
            for batch in workflow.stream_vector_batches(query):
                items += len(batch)
                for row in batch.rows():  # read every value, as the layer writer does
                    json.dumps(row, default=str)
        elif kind == "raster":
            workflow = register_workflow(NDVI, session=session)
            query = QueryRectangle((-10.0, 30.0, 60.0, 60.0), "2014-04-01T00:00:00Z")
            for tile in workflow.raster_stream(query):
                items += int(tile.data.count())
        elif kind == "merge":  # every tile of the slice merged into one array (the official client's xarray path)
            import resource

            from geoengine_qgis.core.raster_stream import raster_stream_into_arrays

            resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))
            workflow = register_workflow(NDVI, session=session)
            query = QueryRectangle((-10.0, 30.0, 60.0, 60.0), "2014-04-01T00:00:00Z")
            items = sum(int(merged.data.count()) for merged in raster_stream_into_arrays(workflow, query))
        else:  # WCS: one coverage, or a mosaic of several (beyond the server's tile limit)
            import resource

            # 3 GiB of address space: reading a coverage that declares 10^10 pixels dies here, not the machine
            resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))
            workflow = register_workflow(NDVI, session=session)
            bounds = (0.0, 0.0, 10.0, 10.0) if kind == "coverage" else (-180.0, -90.0, 180.0, 90.0)
            query = QueryRectangle(bounds, "2014-04-01T00:00:00Z", resolution=(0.1, 0.1))
            items = int(workflow.get_array(query).size)
    except GeoEngineError as exc:
        return {"error": type(exc).__name__, "message": str(exc), "items": items}
    return {"error": None, "message": "", "items": items}


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1], sys.argv[2])))

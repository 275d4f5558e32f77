"""Run in .venv-official (has xarray): our raster_stream_into_xarray next to the official client's.

Usage: xarray_compare.py <plugin parent dir> <base_url> <xmin> <ymin> <xmax> <ymax> <start> <end>
Prints one JSON line comparing dims, shape, coordinates and values (NaN = no-data on both sides).
"""

import asyncio
import json
import sys
from datetime import datetime

import numpy as np


def main() -> None:
    sys.path.insert(0, sys.argv[1])
    base_url = sys.argv[2]
    xmin, ymin, xmax, ymax = (float(v) for v in sys.argv[3:7])
    start, end = sys.argv[7], sys.argv[8]
    ndvi = {"type": "Raster", "operator": {"type": "GdalSource", "params": {"data": "ndvi"}}}

    from geoengine_qgis.core import types

    types._srs_known = lambda authority, code: True  # this venv has no GDAL; the CRS check is not under test
    from geoengine_qgis.core.raster_stream import raster_stream_into_xarray
    from geoengine_qgis.core.session import Session
    from geoengine_qgis.core.types import QueryRectangle
    from geoengine_qgis.core.workflow import register_workflow

    workflow = register_workflow(ndvi, session=Session(base_url, use_env=False))
    ours = raster_stream_into_xarray(workflow, QueryRectangle((xmin, ymin, xmax, ymax), (start, end)))

    import geoengine as ge

    ge.initialize(base_url)
    graph = ge.register_processing_graph(ndvi)
    parse = lambda text: datetime.fromisoformat(text.replace("Z", "+00:00")).replace(tzinfo=None)  # noqa: E731
    query = ge.RasterQueryRectangle(ge.BoundingBox2D(xmin, ymin, xmax, ymax),
                                    ge.TimeInterval(parse(start), parse(end)), [0])
    theirs = asyncio.run(graph.raster_stream_into_xarray(query))
    theirs = theirs.sortby("x").sortby("y", ascending=False)
    theirs = theirs.transpose("time", "band", "y", "x")
    ours_clip = raster_stream_into_xarray(workflow, QueryRectangle((xmin, ymin, xmax, ymax), (start, end)),
                                          clip_to_query_rectangle=True)
    theirs_clip = asyncio.run(graph.raster_stream_into_xarray(query, clip_to_query_rectangle=True))
    theirs_clip = theirs_clip.sortby("x").sortby("y", ascending=False).transpose("time", "band", "y", "x")
    a, b = ours.values.astype(float), theirs.values.astype(float)
    print(json.dumps({
        "dims": [list(ours.dims), list(theirs.dims)],
        "shape": [list(a.shape), list(b.shape)],
        "x": bool(np.allclose(ours.x.values, theirs.x.values)),
        "y": bool(np.allclose(ours.y.values, theirs.y.values)),
        "time": [str(t) for t in ours.time.values] == [str(t) for t in theirs.time.values.astype("datetime64[ms]")],
        "values": bool(a.shape == b.shape and np.array_equal(a, b, equal_nan=True)),
        "nan": int(np.isnan(a).sum()),
        "clip_shape": [list(ours_clip.shape), list(theirs_clip.shape)],
        "clip_x": [float(ours_clip.x.min()), float(ours_clip.x.max()), float(theirs_clip.x.min()),
                   float(theirs_clip.x.max())],
        "clip_values": bool(ours_clip.shape == theirs_clip.shape and np.array_equal(
            ours_clip.values.astype(float), theirs_clip.values.astype(float), equal_nan=True)),
        "corners": [[float(ours.x[0]), float(ours.y[0])], [float(theirs.x[0]), float(theirs.y[0])]],
    }))


if __name__ == "__main__":
    main()

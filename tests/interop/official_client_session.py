"""Use the official ``geoengine`` client (0.10.x) against a server exactly as its users do.

Run with the official client's own interpreter (``.venv-official/bin/python``)::

    official_client_session.py BASE_URL OUT_DIR

Every call is one step. A step records what the call returned (values, shapes, counts) or the error
it raised, and the steps after it go on regardless. At the end ONE JSON document goes to stdout:
``{"client": <version>, "steps": {<name>: {"ok": true, ...} | {"ok": false, "error": "..."}}}``.
Files the calls write (GeoTIFF, metadata zip) land in OUT_DIR for the caller to inspect.
Nothing here knows the data: the pytest side compares the results with the data files.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import io
import json
import sys
import time
import traceback
import warnings
import zipfile
from datetime import datetime, timezone
from importlib.metadata import version
from pathlib import Path
from typing import Any, Callable

import geoengine as ge
import numpy as np
from geoengine.tasks import get_task_list

RASTER = {"type": "Raster", "operator": {"type": "GdalSource", "params": {"data": "ndvi"}}}
VECTOR = {"type": "Vector", "operator": {"type": "OgrSource", "params": {"data": "ne_10m_ports"}}}
HISTOGRAM = {
    "type": "Plot",
    "operator": {
        "type": "Histogram",
        "params": {"columnName": "ndvi", "bounds": "data", "buckets": {"type": "number", "value": 20}},
        "sources": {"source": RASTER["operator"]},
    },
}
STATISTICS = {
    "type": "Plot",
    "operator": {"type": "Statistics", "params": {}, "sources": {"source": VECTOR["operator"]}},
}

# One instant in April 2014 and a window aligned to the NDVI grid (0.1 degree pixels).
WHEN = datetime(2014, 4, 1, 12, 0, tzinfo=timezone.utc)
RASTER_BBOX = (0.0, 40.0, 20.0, 60.0)
VECTOR_BBOX = (-10.0, 35.0, 30.0, 60.0)
RESOLUTION = (0.1, 0.1)
ADMIN = ("admin@localhost", "adminadmin")
NEW_QUOTA = 4321
PORTS_IN_GERMANY = "b75db46e-2b9a-4a86-b33f-bc06a73cd711"  # a layer of the test data's layer database
GERMANY_BBOX = (5.0, 47.0, 16.0, 56.0)
WORLD = (-180.0, -90.0, 180.0, 90.0)
CALL_TIMEOUT = 60  # seconds, for every call that takes a timeout
QUERY = {
    "time": WHEN.isoformat(), "raster_bbox": RASTER_BBOX, "vector_bbox": VECTOR_BBOX, "resolution": RESOLUTION,
    "workflows": {"raster": RASTER, "vector": VECTOR, "histogram": HISTOGRAM, "statistics": STATISTICS},
    "new_quota": NEW_QUOTA, "layer": PORTS_IN_GERMANY, "germany_bbox": GERMANY_BBOX, "world": WORLD,
}


def encode_array(array: Any) -> dict[str, Any]:
    """A numpy array as JSON: dtype, shape and the raw bytes (C order) in base64."""
    array = np.ascontiguousarray(np.asarray(array))
    return {"dtype": str(array.dtype), "shape": list(array.shape), "b64": base64.b64encode(array.tobytes()).decode()}


def coords(values: Any) -> dict[str, Any]:
    values = np.asarray(values, dtype=float)
    return {"n": int(values.size), "first": float(values[0]), "last": float(values[-1])}


def jsonable(value: Any) -> Any:
    """Anything the client returned, reduced to JSON (models through their own to_dict)."""
    if hasattr(value, "to_dict"):
        value = value.to_dict()
    return json.loads(json.dumps(value, default=str))


class Session:
    """Runs the steps, keeps their results and the objects later steps build on."""

    def __init__(self, base_url: str, out_dir: Path) -> None:
        self.base_url = base_url
        self.out = out_dir
        self.steps: dict[str, dict[str, Any]] = {}
        self.objects: dict[str, Any] = {}

    def step(self, name: str, fn: Callable[[], dict[str, Any]], needs: tuple[str, ...] = ()) -> None:
        missing = [n for n in needs if n not in self.objects]
        if missing:
            self.steps[name] = {"ok": False, "error": f"not run: needs {', '.join(missing)}"}
            return
        started = time.monotonic()
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                result = fn()
            result = {"ok": True, **result}
            deprecations = sorted({str(w.message) for w in caught if issubclass(w.category, DeprecationWarning)})
            if deprecations:
                result["deprecations"] = deprecations
        except Exception as exc:  # one failing call must not hide the others
            error = f"{type(exc).__name__}: {exc}"[:2000]
            result = {"ok": False, "error": error, "trace": traceback.format_exc()[-3000:]}
        result["seconds"] = round(time.monotonic() - started, 3)
        self.steps[name] = result
        self.save()

    def document(self) -> dict[str, Any]:
        return {"client": version("geoengine"), "query": QUERY, "steps": self.steps}

    def save(self) -> None:
        """Rewrite OUT_DIR/results.json after every step, so a killed run still tells how far it got."""
        partial = self.out / "results.json.part"
        partial.write_text(json.dumps(self.document()))
        partial.replace(self.out / "results.json")

    def keep(self, key: str, value: Any) -> Any:
        self.objects[key] = value
        return value

    def query(self, bbox: tuple[float, float, float, float]) -> ge.QueryRectangle:
        return ge.QueryRectangle(bbox, ge.TimeInterval(WHEN))


def bounded(coroutine: Any, seconds: float = 120) -> Any:
    """Run one of the client's coroutines to its end, or fail after ``seconds``."""
    return asyncio.run(asyncio.wait_for(coroutine, seconds))


def register_by_http(s: Session, key: str, workflow: dict) -> Callable[[], dict[str, Any]]:
    def call():
        import requests

        session = ge.get_session()
        response = requests.post(f"{session.server_url}/processingGraphs", json=workflow,
                                 headers=session.auth_header, timeout=CALL_TIMEOUT)
        response.raise_for_status()
        graph = s.keep(key, ge.processing_graph_by_id(response.json()["id"]))
        return {"id": str(graph), **descriptor(graph)}
    return call


def descriptor(graph: Any) -> dict[str, Any]:
    rd = graph.get_result_descriptor()
    out: dict[str, Any] = {"kind": type(rd).__name__, "spatial_reference": rd.spatial_reference}
    if rd.is_raster_result():
        out["data_type"] = str(rd.data_type.value if hasattr(rd.data_type, "value") else rd.data_type)
        out["bands"] = [band.name for band in rd.bands]
        grid = rd.spatial_grid.spatial_grid
        out["geo_transform"] = {
            "x_min": grid.geo_transform.x_min,
            "y_max": grid.geo_transform.y_max,
            "x_pixel_size": grid.geo_transform.x_pixel_size,
            "y_pixel_size": grid.geo_transform.y_pixel_size,
        }
        bounds = grid.grid_bounds
        out["grid_bounds"] = [bounds.top_left_idx.x_idx, bounds.top_left_idx.y_idx,
                              bounds.bottom_right_idx.x_idx, bounds.bottom_right_idx.y_idx]
        out["time"] = jsonable(rd.to_api_dict())["time"]  # the descriptor keeps no public time accessor
    elif rd.is_vector_result():
        out["data_type"] = str(rd.data_type.value)
        out["columns"] = {name: str(info.data_type.value) for name, info in rd.columns.items()}
    return out


def run(session: Session) -> None:
    s = session
    raster_q = s.query(RASTER_BBOX)
    vector_q = s.query(VECTOR_BBOX)
    resolution = ge.SpatialResolution(*RESOLUTION)

    # Sessions
    def anonymous():
        ge.initialize(s.base_url)
        current = ge.get_session()
        s.keep("anonymous", current)
        user_id = None
        with contextlib.suppress(Exception):
            user_id = str(current.user_id)
        if user_id:
            s.keep("anonymous_user_id", user_id)
        return {"user_id": user_id, "has_token": bool(current.auth_header.get("Authorization"))}

    s.step("initialize_anonymous", anonymous)

    def with_token():
        token = s.objects["anonymous"].auth_header["Authorization"].split(" ", 1)[1]
        ge.initialize(s.base_url, token=token)  # GET /session
        user_id = str(ge.get_session().user_id)
        return {"same_user": user_id == s.objects.get("anonymous_user_id")}

    s.step("initialize_token", with_token, needs=("anonymous",))

    def unknown_workflow():
        try:
            ge.workflow_by_id("6f0e4b55-1d2c-4c1e-9a5e-2b1f0d7a9c11")
        except Exception as exc:  # the point of the step: which exception, which text
            return {"exception": type(exc).__name__, "status": getattr(exc, "status", None), "text": str(exc)}
        return {"exception": None}

    s.step("workflow_by_id_unknown", unknown_workflow, needs=("anonymous",))

    # Registration (the deprecated 0.9 names first, as existing notebooks do)
    def register(key, workflow):
        def call():
            graph = s.keep(key, ge.register_workflow(workflow))
            return {"id": str(graph), **descriptor(graph)}
        return call

    s.step("register_workflow_raster", register("raster", RASTER), needs=("anonymous",))
    s.step("register_workflow_vector", register("vector", VECTOR), needs=("anonymous",))
    s.step("register_workflow_histogram", register("histogram", HISTOGRAM), needs=("anonymous",))
    s.step("register_workflow_statistics", register("statistics", STATISTICS), needs=("anonymous",))
    if "statistics" not in s.objects:
        # geoengine_api_client 0.10.0 cannot build a plot over a vector source (its oneOf parser names OgrSource
        # without importing it). A user's way round: POST the JSON with the session's header, then use the id.
        s.step("register_statistics_by_http", register_by_http(s, "statistics", STATISTICS), needs=("anonymous",))

    def by_id():
        graph = ge.workflow_by_id(str(s.objects["raster"]))
        return {"id": str(graph), **descriptor(graph)}

    s.step("workflow_by_id", by_id, needs=("raster",))
    s.step("get_result_descriptor_vector", lambda: descriptor(s.objects["vector"]), needs=("vector",))
    s.step("get_result_descriptor_plot", lambda: descriptor(s.objects["histogram"]), needs=("histogram",))
    s.step("workflow_definition", lambda: {"definition": jsonable(s.objects["raster"].workflow_definition())},
           needs=("raster",))

    # 0.10 processing-graph names
    def register_graph():
        graph = s.keep("graph", ge.register_processing_graph(VECTOR))
        return {"id": str(graph)}

    s.step("register_processing_graph", register_graph, needs=("anonymous",))
    s.step("processing_graph_by_id",
           lambda: {"id": str(ge.processing_graph_by_id(str(s.objects["graph"])))}, needs=("graph",))
    s.step("definition", lambda: {"definition": jsonable(s.objects["graph"].definition())}, needs=("graph",))

    # WFS
    def dataframe():
        df = s.objects["vector"].get_dataframe(vector_q, timeout=CALL_TIMEOUT)
        return {
            "rows": len(df),
            "columns": sorted(map(str, df.columns)),
            "crs": str(df.crs),
            "names": sorted(map(str, df["name"])) if "name" in df.columns else None,
            "start_nat": int(df["start"].isna().sum()) if "start" in df.columns else None,
            "computation_id": df.attrs.get("computation_id"),
        }

    s.step("get_dataframe", dataframe, needs=("vector",))

    def computation_usage():
        computation = s.steps["get_dataframe"]["computation_id"]
        return {"computation_id": computation, "credits": ge.data_usage_for_computation(computation)}

    s.step("data_usage_for_computation", computation_usage, needs=("vector",))

    # Datasets
    def datasets():
        listed = list(ge.list_datasets(timeout=CALL_TIMEOUT))
        return {"names": [d.name for d in listed], "kinds": {d.name: d.result_descriptor.actual_instance.type
                                                             for d in listed}}

    s.step("list_datasets", datasets, needs=("anonymous",))

    def ndvi_info():
        info = ge.dataset_info_by_name("ndvi", timeout=CALL_TIMEOUT)
        symbology = jsonable(info.symbology) if info.symbology is not None else None
        return {"name": info.name, "displayName": info.display_name, "description": info.description,
                "provenance": [jsonable(p) for p in info.provenance or []], "symbology": symbology}

    s.step("dataset_info_by_name_ndvi", ndvi_info, needs=("anonymous",))

    # Layers: browse the layer database, open a layer as a processing graph, query it
    def root_collection():
        collection = ge.layer_collection(timeout=CALL_TIMEOUT)
        return {"name": collection.name, "items": [[type(item).__name__, item.name] for item in collection.items]}

    s.step("layer_collection", root_collection, needs=("anonymous",))

    def layer_db_collection():
        collection = ge.layer_collection(ge.LAYER_DB_ROOT_COLLECTION_ID, timeout=CALL_TIMEOUT)
        return {"name": collection.name, "items": [[type(item).__name__, item.name] for item in collection.items]}

    s.step("layer_collection_layer_db", layer_db_collection, needs=("anonymous",))

    def layer_graph():
        layer = ge.layer(ge.LayerId(PORTS_IN_GERMANY), ge.LAYER_DB_PROVIDER_ID, timeout=CALL_TIMEOUT)
        graph = layer.as_processing_graph(timeout=CALL_TIMEOUT)
        df = graph.get_dataframe(s.query(GERMANY_BBOX), timeout=CALL_TIMEOUT)
        return {"name": layer.name, "id": str(graph), "rows": len(df), "names": sorted(map(str, df["name"]))}

    s.step("layer_as_processing_graph", layer_graph, needs=("anonymous",))

    # WCS
    def array():
        values = s.objects["raster"].get_array(raster_q, spatial_resolution=resolution, timeout=CALL_TIMEOUT)
        return {"array": encode_array(values)}

    s.step("get_array", array, needs=("raster",))

    def xarray():
        data = s.objects["raster"].get_xarray(raster_q, timeout=CALL_TIMEOUT)
        return {
            "dims": list(data.dims), "shape": list(data.shape),
            "x": coords(data.x), "y": coords(data.y),
            "res": [float(v) for v in data.attrs["res"]], "crs": str(data.attrs["crs"]),
            "array": encode_array(data.values),
        }

    s.step("get_xarray", xarray, needs=("raster",))

    def download():
        target = s.out / "download_raster.tif"
        s.objects["raster"].download_raster(raster_q, str(target), timeout=CALL_TIMEOUT)
        return {"path": str(target), "bytes": target.stat().st_size}

    s.step("download_raster", download, needs=("raster",))

    # Websocket streams
    def raster_stream():
        data = bounded(s.objects["raster"].raster_stream_into_xarray(
            ge.RasterQueryRectangle(RASTER_BBOX, ge.TimeInterval(WHEN), [0]), open_timeout=CALL_TIMEOUT))
        return {
            "dims": list(data.dims), "shape": list(data.shape),
            "x": coords(data.x), "y": coords(data.y),
            "times": [str(t) for t in np.asarray(data.time.values).ravel()],
            "array": encode_array(np.asarray(data.values, dtype="float32")),
        }

    s.step("raster_stream_into_xarray", raster_stream, needs=("raster",))

    def raster_stream_months():
        months = ge.TimeInterval(datetime(2014, 3, 1, tzinfo=timezone.utc), datetime(2014, 6, 1, tzinfo=timezone.utc))
        data = bounded(s.objects["raster"].raster_stream_into_xarray(
            ge.RasterQueryRectangle(RASTER_BBOX, months, [0]), clip_to_query_rectangle=True,
            open_timeout=CALL_TIMEOUT))
        return {
            "dims": list(data.dims), "shape": list(data.shape),
            "times": [str(t) for t in np.asarray(data.time.values).ravel()],
            "array": encode_array(np.asarray(data.values, dtype="float32")),
        }

    s.step("raster_stream_months_clipped", raster_stream_months, needs=("raster",))

    def vector_stream():
        df = bounded(s.objects["vector"].vector_stream_into_geopandas(vector_q, open_timeout=CALL_TIMEOUT))
        rows = 0 if df is None else len(df)
        return {
            "rows": rows,
            "columns": [] if df is None else sorted(map(str, df.columns)),
            "crs": None if df is None else str(df.crs),
            "names": [] if df is None else sorted(map(str, df["name"])),
        }

    s.step("vector_stream_into_geopandas", vector_stream, needs=("vector",))

    def vector_stream_world():
        df = bounded(s.objects["vector"].vector_stream_into_geopandas(s.query(WORLD), open_timeout=CALL_TIMEOUT))
        return {"rows": len(df), "time_start": sorted({str(t) for t in df["time_start"]})}

    s.step("vector_stream_world", vector_stream_world, needs=("vector",))

    # WMS
    def wms():
        colorizer = ge.SingleBandRasterColorizer(
            band=0,
            band_colorizer=ge.LinearGradientColorizer(
                breakpoints=[ge.ColorBreakpoint(0.0, (0, 0, 0, 255)), ge.ColorBreakpoint(255.0, (255, 255, 255, 255))],
                no_data_color=(0, 0, 0, 0), over_color=(0, 0, 0, 0), under_color=(0, 0, 0, 0),
            ),
        )
        image = s.objects["raster"].wms_get_map_as_image(raster_q, colorizer, resolution)
        return {"size": list(image.size), "mode": image.mode, "format": image.format,
                "rgba": encode_array(np.asarray(image.convert("RGBA")))}

    s.step("wms_get_map_as_image", wms, needs=("raster",))

    def wms_too_large():
        colorizer = ge.SingleBandRasterColorizer(band=0, band_colorizer=ge.LinearGradientColorizer(
            breakpoints=[ge.ColorBreakpoint(0.0, (0, 0, 0, 255)), ge.ColorBreakpoint(255.0, (255, 255, 255, 255))],
            no_data_color=(0, 0, 0, 0), over_color=(0, 0, 0, 0), under_color=(0, 0, 0, 0)))
        try:  # 20 degrees at 0.001 degrees per pixel: 20000 pixels wide, above the server's maximum
            s.objects["raster"].wms_get_map_as_image(raster_q, colorizer, ge.SpatialResolution(0.001, 0.001))
        except Exception as exc:  # the point of the step: which exception, which text
            return {"exception": type(exc).__name__, "text": str(exc)[:500]}
        return {"exception": None}

    s.step("wms_error", wms_too_large, needs=("raster",))

    def wcs_over_tile_limit():
        try:  # the whole world at native resolution needs more tiles than the WCS tile limit
            s.objects["raster"].get_array(s.query(WORLD), timeout=CALL_TIMEOUT)
        except Exception as exc:  # the point of the step: which exception, which text
            return {"exception": f"{type(exc).__module__}.{type(exc).__name__}", "text": str(exc)[:500]}
        return {"exception": None}

    s.step("wcs_error", wcs_over_tile_limit, needs=("raster",))

    # Plots
    def plot(key):
        def call():
            out = s.objects[key].plot_json(raster_q if key == "histogram" else vector_q, resolution,
                                         timeout=CALL_TIMEOUT)
            return {"output_format": str(out.output_format.value), "plot_type": out.plot_type,
                    "data": jsonable(out.data)}
        return call

    s.step("plot_json_histogram", plot("histogram"), needs=("histogram",))
    s.step("plot_json_statistics", plot("statistics"), needs=("statistics",))

    def chart():
        chart = s.objects["histogram"].plot_chart(raster_q, resolution, timeout=CALL_TIMEOUT)
        spec = chart.spec if hasattr(chart, "spec") else None
        return {"type": type(chart).__name__, "spec": jsonable(spec)}

    s.step("plot_chart", chart, needs=("histogram",))

    # Provenance and metadata
    def provenance():
        entries = s.objects["raster"].get_provenance(timeout=CALL_TIMEOUT)
        return {"entries": [{"citation": e.provenance.citation, "license": e.provenance.license,
                             "uri": e.provenance.uri, "data": len(e.data)} for e in entries]}

    s.step("get_provenance", provenance, needs=("raster",))

    def metadata_zip():
        buffer = io.BytesIO()
        s.objects["raster"].metadata_zip(buffer, timeout=CALL_TIMEOUT)
        path = s.out / "metadata.zip"
        path.write_bytes(buffer.getvalue())
        with zipfile.ZipFile(buffer) as archive:
            names = archive.namelist()
        return {"path": str(path), "names": names}

    s.step("metadata_zip", metadata_zip, needs=("raster",))

    # Storing a result as a dataset, and tasks
    def save():
        task = s.keep("task", s.objects["raster"].save_as_dataset(
            raster_q, None, "Interop NDVI April 2014", "stored by the official client", timeout=CALL_TIMEOUT))
        return {"task_id": str(task)}

    s.step("save_as_dataset", save, needs=("raster",))

    def wait():
        # wait_for_finish polls without an end; its asynchronous twin can be bounded
        status = bounded(s.objects["task"].as_future(request_interval=1), seconds=120)
        return {"status": status.status.value, "info": jsonable(getattr(status, "info", None)),
                "time_total": getattr(status, "time_total", None)}

    s.step("task_wait_for_finish", wait, needs=("task",))

    def stored_info():
        name = s.steps["task_wait_for_finish"]["info"]["dataset"]
        info = ge.dataset_info_by_name(name, timeout=CALL_TIMEOUT)
        if info is not None:
            s.keep("stored_name", name)
        return {"info": None if info is None else {"name": info.name, "displayName": info.display_name,
                                                   "sourceOperator": info.source_operator}}

    s.step("dataset_info_by_name", stored_info, needs=("task",))

    def stored_array():
        data = {"type": "Raster", "operator": {"type": "GdalSource", "params": {"data": s.objects["stored_name"]}}}
        graph = ge.register_workflow(data)
        values = graph.get_array(raster_q, spatial_resolution=resolution, timeout=CALL_TIMEOUT)
        return {"id": str(graph), "array": encode_array(values)}

    s.step("stored_dataset_get_array", stored_array, needs=("stored_name",))

    def abort():
        # a bigger export (the world, six months), aborted at once
        big = ge.QueryRectangle(WORLD, ge.TimeInterval(datetime(2014, 1, 1, tzinfo=timezone.utc),
                                                      datetime(2014, 7, 1, tzinfo=timezone.utc)))
        task = s.objects["raster"].save_as_dataset(big, None, "Interop abort", "", timeout=CALL_TIMEOUT)
        task.abort(timeout=CALL_TIMEOUT)
        status = bounded(task.as_future(request_interval=1), seconds=60)
        return {"task_id": str(task), "status": status.status.value,
                "clean_up": jsonable(getattr(status, "clean_up", None))}

    s.step("task_abort", abort, needs=("raster",))

    def task_status():
        status = s.objects["task"].get_status(timeout=CALL_TIMEOUT)
        return {"status": status.status.value, "task_type": getattr(status, "task_type", None),
                "description": getattr(status, "description", None),
                "time_started": str(status.time_started)}

    s.step("task_get_status", task_status, needs=("task",))

    def task_list():
        tasks = get_task_list(timeout=CALL_TIMEOUT)
        return {"tasks": [{"id": str(task), "status": info.status.value} for task, info in tasks]}

    s.step("get_task_list", task_list, needs=("anonymous",))

    def quota():
        q = ge.get_quota(timeout=CALL_TIMEOUT)
        return {"available": q.available, "used": q.used}

    s.step("get_quota", quota, needs=("anonymous",))

    # As the admin
    def login():
        ge.initialize(s.base_url, credentials=ADMIN)
        s.keep("admin", ge.get_session())
        return {"user_id": str(ge.get_session().user_id)}

    s.step("initialize_credentials", login)

    def update_quota():
        user = s.objects["anonymous_user_id"]
        ge.update_quota(user, NEW_QUOTA, timeout=CALL_TIMEOUT)
        q = ge.get_quota(user, timeout=CALL_TIMEOUT)
        return {"user": user, "available": q.available, "used": q.used}

    s.step("update_quota", update_quota, needs=("admin", "anonymous_user_id"))

    def usage():
        df = ge.data_usage(offset=0, limit=10)
        return {"rows": len(df), "columns": sorted(map(str, df.columns)),
                "data": sorted(set(map(str, df["data"]))) if "data" in df.columns else []}

    s.step("data_usage", usage, needs=("admin",))

    def usage_summary():
        df = ge.data_usage_summary(ge.UsageSummaryGranularity.MINUTES, offset=0, limit=10)
        return {"rows": len(df), "columns": sorted(map(str, df.columns)),
                "data": sorted(set(map(str, df["data"]))) if "data" in df.columns else [],
                "count": int(df["count"].sum()) if "count" in df.columns else 0}

    s.step("data_usage_summary", usage_summary, needs=("admin",))

    def logout():
        token = s.objects["admin"].auth_header["Authorization"].split(" ", 1)[1]
        ge.reset(logout=True)  # POST /logout
        try:
            ge.initialize(s.base_url, token=token)
        except ge.GeoEngineException as exc:
            return {"old_token_refused": True, "text": str(exc)}
        return {"old_token_refused": False}

    s.step("reset_logout", logout, needs=("admin",))


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    out_dir = Path(argv[2])
    out_dir.mkdir(parents=True, exist_ok=True)
    session = Session(argv[1].rstrip("/"), out_dir)
    # The client prints progress to stdout in places; keep stdout for the one JSON document.
    with contextlib.redirect_stdout(sys.stderr):
        run(session)
    json.dump(session.document(), sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

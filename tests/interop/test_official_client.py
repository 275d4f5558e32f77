"""The official ``geoengine`` client (PyPI, 0.10.x) against our server, checked against the data files.

``official_client_session.py`` runs in the client's own venv (``.venv-official``, made by
``make setup-official``) as a subprocess and reports what each call returned. The tests here
compare those results with values read directly from the test data with GDAL/OGR
(``data_truth.py``). The session runs once per server version the server emulates.
"""

from __future__ import annotations

import base64
import json
import math
import subprocess
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest
from geoengine_server import ServerConfig
from geoengine_server.runner import RunningServer, start_server
from interop.data_truth import dataset_definition, layer_collection, ndvi_file, ports_in, ports_within, read_window
from osgeo import gdal

pytestmark = pytest.mark.official

REPO = Path(__file__).resolve().parents[2]
OFFICIAL_PYTHON = REPO / ".venv-official" / "bin" / "python"
SCRIPT = Path(__file__).with_name("official_client_session.py")
SESSION_TIMEOUT_S = 240


@dataclass
class Run:
    """One session of the official client against one server."""

    server: RunningServer
    doc: dict
    out_dir: Path

    @property
    def query(self) -> dict:
        return self.doc["query"]

    def step(self, name: str) -> dict:
        """The result of one call; fails the test with the client's error when the call failed."""
        result = self.doc["steps"].get(name)
        assert result is not None, f"{name}: the session never got there (see {self.out_dir})"
        assert result["ok"], f"{name} failed in the official client: {result['error']}\n{result.get('trace', '')}"
        return result

    @property
    def data_dir(self) -> Path:
        return self.server.config.data_dir


def only_from_0_10(run: Run, name: str, missing: str) -> dict | None:
    """A step that needs a field only Geo Engine 0.10 sends (``missing``). The 0.9.3 emulation leaves it out,
    as a real 0.9.3 does, so there the 0.10.0 client fails; that failure is asserted and ``None`` returned."""
    if not run.server.config.version.startswith("0.9"):
        return run.step(name)
    result = run.doc["steps"].get(name)
    assert result is not None and not result["ok"], f"{name}: expected the 0.10 client to fail on 0.9.3: {result}"
    assert missing in f"{result['error']}\n{result.get('trace', '')}", result
    return None


def run_session(base_url: str, out_dir: Path) -> dict:
    if not OFFICIAL_PYTHON.exists():
        pytest.fail(f"{OFFICIAL_PYTHON} is missing: run `make setup-official` first")
    env = {"PATH": "/usr/bin:/bin", "HOME": str(out_dir), "PYTHONDONTWRITEBYTECODE": "1"}
    try:
        proc = subprocess.run(
            [str(OFFICIAL_PYTHON), str(SCRIPT), base_url, str(out_dir)],
            capture_output=True, text=True, timeout=SESSION_TIMEOUT_S, env=env, cwd=out_dir,
        )
    except subprocess.TimeoutExpired:
        partial = out_dir / "results.json"
        if partial.exists():  # report how far it got, each unfinished step then fails on its own
            return json.loads(partial.read_text())
        pytest.fail(f"the official client session did not finish within {SESSION_TIMEOUT_S} s")
    (out_dir / "stderr.txt").write_text(proc.stderr)
    if proc.returncode != 0:
        pytest.fail(f"the official client session crashed (exit {proc.returncode}):\n{proc.stderr[-4000:]}")
    return json.loads(proc.stdout)


@pytest.fixture(scope="module", params=["0.9.3", "0.10.0"], ids=lambda v: f"server-{v}")
def run(request, tmp_path_factory) -> Run:
    """A server of its own per emulated version (the session changes quotas and stores a dataset)."""
    server = start_server(ServerConfig(version=request.param, quota_mode="track"))  # usage is compared below
    try:
        out_dir = tmp_path_factory.mktemp(f"official-{request.param}")
        yield Run(server, run_session(server.base_url, out_dir), out_dir)
    finally:
        server.stop()


def decode(encoded: dict) -> np.ndarray:
    raw = base64.b64decode(encoded["b64"])
    return np.frombuffer(raw, dtype=encoded["dtype"]).reshape(encoded["shape"])


def april(run: Run, pad_to: int | None = None):
    bbox = tuple(run.query["raster_bbox"])
    return read_window(ndvi_file(run.data_dir, run.query["time"][:8] + "01"), bbox, pad_to)


def assert_same_pixels(actual: np.ndarray, window, nodata_as=None) -> None:
    """Valid pixels equal the file's; nodata pixels are ``nodata_as`` (NaN allowed)."""
    assert actual.shape == window.values.shape
    valid = window.valid
    assert valid.sum() > 1000, "the query window should cover land with NDVI values"
    np.testing.assert_array_equal(actual[valid], window.values[valid])
    if nodata_as is not None and (~valid).any():
        if isinstance(nodata_as, float) and math.isnan(nodata_as):
            assert np.isnan(actual[~valid]).all()
        else:
            assert (actual[~valid] == nodata_as).all()


def normalised_id(workflow: dict) -> str:
    """Geo Engine's workflow id: uuid5 over the compact JSON the server stores (GdalSource gains overviewLevel)."""
    return str(uuid.uuid5(uuid.NAMESPACE_OID, json.dumps(workflow, separators=(",", ":"))))


def without_nulls(value):
    if isinstance(value, dict):
        return {k: without_nulls(v) for k, v in value.items() if v is not None}
    return [without_nulls(v) for v in value] if isinstance(value, list) else value


def ms(iso: str) -> int:
    return int(datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp() * 1000)


# Sessions and registration


def test_initialize_anonymous(run: Run):
    result = run.step("initialize_anonymous")
    assert result["has_token"]
    assert uuid.UUID(result["user_id"])


def test_initialize_with_token(run: Run):
    assert run.step("initialize_token")["same_user"]


def test_unknown_workflow_raises_bad_request(run: Run):
    """Geo Engine answers 400 NoWorkflowForGivenId; the client raises BadRequestException with that text."""
    result = run.step("workflow_by_id_unknown")
    assert (result["exception"], result["status"]) == ("BadRequestException", 400)
    assert result["text"].startswith("NoWorkflowForGivenId: ")


def test_reset_logout_ends_the_session(run: Run):
    result = run.step("reset_logout")
    assert result["old_token_refused"], result


def test_register_workflow_raster_descriptor(run: Run):
    result = run.step("register_workflow_raster")
    stored = {"type": "Raster", "operator": {"type": "GdalSource", "params": {"data": "ndvi", "overviewLevel": None}}}
    assert result["id"] == normalised_id(stored)
    ds = gdal.Open(str(ndvi_file(run.data_dir, "2014-04-01")))
    x0, dx, _, y0, _, dy = ds.GetGeoTransform()
    assert result["kind"] == "RasterResultDescriptor"
    assert result["data_type"] == "U8" and ds.GetRasterBand(1).DataType == gdal.GDT_Byte
    assert result["spatial_reference"] == "EPSG:" + ds.GetSpatialRef().GetAuthorityCode(None)
    assert result["bands"] == [b["name"] for b in dataset_definition(run.data_dir, "ndvi")["metaData"][
        "resultDescriptor"]["bands"]]
    assert result["geo_transform"] == pytest.approx({"x_min": x0, "y_max": y0, "x_pixel_size": dx, "y_pixel_size": dy})
    assert result["grid_bounds"] == [0, 0, ds.RasterXSize - 1, ds.RasterYSize - 1]
    meta = dataset_definition(run.data_dir, "ndvi")["metaData"]
    assert result["time"] == {
        "bounds": {"start": ms(meta["dataTime"]["start"]), "end": ms(meta["dataTime"]["end"])},
        "dimension": {"type": "regular", "origin": ms(meta["dataTime"]["start"]), "step": meta["step"]},
    }


def test_register_workflow_vector_descriptor(run: Run):
    result = run.step("register_workflow_vector")
    assert result["kind"] == "VectorResultDescriptor"
    assert result["data_type"] == "MultiPoint"
    assert result["spatial_reference"] == "EPSG:4326"
    assert result["columns"] == ports_in(run.data_dir, (-180, -90, 180, 90)).columns


def test_register_workflow_plot_descriptor(run: Run):
    result = run.step("register_workflow_histogram")
    assert result["kind"] == "PlotResultDescriptor"
    assert uuid.UUID(result["id"])


def test_register_plot_over_vector(run: Run):
    """Statistics over ports. Client 0.10.0 fails before sending anything (NameError in its model code);
    then the session registers the same JSON over HTTP and goes on with the client's objects."""
    attempt = run.doc["steps"]["register_workflow_statistics"]
    if attempt["ok"]:
        result = attempt
    else:
        assert attempt["error"] == "NameError: name 'OgrSource' is not defined", attempt["error"]
        result = run.step("register_statistics_by_http")
    assert result["kind"] == "PlotResultDescriptor"
    assert result["spatial_reference"] == "EPSG:4326"


def test_workflow_by_id_and_definition(run: Run):
    raster = run.step("register_workflow_raster")
    by_id = run.step("workflow_by_id")
    assert by_id["id"] == raster["id"]
    same = {k: v for k, v in by_id.items() if k not in ("seconds", "deprecations")}
    assert same == {k: v for k, v in raster.items() if k not in ("seconds", "deprecations")}
    # the stored definition is the normalised one: defaults such as overviewLevel may come back as null
    assert without_nulls(run.step("workflow_definition")["definition"]) == run.query["workflows"]["raster"]


def test_vector_and_plot_descriptors_through_the_graph_object(run: Run):
    assert run.step("get_result_descriptor_vector")["kind"] == "VectorResultDescriptor"
    assert run.step("get_result_descriptor_plot")["kind"] == "PlotResultDescriptor"


def test_processing_graph_names(run: Run):
    """0.10 names: the same content gives the same id through both spellings."""
    registered = run.step("register_processing_graph")
    assert registered["id"] == run.step("register_workflow_vector")["id"]
    assert run.step("processing_graph_by_id")["id"] == registered["id"]
    assert without_nulls(run.step("definition")["definition"]) == run.query["workflows"]["vector"]


# OGC services


def test_get_dataframe_wfs(run: Run):
    result = run.step("get_dataframe")
    ports = ports_in(run.data_dir, tuple(run.query["vector_bbox"]))
    assert result["rows"] == len(ports.names) > 10
    assert result["names"] == ports.names
    assert set(ports.columns) | {"geometry", "start", "end"} <= set(result["columns"])
    assert result["crs"] == "EPSG:4326"
    # ports have no time: `when` holds the beginning/end of time, which pandas turns into NaT
    assert result["start_nat"] == result["rows"]


def test_data_usage_for_computation(run: Run):
    """0.10: WFS answers carry x-computation-id; the client sums that computation's quota entries."""
    result = only_from_0_10(run, "data_usage_for_computation", "computation")
    if result is None:  # 0.9.3 sends no x-computation-id (audit C3)
        assert run.step("get_dataframe")["computation_id"] is None
        return
    assert uuid.UUID(result["computation_id"])
    assert result["credits"] > 0


def test_wms_error_is_ogc_xml_error(run: Run):
    result = run.step("wms_error")
    assert result["exception"] == "OGCXMLError", result


def test_wcs_error_is_owslib_service_exception(run: Run):
    result = run.step("wcs_error")
    assert result["exception"] == "owslib.util.ServiceException", result
    assert "TileLimitExceeded" in result["text"]


def test_get_array_wcs(run: Run):
    actual = decode(run.step("get_array")["array"])
    assert actual.dtype == np.uint8
    assert_same_pixels(actual, april(run))


def test_get_xarray_wcs(run: Run):
    result = run.step("get_xarray")
    window = april(run)
    (dx, dy), (x0, y0) = window.pixel, window.origin
    assert result["dims"] == ["band", "y", "x"]
    assert result["shape"] == [1, *window.values.shape]
    assert result["x"] == pytest.approx({"n": window.values.shape[1], "first": x0 + (window.col0 + 0.5) * dx,
                                         "last": x0 + (window.col0 + window.values.shape[1] - 0.5) * dx})
    assert result["y"] == pytest.approx({"n": window.values.shape[0], "first": y0 + (window.row0 + 0.5) * dy,
                                         "last": y0 + (window.row0 + window.values.shape[0] - 0.5) * dy})
    assert result["res"] == pytest.approx([dx, dy])
    assert result["crs"] == "EPSG:4326"
    assert_same_pixels(decode(result["array"])[0], window)


def test_download_raster_wcs(run: Run):
    result = run.step("download_raster")
    ds = gdal.Open(result["path"])
    window = april(run)
    (dx, dy), (x0, y0) = window.pixel, window.origin
    assert (ds.RasterXSize, ds.RasterYSize) == window.values.shape[::-1]
    assert ds.GetGeoTransform() == pytest.approx((x0 + window.col0 * dx, dx, 0, y0 + window.row0 * dy, 0, dy))
    band = ds.GetRasterBand(1)
    nodata = band.GetNoDataValue()
    assert_same_pixels(band.ReadAsArray(), window, nodata_as=nodata)
    # get_array made the same request: its nodata pixels carry the file's nodata value
    if nodata is not None and run.doc["steps"]["get_array"]["ok"]:
        assert_same_pixels(decode(run.doc["steps"]["get_array"]["array"]), window, nodata_as=nodata)


def test_wms_get_map_as_image(run: Run):
    result = run.step("wms_get_map_as_image")
    xmin, ymin, xmax, ymax = run.query["raster_bbox"]
    rx, ry = run.query["resolution"]
    assert result["size"] == [int((xmax - xmin) / rx), int((ymax - ymin) / ry)]
    assert result["format"] == "PNG"
    assert result["mode"] in ("RGBA", "RGB", "P")
    # the session's colorizer is a grey ramp 0 -> black .. 255 -> white, no data transparent
    rgba = decode(result["rgba"]).astype(int)
    window = april(run)
    valid = window.valid
    assert rgba.shape[:2] == window.values.shape
    assert (rgba[..., 3][valid] == 255).all() and (rgba[..., 3][~valid] == 0).all()
    for channel in range(3):
        assert np.abs(rgba[..., channel][valid] - window.values[valid].astype(int)).max() <= 1


# Websocket streams


def test_raster_stream_into_xarray(run: Run):
    result = run.step("raster_stream_into_xarray")
    tile = run.server.config.tile_size
    window = april(run, pad_to=tile)
    (dx, dy), (x0, y0) = window.pixel, window.origin
    rows, cols = window.values.shape
    assert result["dims"] == ["time", "band", "y", "x"]
    assert result["shape"] == [1, 1, rows, cols]
    assert result["x"] == pytest.approx({"n": cols, "first": x0 + (window.col0 + 0.5) * dx,
                                         "last": x0 + (window.col0 + cols - 0.5) * dx})
    assert result["y"] == pytest.approx({"n": rows, "first": y0 + (window.row0 + 0.5) * dy,
                                         "last": y0 + (window.row0 + rows - 0.5) * dy})
    assert result["times"][0].startswith("2014-04-01T00:00:00")
    assert_same_pixels(decode(result["array"])[0, 0], window, nodata_as=float("nan"))


def test_raster_stream_three_months_clipped(run: Run):
    """March to May: one time step per monthly file, each clipped to the query box, NaN where no data."""
    result = run.step("raster_stream_months_clipped")
    assert result["dims"] == ["time", "band", "y", "x"]
    assert [t[:10] for t in result["times"]] == ["2014-03-01", "2014-04-01", "2014-05-01"]
    stack = decode(result["array"])
    bbox = tuple(run.query["raster_bbox"])
    for i, month in enumerate(("2014-03-01", "2014-04-01", "2014-05-01")):
        window = read_window(ndvi_file(run.data_dir, month), bbox)
        assert_same_pixels(stack[i, 0], window, nodata_as=float("nan"))


def test_vector_stream_all_ports(run: Run):
    result = run.step("vector_stream_world")
    assert result["rows"] == len(ports_in(run.data_dir, tuple(run.query["world"])).names)
    # ports have no time: the stream carries Geo Engine's beginning of time, kept as a datetime64[ms] value
    assert len(result["time_start"]) == 1 and result["time_start"][0].startswith("-262143-01-01")


def test_vector_stream_into_geopandas(run: Run):
    result = run.step("vector_stream_into_geopandas")
    ports = ports_in(run.data_dir, tuple(run.query["vector_bbox"]))
    assert result["rows"] == len(ports.names)
    assert result["names"] == ports.names
    assert result["crs"] == "EPSG:4326"
    assert {"geometry", "time_start", "time_end"} <= set(result["columns"])


# Plots


def vega_spec(data: dict) -> dict:
    """The Vega-Lite spec of a JsonVega plot: ``vegaSpec`` (0.10 object) or ``vegaString`` (0.9 string)."""
    if "vegaSpec" in data:
        spec = data["vegaSpec"]
        return json.loads(spec) if isinstance(spec, str) else spec
    return json.loads(data["vegaString"])


def test_plot_json_histogram(run: Run):
    result = run.step("plot_json_histogram")
    assert (result["output_format"], result["plot_type"]) == ("JsonVega", "Histogram")
    bins = vega_spec(result["data"])["data"]["values"]
    tiles = april(run, pad_to=512)  # Geo Engine plots every pixel of the whole tiles the box touches (audit W2)
    valid = tiles.values[tiles.valid]
    assert len(bins) == run.query["workflows"]["histogram"]["operator"]["params"]["buckets"]["value"]
    assert sum(b["Frequency"] for b in bins) == valid.size
    assert bins[0]["binStart"] == pytest.approx(valid.min())
    assert bins[-1]["binEnd"] == pytest.approx(valid.max())


def test_plot_chart(run: Run):
    result = only_from_0_10(run, "plot_chart", "vegaSpec")  # 0.9.3 sends only vegaString (audit C3)
    if result is None:
        return
    spec = result["spec"]
    window = april(run, pad_to=512)  # whole tiles, as the histogram above
    assert sum(b["Frequency"] for b in spec["data"]["values"]) == int(window.valid.sum())


def test_plot_json_statistics(run: Run):
    result = run.step("plot_json_statistics")
    ports = ports_in(run.data_dir, tuple(run.query["vector_bbox"]))
    assert result["plot_type"] == "Statistics"
    if result["output_format"] == "JsonPlain":  # 0.9: {column: stats}
        stats = result["data"]
    else:  # 0.10: a Vega-Lite table, one row per column with the column in `name`
        stats = {row["name"]: row for row in vega_spec(result["data"])["data"]["values"]}
    assert set(stats) == set(ports.numbers)
    for column, values in ports.numbers.items():
        assert stats[column]["valueCount"] == len(values)
        assert stats[column]["min"] == pytest.approx(min(values))
        assert stats[column]["max"] == pytest.approx(max(values))
        assert stats[column]["mean"] == pytest.approx(float(np.mean(values)))


# Provenance and metadata


def test_get_provenance(run: Run):
    entries = run.step("get_provenance")["entries"]
    expected = dataset_definition(run.data_dir, "ndvi")["properties"]["provenance"][0]
    assert entries == [{**expected, "data": 1}]


def test_metadata_zip(run: Run):
    import zipfile

    result = run.step("metadata_zip")
    graph_file = "processing_graph.json"  # the 0.10 client asks below /processingGraphs, whatever the version
    assert sorted(result["names"]) == sorted([graph_file, "metadata.json", "citation.json"])
    with zipfile.ZipFile(result["path"]) as archive:
        citation = json.loads(archive.read("citation.json"))
        metadata = json.loads(archive.read("metadata.json"))
        graph = json.loads(archive.read(graph_file))
    expected = dataset_definition(run.data_dir, "ndvi")["properties"]["provenance"][0]
    assert citation[0]["provenance"] == expected
    assert metadata["type"] == "raster" and metadata["dataType"] == "U8"
    assert graph["operator"]["params"]["data"] == "ndvi"


# Datasets


def test_list_datasets(run: Run):
    result = run.step("list_datasets")
    defined = {}
    for path in sorted((run.data_dir / "dataset_defs").glob("*.json")):
        definition = json.loads(path.read_text())
        kind = "raster" if definition["metaData"]["type"].startswith("Gdal") else "vector"
        defined[definition["properties"]["name"]] = kind
    listed = {name: kind for name, kind in result["kinds"].items() if name in defined}
    # NameAsc is by display name on Geo Engine (its SQL orders by display_name): the test datasets' display names
    shown = {n: json.loads(p.read_text())["properties"].get("displayName", n)
             for p in (run.data_dir / "dataset_defs").glob("*.json")
             for n in [json.loads(p.read_text())["properties"]["name"]]}
    in_data = [n for n in result["names"] if n in shown]
    assert in_data == sorted(in_data, key=lambda n: shown[n].lower())
    assert {n: k for n, k in defined.items() if n in listed} == listed
    assert {"ndvi", "ne_10m_ports", "germany_outline"} <= set(listed)


def test_dataset_info_by_name(run: Run):
    result = run.step("dataset_info_by_name_ndvi")
    properties = dataset_definition(run.data_dir, "ndvi")["properties"]
    assert (result["name"], result["displayName"], result["description"]) == (
        properties["name"], properties["displayName"], properties["description"])
    assert result["provenance"] == properties["provenance"]
    colorizer = result["symbology"]["rasterColorizer"]["bandColorizer"]
    expected = properties["symbology"]["rasterColorizer"]["bandColorizer"]
    assert colorizer["type"] == "palette"
    assert colorizer["colors"] == expected["colors"]


# Layers


def test_layer_collection_root(run: Run):
    """Without an id: the providers; the internal layer database is the "Data Catalog"."""
    assert ["LayerCollectionListing", "Data Catalog"] in run.step("layer_collection")["items"]


def test_layer_collection_layer_db(run: Run):
    result = run.step("layer_collection_layer_db")
    name, items = layer_collection(run.data_dir, "05102bb3-a855-4a37-8a8a-30026a91fef1")  # the layer DB's root
    assert result["name"] == name
    assert sorted(result["items"]) == sorted(items)


def test_layer_as_processing_graph(run: Run):
    """The "Ports in Germany" layer (PointInPolygonFilter) keeps exactly the ports inside Germany's outline."""
    result = only_from_0_10(run, "layer_as_processing_graph", "processing")  # 0.9.3: no processingGraph (C3)
    if result is None:
        return
    assert result["name"] == "Ports in Germany"
    expected = ports_within(run.data_dir, "germany_outline")
    assert result["names"] == expected and result["rows"] == len(expected) > 0


# Storing a result, tasks


def test_save_as_dataset_task_completes(run: Run):
    task_id = run.step("save_as_dataset")["task_id"]
    finished = run.step("task_wait_for_finish")
    assert finished["status"] == "completed", finished
    name = finished["info"]["dataset"]
    assert uuid.UUID(finished["info"]["upload"])
    status = run.step("task_get_status")
    assert status["status"] == "completed"
    assert status["task_type"] == "create-dataset"
    assert "Interop NDVI April 2014" in status["description"]
    listed = {t["id"]: t["status"] for t in run.step("get_task_list")["tasks"]}
    assert listed.get(task_id) == "completed"
    info = run.step("dataset_info_by_name")["info"]
    assert info == {"name": name, "displayName": "Interop NDVI April 2014", "sourceOperator": "GdalSource"}


def test_stored_dataset_holds_the_query_result(run: Run):
    """The saved dataset, read back through WCS with the same query, has the April NDVI pixels."""
    stored = decode(run.step("stored_dataset_get_array")["array"])
    assert_same_pixels(stored, april(run))


def test_task_abort(run: Run):
    result = run.step("task_abort")
    assert result["status"] == "aborted", result
    listed = {t["id"]: t["status"] for t in run.step("get_task_list")["tasks"]}
    assert listed.get(result["task_id"]) == "aborted"


# Quota and data usage


def test_get_quota(run: Run):
    result = run.step("get_quota")
    assert isinstance(result["available"], int)
    assert result["used"] > 0, "the session computed WCS/WFS/plots before asking: tracked usage must show"


def test_update_quota_as_admin(run: Run):
    run.step("initialize_credentials")
    result = run.step("update_quota")
    assert result["user"] == run.step("initialize_anonymous")["user_id"]
    assert result["available"] == run.query["new_quota"]


def datasets_read(run: Run) -> set:
    """The datasets the session's computations read: the sources (Germany's outline through the layer),
    and the stored result it read back."""
    stored = run.doc["steps"]["task_wait_for_finish"].get("info") or {}
    return {"ndvi", "ne_10m_ports", "germany_outline", stored.get("dataset")} - {None}


def test_data_usage_as_admin(run: Run):
    result = run.step("data_usage")
    assert result["rows"] > 0
    assert result["columns"] == ["computationId", "count", "data", "timestamp", "userId"]
    assert result["data"] and set(result["data"]) <= datasets_read(run)


def test_data_usage_summary_as_admin(run: Run):
    result = run.step("data_usage_summary")
    assert result["rows"] > 0 and result["count"] > 0
    assert result["columns"] == ["count", "data", "timestamp"]
    assert result["data"] and set(result["data"]) <= datasets_read(run)

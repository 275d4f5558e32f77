"""Same names, same meaning: our core API against the official ``geoengine`` 0.10 client's.

The official client's signatures and a few of its wire strings (WMS styles, colorizer JSON, query strings)
are read by its own interpreter (``.venv-official``, ``make setup-official``) in a subprocess and compared
with ours.
"""

from __future__ import annotations

import inspect
import json
import subprocess
from pathlib import Path

import pytest
from geoengine_qgis.core import colorizer as our_colorizer
from geoengine_qgis.core import errors as our_errors
from geoengine_qgis.core import session as our_session
from geoengine_qgis.core import tasks as our_tasks
from geoengine_qgis.core import types as our_types
from geoengine_qgis.core import workflow as our_workflow

pytestmark = pytest.mark.official

REPO = Path(__file__).resolve().parents[2]
OFFICIAL_PYTHON = REPO / ".venv-official" / "bin" / "python"

OFFICIAL_SCRIPT = r"""
import inspect, json, warnings
from datetime import datetime
warnings.simplefilter("ignore")
import geoengine as ge
from geoengine import processing_graph as pg, tasks, auth, types, colorizer

def params(fn):
    return [p.name for p in inspect.signature(fn).parameters.values() if p.name != "self"]

def methods(cls):
    return {n: params(f) for n, f in vars(cls).items() if callable(f) and not n.startswith("_")}

out = {
    "workflow_methods": methods(pg.ProcessingGraph),
    "module_functions": {n: params(getattr(pg, n)) for n in (
        "register_processing_graph", "processing_graph_by_id", "register_workflow", "workflow_by_id",
        "get_quota", "update_quota", "data_usage", "data_usage_summary", "data_usage_for_computation")},
    "task_methods": methods(tasks.Task),
    "get_task_list": params(tasks.get_task_list),
    "auth": {n: params(getattr(auth, n)) for n in ("initialize", "get_session", "reset")},
    "session_init": params(auth.Session.__init__),
    "types": {n: params(getattr(types, n).__init__) for n in (
        "QueryRectangle", "RasterQueryRectangle", "TimeInterval", "SpatialResolution", "BoundingBox2D")},
    "errors": [n for n in ("GeoEngineException", "InputException", "UninitializedException", "OGCXMLError",
                           "MethodNotCalledOnRasterException", "MethodNotCalledOnVectorException",
                           "MethodNotCalledOnPlotException") if hasattr(ge, n)],
}
query = types.QueryRectangle(types.BoundingBox2D(-60.0, 5.0, 61.0, 6.0), types.TimeInterval(datetime(2014, 4, 1, 12)))
out["query"] = {"bbox_str": query.bbox_str, "bbox_ogc_str": query.bbox_ogc_str, "time_str": query.time_str}
interval = types.TimeInterval(datetime(2014, 1, 1), datetime(2014, 7, 1))
out["interval_str"] = interval.time_str
linear = colorizer.Colorizer.linear_with_mpl_cmap("viridis", (0.0, 255.0), 5, over_color=(1, 2, 3, 4))
out["linear"] = linear.to_api_dict().to_dict()
out["logarithmic"] = colorizer.Colorizer.logarithmic_with_mpl_cmap("magma", (1.0, 1000.0), 4).to_api_dict().to_dict()
raster = types.SingleBandRasterColorizer(band=0, band_colorizer=linear)
out["wms_style"] = "custom:" + raster.to_api_dict().to_json()
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def official() -> dict:
    if not OFFICIAL_PYTHON.exists():
        pytest.fail(f"{OFFICIAL_PYTHON} is missing: run `make setup-official` first")
    result = subprocess.run([str(OFFICIAL_PYTHON), "-c", OFFICIAL_SCRIPT], capture_output=True, text=True,
                            timeout=120, env={"PATH": "/usr/bin:/bin", "MPLBACKEND": "Agg", "HOME": "/tmp"})
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def our_params(fn) -> list:
    return [p.name for p in inspect.signature(fn).parameters.values() if p.name != "self"]


def assert_prefix(name: str, official: list, ours: list, renamed: dict = None) -> None:
    """Our parameters start with the official ones (same names, same order); extra ones may follow."""
    expected = [(renamed or {}).get(p, p) for p in official]
    assert ours[: len(expected)] == expected, f"{name}: official {official}, ours {ours}"


def test_workflow_methods_have_the_official_names_and_parameters(official):
    for name, params in official["workflow_methods"].items():
        assert hasattr(our_workflow.Workflow, name), f"Workflow.{name} is missing"
        assert_prefix(f"Workflow.{name}", params, our_params(getattr(our_workflow.Workflow, name)))


def test_module_functions(official):
    for name, params in official["module_functions"].items():
        ours = our_params(getattr(our_workflow, name))
        renamed = {"processing_graph": "workflow", "processing_graph_id": "workflow_id"}
        assert_prefix(name, params, ours, renamed)
    # ours adds the server's filter/offset/limit in front of timeout: the names must still all be there
    assert set(official["get_task_list"]) <= set(our_params(our_tasks.get_task_list))
    for name, params in official["auth"].items():
        assert_prefix(name, params, our_params(getattr(our_session, name)))
    assert_prefix("Session", official["session_init"], our_params(our_session.Session.__init__))


def test_task_methods(official):
    for name, params in official["task_methods"].items():
        if name == "as_future":  # asyncio helper, not offered (the plugin polls from a QgsTask)
            continue
        ours = our_params(getattr(our_tasks.Task, name))
        if name == "wait_for_finish":  # ours: (check_interval_seconds, timeout, progress, request_timeout, ...)
            assert set(params) <= set(ours), (params, ours)
        else:
            assert_prefix(f"Task.{name}", params, ours)


def test_type_constructors_and_errors(official):
    for name, params in official["types"].items():
        ours = our_params(getattr(our_types, name).__init__)
        assert_prefix(name, params, ours)
    for name in official["errors"]:
        assert hasattr(our_errors, name), name


def test_query_strings_equal_the_official_ones(official):
    from datetime import datetime

    query = our_types.QueryRectangle(our_types.BoundingBox2D(-60.0, 5.0, 61.0, 6.0), datetime(2014, 4, 1, 12))
    assert {"bbox_str": query.bbox_str, "bbox_ogc_str": query.bbox_ogc_str,
            "time_str": query.time_str} == official["query"]
    assert our_types.TimeInterval(datetime(2014, 1, 1), datetime(2014, 7, 1)).time_str == official["interval_str"]


def test_colorizers_equal_the_official_ones(official):
    linear = our_colorizer.Colorizer.linear_with_mpl_cmap("viridis", (0.0, 255.0), 5, over_color=(1, 2, 3, 4))
    assert linear.to_dict() == official["linear"]
    logarithmic = our_colorizer.Colorizer.logarithmic_with_mpl_cmap("magma", (1.0, 1000.0), 4)
    ours, theirs = logarithmic.to_dict(), official["logarithmic"]
    assert [b["color"] for b in ours["breakpoints"]] == [b["color"] for b in theirs["breakpoints"]]
    assert [b["value"] for b in ours["breakpoints"]] == pytest.approx([b["value"] for b in theirs["breakpoints"]])
    style = our_colorizer.SingleBandRasterColorizer(0, linear).wms_style()
    assert json.loads(style[len("custom:"):]) == json.loads(official["wms_style"][len("custom:"):])

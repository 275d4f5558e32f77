"""Workflow endpoints under both path families: 0.9 ``/workflow…`` and 0.10 ``/processingGraphs…``.

Register, definition, result descriptor, provenance, the metadata zip and saving a raster
result as a dataset (``/datasetFromWorkflow/{id}`` and ``/datasetFromProcessingGraph/{id}``).
The websocket streams below these paths belong to ``streams.py``.
"""

from __future__ import annotations

import io
import json
import uuid
import zipfile

from aiohttp import web

from . import raster_export
from .app import uuid_param
from .auth import read_json, require_session
from .errors import ApiError
from .raster_export import EmptyPlan, ExportFolder, ExportPlan, ExportRequest
from .tasks import TaskFailed
from .workflows import WorkflowRegistry

# 0.9.3 routes (/workflow...): geo-engine/geoengine@5748ef7:geoengine/services/src/api/handlers/workflows.rs;
# /processingGraphs... is the 0.10 name (no 0.10 source in the mirror)
FAMILIES = (("/workflow", "workflow.json"), ("/processingGraphs", "processing_graph.json"))


def _registry(request: web.Request) -> WorkflowRegistry:
    return request.app["workflows"]


def _id(request: web.Request) -> str:
    return request.match_info["id"].lower()


async def register(request: web.Request) -> web.Response:
    require_session(request)
    body = await read_json(request)
    workflow_id, _ = _registry(request).register(body)
    return web.json_response({"id": workflow_id})


async def definition(request: web.Request) -> web.Response:
    require_session(request)
    return web.json_response(_registry(request).get(_id(request)))


async def metadata(request: web.Request) -> web.Response:
    require_session(request)
    return web.json_response(_registry(request).operator(_id(request)).descriptor.to_json())


async def provenance(request: web.Request) -> web.Response:
    require_session(request)
    return web.json_response(_registry(request).provenance(_id(request)))


def _pretty(value) -> bytes:
    return json.dumps(value, indent=2, ensure_ascii=False).encode()


# Deflate zip of workflow.json, metadata.json, citation.json, pretty JSON:
# geo-engine/geoengine@5748ef7:geoengine/services/src/api/handlers/workflows.rs (get_workflow_all_metadata_zip_handler)
def metadata_zip_handler(workflow_file: str):
    async def metadata_zip(request: web.Request) -> web.Response:
        require_session(request)
        registry, workflow_id = _registry(request), _id(request)
        files = {
            workflow_file: registry.get(workflow_id),
            "metadata.json": registry.operator(workflow_id).descriptor.to_json(),
            "citation.json": registry.provenance(workflow_id),
        }
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name, content in files.items():
                archive.writestr(name, _pretty(content))
        return web.Response(
            body=buffer.getvalue(),
            content_type="application/zip",
            headers={"Content-Disposition": f'attachment; filename="metadata_{workflow_id}.zip"'},
        )

    return metadata_zip


# Handler and task: geo-engine/geoengine@5748ef7:geoengine/services/src/api/handlers/workflows.rs
# (dataset_from_workflow_handler), geo-engine/geoengine@5748ef7:geoengine/services/src/datasets/create_from_workflow.rs
async def dataset_from_workflow(request: web.Request) -> web.Response:
    """Start the task that computes the raster and stores it as a dataset; ``{"taskId"}``."""
    session = require_session(request)
    app, user_id = request.app, session.user.id
    export = ExportRequest.parse(await read_json(request))
    workflow_id = _id(request)
    registry = _registry(request)
    workflow = registry.get(workflow_id)
    if workflow.get("type") != "Raster":
        raise ApiError(
            "InvalidOperatorType",
            f"Invalid operator type: expected Raster found {workflow.get('type')} "
            "(only raster workflows can be saved as a dataset)",
        )
    operator = registry.instantiate(workflow_id)  # the worker thread's own instance (multi-band: fails in the task)
    folder: ExportFolder = app["exports"]
    # A taken name is refused before the task starts; the namespace is checked only when the computed dataset
    # is added, at the very end: geo-engine/geoengine@5748ef7:geoengine/services/src/datasets/create_from_workflow.rs
    name = raster_export.canonical_name(export.name) if export.name else None
    if name is not None and (name in app["catalog"].datasets or name in folder.pending_names):
        raise ApiError("DatasetNameAlreadyExists", f"Dataset name '{name}' already exists")
    app["quota"].check(user_id)
    try:
        plan, empty = ExportPlan.create(operator.descriptor, export.bounds, app["config"].tile_size), None
    except EmptyPlan as exc:  # fails in the task, after the (empty) work, as on the real server
        plan, empty = None, exc

    upload, directory = folder.new_upload()
    dataset_id = str(uuid.uuid4())
    # the real default name: geo-engine/geoengine@5748ef7:geoengine/services/src/datasets/postgres.rs add_dataset
    name = name or f"{user_id}:{dataset_id}"
    folder.pending_names.add(name)
    task = app["tasks"].create(
        user_id, raster_export.TASK_TYPE, f"Creating dataset {export.display_name} from workflow {workflow_id}"
    )
    pace = app["config"].task_seconds_per_tile

    def work(task):
        if empty is not None:
            raise empty
        return raster_export.write_slices(task, operator, plan, export.time, directory, export.as_cog, pace)

    def on_success(written) -> dict:
        folder.pending_names.discard(name)
        app["quota"].record(user_id, workflow_id, list(operator.datasets), written.units)
        if not raster_export.namespace_allowed(name, user_id, session.user.is_admin):
            raise TaskFailed("InvalidDatasetIdNamespace")  # after the work, files removed by the clean-up
        meta = raster_export.dataset_meta(operator.descriptor, plan, written)
        app["catalog"].add_dataset(raster_export.new_dataset(export, dataset_id, name, user_id, upload, meta))
        return {"dataset": name, "upload": upload}

    def clean_up() -> None:
        folder.pending_names.discard(name)
        for path in sorted(directory.glob("*"), reverse=True):
            path.unlink()
        directory.rmdir()

    app["tasks"].start(task, work, on_success, clean_up)
    return web.json_response({"taskId": task.id})


async def _remove_exports(app: web.Application) -> None:
    await app["tasks"].shutdown()
    app["exports"].remove()


def add_routes(app: web.Application) -> None:
    wid = uuid_param("id")
    for prefix, workflow_file in FAMILIES:
        app.router.add_post(prefix, register)
        app.router.add_get(f"{prefix}/{wid}", definition)
        app.router.add_get(f"{prefix}/{wid}/metadata", metadata)
        app.router.add_get(f"{prefix}/{wid}/provenance", provenance)
        app.router.add_get(f"{prefix}/{wid}/allMetadata/zip", metadata_zip_handler(workflow_file))
    app.router.add_post(f"/datasetFromWorkflow/{wid}", dataset_from_workflow)
    app.router.add_post(f"/datasetFromProcessingGraph/{wid}", dataset_from_workflow)
    app["exports"] = ExportFolder()
    app.on_cleanup.append(_remove_exports)

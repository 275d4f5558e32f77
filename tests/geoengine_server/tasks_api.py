"""``/tasks/{id}/status``, ``/tasks/list`` and ``DELETE /tasks/{id}`` (abort)."""

from __future__ import annotations

from aiohttp import web

from .app import uuid_param
from .auth import require_session
from .params import paging, query_bool, query_enum
from .tasks import FILTERS, TaskManager

TASK_LIST_DEFAULT_LIMIT = 10


def _tasks(request: web.Request) -> TaskManager:
    return request.app["tasks"]


# Routes (abort answers 202): geo-engine/geoengine@5748ef7:geoengine/services/src/api/handlers/tasks.rs
async def status(request: web.Request) -> web.Response:
    session = require_session(request)
    return web.json_response(_tasks(request).get(request.match_info["id"], session.user.id).status_json())


async def task_list(request: web.Request) -> web.Response:
    session = require_session(request)
    status_filter = query_enum(request, "filter", FILTERS, default=None)
    # [task_manager] list_default_limit 10, list_limit 20: geo-engine/geoengine@5748ef7:geoengine/Settings-default.toml
    limit_max = request.app["config"].list_limit
    offset, limit = paging(request, max_limit=limit_max, default_offset=0, default_limit=TASK_LIST_DEFAULT_LIMIT)
    return web.json_response(_tasks(request).list(session.user.id, status_filter, offset, limit))


async def abort(request: web.Request) -> web.Response:
    session = require_session(request)
    force = query_bool(request, "force")
    _tasks(request).abort(request.match_info["id"], session.user.id, force)
    return web.Response(status=202)


async def _stop_tasks(app: web.Application) -> None:
    await app["tasks"].shutdown()


def add_routes(app: web.Application) -> None:
    app.router.add_get("/tasks/list", task_list)
    app.router.add_get(f"/tasks/{uuid_param('id')}/status", status)
    app.router.add_delete(f"/tasks/{uuid_param('id')}", abort)
    app.on_cleanup.append(_stop_tasks)

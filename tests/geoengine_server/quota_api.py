"""``/quota``, ``/quotas/{user}``, ``/quota/computations`` and ``/quota/dataUsage`` (admin only)."""

from __future__ import annotations

from aiohttp import web

from .app import uuid_param
from .auth import read_json, require_session
from .errors import ApiError, body_error, unauthorized
from .params import paging, query_enum
from .quota import GRANULARITIES, QuotaLedger
from .workflows import operator_paths

# Routes and handlers: geo-engine/geoengine@5748ef7:geoengine/services/src/api/handlers/users.rs; own-or-admin checks
# and usage queries: geo-engine/geoengine@5748ef7:geoengine/services/src/users/postgres_userdb.rs
ADMIN_REQUIRED = "Operation requires admin privilige"  # sic, Geo Engine's spelling
PERMISSION_DENIED = ("PermissionDenied", "Permission denied")
SUMMARY_DATASET_FILTER_ERROR = ("TokioPostgres", "Tokio postgres")
COMPUTATIONS_CAP = 10


def _ledger(request: web.Request) -> QuotaLedger:
    return request.app["quota"]


def _quota_json(ledger: QuotaLedger, user_id: str) -> dict:
    available, used = ledger.quota(user_id)
    return {"available": available, "used": used}


async def own_quota(request: web.Request) -> web.Response:
    session = require_session(request)
    return web.json_response(_quota_json(_ledger(request), session.user.id))


async def user_quota(request: web.Request) -> web.Response:
    session = require_session(request)
    user_id = request.match_info["user"].lower()
    if user_id != session.user.id and not session.user.is_admin:
        raise unauthorized(ADMIN_REQUIRED)
    return web.json_response(_quota_json(_ledger(request), user_id))


async def update_quota(request: web.Request) -> web.Response:
    session = require_session(request)
    if not session.user.is_admin:
        raise unauthorized(ADMIN_REQUIRED)
    body = await read_json(request)
    if not isinstance(body, dict) or "available" not in body:
        raise body_error("missing field `available`")
    available = body["available"]
    if isinstance(available, bool) or not isinstance(available, int):
        raise body_error(f"invalid type: {type(available).__name__} `{available}`, expected i64")
    _ledger(request).set_available(request.match_info["user"].lower(), available)
    return web.Response(status=200)


async def computations(request: web.Request) -> web.Response:
    session = require_session(request)
    offset, limit = paging(request, max_limit=None)
    # silently at most 10 rows: geo-engine/geoengine@5748ef7:geoengine/services/src/users/postgres_userdb.rs
    entries = _ledger(request).computations_of(session.user.id, offset, min(limit, COMPUTATIONS_CAP))
    with_graph_id = request.app["config"].version.startswith("0.10")
    return web.json_response([c.to_json(with_graph_id) for c in entries])


async def computation_operators(request: web.Request) -> web.Response:
    """Each operator of the computed workflow with the computation's count (sources produce one
    element per output element in this server's engine; no per-operator metering)."""
    session = require_session(request)
    entry = _ledger(request).computation(request.match_info["computation"].lower())
    if entry is None or (entry.user_id != session.user.id and not session.user.is_admin):
        return web.json_response([])
    try:
        definition = request.app["workflows"].get(entry.workflow_id)
    except ApiError:
        return web.json_response([])
    operators = operator_paths(definition)
    return web.json_response([{"operatorName": n, "operatorPath": p, "count": entry.count} for n, p in operators])


async def data_usage(request: web.Request) -> web.Response:
    session = require_session(request)
    offset, limit = paging(request, max_limit=None)
    if not session.user.is_admin:
        raise ApiError(*PERMISSION_DENIED)
    return web.json_response([u.to_json() for u in _ledger(request).usage(offset, limit)])


async def data_usage_summary(request: web.Request) -> web.Response:
    session = require_session(request)
    granularity = query_enum(request, "granularity", GRANULARITIES)
    offset, limit = paging(request, max_limit=None)
    dataset = request.query.get("dataset") or None
    if not session.user.is_admin:
        raise ApiError(*PERMISSION_DENIED)
    if dataset is not None and request.app["config"].version.startswith("0.9"):
        # 0.9.3's SQL for the dataset filter lacks a comma after `data` ("data COUNT(*)"), a syntax error that
        # reaches the client as the bare variant (geo-engine/geoengine@5748ef7:geoengine/services/src/users/
        # postgres_userdb.rs quota_used_on_data_summary; geo-engine/geoengine@5748ef7:geoengine/services/src/api/
        # model/responses/mod.rs: a variant without a message gets its name in sentence case)
        raise ApiError(*SUMMARY_DATASET_FILTER_ERROR)
    return web.json_response(_ledger(request).usage_summary(granularity, offset, limit, dataset))


def add_routes(app: web.Application) -> None:
    app.router.add_get("/quota", own_quota)
    app.router.add_get(f"/quotas/{uuid_param('user')}", user_quota)
    app.router.add_post(f"/quotas/{uuid_param('user')}", update_quota)
    app.router.add_get("/quota/computations", computations)
    app.router.add_get(f"/quota/computations/{uuid_param('computation')}", computation_operators)
    app.router.add_get("/quota/dataUsage", data_usage)
    app.router.add_get("/quota/dataUsage/summary", data_usage_summary)

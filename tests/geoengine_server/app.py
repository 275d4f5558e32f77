"""The aiohttp application: everything below ``/api``, Geo Engine's error shapes, fault injection."""

from __future__ import annotations

import asyncio
import collections
import logging
import warnings

from aiohttp import web

from . import errors
from .config import ServerConfig
from .errors import ApiError, json_error
from .state import UserDb

warnings.filterwarnings("ignore", category=web.NotAppKeyWarning)
log = logging.getLogger("geoengine_server")

REQUEST_LOG_SIZE = 10_000
UUID_PATTERN = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"


# Path segments that are not UUIDs get the 404 body: geo-engine/geoengine@5748ef7:geoengine/services/src/util/server.rs
# (render_404)
def uuid_param(name: str) -> str:
    """A route segment that only matches a UUID, so other values get Geo Engine's 404."""
    return "{" + name + ":" + UUID_PATTERN + "}"


@web.middleware
async def error_middleware(request: web.Request, handler):
    try:
        return await handler(request)
    except ApiError as exc:
        return exc.response()
    # 404/405/413 bodies: geo-engine/geoengine@5748ef7:geoengine/services/src/util/server.rs
    except web.HTTPNotFound:
        return json_error(*errors.NOT_FOUND)
    except web.HTTPMethodNotAllowed:
        return json_error(*errors.METHOD_NOT_ALLOWED)
    except web.HTTPRequestEntityTooLarge:
        return json_error(413, "Overflow", "Payload too large")
    except web.HTTPException:
        raise
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # a bug of ours: say so as a 500 with Geo Engine's body shape
        log.exception("internal error on %s", request.path)
        return json_error(500, "InternalServerError", f"Internal server error: {exc}")


@web.middleware
async def fault_middleware(request: web.Request, handler):
    config: ServerConfig = request.app["config"]
    faults = config.faults
    if faults.latency_s:
        await asyncio.sleep(faults.latency_s)
    relative = request.path[len(config.api_prefix) :] if request.path.startswith(config.api_prefix) else ""
    request.app["request_log"].append(f"{request.method} {relative}")  # tests read what clients asked for
    if faults.http_500_remaining > 0 and relative.startswith(faults.http_500_path_prefix):
        faults.http_500_remaining -= 1
        return json_error(500, "InternalServerError", "Injected fault: internal server error")
    return await handler(request)


def _route_modules():
    # Imported here so that each family of endpoints stays in its own module.
    from . import (
        auth,
        catalog_api,
        ogc_wcs,
        ogc_wfs,
        ogc_wms,
        plots_api,
        quota_api,
        srs_api,
        streams,
        tasks_api,
        workflows_api,
    )

    return (
        auth, workflows_api, catalog_api, srs_api, tasks_api, quota_api, ogc_wms, ogc_wfs, ogc_wcs, plots_api, streams
    )


def create_app(config: ServerConfig | None = None) -> web.Application:
    """The root application; the API itself is a sub-application mounted at ``config.api_prefix``."""
    from .services import Services

    config = config or ServerConfig()
    from .hostile import hostile_middleware

    api = web.Application(middlewares=[error_middleware, hostile_middleware, fault_middleware],
                          client_max_size=64 * 1024 * 1024)
    api["config"] = config
    api["users"] = UserDb(config.session_lifetime_s)
    api["request_log"] = collections.deque(maxlen=REQUEST_LOG_SIZE)  # "METHOD /path" below the API prefix
    Services.install(api, config)
    for module in _route_modules():
        module.add_routes(api)

    root = web.Application(middlewares=[error_middleware])
    root["api"] = api
    root.add_subapp(config.api_prefix, api)
    return root

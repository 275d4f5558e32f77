"""Sessions endpoints and the Bearer check every other endpoint runs first."""

from __future__ import annotations

import json
import uuid

from aiohttp import web

from . import errors
from .errors import ApiError, unauthorized
from .state import Session


# The Bearer session extractor and its 401s: geo-engine/geoengine@5748ef7:geoengine/services/src/users/session.rs
def require_session(request: web.Request) -> Session:
    """The caller's session, from ``Authorization: Bearer <uuid>`` only (401 otherwise)."""
    header = request.headers.get("Authorization")
    if header is None:
        raise unauthorized(errors.MISSING_HEADER)
    scheme, _, token = header.partition(" ")
    if scheme != "Bearer":
        raise unauthorized(errors.NOT_BEARER)
    token = token.strip()
    try:
        uuid.UUID(token)
    except ValueError:
        raise unauthorized(errors.BAD_FORMAT) from None
    session = request.app["users"].valid_session(token)
    if session is None:
        raise unauthorized(errors.INVALID_SESSION)
    return session


def require_admin(request: web.Request) -> Session:
    session = require_session(request)
    if not session.user.is_admin:
        raise unauthorized(errors.NOT_ADMIN)
    return session


async def read_json(request: web.Request):
    """The JSON body, with Geo Engine's 415 and BodyDeserializeError answers."""
    if request.content_type != "application/json":
        status, error, message = errors.UNSUPPORTED_MEDIA
        raise ApiError(error, message, status)
    text = await request.text()
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        message, column = _serde_style(exc)
        raise errors.body_error(f"{message} at line {exc.lineno} column {column}") from None


_LITERALS = {"n": "null", "t": "true", "f": "false"}


def _serde_style(exc: json.JSONDecodeError) -> tuple[str, int]:
    """serde_json's wording and column: a broken ``null``/``true``/``false`` is "expected ident" at the
    first character that does not match (``no json`` -> column 2), other bad values "expected value"."""
    if exc.msg.startswith("Expecting value"):
        literal = _LITERALS.get(exc.doc[exc.pos : exc.pos + 1])
        if literal is None:
            return "expected value", exc.colno
        matched = 0
        while matched < len(literal) and exc.doc[exc.pos + matched : exc.pos + matched + 1] == literal[matched]:
            matched += 1
        return "expected ident", exc.colno + matched
    return exc.msg[0].lower() + exc.msg[1:], exc.colno


# Session endpoints (30-day sessions): geo-engine/geoengine@5748ef7:geoengine/services/src/api/handlers/users.rs,
# geo-engine/geoengine@5748ef7:geoengine/services/src/users/postgres_userdb.rs
async def anonymous(request: web.Request) -> web.Response:
    if not request.app["config"].anonymous_access:
        raise unauthorized(errors.ANONYMOUS_DISABLED)
    return web.json_response(request.app["users"].new_anonymous_session().to_json())


async def login(request: web.Request) -> web.Response:
    body = await read_json(request)
    if not isinstance(body, dict) or not isinstance(body.get("email"), str) or "password" not in body:
        raise errors.body_error("missing field `email` or `password`")
    user = request.app["users"].user_by_email(body["email"])
    if user is None or user.password != body["password"]:
        raise unauthorized(errors.WRONG_LOGIN)
    return web.json_response(request.app["users"].new_session(user).to_json())


async def session_info(request: web.Request) -> web.Response:
    return web.json_response(require_session(request).to_json())


async def logout(request: web.Request) -> web.Response:
    session = require_session(request)
    request.app["users"].sessions.pop(session.id, None)
    return web.Response(status=200)


# /info and /available: geo-engine/geoengine@5748ef7:geoengine/services/src/util/server.rs
async def info(request: web.Request) -> web.Response:
    config = request.app["config"]
    return web.json_response(
        {"buildDate": "2026-08-06", "commitHash": "unknown", "version": config.version, "features": "pro"}
    )


async def available(request: web.Request) -> web.Response:
    return web.Response(status=204)


# geo-engine/geoengine@5748ef7:geoengine/services/src/api/handlers/users.rs (/user/roles/descriptions)
async def role_descriptions(request: web.Request) -> web.Response:
    session = require_session(request)
    names = {session.user.id: session.user.email or "anonymous"}
    return web.json_response(
        [{"role": {"id": r, "name": names.get(r, r)}, "individual": r == session.user.id} for r in session.user.roles]
    )


def add_routes(app: web.Application) -> None:
    app.router.add_post("/anonymous", anonymous)
    app.router.add_post("/login", login)
    app.router.add_get("/session", session_info)
    app.router.add_post("/logout", logout)
    app.router.add_get("/info", info)
    app.router.add_get("/available", available)
    app.router.add_get("/user/roles/descriptions", role_descriptions)

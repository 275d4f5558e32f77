"""Geo Engine's error bodies: ``{"error": <variant>, "message": <text>}`` with its status codes."""

from __future__ import annotations

import json
import re
from typing import Sequence

from aiohttp import web


# Error bodies and status codes (401 Unauthorized, 409 Duplicate, else 400):
# geo-engine/geoengine@5748ef7:geoengine/services/src/error.rs (ResponseError) and
# geo-engine/geoengine@5748ef7:geoengine/services/src/api/model/responses/mod.rs (ErrorResponse)
class ApiError(Exception):
    """An error the server answers with its JSON error body."""

    def __init__(self, error: str, message: str | None = None, status: int = 400):
        super().__init__(message or error)
        self.error = error
        self.message = message if message is not None else sentence_case(error)
        self.status = status

    def response(self) -> web.Response:
        return json_error(self.status, self.error, self.message)


# A variant without a message gets its name in sentence case:
# geo-engine/geoengine@5748ef7:geoengine/services/src/api/model/responses/mod.rs
def sentence_case(variant: str) -> str:
    """``NoWorkflowForGivenId`` -> ``No workflow for given id`` (Geo Engine's default Display)."""
    words = re.findall(r"[A-Z][a-z0-9]*|[a-z0-9]+", variant)
    text = " ".join(w.lower() for w in words)
    return text[:1].upper() + text[1:]


def json_error(status: int, error: str, message: str) -> web.Response:
    return web.Response(
        status=status,
        body=json.dumps({"error": error, "message": message}).encode(),
        content_type="application/json",
    )


def unauthorized(reason: str) -> ApiError:
    return ApiError("Unauthorized", f"Authorization error: {reason}", status=401)


# The texts of these variants: geo-engine/geoengine@5748ef7:geoengine/services/src/error.rs
MISSING_HEADER = "Header with authorization token not provided."
NOT_BEARER = "Authentication scheme must be Bearer."
BAD_FORMAT = "Identifier does not have the right format."
INVALID_SESSION = "The session id is invalid."
WRONG_LOGIN = "User does not exist or password is wrong."
ANONYMOUS_DISABLED = "Anonymous access is disabled, please log in"
NOT_ADMIN = "Invalid admin token"


# Query-string, body and routing errors: geo-engine/geoengine@5748ef7:geoengine/services/src/util/server.rs
def query_error(message: str) -> ApiError:
    """A missing or unparsable query parameter (before the handler runs)."""
    return ApiError("UnableToParseQueryString", f"Unable to parse query string: {message}")


def missing_field(name: str) -> ApiError:
    return query_error(f"missing field `{name}`")


def unknown_variant(value: str, choices: Sequence[str]) -> str:
    """serde's text for a value outside ``choices``: ``expected `a```, ``expected `a` or `b```, else ``one of``."""
    quoted = [f"`{c}`" for c in choices]
    if len(quoted) <= 2:
        expected = " or ".join(quoted)
    else:
        expected = "one of " + ", ".join(quoted)
    return f"unknown variant `{value}`, expected {expected}"


def body_error(message: str) -> ApiError:
    return ApiError("BodyDeserializeError", f"Error in user input: {message}")


NOT_FOUND = (404, "NotFound", "Not Found")
METHOD_NOT_ALLOWED = (405, "MethodNotAllowed", "HTTP method not allowed.")
UNSUPPORTED_MEDIA = (415, "UnsupportedMediaType", "Unsupported content type header.")

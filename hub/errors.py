"""The hub's domain exceptions and how every error becomes a JSON (or HTML) answer.

Services raise these; views never catch them::

    DomainError
    ├── NotFound            404  the record does not exist
    ├── Conflict            409  the state forbids the change; ``allowed`` lists what would work
    ├── InvalidInput        422  field-by-field messages, for checks a schema cannot make
    ├── Unauthorized        401  no valid bearer token (RFC 6750 ``WWW-Authenticate`` header)
    └── Forbidden           403  the caller may not do this (e.g. ``insufficient_scope``)

The JSON body has the node's shape (``code``, ``status``, ``message``, extras), so a node's
hub client reads both services' errors alike.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

_NAMES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    422: "Unprocessable Entity",
    503: "Service Unavailable",
}


class DomainError(Exception):
    """Base of every error a service raises on purpose."""

    status = 400

    def __init__(
        self, message: str, *, headers: Mapping[str, str] | None = None, **extra: Any
    ) -> None:
        super().__init__(message)
        self.message = message
        self.headers = dict(headers or {})
        self.extra = extra


class NotFound(DomainError):
    status = 404


class Conflict(DomainError):
    status = 409

    def __init__(self, message: str, *, allowed: Sequence[str] = (), **extra: Any) -> None:
        super().__init__(message, allowed=list(allowed), **extra)


class InvalidInput(DomainError):
    status = 422

    def __init__(self, errors: Mapping[str, Any], message: str = "Invalid input.") -> None:
        super().__init__(message, errors=dict(errors))


class Unauthorized(DomainError):
    status = 401


class Forbidden(DomainError):
    status = 403


#: Paths only machines call: nodes with a token or client credentials, and monitors.
MACHINE_PATHS = ("/api/", "/oauth/", "/healthz")


def wants_json() -> bool:
    """Tell whether the caller is an API client rather than a browser page."""
    if request.path.startswith(MACHINE_PATHS):
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json"


def _answer(
    status: int, name: str, message: str, headers: Mapping[str, str], **extra: Any
) -> Response | tuple[str, int]:
    if not wants_json():
        return render_template("error.html", status=status, name=name, message=message), status
    response = jsonify({"code": status, "status": name, "message": message, **extra})
    response.status_code = status
    for key, value in headers.items():
        if key.lower() not in ("content-type", "content-length"):
            response.headers[key] = value
    return response


def handle_http_exception(error: HTTPException) -> Response | tuple[str, int]:
    """Render any HTTP error as JSON for the API (with webargs' field errors) or HTML."""
    status = error.code or 500
    data = getattr(error, "data", None) or {}
    extra: dict[str, Any] = {}
    if "messages" in data:  # webargs / flask-smorest validation errors
        extra["errors"] = data["messages"]
    elif "errors" in data:
        extra["errors"] = data["errors"]
    message = data.get("message") or error.description or error.name
    if status == 422 and "errors" in extra and not data.get("message"):
        message = "Invalid input: see errors for each field."
    headers = dict(getattr(error, "get_headers", lambda: [])() or [])
    return _answer(status, error.name, message, headers, **extra)


def handle_domain_error(error: DomainError) -> Response | tuple[str, int]:
    name = _NAMES.get(error.status, "Error")
    return _answer(error.status, name, error.message, error.headers, **error.extra)


def register_errorhandlers(app: Flask) -> None:
    """Map domain errors and HTTP errors onto consistent answers."""
    app.register_error_handler(DomainError, handle_domain_error)
    app.register_error_handler(HTTPException, handle_http_exception)

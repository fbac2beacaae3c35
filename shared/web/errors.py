"""Domain exceptions both services raise, and how every error becomes a JSON (or HTML) answer.

Services raise these; views never catch them::

    DomainError             400  base; ``extra`` keywords join the JSON body
    ├── NotFound            404  the record does not exist
    ├── Conflict            409  the state forbids the change; ``allowed`` lists what would work
    ├── InvalidInput        422  field-by-field messages, for checks a schema cannot make
    ├── Unauthorized        401  no valid credentials (e.g. RFC 6750 ``WWW-Authenticate``)
    ├── Forbidden           403  the caller may not do this
    └── (feature errors, e.g. the node's RulesUnavailable, 503)

Both services answer with one JSON shape (``code``, ``status``, ``message``, extras such
as ``errors``), so a node's hub client reads either service's errors alike.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from flask import Flask, Response, current_app, jsonify, render_template, request
from werkzeug.exceptions import HTTPException, default_exceptions
from werkzeug.http import HTTP_STATUS_CODES


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


#: Where the JSON-path prefixes live in ``app.extensions``.
_JSON_PATHS = "shared.web.errors.json_paths"


def register_errorhandlers(app: Flask, *, json_paths: Sequence[str]) -> None:
    """Map domain and HTTP errors onto one answer shape; ``json_paths`` always get JSON.

    Those are the paths only machines call (the API, a token endpoint, the health check);
    elsewhere the Accept header chooses between JSON and the ``error.html`` page.
    """
    app.extensions[_JSON_PATHS] = tuple(json_paths)
    app.register_error_handler(DomainError, handle_domain_error)
    app.register_error_handler(HTTPException, handle_http_exception)


def wants_json() -> bool:
    """Tell whether the caller is an API client rather than a browser page."""
    if request.path.startswith(current_app.extensions[_JSON_PATHS]):
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json"


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
    return answer(status, message, headers, **extra)


def handle_domain_error(error: DomainError) -> Response | tuple[str, int]:
    return answer(error.status, error.message, error.headers, **error.extra)


def answer(
    status: int, message: str, headers: Mapping[str, str] | None = None, **extra: Any
) -> Response | tuple[str, int]:
    """Answer ``status`` as the JSON error shape, or as the error page for a browser."""
    name = HTTP_STATUS_CODES.get(status, "Error")
    if not wants_json():
        # Werkzeug's own description is for developers: the page says it in plain words.
        generic = status in default_exceptions and message in (
            default_exceptions[status].description,
            name,
        )
        page = render_template(
            "error.html", status=status, name=name, message=message, generic=generic
        )
        return page, status
    response = jsonify(error_body(status, name, message, **extra))
    response.status_code = status
    for key, value in (headers or {}).items():
        if key.lower() not in ("content-type", "content-length"):
            response.headers[key] = value
    return response


def error_body(status: int, name: str, message: str, **extra: Any) -> dict[str, Any]:
    """Return the JSON error shape; any marshmallow error tree in ``extra`` becomes JSON.

    marshmallow keys a list item's errors by its index (an int) beside field names (str),
    and JSON objects take only string keys, so keys become strings all the way down.
    """
    return {"code": status, "status": name, "message": message, **_str_keys(extra)}


def _str_keys(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(key): _str_keys(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_str_keys(item) for item in value]
    return value

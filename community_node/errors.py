"""The node's domain exceptions and how every error becomes a JSON (or HTML) answer.

Services raise these; views never catch them::

    DomainError
    ├── NotFound            404  the record does not exist
    ├── Conflict            409  the state forbids the change; ``allowed`` lists what would work
    ├── InvalidInput        422  field-by-field messages, for checks a schema cannot make
    ├── Forbidden           403  the actor's role does not allow it
    └── (feature errors, e.g. eligibility's RulesUnavailable, 503)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException


class DomainError(Exception):
    """Base of every error a service raises on purpose."""

    status = 400

    def __init__(self, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.message = message
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


class Forbidden(DomainError):
    status = 403


def wants_json() -> bool:
    """Tell whether the caller is an API client rather than a browser page."""
    if request.path.startswith(("/api/", "/healthz")):
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json"


def _payload(status: int, name: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"code": status, "status": name, "message": message, **extra}


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
    if not wants_json():
        return render_template(
            "error.html", status=status, name=error.name, message=message
        ), status
    response = jsonify(_payload(status, error.name, message, **extra))
    response.status_code = status
    for key, value in getattr(error, "get_headers", lambda: [])() or []:
        if key.lower() not in ("content-type", "content-length"):
            response.headers[key] = value
    return response


def handle_domain_error(error: DomainError) -> Response | tuple[str, int]:
    names = {
        400: "Bad Request",
        403: "Forbidden",
        404: "Not Found",
        409: "Conflict",
        422: "Unprocessable Entity",
    }
    name = names.get(error.status, "Error")
    if not wants_json():
        return render_template(
            "error.html", status=error.status, name=name, message=error.message
        ), error.status
    response = jsonify(_payload(error.status, name, error.message, **error.extra))
    response.status_code = error.status
    return response


def register_errorhandlers(app: Flask) -> None:
    """Map domain errors and HTTP errors onto consistent answers."""
    app.register_error_handler(DomainError, handle_domain_error)
    app.register_error_handler(HTTPException, handle_http_exception)

"""Endpoints every service keeps: health, and the vendored front-end assets."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, request, send_from_directory
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response

from hub.extensions import db
from shared.text import contains_nul

bp = Blueprint("system", __name__)


@bp.before_app_request
def refuse_nul_characters() -> None:
    """Answer 422 to NUL characters in the query string or a form: no database stores them.

    JSON bodies need no walk here: every string the API takes is checked by a pattern
    that admits no NUL (refs, codes, skill ids, base64), and batches are large.
    """
    if contains_nul(dict(request.args.lists())):  # every value of a repeated argument
        abort(422, description="The query string contains a NUL character.")
    if request.mimetype in _FORM_TYPES and contains_nul(dict(request.form.lists())):
        abort(422, description="The form contains a NUL character.")


_FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})


@bp.get("/healthz")
def healthz() -> tuple[dict[str, Any], int]:
    """Answer 200 when the database answers, 503 otherwise."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        db.session.rollback()
        return {"status": "unavailable", "database": type(exc).__name__}, 503
    return {"status": "ok", "service": "hub", "database": db.engine.dialect.name}, 200


@bp.get("/vendor/<path:filename>")
def vendor(filename: str) -> Response:
    """Serve vendored CSS/JS (Swagger UI, Pico, htmx) so no CDN is needed."""
    from hub.app import VENDOR_ASSETS

    return send_from_directory(VENDOR_ASSETS, filename, max_age=86400)

"""Endpoints every service keeps: health, and the vendored front-end assets."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, request, send_from_directory
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response

from community_node.extensions import db
from shared.text import contains_nul

bp = Blueprint("system", __name__)


@bp.before_app_request
def refuse_nul_characters() -> None:
    """Answer 422 to NUL characters in JSON or the query string: no database stores them.

    (HTML forms check their own fields, so a person sees the message beside the field.)
    """
    if contains_nul(dict(request.args.lists())):  # every value of a repeated argument
        abort(422, description="The query string contains a NUL character.")
    if request.is_json and contains_nul(request.get_json(silent=True)):
        abort(422, description="The JSON body contains a NUL character.")


@bp.get("/healthz")
def healthz() -> tuple[dict[str, Any], int]:
    """Answer 200 when the database answers, 503 otherwise."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        db.session.rollback()
        return {"status": "unavailable", "database": type(exc).__name__}, 503
    return {
        "status": "ok",
        "database": db.engine.dialect.name,
        "community": current_app.config["COMMUNITY_SLUG"],
    }, 200


@bp.get("/vendor/<path:filename>")
def vendor(filename: str) -> Response:
    """Serve vendored CSS/JS (Swagger UI, Pico, htmx, Chart.js) so no CDN is needed."""
    from community_node.app import VENDOR_ASSETS

    return send_from_directory(VENDOR_ASSETS, filename, max_age=86400)

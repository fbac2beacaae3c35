"""Endpoints every service keeps: health, and the vendored front-end assets."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, send_from_directory
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response

from hub.extensions import db

bp = Blueprint("system", __name__)


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

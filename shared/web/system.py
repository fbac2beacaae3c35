"""Endpoints every service keeps: health, the vendored front-end assets, and a NUL guard."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from flask import Blueprint, abort, request, send_from_directory
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response

from shared.text import contains_nul

#: Vendored CSS/JS (Swagger UI, Pico, htmx, Chart.js), shipped in the ``shared`` package.
VENDOR_ASSETS = Path(__file__).resolve().parent.parent / "static" / "vendor"

_FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})


def system_blueprint(
    db: SQLAlchemy,
    *,
    service: str,
    identity: Callable[[], Mapping[str, Any]] = dict,
    check_forms: bool,
    check_json: bool,
) -> Blueprint:
    """Build the ``system`` blueprint of ``service``; ``identity`` adds to a healthy answer.

    Every request's query string is refused with 422 when it holds a NUL character (no
    database stores one); ``check_forms`` and ``check_json`` extend that to form and JSON
    bodies, for a service whose forms or API do not check their own fields for NULs.
    """
    bp = Blueprint("system", __name__)

    @bp.before_app_request
    def refuse_nul_characters() -> None:
        if contains_nul(dict(request.args.lists())):  # every value of a repeated argument
            abort(422, description="The query string contains a NUL character.")
        if (
            check_forms
            and request.mimetype in _FORM_TYPES
            and contains_nul(dict(request.form.lists()))
        ):
            abort(422, description="The form contains a NUL character.")
        if check_json and request.is_json and contains_nul(request.get_json(silent=True)):
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
            "service": service,
            "database": db.engine.dialect.name,
            **identity(),
        }, 200

    @bp.get("/vendor/<path:filename>")
    def vendor(filename: str) -> Response:
        """Serve vendored CSS/JS so no CDN is needed."""
        return send_from_directory(VENDOR_ASSETS, filename, max_age=86400)

    return bp

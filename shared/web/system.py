"""Endpoints every service keeps (health, front-end assets) and guards on every request.

The guards refuse input no endpoint could handle: JSON nested too deeply to parse
without recursing past Python's limit, and NUL characters no database stores.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from itertools import accumulate
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

#: The service's own front-end code (e.g. the API docs page's start-up script).
ASSETS = Path(__file__).resolve().parent.parent / "static" / "assets"

_FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})

#: The deepest nesting of arrays and objects a JSON body may have. Every wire schema
#: nests a few levels; Python's parser and marshmallow recurse once per level, and past
#: about a thousand the recursion limit turns a parse into a 500.
MAX_JSON_DEPTH = 64

#: A JSON string with its escapes (``\"`` does not end it); what it holds is not nesting.
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
#: Every byte but the four brackets, deleted before the depth is summed.
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
#: Every byte but the four brackets and the quote.
_NOT_STRUCTURE = bytes(b for b in range(256) if b not in b'[]{}"')
#: +1 for an opening bracket, -1 for a closing one (the only bytes left by then).
_STEP = [1 if chr(b) in "[{" else -1 for b in range(256)]


def json_depth(body: bytes) -> int:
    """Return how deeply ``body`` nests arrays and objects, without parsing it.

    A scan, not a parser: the running sum never recurses and runs at C speed (bytes
    methods, ``accumulate``), so even a body of MAX_CONTENT_LENGTH brackets costs well
    under a second. Text that is not JSON gets some number; its parse fails anyway.
    """
    encoding = json.detect_encoding(body)
    if encoding not in ("utf-8", "utf-8-sig"):
        # In UTF-16 or -32 a code unit may carry a 0x22 byte ("), which would hide real
        # brackets inside a false string; scan the text as UTF-8 instead.
        body = body.decode(encoding, errors="replace").encode()
    if b"\\" in body:
        # An escaped quote does not end a string: find the strings with the expression.
        brackets = _JSON_STRING.sub(b"", body).translate(None, _NOT_BRACKETS)
    else:
        # Without a backslash every string runs from one quote to the next, so the text
        # is what lies between every other pair of quotes: split the quotes and brackets
        # (all that is left once the rest is deleted) and keep the pieces outside. A
        # quarter of the expression's time on a sync batch (0.5 against 2 ms for 200 kB).
        pieces = body.translate(None, _NOT_STRUCTURE).split(b'"')
        brackets = b"".join(pieces[::2])
    return max(accumulate(map(_STEP.__getitem__, brackets)), default=0)


def refuse_deep_json() -> None:
    """Answer 400 to a JSON body nested deeper than MAX_JSON_DEPTH, before anything parses it.

    Installed first of all the request hooks, ahead of authentication and of the NUL
    guard, which parse the body too.
    """
    if request.is_json and json_depth(request.get_data(cache=True)) > MAX_JSON_DEPTH:
        abort(400, description=f"The JSON body nests deeper than {MAX_JSON_DEPTH} levels.")


def system_blueprint(
    db: SQLAlchemy,
    *,
    service: str,
    identity: Callable[[], Mapping[str, Any]] = dict,
    check_forms: bool,
) -> Blueprint:
    """Build the ``system`` blueprint of ``service``; ``identity`` adds to a healthy answer.

    Every request's query string is refused with 422 when it holds a NUL character (no
    database stores one); ``check_forms`` extends that to form bodies, for a service whose
    forms do not check their own fields. JSON bodies need no such guard: every schema
    derives from ``shared.protocol.common.BaseSchema``, which names each field holding one.
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

    @bp.get("/assets/<path:filename>")
    def assets(filename: str) -> Response:
        """Serve the services' own scripts: the Content-Security-Policy runs no inline one."""
        return send_from_directory(ASSETS, filename, max_age=3600)

    return bp

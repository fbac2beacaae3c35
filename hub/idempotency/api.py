"""The ``@idempotent`` decorator every federation POST view wears (no routes of its own).

It reads the Idempotency-Key header and the raw body, replays a stored answer, or runs
the view and has :mod:`hub.idempotency.services` store the answer with the view's work.
Wear it inside ``require_scope`` and outside flask-smorest's decorators.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import re
from collections.abc import Callable
from typing import Any, ParamSpec

from flask import Response, current_app, g, jsonify, request

from hub.errors import DomainError
from hub.extensions import db
from hub.idempotency import services
from hub.idempotency.models import IdempotencyRecord
from hub.idempotency.services import HEADER, KeyReused
from hub.security import current_caller

REPLAYED = "Idempotent-Replayed"
_KEY = re.compile(r"^[\x21-\x7e]{1,80}$")
_ANSWER = "idempotent_answer"

#: The header in the OpenAPI document of every view that wears @idempotent.
KEY_DOC: dict[str, Any] = {
    "parameters": [
        {
            "in": "header",
            "name": HEADER,
            "required": True,
            "schema": {"type": "string", "maxLength": 80},
        }
    ]
}

P = ParamSpec("P")
security_log = logging.getLogger("hub.security")


class MissingIdempotencyKey(DomainError):
    status = 400


def _key() -> str:
    key = request.headers.get(HEADER, "")
    if not key:
        raise MissingIdempotencyKey(
            f"Send an {HEADER} header with every POST.", error="idempotency_key_missing"
        )
    if not _KEY.match(key):
        raise MissingIdempotencyKey(
            f"{HEADER} must be 1–80 visible ASCII characters.", error="idempotency_key_invalid"
        )
    return key


def _replay(record: IdempotencyRecord) -> Response:
    response = jsonify(record.response)
    response.status_code = record.status
    response.headers[REPLAYED] = "true"
    return response


def answer(body: Any) -> Response:
    """Answer 200 with ``body`` as JSON, and hand ``body`` to :func:`idempotent` as is.

    For views whose return value is already exactly the wire document (no schema dump
    needed): the wrapper then stores ``body`` without parsing the response back.
    """
    setattr(g, _ANSWER, body)
    return jsonify(body)


def _log_reuse(community_id: int, key: str) -> None:
    # A key reused with another body is a client bug or a replay with a tampered body.
    # The key may be anything the client chose, so only a prefix of its hash is logged.
    security_log.warning(
        "idempotency key reused with a different body: community=%s key_sha256=%s path=%s",
        community_id,
        hashlib.sha256(key.encode()).hexdigest()[:12],
        request.path,
    )


def idempotent(view: Callable[P, Any]) -> Callable[P, Any]:
    """Make a POST view answer a repeated key with the stored answer (see module doc)."""

    @functools.wraps(view)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> Any:
        key = _key()
        digest = hashlib.sha256(request.get_data(cache=True)).hexdigest()
        community_id = current_caller().id
        try:
            stored = services.find(community_id, key, digest)
            if stored is not None:
                return _replay(stored)
            response = _run(view, *args, **kwargs)
            if not 200 <= response.status_code < 300:
                return response
            body = g.pop(_ANSWER) if _ANSWER in g else response.get_json()
            winner = services.store(community_id, key, digest, response.status_code, body)
        except KeyReused:
            _log_reuse(community_id, key)
            raise
        # A concurrent request with the same key won; give its answer instead.
        return response if winner is None else _replay(winner)

    return wrapper


def _run(view: Callable[P, Any], *args: P.args, **kwargs: P.kwargs) -> Response:
    """Run the view; roll its work back unless it succeeded (only success is stored)."""
    try:
        response = current_app.make_response(view(*args, **kwargs))
    except BaseException:
        db.session.rollback()
        raise
    if not 200 <= response.status_code < 300:
        db.session.rollback()
    return response

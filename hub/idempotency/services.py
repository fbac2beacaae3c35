"""Replay a POST's stored answer for a repeated Idempotency-Key, or store a new one.

A view is wrapped by :func:`idempotent` (inside ``require_scope``, outside flask-smorest's
decorators). The view's work and the stored answer commit in ONE transaction, so a crash
either keeps both or neither; two concurrent requests with one key meet at the unique
(community, key) constraint, and the loser answers with the winner's stored response.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
from collections.abc import Callable
from typing import Any, ParamSpec

from flask import Response, current_app, g, jsonify, request
from sqlalchemy import Table, delete, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from hub.database import utcnow
from hub.errors import DomainError, InvalidInput
from hub.extensions import db
from hub.idempotency.models import IdempotencyRecord
from hub.security import current_caller

HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"
_KEY = re.compile(r"^[\x21-\x7e]{1,80}$")
# Expired records are purged when a new record's id is a multiple of this (cheap, rare).
PURGE_EVERY = 100

P = ParamSpec("P")
_ANSWER = "idempotent_answer"
_TABLE: Table = IdempotencyRecord.__table__  # type: ignore[assignment]


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


def _cutoff() -> dt.datetime:
    return utcnow() - dt.timedelta(days=int(current_app.config["IDEMPOTENCY_RETENTION_DAYS"]))


def _find(community_id: int, key: str) -> IdempotencyRecord | None:
    record = db.session.scalar(
        select(IdempotencyRecord).where(
            IdempotencyRecord.community_id == community_id, IdempotencyRecord.key == key
        )
    )
    if record is not None and record.created_at < _cutoff():
        db.session.delete(record)
        db.session.flush()
        return None
    return record


def _replay(record: IdempotencyRecord, digest: str) -> Response:
    if record.body_sha256 != digest:
        raise InvalidInput(
            {HEADER: ["Reused with a different body."]},
            message=f"{HEADER} reused with a different body.",
        )
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


def _store(community_id: int, key: str, digest: str, status: int, body: Any) -> int | None:
    """Insert the answer's record; return its id, or None when the key is taken already."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    stmt = (
        insert(_TABLE)
        .values(
            community_id=community_id,
            key=key,
            body_sha256=digest,
            status=status,
            response=body,
            created_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=["community_id", "key"])
        .returning(_TABLE.c.id)
    )
    record_id: int | None = db.session.execute(stmt).scalar()
    return record_id


def idempotent(view: Callable[P, Any]) -> Callable[P, Any]:
    """Make a POST view answer a repeated key with the stored answer (see module doc)."""

    @functools.wraps(view)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> Any:
        key = _key()
        digest = hashlib.sha256(request.get_data(cache=True)).hexdigest()
        community_id = current_caller().id
        stored = _find(community_id, key)
        if stored is not None:
            return _replay(stored, digest)
        try:
            response = current_app.make_response(view(*args, **kwargs))
        except BaseException:
            db.session.rollback()
            raise
        if not 200 <= response.status_code < 300:
            db.session.rollback()
            return response
        body = g.pop(_ANSWER) if _ANSWER in g else response.get_json()
        record_id = _store(community_id, key, digest, response.status_code, body)
        if record_id is None:
            # A concurrent request with the same key won; give its answer instead.
            db.session.rollback()
            winner = _find(community_id, key)
            if winner is None:
                raise RuntimeError(f"{HEADER} {key!r} conflicted, yet no record holds it")
            return _replay(winner, digest)
        if record_id % PURGE_EVERY == 0:
            db.session.execute(
                delete(IdempotencyRecord).where(IdempotencyRecord.created_at < _cutoff())
            )
        db.session.commit()
        return response

    return wrapper

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

from flask import Response, current_app, jsonify, request
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from hub.database import utcnow
from hub.errors import DomainError, InvalidInput
from hub.extensions import db
from hub.idempotency.models import IdempotencyRecord
from hub.security import current_community

HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"
_KEY = re.compile(r"^[\x21-\x7e]{1,80}$")
# Expired records are purged when a new record's id is a multiple of this (cheap, rare).
PURGE_EVERY = 100

P = ParamSpec("P")


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


def idempotent(view: Callable[P, Any]) -> Callable[P, Any]:
    """Make a POST view answer a repeated key with the stored answer (see module doc)."""

    @functools.wraps(view)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> Any:
        key = _key()
        digest = hashlib.sha256(request.get_data(cache=True)).hexdigest()
        community_id = current_community().id
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
        record = IdempotencyRecord(
            community_id=community_id,
            key=key,
            body_sha256=digest,
            status=response.status_code,
            response=response.get_json(),
        )
        db.session.add(record)
        try:
            db.session.flush()
        except IntegrityError:
            # A concurrent request with the same key won; give its answer instead.
            db.session.rollback()
            winner = _find(community_id, key)
            if winner is None:
                raise
            return _replay(winner, digest)
        if record.id % PURGE_EVERY == 0:
            db.session.execute(
                delete(IdempotencyRecord).where(IdempotencyRecord.created_at < _cutoff())
            )
        db.session.commit()
        return response

    return wrapper

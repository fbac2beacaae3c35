"""Store and look up the answers given to POSTs, keyed by (community, Idempotency-Key).

The view's work and the stored answer commit in ONE transaction (:func:`store` commits
both), so a crash keeps both or neither; two concurrent requests with one key meet at
the unique (community, key) constraint, and the loser is handed the winner's record.
The HTTP side (the header, replaying a response) is :mod:`hub.idempotency.api`'s.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import current_app
from sqlalchemy import Table, delete, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from hub.database import utcnow
from hub.errors import InvalidInput
from hub.extensions import db
from hub.idempotency.models import IdempotencyRecord

HEADER = "Idempotency-Key"
# Expired records are purged when a new record's id is a multiple of this (cheap, rare).
PURGE_EVERY = 100

_TABLE: Table = IdempotencyRecord.__table__  # type: ignore[assignment]


class KeyReused(InvalidInput):
    """The key was used before with a different body: the caller mixed up two requests."""

    def __init__(self) -> None:
        super().__init__(
            {HEADER: ["Reused with a different body."]},
            message=f"{HEADER} reused with a different body.",
        )


def _cutoff() -> dt.datetime:
    return utcnow() - dt.timedelta(days=int(current_app.config["IDEMPOTENCY_RETENTION_DAYS"]))


def find(community_id: int, key: str, digest: str) -> IdempotencyRecord | None:
    """Return the unexpired record of this key, or None; raise KeyReused on another body."""
    record = db.session.scalar(
        select(IdempotencyRecord).where(
            IdempotencyRecord.community_id == community_id, IdempotencyRecord.key == key
        )
    )
    if record is not None and record.created_at < _cutoff():
        db.session.delete(record)
        db.session.flush()
        return None
    if record is not None and record.body_sha256 != digest:
        raise KeyReused()
    return record


def storable(body: Any) -> bool:
    """Tell whether a JSON body can be stored: PostgreSQL's jsonb refuses any NUL character.

    A NUL only reaches an answer by being echoed from the request (a rejected item's ref,
    an unknown field's name), so such a request is malformed whatever else it holds.
    """
    if isinstance(body, str):
        return "\x00" not in body
    if isinstance(body, dict):
        return all(storable(key) and storable(value) for key, value in body.items())
    if isinstance(body, list):
        return all(storable(value) for value in body)
    return True


def store(
    community_id: int, key: str, digest: str, status: int, body: Any
) -> IdempotencyRecord | None:
    """Record the answer and commit it with the view's work; None: stored, nothing to replay.

    When a concurrent request with the same key committed first, this transaction rolls
    back and the winner's record is returned, to be answered instead. An answer that
    cannot be stored (see :func:`storable`) commits the work without a record: a retry
    with the key is then applied again, as without one.
    """
    if not storable(body):
        db.session.commit()
        return None
    record_id = _insert(community_id, key, digest, status, body)
    if record_id is None:
        db.session.rollback()
        winner = find(community_id, key, digest)
        if winner is None:
            raise RuntimeError(f"{HEADER} {key!r} conflicted, yet no record holds it")
        return winner
    if record_id % PURGE_EVERY == 0:
        db.session.execute(
            delete(IdempotencyRecord).where(IdempotencyRecord.created_at < _cutoff())
        )
    db.session.commit()
    return None


def _insert(community_id: int, key: str, digest: str, status: int, body: Any) -> int | None:
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

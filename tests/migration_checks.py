"""Checks both services' Alembic histories share: a clean slate, and drift from the models."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError


def _drop_everything(db: SQLAlchemy) -> None:
    db.drop_all()
    with db.engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))


@contextmanager
def empty_schema(db: SQLAlchemy) -> Iterator[None]:
    """Run the body on a database with no tables (in an app context), and leave it so."""
    _drop_everything(db)
    try:
        yield
    finally:
        db.session.remove()
        _drop_everything(db)
        db.engine.dispose()


def drift(db: SQLAlchemy) -> list[Any]:
    """What autogenerate would change to make the migrated schema match the models."""
    with db.engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "render_as_batch": True}
        )
        return list(compare_metadata(context, db.metadata))


def assert_audit_log_is_append_only(db: SQLAlchemy) -> None:
    """The migrated database itself refuses to change or delete an audit event."""
    with db.engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO audit_events (actor, action, entity_type, details) "
            "VALUES ('cli', 'x.test', 'x', '{}')"
        ))  # fmt: skip
    for statement in ("UPDATE audit_events SET actor = 'someone else'", "DELETE FROM audit_events"):
        with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as conn:
            conn.execute(text(statement))

"""Checks both services' Alembic histories share: a clean slate, drift from the models, and
an upgrade from the first migration that keeps every row."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app
from flask_migrate import downgrade, upgrade
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData, select, text
from sqlalchemy import types as sa_types
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
    """What autogenerate would change to make the migrated schema match the models.

    An index a model declares for some databases only (``info["applies"]``, a test of the
    connection, e.g. PostgreSQL with ``pg_trgm``) is expected where the test holds and
    nowhere else.
    """
    with db.engine.connect() as conn:

        def expected(obj: Any, name: Any, type_: str, reflected: bool, compare_to: Any) -> bool:
            applies = obj.info.get("applies") if type_ == "index" and not reflected else None
            return applies is None or bool(applies(conn))

        context = MigrationContext.configure(
            conn,
            opts={"compare_type": True, "render_as_batch": True, "include_object": expected},
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


def _sample(column: Any, enums: dict[str, list[str]]) -> Any:
    """A value for ``column`` that its type and the head models' enums accept."""
    kind = column.type
    if column.foreign_keys:
        return 1  # every table gets one row, whose id is 1
    if column.name in enums:
        return enums[column.name][0]
    if isinstance(kind, sa_types.Boolean):
        return True
    if isinstance(kind, sa_types.Integer):
        return 1  # counts, tiers and capacities all start at 1
    if isinstance(kind, sa_types.Float | sa_types.Numeric):
        return 1.5
    if isinstance(kind, sa_types.DateTime):
        return dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.UTC)
    if isinstance(kind, sa_types.Date):
        return dt.date(2026, 3, 1)
    if isinstance(kind, sa_types.JSON):
        return {"kept": [1, 2]}
    if isinstance(kind, sa_types.LargeBinary):
        return bytes(range(32))
    length = getattr(kind, "length", None) or 40
    return f"{column.table.name}.{column.name}"[:length]


def fill_every_table(
    db: SQLAlchemy, overrides: Mapping[str, Mapping[str, Any]] | None = None
) -> dict[str, list[dict[str, Any]]]:
    """Put one row in every table of the schema as it is now; return what was written.

    Every column gets a value its type takes (enum columns a member the models know, by
    column name; foreign keys the referenced table's row 1); ``overrides`` per table
    satisfy the schema's CHECK constraints (e.g. exactly one of two subjects).
    """
    enums = {
        column.name: list(column.type.enums)
        for table in db.metadata.tables.values()
        for column in table.columns
        if isinstance(column.type, sa_types.Enum)
    }
    written: dict[str, list[dict[str, Any]]] = {}
    reflected = MetaData()
    with db.engine.begin() as conn:
        reflected.reflect(conn)
        for table in reflected.sorted_tables:
            if table.name == "alembic_version":
                continue
            numbered = len(table.primary_key.columns) == 1 and isinstance(
                table.primary_key.columns[0].type, sa_types.Integer
            )
            row = {
                c.name: _sample(c, enums)
                for c in table.columns
                if not (numbered and c.primary_key)  # the database numbers it: row 1
            }
            row.update((overrides or {}).get(table.name, {}))
            conn.execute(table.insert().values(row))
            written[table.name] = [row]
    return written


def assert_rows_kept(db: SQLAlchemy, written: Mapping[str, list[dict[str, Any]]]) -> None:
    """Every row written is still there with the values written, in every column kept."""
    reflected = MetaData()
    with db.engine.connect() as conn:
        reflected.reflect(conn)
        for name, rows in written.items():
            assert name in reflected.tables, f"the table {name} was lost"
            table = reflected.tables[name]
            kept = [c for c in rows[0] if c in table.c]
            found = [dict(r._mapping) for r in conn.execute(select(*(table.c[c] for c in kept)))]
            assert len(found) == len(rows), name
            for column in kept:
                assert _same(found[0][column], rows[0][column]), (name, column, found[0][column])


def _same(found: Any, written: Any) -> bool:
    if isinstance(written, dt.datetime) and isinstance(found, dt.datetime):
        # SQLite hands back naive UTC; PostgreSQL an aware time in the session's zone.
        aware = found if found.tzinfo else found.replace(tzinfo=dt.UTC)
        return aware == written
    if isinstance(written, dt.date) and isinstance(found, str):
        return found == written.isoformat()
    if isinstance(written, dict) and isinstance(found, str):
        return bool(json.loads(found) == written)
    if isinstance(written, bool):
        return bool(found) is written
    if isinstance(written, bytes):
        return bytes(found) == written
    return bool(found == written)


def upgrade_filled_database(
    db: SQLAlchemy, overrides: Mapping[str, Mapping[str, Any]] | None = None
) -> None:
    """The upgrade test: a database made at the first migration and filled, migrated one
    revision at a time to head with its data intact; the newest migration downgrades
    with the data intact too, and upgrades again to the models' schema."""
    script = ScriptDirectory.from_config(current_app.extensions["migrate"].migrate.get_config())
    revisions = [r.revision for r in reversed(list(script.walk_revisions()))]
    upgrade(revision=revisions[0])
    written = fill_every_table(db, overrides)
    assert len(written) >= 5
    for revision in revisions[1:]:
        upgrade(revision=revision)
        assert_rows_kept(db, written)
    assert drift(db) == []
    downgrade(revision="-1")
    assert_rows_kept(db, written)
    upgrade()
    assert_rows_kept(db, written)
    assert drift(db) == []

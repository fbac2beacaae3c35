"""The node's declarative base; column kinds and types come from ``shared.db``.

Also the trigram indexes of the staff lists' free-text search, which exist on PostgreSQL
only, and only where the ``pg_trgm`` extension could be created.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import Index, event, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import DeclarativeBase

import shared.db
from shared.db import JSONType, UTCDateTime, created_at, intpk, str200, timestamp, utcnow

__all__ = ["Base", "JSONType", "intpk", "str200", "created_at", "timestamp", "utcnow"]
__all__ += ["UTCDateTime"]  # the migrations name the column type through this module
__all__ += ["TRIGRAM_EXTENSION", "ensure_trigram", "flush_trigram_index", "has_trigram"]
__all__ += ["trigram_index"]

log = logging.getLogger(__name__)

#: PostgreSQL's trigram extension: GIN indexes that answer ``LIKE '%word%'``.
TRIGRAM_EXTENSION = "pg_trgm"


class Base(DeclarativeBase):
    """Base of every node model: its own metadata, so its own migration history."""

    registry = shared.db.make_registry()


def has_trigram(connection: Connection) -> bool:
    """Tell whether ``connection``'s database is PostgreSQL with ``pg_trgm`` installed."""
    if connection.dialect.name != "postgresql":
        return False
    found = connection.scalar(
        text("SELECT 1 FROM pg_extension WHERE extname = :name"), {"name": TRIGRAM_EXTENSION}
    )
    return found is not None


def ensure_trigram(connection: Connection) -> bool:
    """Create ``pg_trgm`` in a PostgreSQL database if it is missing; tell whether it is there.

    A trusted extension since PostgreSQL 13: the database's owner may create it, and
    ``deploy/install.sh`` makes the service's role the owner. Where the role may not (an
    older server, a database owned by someone else, the package without contrib), the
    node works without it, its free-text search scanning the table, and says so here.
    Not PostgreSQL: False, nothing to do.
    """
    if connection.dialect.name != "postgresql":
        return False
    if has_trigram(connection):
        return True
    try:
        with connection.begin_nested():  # a refusal must not abort the caller's transaction
            connection.execute(text(f"CREATE EXTENSION IF NOT EXISTS {TRIGRAM_EXTENSION}"))
    except DBAPIError as exc:
        reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
        log.warning(
            "PostgreSQL extension %s could not be created (%s): the staff lists' text "
            "search works without its indexes, scanning the table. A superuser can run "
            "CREATE EXTENSION %s in this database, then create the indexes as "
            "docs/operations.md shows.",
            TRIGRAM_EXTENSION,
            reason,
            TRIGRAM_EXTENSION,
        )
        return False
    log.info("PostgreSQL extension %s created", TRIGRAM_EXTENSION)
    return True


def flush_trigram_index(connection: Connection, table: str, column: str) -> None:
    """Move the rows a bulk write queued in ``table.column``'s trigram index into the index.

    A GIN index takes inserts into a pending list (cheap: 10,000 imported rows cost the
    same with or without the index) that every search reads through, which makes the
    planner scan the table instead until autovacuum merges the list. After an import
    that is done at once: about 40 ms for 10,000 rows. Not PostgreSQL, or no index: nothing.
    """
    if not has_trigram(connection):
        return
    name = f"ix_{table}_{column}_trgm"
    try:
        with connection.begin_nested():
            # to_regclass: NULL where the index is missing, and then so is the result.
            connection.execute(
                text("SELECT gin_clean_pending_list(to_regclass(:name))"), {"name": name}
            )
    except DBAPIError as exc:  # not the index's owner: autovacuum will do it
        log.info("trigram index %s left to autovacuum: %s", name, getattr(exc, "orig", exc))


def _trigram_ready(
    ddl: Any,
    target: Any,
    bind: Connection | None,
    tables: Any = None,
    state: Any = None,
    **kw: Any,
) -> bool:
    return bind is not None and has_trigram(bind)


def trigram_index(table: str, column: str) -> Index:
    """A GIN trigram index on ``table.column`` that answers ``LIKE '%word%'`` from the index.

    Created by ``create_all`` only on PostgreSQL with ``pg_trgm`` (which ``create_all``
    first tries to create); elsewhere the search scans, as it always did. The migration
    ``c3a1d9e7f20a`` does the same for migrated databases.
    """
    index = Index(
        f"ix_{table}_{column}_trgm",
        column,
        postgresql_using="gin",
        postgresql_ops={column: "gin_trgm_ops"},
    )
    # Read by the migration drift check: whether this database should have the index.
    index.info["applies"] = has_trigram
    return index.ddl_if(callable_=_trigram_ready)


@event.listens_for(Base.metadata, "before_create")
def _create_trigram(target: Any, connection: Connection, **kw: Any) -> None:
    ensure_trigram(connection)

"""Engine options and database set-up both services use (SQLite pragmas, PostgreSQL pool)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from flask import Flask
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import event
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.pool import ConnectionPoolEntry, QueuePool

from shared.db import enable_sqlite_pragmas, load_json
from shared.fields import MAX_ID as MAX_ID  # re-exported: its home is shared.fields

#: A pooled connection unused for longer than this is pinged before it is handed out.
IDLE_PING_SECONDS = 5.0
#: A pooled connection older than this is replaced (servers and firewalls drop old ones).
POOL_RECYCLE_SECONDS = 1800


class IdlePingPool(QueuePool):
    """A QueuePool that pings only connections that sat idle for over IDLE_PING_SECONDS.

    ``pool_pre_ping`` costs a round trip on every checkout, i.e. on every request; a
    connection in steady use has just proved itself alive. A dead one is what a
    database restart or a dropped idle socket leaves behind, and those sit idle first.
    A restart under steady load still fails the requests that were on their way
    (answered 500, which a node retries later); SQLAlchemy then invalidates the whole
    pool, so the requests after them get new connections.
    """


@event.listens_for(IdlePingPool, "checkin")
def _checked_in(dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
    record.info["idle_since"] = time.monotonic()


@event.listens_for(IdlePingPool, "checkout")
def _checked_out(dbapi_connection: Any, record: ConnectionPoolEntry, proxy: Any) -> None:
    idle_since = record.info.get("idle_since")
    if idle_since is None or time.monotonic() - idle_since <= IDLE_PING_SECONDS:
        return
    try:
        dbapi_connection.execute("SELECT 1")
        dbapi_connection.rollback()
    except Exception as exc:
        # The pool discards this connection and checks out another (SQLAlchemy's recipe
        # for pessimistic disconnect handling).
        raise DisconnectionError(f"stale pooled connection: {exc}") from exc


def engine_options(uri: str, configured: dict[str, Any] | None) -> dict[str, Any]:
    """Return the engine options for ``uri``: ``configured`` if given, else the database's own.

    PostgreSQL gets IdlePingPool with recycling; anything else a ping before each checkout.
    Both decode JSON columns with :func:`shared.db.load_json`.
    """
    if configured is not None:
        return configured
    if uri.startswith("postgresql"):
        return {
            "poolclass": IdlePingPool,
            "pool_recycle": POOL_RECYCLE_SECONDS,
            "json_deserializer": load_json,
        }
    return {"pool_pre_ping": True, "json_deserializer": load_json}


def init_database(app: Flask, db: SQLAlchemy, migrate: Migrate) -> None:
    """Bind the database and Alembic to ``app``; SQLite gets WAL and foreign keys.

    Each service keeps its migration history in ``migrations/`` beside its factory.
    """
    db.init_app(app)
    migrations = Path(app.root_path) / "migrations"
    # Batch mode lets Alembic alter SQLite tables by copying them.
    migrate.init_app(app, db, directory=str(migrations), render_as_batch=True, compare_type=True)
    with app.app_context():
        enable_sqlite_pragmas(db.engine)

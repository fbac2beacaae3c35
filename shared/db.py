"""SQLAlchemy building blocks both services' models use (no Flask here).

Each service keeps its own ``Base`` (one metadata, one migration history per service);
this module gives them the same column kinds, types and constraint names.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import re
from typing import Annotated, Any

import orjson
from sqlalchemy import JSON, DateTime, Enum, MetaData, String, event, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Engine
from sqlalchemy.orm import mapped_column, registry
from sqlalchemy.types import TypeDecorator

# Stable constraint names keep Alembic migrations reproducible on every database.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> dt.datetime:
    """Return the current time, timezone-aware in UTC."""
    return dt.datetime.now(dt.UTC)


#: A run of 19 digits: maybe a number orjson would not keep exact (beyond 64 bits).
_LONG_DIGITS = re.compile(r"[0-9]{19}")
_LONG_DIGITS_BYTES = re.compile(rb"[0-9]{19}")


def load_json(text: str | bytes) -> Any:
    """Decode a JSON column's value as the json module does; orjson where that is the same.

    The engines decode every JSON value they read with this (``engine_options``): a staff
    page that ranks a node's connectors reads thousands of skill and availability lists,
    and the json module took several times as long. orjson differs on a few things a
    database may hold, which go to the json module: an integer beyond 64 bits (orjson
    makes it a float; PostgreSQL's jsonb keeps any number, and an answer kept for replay
    may echo one a client sent), and what orjson refuses: NaN or Infinity (which the json
    module writes into SQLite), a number beyond a float's range, an unpaired surrogate.
    """
    if isinstance(text, bytes):
        exact = _LONG_DIGITS_BYTES.search(text) is None
    else:
        exact = _LONG_DIGITS.search(text) is None
    if exact:
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError:
            pass
    return json.loads(text)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Store aware datetimes; SQLite hands back naive ones, so tag them UTC again."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(dt.UTC) if value is not None else None

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value


JSONType = JSON().with_variant(JSONB(), "postgresql")

intpk = Annotated[int, mapped_column(primary_key=True)]
str40 = Annotated[str, mapped_column(String(40))]
str200 = Annotated[str, mapped_column(String(200))]
timestamp = Annotated[dt.datetime, mapped_column(UTCDateTime(), default=utcnow)]
created_at = Annotated[
    dt.datetime,
    mapped_column(UTCDateTime(), default=utcnow, server_default=func.now()),
]


def make_registry() -> registry:
    """Return a registry with the shared naming convention and type map."""
    return registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={
            dt.datetime: UTCDateTime(),
            # Enums are stored as their lowercase values in a VARCHAR with a CHECK, so
            # adding a member is a small migration on both SQLite and PostgreSQL.
            enum.Enum: Enum(
                enum.Enum,
                native_enum=False,
                length=40,
                values_callable=lambda members: [m.value for m in members],
                validate_strings=True,
            ),
        },
    )


def enable_sqlite_pragmas(engine: Engine) -> None:
    """Turn on WAL and foreign keys for SQLite connections; PostgreSQL needs neither."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, connection_record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()

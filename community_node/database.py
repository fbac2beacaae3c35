"""The node's declarative base; column kinds and types come from ``shared.db``."""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase

from shared.db import (
    JSONType,
    UTCDateTime,
    created_at,
    enable_sqlite_pragmas,
    intpk,
    make_registry,
    str40,
    str200,
    timestamp,
    utcnow,
)

__all__ = [
    "Base",
    "JSONType",
    "UTCDateTime",
    "created_at",
    "enable_sqlite_pragmas",
    "intpk",
    "str40",
    "str200",
    "timestamp",
    "utcnow",
]


class Base(DeclarativeBase):
    """Base of every node model."""

    registry = make_registry()

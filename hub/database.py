"""The hub's declarative base; column kinds and types come from ``shared.db``."""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase

import shared.db
from shared.db import JSONType, UTCDateTime, created_at, intpk, str200, timestamp, utcnow

# UTCDateTime: the migrations name the column type through this module.
__all__ = [
    "Base",
    "JSONType",
    "UTCDateTime",
    "created_at",
    "intpk",
    "str200",
    "timestamp",
    "utcnow",
]


class Base(DeclarativeBase):
    """Base of every hub model: its own metadata, so its own migration history."""

    registry = shared.db.make_registry()

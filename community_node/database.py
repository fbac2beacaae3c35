"""The node's declarative base; column kinds and types come from ``shared.db``."""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase

import shared.db
from shared.db import JSONType, created_at, intpk, str200, timestamp, utcnow

__all__ = ["Base", "JSONType", "created_at", "intpk", "str200", "timestamp", "utcnow"]


class Base(DeclarativeBase):
    """Base of every node model: its own metadata, so its own migration history."""

    registry = shared.db.make_registry()

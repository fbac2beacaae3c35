"""A stored answer to one community's POST, keyed by its Idempotency-Key."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hub.database import Base, JSONType, created_at, intpk


class IdempotencyRecord(Base):
    """(community, key) → the body's SHA-256 and the answer given; kept for a few days."""

    __tablename__ = "idempotency_records"
    __table_args__ = (UniqueConstraint("community_id", "key"),)

    id: Mapped[intpk]
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    key: Mapped[str] = mapped_column(String(80))
    body_sha256: Mapped[str] = mapped_column(String(64))
    status: Mapped[int]
    response: Mapped[Any] = mapped_column(JSONType)
    created_at: Mapped[created_at] = mapped_column(index=True)

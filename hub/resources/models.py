"""Shared resources and the change sequence the nodes' feeds follow."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hub.database import Base, JSONType, intpk, str200, timestamp


class Resource(Base):
    """A guide, FAQ, webinar, template or toolkit; ``seq`` is its newest change's number."""

    __tablename__ = "resources"

    id: Mapped[intpk]
    seq: Mapped[int] = mapped_column(BigInteger, unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str200]
    summary: Mapped[str] = mapped_column(Text)
    body: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(String(2000))
    tags: Mapped[list[str]] = mapped_column(JSONType, default=list)
    language: Mapped[str] = mapped_column(String(3))
    audience: Mapped[str] = mapped_column(String(20))
    published_at: Mapped[timestamp]
    updated_at: Mapped[timestamp]
    deleted: Mapped[bool] = mapped_column(default=False)
    deleted_at: Mapped[dt.datetime | None]


class ResourceFeed(Base):
    """The feed's single bookkeeping row: the newest seq, and the oldest valid cursor.

    Tombstones older than the retention are purged; ``min_seq`` then rises to the newest
    purged seq, and a node whose cursor is below it must start again from 0 (410).
    """

    __tablename__ = "resource_feed"

    id: Mapped[intpk]
    last_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    min_seq: Mapped[int] = mapped_column(BigInteger, default=0)

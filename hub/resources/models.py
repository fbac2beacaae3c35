"""Shared resources and the change sequence the nodes' feeds follow."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hub.database import Base, JSONType, intpk, str200, timestamp


class Resource(Base):
    """A guide, FAQ, webinar, template or training; ``seq`` is its newest change's number.

    Its content is a Markdown body, a link or a file (the bytes in :class:`ResourceFile`,
    so lists never load them); ``translations`` give the title and summary in more
    languages; ``version`` counts the edits, each kept in :class:`ResourceVersion`.
    """

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
    translations: Mapped[list[dict[str, str]]] = mapped_column(JSONType, default=list)
    audience: Mapped[str] = mapped_column(String(20))
    version: Mapped[int] = mapped_column(default=1)
    file_name: Mapped[str | None] = mapped_column(String(200))
    file_media_type: Mapped[str | None] = mapped_column(String(100))
    file_size: Mapped[int | None]
    file_sha256: Mapped[str | None] = mapped_column(String(64))
    published_at: Mapped[timestamp]
    updated_at: Mapped[timestamp]
    deleted: Mapped[bool] = mapped_column(default=False)
    deleted_at: Mapped[dt.datetime | None]


class ResourceFile(Base):
    """The bytes of a resource's current file (one row per resource that has a file)."""

    __tablename__ = "resource_files"

    resource_id: Mapped[int] = mapped_column(
        ForeignKey("resources.id", ondelete="CASCADE"), primary_key=True
    )
    data: Mapped[bytes] = mapped_column(LargeBinary)


class ResourceVersion(Base):
    """One published version of a resource: what changed, when, by whom (no file bytes)."""

    __tablename__ = "resource_versions"

    id: Mapped[intpk]
    resource_id: Mapped[int] = mapped_column(
        ForeignKey("resources.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int]
    title: Mapped[str200]
    content: Mapped[str] = mapped_column(String(10))  # body, link or file
    file_name: Mapped[str | None] = mapped_column(String(200))
    file_sha256: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(String(500))
    actor: Mapped[str] = mapped_column(String(80))
    at: Mapped[timestamp]


class ResourceFeed(Base):
    """The feed's single bookkeeping row: the newest seq, and the oldest valid cursor.

    Tombstones older than the retention are purged; ``min_seq`` then rises to the newest
    purged seq, and a node whose cursor is below it must start again from 0 (410).
    """

    __tablename__ = "resource_feed"

    id: Mapped[intpk]
    last_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    min_seq: Mapped[int] = mapped_column(BigInteger, default=0)

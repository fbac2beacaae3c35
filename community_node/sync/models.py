"""Sync state: the hub connection, pseudonym keys, the outbox and the local resource copy."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import Index, LargeBinary, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from community_node.database import Base, JSONType, created_at, intpk, timestamp


class HubConnection(Base):
    """The one hub this node syncs to (a single row).

    ``client_secret`` is a secret kept in the node database in the clear, because the
    node must present it to the hub: protect database backups accordingly, and rotate it
    on the hub (``connector-hub communities rotate-secret``) if a backup leaks.
    """

    __tablename__ = "hub_connection"

    id: Mapped[intpk]
    url: Mapped[str] = mapped_column(String(500))
    client_id: Mapped[str] = mapped_column(String(200))
    client_secret: Mapped[str] = mapped_column(String(200))
    community: Mapped[str | None] = mapped_column(String(80))
    connected_at: Mapped[timestamp]
    # The last access token (15 minutes) and its expiry: each cron-started sync reuses it
    # instead of asking for a new one, so an idle sync costs no token request.
    access_token: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    # True once a full directory refresh filled ``sync_directory_entries``: from then on a
    # connector's change recomputes that connector only (see outbox.refresh_directory).
    directory_cached: Mapped[bool] = mapped_column(default=False, server_default=false())


class NodeKey(Base):
    """A random per-purpose key for pseudonymous refs; never leaves the node."""

    __tablename__ = "node_keys"

    id: Mapped[intpk]
    purpose: Mapped[str] = mapped_column(String(40), unique=True)
    key: Mapped[bytes] = mapped_column(LargeBinary(64))
    created_at: Mapped[created_at]


class OutboxKind(enum.StrEnum):
    PROFILE = "profile"
    TOMBSTONE = "tombstone"
    SNAPSHOT = "snapshot"
    OUTCOMES = "outcomes"
    DEMAND = "demand"


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"
    SENT = "sent"
    DEAD = "dead"
    SUPERSEDED = "superseded"


class OutboxItem(Base):
    """One change for the hub, anonymized when written; ``seq`` is the push cursor."""

    __tablename__ = "sync_outbox"
    __table_args__ = (Index("ix_sync_outbox_status_seq", "status", "seq"),)

    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    kind: Mapped[OutboxKind]
    # The ref for profiles and tombstones, the period for outcomes, "snapshot", "demand".
    key: Mapped[str] = mapped_column(String(80), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType)
    status: Mapped[OutboxStatus] = mapped_column(default=OutboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[dt.datetime | None]
    # The hub's reason or a transport error; never personal data (payloads have none).
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[created_at]
    sent_at: Mapped[dt.datetime | None]


class ListedConnector(Base):
    """What the hub was last told about a connector, so changes and removals are known."""

    __tablename__ = "sync_listed_connectors"

    connector_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    ref: Mapped[str] = mapped_column(String(32), unique=True)
    listed: Mapped[bool]
    version: Mapped[int]
    # sha256 of the payload without its version: an unchanged profile is not re-sent.
    payload_hash: Mapped[str | None] = mapped_column(String(64))


class DirectoryEntry(Base):
    """A listable connector's anonymization input and published cell, as last computed.

    Kept so that one connector's change recomputes that connector's profile alone: the
    others' facts are read from here, and generalization reruns only when a cell changed.
    """

    __tablename__ = "sync_directory_entries"

    connector_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    # What generalization reads (the SOC code and the years), then the allow-listed rest.
    occupation: Mapped[str | None] = mapped_column(String(7))
    years_in_field: Mapped[int | None]
    facts: Mapped[dict[str, Any]] = mapped_column(JSONType)
    # The pause's last day when it alone keeps the connector from accepting: on that day
    # ``accepting`` changes without any write to the connector.
    paused_until: Mapped[dt.date | None] = mapped_column(index=True)
    # The generalized cell it is published in; occupation None: not listed.
    published_occupation: Mapped[str | None] = mapped_column(String(7))
    published_level: Mapped[str | None] = mapped_column(String(20))
    published_band: Mapped[str | None] = mapped_column(String(10))


class SyncState(Base):
    """Health and cursors of syncing with one destination (``hub``)."""

    __tablename__ = "sync_state"

    destination: Mapped[str] = mapped_column(String(40), primary_key=True)
    last_success_at: Mapped[dt.datetime | None]
    last_attempt_at: Mapped[dt.datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(500))
    consecutive_failures: Mapped[int] = mapped_column(default=0)
    backoff_until: Mapped[dt.datetime | None]
    resource_cursor: Mapped[int] = mapped_column(default=0)
    resource_etag: Mapped[str | None] = mapped_column(String(200))


class HubResource(Base):
    """The node's copy of a resource national staff published on the hub."""

    __tablename__ = "hub_resources"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(index=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(String(2000))
    tags: Mapped[list[str]] = mapped_column(JSONType, default=list)
    language: Mapped[str] = mapped_column(String(10), index=True)
    translations: Mapped[list[dict[str, str]]] = mapped_column(JSONType, default=list)
    audience: Mapped[str] = mapped_column(String(40), index=True)
    version: Mapped[int] = mapped_column(default=1)
    # The file's description; its bytes stay on the hub and are fetched when opened.
    file_name: Mapped[str | None] = mapped_column(String(200))
    file_media_type: Mapped[str | None] = mapped_column(String(100))
    file_size: Mapped[int | None]
    file_sha256: Mapped[str | None] = mapped_column(String(64))
    published_at: Mapped[dt.datetime | None]

"""The mail outbox and the signed links messages carry (revocable ones stored hashed)."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from community_node.database import Base, JSONType, UTCDateTime, created_at, intpk


class MailState(enum.StrEnum):
    """pending → sending (claimed under a lease) → sent | pending again (retry) | dead."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    DEAD = "dead"


class RecipientKind(enum.StrEnum):
    CONNECTEE = "connectee"
    CONNECTOR = "connector"
    STAFF = "staff"


class MailMessage(Base):
    """One rendered message waiting for, or done with, delivery.

    Written by ``enqueue`` in the transaction of the event it tells about; delivered by
    ``community_node.mail.sender``. ``message_id`` is fixed when enqueued, so a resend
    after a crash carries the same ``Message-ID`` and mail clients fold the duplicate.
    """

    __tablename__ = "mail_outbox"
    __table_args__ = (Index("ix_mail_outbox_state_next_attempt_at", "state", "next_attempt_at"),)

    id: Mapped[intpk]
    purpose: Mapped[str] = mapped_column(String(40), index=True)
    # Enqueueing the same thing twice (a rerun tick, a repeated click) is a no-op.
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    recipient_kind: Mapped[RecipientKind]
    recipient_id: Mapped[int | None] = mapped_column(index=True)
    to_address: Mapped[str] = mapped_column(String(254))
    language: Mapped[str] = mapped_column(String(8))
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    # [{"filename", "content_type", "content"}] with text content (an .ics invitation).
    attachments: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    message_id: Mapped[str] = mapped_column(String(200), unique=True)
    state: Mapped[MailState] = mapped_column(default=MailState.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    # A sender owns a claimed row until the lease ends; after a crash another takes it.
    lease_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    claimed_by: Mapped[str | None] = mapped_column(String(80))
    # The error's kind and the server's code: never an address or a name.
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[created_at]
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class MailLink(Base):
    """A signed link that was issued, by the hash of its token: revocable and single-use."""

    __tablename__ = "mail_links"
    __table_args__ = (Index("ix_mail_links_purpose_record_id", "purpose", "record_id"),)

    id: Mapped[intpk]
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    purpose: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[int]
    created_at: Mapped[created_at]
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

"""Introductions between communities, their change feed, and sealed contact cards."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hub.database import Base, JSONType, intpk, timestamp
from shared.protocol.introductions import IntroStatus

__all__ = ["IntroFeed", "IntroStatus", "Introduction"]


class Introduction(Base):
    """Community A asks community B's listed connector to meet A's connectee.

    The hub holds no identity: a pitch of allow-listed facts, node A's pseudonymous
    ``consent_ref``, node B's ``connector_ref`` (copied from the profile when requested),
    and each side's contact card only as a box sealed to the other node's public key.
    ``seq`` is the newest change's number in the introductions feed both sides pull.
    Erasure and retention delete the pitch, the consent ref and the cards, never the row.
    """

    __tablename__ = "introductions"
    __table_args__ = (
        Index("ix_introductions_from_seq", "from_community_id", "seq"),
        Index("ix_introductions_to_seq", "to_community_id", "seq"),
        Index("ix_introductions_status_expires", "status", "expires_at"),
    )

    id: Mapped[intpk]
    seq: Mapped[int] = mapped_column(BigInteger, unique=True)
    from_community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    to_community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    profile_id: Mapped[int] = mapped_column(ForeignKey("profiles.id"), index=True)
    connector_ref: Mapped[str] = mapped_column(String(64))
    # Null once erased or purged, like the pitch (emptied) and both cards.
    consent_ref: Mapped[str | None] = mapped_column(String(64), index=True)
    pitch: Mapped[dict[str, Any]] = mapped_column(JSONType)
    status: Mapped[IntroStatus] = mapped_column(default=IntroStatus.REQUESTED)
    end_reason: Mapped[str | None] = mapped_column(String(40))
    requested_at: Mapped[timestamp]
    decided_at: Mapped[dt.datetime | None]
    expires_at: Mapped[dt.datetime | None]
    updated_at: Mapped[timestamp]
    # Base64 sealed boxes: the requester's card (for B) and the connector side's (for A).
    card_from: Mapped[str | None] = mapped_column(Text)
    card_to: Mapped[str | None] = mapped_column(Text)
    # When the second card arrived: an accepted introduction's retention runs from here.
    cards_exchanged_at: Mapped[dt.datetime | None]
    # A side asked to erase it (its person was erased or withdrew cross-city consent):
    # the pitch, the consent ref and both cards were deleted then.
    erased_at: Mapped[dt.datetime | None]
    erased_by: Mapped[str | None] = mapped_column(String(10))
    # Retention ran out (HUB_INTRO_RETENTION_DAYS after it ended): same deletions; the
    # record stays for counts.
    purged_at: Mapped[dt.datetime | None]


class IntroFeed(Base):
    """The introductions feed's single bookkeeping row: the newest seq issued."""

    __tablename__ = "introduction_feed"

    id: Mapped[intpk]
    last_seq: Mapped[int] = mapped_column(BigInteger, default=0)

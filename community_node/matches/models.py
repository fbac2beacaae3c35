"""Matches (a state machine), their transitions, meetings and referrals."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from community_node.database import Base, created_at, intpk, timestamp


class MatchStatus(enum.StrEnum):
    PROPOSED = "proposed"
    INTRODUCED = "introduced"
    MEETING_SCHEDULED = "meeting_scheduled"
    MET = "met"
    REFERRALS_PENDING = "referrals_pending"
    REFERRED = "referred"
    CLOSED = "closed"
    DECLINED = "declined"
    EXPIRED = "expired"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"


class Match(Base):
    """A proposed or running pairing of one connectee with one connector."""

    __tablename__ = "matches"

    id: Mapped[intpk]
    connectee_id: Mapped[int] = mapped_column(ForeignKey("connectees.id"), index=True)
    connector_id: Mapped[int] = mapped_column(ForeignKey("connectors.id"), index=True)
    status: Mapped[MatchStatus] = mapped_column(default=MatchStatus.PROPOSED, index=True)
    score: Mapped[float | None]
    proposed_at: Mapped[created_at]
    status_changed_at: Mapped[timestamp]
    expires_at: Mapped[dt.datetime | None]
    first_met_on: Mapped[dt.date | None]
    exit_reason: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(80))
    #: The event where the pair was introduced, if they met there.
    event_id: Mapped[int | None] = mapped_column(
        ForeignKey("events.id", ondelete="SET NULL"), index=True
    )

    transitions: Mapped[list[MatchTransition]] = relationship(
        back_populates="match", order_by="MatchTransition.id", cascade="all, delete-orphan"
    )
    meetings: Mapped[list[Meeting]] = relationship(
        back_populates="match", order_by="Meeting.id", cascade="all, delete-orphan"
    )
    referrals: Mapped[list[Referral]] = relationship(
        back_populates="match", order_by="Referral.id", cascade="all, delete-orphan"
    )


class MatchTransition(Base):
    """One state change of a match: from, to, who, when, and an optional note."""

    __tablename__ = "match_transitions"

    id: Mapped[intpk]
    match_id: Mapped[int] = mapped_column(ForeignKey("matches.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[MatchStatus | None]
    to_status: Mapped[MatchStatus]
    at: Mapped[created_at]
    by: Mapped[str] = mapped_column(String(80))
    note: Mapped[str | None] = mapped_column(Text)

    match: Mapped[Match] = relationship(back_populates="transitions")


class MeetingMode(enum.StrEnum):
    IN_PERSON = "in_person"
    VIDEO = "video"
    PHONE = "phone"


class Meeting(Base):
    """The connectee's meeting with the connector."""

    __tablename__ = "meetings"

    id: Mapped[intpk]
    match_id: Mapped[int] = mapped_column(ForeignKey("matches.id", ondelete="CASCADE"), index=True)
    scheduled_for: Mapped[dt.datetime]
    duration_minutes: Mapped[int] = mapped_column(default=30)
    mode: Mapped[MeetingMode]
    confirmed_by_connectee: Mapped[bool] = mapped_column(default=False)
    confirmed_by_connector: Mapped[bool] = mapped_column(default=False)
    held: Mapped[bool | None]
    #: What the coordinator wants to remember of it; blanked when either person is erased.
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[created_at]

    match: Mapped[Match] = relationship(back_populates="meetings")


class ReferralResult(enum.StrEnum):
    PENDING = "pending"
    MET = "met"
    INTERVIEW = "interview"
    HIRED = "hired"
    NO_RESPONSE = "no_response"


class Referral(Base):
    """An introduction the connector made; the contact's name never leaves the node."""

    __tablename__ = "referrals"
    __table_args__ = (CheckConstraint("tier IN (1, 2)", name="tier_1_or_2"),)

    id: Mapped[intpk]
    match_id: Mapped[int] = mapped_column(ForeignKey("matches.id", ondelete="CASCADE"), index=True)
    contact_name: Mapped[str] = mapped_column(String(200))
    organisation: Mapped[str] = mapped_column(String(200))
    sector: Mapped[str] = mapped_column(String(100))
    referred_on: Mapped[dt.date]
    tier: Mapped[int] = mapped_column(default=1)
    result: Mapped[ReferralResult] = mapped_column(default=ReferralResult.PENDING)
    created_at: Mapped[created_at]
    #: The event where the connector made this introduction, if there.
    event_id: Mapped[int | None] = mapped_column(
        ForeignKey("events.id", ondelete="SET NULL"), index=True
    )

    match: Mapped[Match] = relationship(back_populates="referrals")

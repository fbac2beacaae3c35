"""Events the program runs, who was invited, who registered and who came."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from community_node.database import Base, created_at, intpk


class EventKind(enum.StrEnum):
    NETWORKING = "networking"
    JOB_FAIR = "job_fair"


class Event(Base):
    """A networking event or job fair; ``public_key`` names it in public links."""

    __tablename__ = "events"

    id: Mapped[intpk]
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[EventKind]
    starts_at: Mapped[dt.datetime] = mapped_column(index=True)
    ends_at: Mapped[dt.datetime]
    location: Mapped[str] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    #: Random, so the public page of an event nobody was told about cannot be guessed.
    public_key: Mapped[str] = mapped_column(String(32), unique=True)
    registration_open: Mapped[bool] = mapped_column(default=True)
    capacity: Mapped[int | None]
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[created_at]

    attendees: Mapped[list[EventAttendee]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="EventAttendee.id"
    )


class Attendance(enum.StrEnum):
    """invited → registered → checked_in; registering needs no invitation."""

    INVITED = "invited"
    REGISTERED = "registered"
    CHECKED_IN = "checked_in"


class EventAttendee(Base):
    """One connectee or connector on an event's list."""

    __tablename__ = "event_attendees"
    __table_args__ = (
        CheckConstraint(
            "(connectee_id IS NULL) <> (connector_id IS NULL)", name="exactly_one_person"
        ),
        UniqueConstraint("event_id", "connectee_id", name="uq_event_attendees_connectee"),
        UniqueConstraint("event_id", "connector_id", name="uq_event_attendees_connector"),
    )

    id: Mapped[intpk]
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    connectee_id: Mapped[int | None] = mapped_column(
        ForeignKey("connectees.id", ondelete="CASCADE"), index=True
    )
    connector_id: Mapped[int | None] = mapped_column(
        ForeignKey("connectors.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[Attendance] = mapped_column(default=Attendance.INVITED, index=True)
    invited_at: Mapped[dt.datetime | None]
    registered_at: Mapped[dt.datetime | None]
    checked_in_at: Mapped[dt.datetime | None]
    checked_in_by: Mapped[str | None] = mapped_column(String(80))

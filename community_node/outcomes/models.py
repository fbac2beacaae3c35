"""Follow-up outcomes."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from community_node.database import Base, created_at, intpk


class OutcomeCategory(enum.StrEnum):
    EMPLOYED_IN_FIELD = "employed_in_field"
    EMPLOYED_RELATED_FIELD = "employed_related_field"
    EMPLOYED_OUTSIDE_FIELD = "employed_outside_field"
    EDUCATION_OR_CREDENTIALING = "education_or_credentialing"
    VOLUNTEERING_OR_INTERNSHIP = "volunteering_or_internship"
    STILL_SEARCHING = "still_searching"
    LEFT_COMMUNITY = "left_community"
    UNKNOWN = "unknown"

    @property
    def employed(self) -> bool:
        return self in EMPLOYED_CATEGORIES


EMPLOYED_CATEGORIES = frozenset(
    {
        OutcomeCategory.EMPLOYED_IN_FIELD,
        OutcomeCategory.EMPLOYED_RELATED_FIELD,
        OutcomeCategory.EMPLOYED_OUTSIDE_FIELD,
    }
)

#: Months after the first meeting at which a follow-up is due.
MILESTONES = (3, 6, 12)


class FollowUpOutcome(Base):
    """What had become of a connectee at a milestone after their first meeting."""

    __tablename__ = "follow_up_outcomes"
    __table_args__ = (
        UniqueConstraint("connectee_id", "milestone_months"),
        CheckConstraint("milestone_months IN (3, 6, 12)", name="known_milestone"),
    )

    id: Mapped[intpk]
    connectee_id: Mapped[int] = mapped_column(
        ForeignKey("connectees.id", ondelete="CASCADE"), index=True
    )
    match_id: Mapped[int | None] = mapped_column(ForeignKey("matches.id", ondelete="SET NULL"))
    milestone_months: Mapped[int]
    category: Mapped[OutcomeCategory]
    occupation: Mapped[str | None] = mapped_column(String(7))
    attributed_to_program: Mapped[bool | None]
    recorded_on: Mapped[dt.date]
    recorded_by: Mapped[str] = mapped_column(String(80))
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[created_at]

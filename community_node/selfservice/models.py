"""What only the participants' own side records: survey answers and erasure requests."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from community_node.database import Base, created_at, intpk


class WageBand(enum.StrEnum):
    """Hourly pay, in bands coarse enough that no answer identifies anyone."""

    UNDER_20 = "under_20"
    FROM_20_TO_30 = "20_to_30"
    FROM_30_TO_45 = "30_to_45"
    OVER_45 = "over_45"
    NOT_SAID = "not_said"


class SurveyResponse(Base):
    """The answers of a follow-up survey that its outcome record has no column for."""

    __tablename__ = "survey_responses"
    __table_args__ = (
        UniqueConstraint("connectee_id", "milestone_months"),
        CheckConstraint("usefulness BETWEEN 1 AND 4", name="usefulness_1_to_4"),
    )

    id: Mapped[intpk]
    # Keyed like its outcome (one per connectee and milestone) and written in the outcome's
    # own commit, so the outcome service stays the one that records follow-ups.
    connectee_id: Mapped[int] = mapped_column(
        ForeignKey("connectees.id", ondelete="CASCADE"), index=True
    )
    milestone_months: Mapped[int]
    wage_band: Mapped[WageBand | None]
    #: How useful the program was: 1 not at all, 2 a little, 3 quite, 4 very.
    usefulness: Mapped[int | None]
    answered_at: Mapped[created_at]


class ErasureRequest(Base):
    """A participant asked, from their own page, that their personal data be erased.

    Staff check and carry it out with the existing erasure (``participants.erase_person``),
    which is final, so a link alone never erases anything.
    """

    __tablename__ = "erasure_requests"
    __table_args__ = (
        CheckConstraint("person_kind IN ('connectee', 'connector')", name="known_kind"),
    )

    id: Mapped[intpk]
    person_kind: Mapped[str] = mapped_column(String(10))
    person_id: Mapped[int] = mapped_column(index=True)
    requested_at: Mapped[created_at]
    handled_at: Mapped[dt.datetime | None]
    handled_by: Mapped[str | None] = mapped_column(String(80))

"""Eligibility decisions: one row per evaluation, each criterion with its reason."""

from __future__ import annotations

import enum
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from community_node.database import Base, JSONType, created_at, intpk


class Outcome(enum.StrEnum):
    ELIGIBLE = "eligible"
    INELIGIBLE = "ineligible"
    WAITLISTED = "waitlisted"


class EligibilityDecision(Base):
    """An evaluation of one applicant against one rule-set version, or a staff override."""

    __tablename__ = "eligibility_decisions"
    __table_args__ = (
        CheckConstraint(
            "(connectee_id IS NULL) <> (connector_id IS NULL)", name="exactly_one_subject"
        ),
    )

    id: Mapped[intpk]
    connectee_id: Mapped[int | None] = mapped_column(
        ForeignKey("connectees.id", ondelete="CASCADE"), index=True
    )
    connector_id: Mapped[int | None] = mapped_column(
        ForeignKey("connectors.id", ondelete="CASCADE"), index=True
    )
    ruleset_version: Mapped[str] = mapped_column(String(80))
    outcome: Mapped[Outcome]
    # [{"criterion": "work_authorization", "passed": false, "reason": "..."}, ...]
    criteria: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    is_override: Mapped[bool] = mapped_column(default=False)
    override_reason: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[str] = mapped_column(String(80))
    decided_at: Mapped[created_at]
    # Only the newest decision per applicant is current; older ones stay as history.
    current: Mapped[bool] = mapped_column(default=True, index=True)


# At most one current decision per applicant, even when two evaluations race.
for _subject in ("connectee_id", "connector_id"):
    Index(
        f"uq_eligibility_decisions_current_{_subject}",
        getattr(EligibilityDecision, _subject),
        unique=True,
        sqlite_where=EligibilityDecision.current.is_(True),
        postgresql_where=EligibilityDecision.current.is_(True),
    )

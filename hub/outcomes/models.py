"""One aggregate cell a community reported for a period (a node already suppressed 1–4)."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hub.database import Base, intpk, timestamp

#: The groupings the public roll-up is read at (the API's and the dashboard's ``by``).
ROLLUP_LEVELS = ("community", "major_group", "community_major_group", "national")


class OutcomeCell(Base):
    """(community, period, major group, metric) → value, or suppressed (value NULL)."""

    __tablename__ = "outcome_cells"
    __table_args__ = (UniqueConstraint("community_id", "period", "major_group", "metric"),)

    id: Mapped[intpk]
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    period: Mapped[str] = mapped_column(String(7), index=True)
    major_group: Mapped[str] = mapped_column(String(7))
    metric: Mapped[str] = mapped_column(String(40))
    value: Mapped[int | None]
    suppressed: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[timestamp]

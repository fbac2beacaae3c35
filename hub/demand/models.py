"""The demand signal a community reported for one SOC major group."""

from __future__ import annotations

from sqlalchemy import Float, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hub.database import Base, intpk, timestamp


class DemandSignal(Base):
    """(community, major group) → signal in [0, 1]; a PUT replaces the community's set."""

    __tablename__ = "demand_signals"
    __table_args__ = (UniqueConstraint("community_id", "major_group"),)

    id: Mapped[intpk]
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    major_group: Mapped[str] = mapped_column(String(2))
    signal: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[timestamp]

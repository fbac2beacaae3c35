"""Partner organisations, the people the program knows there, and their recruiting needs."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from community_node.database import Base, created_at, intpk, timestamp, utcnow


class PartnerKind(enum.StrEnum):
    CHAMBER_OF_COMMERCE = "chamber_of_commerce"
    EMPLOYER = "employer"
    LANGUAGE_PROVIDER = "language_provider"
    RESETTLEMENT_AGENCY = "resettlement_agency"
    UNIVERSITY = "university"
    WORKFORCE_BOARD = "workforce_board"
    OTHER = "other"


#: Partners whose recruiting needs feed the local demand signal.
HIRING_KINDS = (PartnerKind.CHAMBER_OF_COMMERCE, PartnerKind.EMPLOYER)


class Partner(Base):
    """An organisation the program works with: it refers people, hires, or both."""

    __tablename__ = "partners"

    id: Mapped[intpk]
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[PartnerKind] = mapped_column(index=True)
    website: Mapped[str | None] = mapped_column(String(300))
    notes: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[created_at]
    updated_at: Mapped[timestamp] = mapped_column(onupdate=utcnow)

    contacts: Mapped[list[PartnerContact]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="PartnerContact.id"
    )
    needs: Mapped[list[RecruitingNeed]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="RecruitingNeed.starts_on"
    )


class PartnerContact(Base):
    """A person at a partner organisation (personal data: it stays on the node)."""

    __tablename__ = "partner_contacts"

    id: Mapped[intpk]
    partner_id: Mapped[int] = mapped_column(
        ForeignKey("partners.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(40))


class RecruitingNeed(Base):
    """An employer's or chamber's wish to hire: how many in which occupation, when."""

    __tablename__ = "recruiting_needs"
    __table_args__ = (
        CheckConstraint("positions > 0", name="positions_positive"),
        CheckConstraint("ends_on >= starts_on", name="period_ordered"),
    )

    id: Mapped[intpk]
    partner_id: Mapped[int] = mapped_column(
        ForeignKey("partners.id", ondelete="CASCADE"), index=True
    )
    soc_code: Mapped[str] = mapped_column(String(7), index=True)
    positions: Mapped[int]
    starts_on: Mapped[dt.date]
    ends_on: Mapped[dt.date]
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[created_at]

"""Batch proposals staff review before any match is made, and next-candidate offers."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from community_node.database import Base, JSONType, created_at, intpk


class BatchStatus(enum.StrEnum):
    DRAFT = "draft"
    REVIEWED = "reviewed"


class RowStatus(enum.StrEnum):
    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    SKIPPED = "skipped"
    FAILED = "failed"


class MatchProposalBatch(Base):
    """One run of the capacity-aware assignment over waiting connectees: a draft."""

    __tablename__ = "match_proposal_batches"

    id: Mapped[intpk]
    status: Mapped[BatchStatus] = mapped_column(default=BatchStatus.DRAFT)
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[created_at]
    reviewed_by: Mapped[str | None] = mapped_column(String(80))
    reviewed_at: Mapped[dt.datetime | None]
    # The weights in force, so a reviewer sees what produced the proposal.
    weights: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)

    rows: Mapped[list[MatchProposalRow]] = relationship(
        back_populates="batch", order_by="MatchProposalRow.id", cascade="all, delete-orphan"
    )


class MatchProposalRow(Base):
    """One connectee's proposed connector (or none, when nobody fits) in a batch."""

    __tablename__ = "match_proposal_rows"

    id: Mapped[intpk]
    batch_id: Mapped[int] = mapped_column(
        ForeignKey("match_proposal_batches.id", ondelete="CASCADE"), index=True
    )
    connectee_id: Mapped[int] = mapped_column(ForeignKey("connectees.id", ondelete="CASCADE"))
    connector_id: Mapped[int | None] = mapped_column(
        ForeignKey("connectors.id", ondelete="CASCADE")
    )
    score: Mapped[float | None]
    contributions: Mapped[dict[str, float]] = mapped_column(JSONType, default=dict)
    reasons: Mapped[list[str]] = mapped_column(JSONType, default=list)
    status: Mapped[RowStatus] = mapped_column(default=RowStatus.PROPOSED)
    match_id: Mapped[int | None] = mapped_column(ForeignKey("matches.id", ondelete="SET NULL"))
    error: Mapped[str | None] = mapped_column(String(500))

    batch: Mapped[MatchProposalBatch] = relationship(back_populates="rows")


class NextCandidate(Base):
    """The next best connector offered when a match was declined or expired."""

    __tablename__ = "match_next_candidates"

    id: Mapped[intpk]
    match_id: Mapped[int] = mapped_column(ForeignKey("matches.id", ondelete="CASCADE"), unique=True)
    connectee_id: Mapped[int] = mapped_column(
        ForeignKey("connectees.id", ondelete="CASCADE"), index=True
    )
    # None: no connector left who fits (every one was tried, or none has capacity).
    connector_id: Mapped[int | None] = mapped_column(
        ForeignKey("connectors.id", ondelete="CASCADE")
    )
    score: Mapped[float | None]
    contributions: Mapped[dict[str, float]] = mapped_column(JSONType, default=dict)
    reasons: Mapped[list[str]] = mapped_column(JSONType, default=list)
    created_at: Mapped[created_at]

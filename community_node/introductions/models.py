"""Cross-city introductions as this node sees them, its key pair, and the feed cursor."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from community_node.database import Base, JSONType, created_at, intpk, timestamp, utcnow
from shared.protocol.introductions import IntroStatus

__all__ = ["CrossCityIntro", "IntroDirection", "IntroStatus", "IntroSyncState", "NodeKeyPair"]


class IntroDirection(enum.StrEnum):
    OUTGOING = "outgoing"  # our connectee, another community's connector
    INCOMING = "incoming"  # another community's connectee, our connector


class CrossCityIntro(Base):
    """One introduction brokered by the hub; ``hub_id`` is the hub's id for it.

    ``their_card`` is the other node's contact card for its participant, opened with this
    node's private key (it is personal data, like the rest of the node's records).
    ``disclosures`` lists what this node sent for its own participant (field names and
    when, never values), so staff can show the person where their data went.
    """

    __tablename__ = "cross_city_intros"

    id: Mapped[intpk]
    hub_id: Mapped[int | None] = mapped_column(unique=True)
    direction: Mapped[IntroDirection]
    status: Mapped[IntroStatus] = mapped_column(default=IntroStatus.REQUESTED, index=True)
    end_reason: Mapped[str | None] = mapped_column(String(40))
    other_community: Mapped[str | None] = mapped_column(String(40))
    directory_profile_id: Mapped[int | None]
    connectee_id: Mapped[int | None] = mapped_column(
        ForeignKey("connectees.id", ondelete="SET NULL"), index=True
    )
    consent_id: Mapped[int | None] = mapped_column(ForeignKey("consents.id", ondelete="SET NULL"))
    connector_id: Mapped[int | None] = mapped_column(
        ForeignKey("connectors.id", ondelete="SET NULL"), index=True
    )
    connector_ref: Mapped[str | None] = mapped_column(String(64))
    pitch: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    requested_at: Mapped[timestamp]
    decided_at: Mapped[dt.datetime | None]
    expires_at: Mapped[dt.datetime | None]
    card_sent: Mapped[bool] = mapped_column(default=False)
    their_card: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    hub_seq: Mapped[int] = mapped_column(default=0)
    disclosures: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    # Set in the transaction that erased our participant or withdrew their cross-city
    # consent; the next sync asks the hub to erase, and ``hub_erased_at`` is its answer
    # (or, when the other side asked, the erasure the feed brought).
    erase_requested_at: Mapped[dt.datetime | None] = mapped_column(index=True)
    erase_reason: Mapped[str | None] = mapped_column(String(20))
    hub_erased_at: Mapped[dt.datetime | None]
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[created_at]
    updated_at: Mapped[timestamp] = mapped_column(onupdate=utcnow)


class NodeKeyPair(Base):
    """This node's X25519 key pair for sealed contact cards (a single row).

    The private key never leaves the node; protect database backups as for the hub
    client secret. The public key is registered with the hub on ``hub connect``.
    """

    __tablename__ = "node_keypair"

    id: Mapped[intpk]
    public_key: Mapped[str] = mapped_column(Text)
    private_key: Mapped[bytes] = mapped_column(LargeBinary(32))
    created_at: Mapped[created_at]


class IntroSyncState(Base):
    """The introductions feed cursor (a single row)."""

    __tablename__ = "intro_sync_state"

    id: Mapped[intpk]
    cursor: Mapped[int] = mapped_column(default=0)
    last_synced_at: Mapped[dt.datetime | None]

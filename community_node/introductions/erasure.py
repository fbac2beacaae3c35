"""Erasure and withdrawal of cross-city consent travel as far as the data went.

Erasing a participant, or their withdrawing cross-city consent, marks each of their
cross-city introductions (outgoing for a connectee, incoming for a connector) in the same
transaction, and deletes this node's copies of the other side's data for them (the pitch
and the other node's card). The next introductions sync asks the hub to erase each marked
one (``services.sync``); the hub deletes its pitch, consent ref and cards and tells the
other node in its feed, which deletes its copy (``forget_for_peer``). Every step is
audited with ids and field names only.

This module imports no service of another feature, so ``participants.services`` can call
it without an import cycle.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select

from community_node.audit.services import record
from community_node.database import utcnow
from community_node.errors import InvalidInput
from community_node.extensions import db
from community_node.introductions.models import CrossCityIntro, IntroDirection

REASONS = ("erasure", "consent_withdrawn")


def note_disclosure(
    intro: CrossCityIntro, what: str, fields: Sequence[str], at: dt.datetime | None = None
) -> None:
    """Remember that ``fields`` (names, not values) of our participant left for the hub."""
    entry = {"what": what, "fields": sorted(fields), "at": (at or utcnow()).isoformat()}
    # A new list, so the JSON column sees the change.
    intro.disclosures = [*(intro.disclosures or []), entry]


def _forget_copies(intro: CrossCityIntro) -> list[str]:
    """Delete this node's copies of the introduction's personal data; return their names."""
    held = [name for name in ("pitch", "their_card") if getattr(intro, name)]
    intro.pitch = {}
    intro.their_card = None
    return held


def mark_for_erasure(
    person_kind: str,
    person_id: int,
    reason: str,
    *,
    actor: str,
    consent_id: int | None = None,
) -> int:
    """Mark a participant's cross-city introductions for erasure at the hub; no commit.

    ``consent_id`` narrows a connectee's to those requested under that consent (a
    withdrawal). Return how many introductions were marked or cleaned.
    """
    if reason not in REASONS:
        raise ValueError(f"reason must be one of {REASONS}")
    if person_kind == "connectee":
        stmt = select(CrossCityIntro).where(
            CrossCityIntro.direction == IntroDirection.OUTGOING,
            CrossCityIntro.connectee_id == person_id,
        )
        if consent_id is not None:
            stmt = stmt.where(CrossCityIntro.consent_id == consent_id)
    else:
        # A connector's card went out on every introduction they accepted; a waiting
        # request for them must end too.
        stmt = select(CrossCityIntro).where(
            CrossCityIntro.direction == IntroDirection.INCOMING,
            CrossCityIntro.connector_id == person_id,
        )
    now = utcnow()
    intros = db.session.scalars(stmt.order_by(CrossCityIntro.id)).all()
    for intro in intros:
        deleted = _forget_copies(intro)
        marked = intro.erase_requested_at is None and intro.hub_id is not None
        if marked:
            intro.erase_requested_at, intro.erase_reason = now, reason
        record(
            actor,
            "cross_city_intro.erase_requested",
            "cross_city_intro",
            intro.id,
            {"hub_id": intro.hub_id, "reason": reason, "deleted": deleted, "marked": marked},
        )
    return len(intros)


def pending() -> Sequence[CrossCityIntro]:
    """Introductions whose erasure the hub has not confirmed yet, oldest first."""
    return db.session.scalars(
        select(CrossCityIntro)
        .where(
            CrossCityIntro.erase_requested_at.is_not(None),
            CrossCityIntro.hub_erased_at.is_(None),
            CrossCityIntro.hub_id.is_not(None),
        )
        .order_by(CrossCityIntro.id)
    ).all()


def confirmed(intro: CrossCityIntro, erased_at: dt.datetime | None, erased_by: str | None) -> None:
    """The hub answered our erase call: record when it erased (no commit)."""
    intro.hub_erased_at = erased_at or utcnow()
    record(
        "system:intros",
        "cross_city_intro.erase_confirmed",
        "cross_city_intro",
        intro.id,
        {"hub_id": intro.hub_id, "erased_by": erased_by},
    )


def forget_for_peer(intro: CrossCityIntro, view: Mapping[str, Any]) -> bool:
    """Apply an erasure the feed brought: delete our copies; return whether it is new."""
    if view.get("erased_at") is None or intro.hub_erased_at is not None:
        return False
    deleted = _forget_copies(intro)
    intro.hub_erased_at = view["erased_at"]
    # Usually the other side asked; if we had asked too, this is the hub's confirmation.
    ours = intro.erase_requested_at is not None
    record(
        "system:intros",
        "cross_city_intro.erase_confirmed" if ours else "cross_city_intro.peer_erased",
        "cross_city_intro",
        intro.id,
        {"hub_id": intro.hub_id, "erased_by": view.get("erased_by"), "deleted": deleted},
    )
    return True


def disclosures(*, connectee_id: int | None, connector_id: int | None) -> list[dict[str, Any]]:
    """Where one participant's data went through the hub, and whether it was erased there.

    Only field names, communities and dates: nothing that could outlive an erasure.
    """
    if (connectee_id is None) == (connector_id is None):
        raise InvalidInput({"connectee_id": ["Give exactly one of connectee_id, connector_id."]})
    stmt = select(CrossCityIntro).order_by(CrossCityIntro.id)
    if connectee_id is not None:
        stmt = stmt.where(
            CrossCityIntro.direction == IntroDirection.OUTGOING,
            CrossCityIntro.connectee_id == connectee_id,
        )
    else:
        stmt = stmt.where(
            CrossCityIntro.direction == IntroDirection.INCOMING,
            CrossCityIntro.connector_id == connector_id,
        )
    return [
        {
            "introduction_id": intro.id,
            "hub_id": intro.hub_id,
            "direction": intro.direction,
            "community": intro.other_community,
            "status": intro.status,
            "requested_at": intro.requested_at,
            "sent": intro.disclosures or [],
            "erase_requested_at": intro.erase_requested_at,
            "erase_reason": intro.erase_reason,
            "hub_erased_at": intro.hub_erased_at,
        }
        for intro in db.session.scalars(stmt)
    ]

"""Match lifecycle, meetings and referrals."""

from __future__ import annotations

from sqlalchemy import select, update

from community_node.extensions import db
from community_node.introductions.models import Match, Referral


def erase_referral_contacts(person_kind: str, person_id: int) -> None:
    """Blank the referral contacts' names in every match of an erased person."""
    column = Match.connectee_id if person_kind == "connectee" else Match.connector_id
    match_ids = select(Match.id).where(column == person_id)
    db.session.execute(
        update(Referral).where(Referral.match_id.in_(match_ids)).values(contact_name="(erased)")
    )

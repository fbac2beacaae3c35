"""Read-only look-ups the staff pages need beyond the participants services."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from community_node.database import utcnow
from community_node.extensions import db
from community_node.matches import services as matches
from community_node.matches.models import Match
from community_node.participants import services as participants
from community_node.participants.models import Consent, ProfileStatus


@dataclass(frozen=True)
class DashboardCounts:
    connectees: int
    connectors: int
    submitted: int  # connectees awaiting their eligibility decision
    connectors_submitted: int  # volunteers awaiting review
    proposals_expiring: int
    follow_ups_due: int


def _total(kind: participants.PersonKind[Any], **filters: Any) -> int:
    args = {"sort": "id", "page": 1, "per_page": 1, **filters}
    return participants.list_persons(kind, args).total


def dashboard_counts(now: dt.datetime | None = None) -> DashboardCounts:
    """The dashboard's figures, each from the service that owns it (as ``tick`` lists them)."""
    now = now or utcnow()
    return DashboardCounts(
        connectees=_total(participants.CONNECTEES),
        connectors=_total(participants.CONNECTORS),
        submitted=_total(participants.CONNECTEES, status=ProfileStatus.SUBMITTED),
        connectors_submitted=_total(participants.CONNECTORS, status=ProfileStatus.SUBMITTED),
        proposals_expiring=matches.proposals_expiring(now),
        follow_ups_due=len(matches.due_follow_ups(now.date())),
    )


def consents_for(kind: participants.PersonKind[Any], person_id: int) -> Sequence[Consent]:
    """Return every consent record of one person, newest first."""
    args = {f"{kind.name}_id": person_id, "sort": "-granted_at", "page": 1, "per_page": 200}
    return participants.list_consents(args).items


def matches_for(kind: participants.PersonKind[Any], person_id: int) -> Sequence[Match]:
    """Return the matches one connectee or connector takes part in, newest first."""
    column = Match.connectee_id if kind is participants.CONNECTEES else Match.connector_id
    stmt = select(Match).where(column == person_id).order_by(Match.id.desc())
    return db.session.scalars(stmt).all()

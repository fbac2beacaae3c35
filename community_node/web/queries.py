"""Read-only look-ups the staff pages need beyond the participants services."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from community_node.database import utcnow
from community_node.extensions import db
from community_node.matches.models import Match, MatchStatus
from community_node.outcomes.models import MILESTONES, FollowUpOutcome
from community_node.participants import services as participants
from community_node.participants.models import Consent, ProfileStatus

#: A proposal counts as "expiring" on the dashboard this many days before it lapses.
EXPIRING_WITHIN_DAYS = 3


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


def add_months(day: dt.date, months: int) -> dt.date:
    """Return the same day ``months`` later, clamped to the end of a shorter month."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable: every month has at least 28 days")


def proposals_expiring(now: dt.datetime | None = None) -> int:
    """Count proposed matches that lapse within a few days (or already have)."""
    horizon = (now or utcnow()) + dt.timedelta(days=EXPIRING_WITHIN_DAYS)
    stmt = select(func.count(Match.id)).where(
        Match.status == MatchStatus.PROPOSED,
        Match.expires_at.is_not(None),
        Match.expires_at <= horizon,
    )
    return db.session.scalar(stmt) or 0


def follow_ups_due(today: dt.date | None = None) -> int:
    """Count (connectee, milestone) follow-ups whose date has come and that have no outcome."""
    today = today or utcnow().date()
    first_met = db.session.execute(
        select(Match.connectee_id, func.min(Match.first_met_on))
        .where(Match.first_met_on.is_not(None))
        .group_by(Match.connectee_id)
    ).all()
    if not first_met:
        return 0
    recorded = {
        (connectee_id, months)
        for connectee_id, months in db.session.execute(
            select(FollowUpOutcome.connectee_id, FollowUpOutcome.milestone_months)
        )
    }
    due = 0
    for connectee_id, met_on in first_met:
        if met_on is None:  # the WHERE clause rules this out; the check informs mypy
            continue
        for months in MILESTONES:
            if add_months(met_on, months) <= today and (connectee_id, months) not in recorded:
                due += 1
    return due


def dashboard_counts() -> DashboardCounts:
    return DashboardCounts(
        connectees=_total(participants.CONNECTEES),
        connectors=_total(participants.CONNECTORS),
        submitted=_total(participants.CONNECTEES, status=ProfileStatus.SUBMITTED),
        connectors_submitted=_total(participants.CONNECTORS, status=ProfileStatus.SUBMITTED),
        proposals_expiring=proposals_expiring(),
        follow_ups_due=follow_ups_due(),
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

"""Which reminders and surveys are due, at the community's cadence (``connector-node tick``).

Finding what is due is a few indexed queries, whatever the number of participants
(``bench/tick_due.py``). Each due item carries the outbox's dedupe key, built from the
record and the moment it is about, so a second tick (or a tick run twice at once) finds
the same keys and the outbox sends nothing twice.

The cadence is configuration (``NODE_REMIND_*``, ``NODE_SURVEY_MONTHS``,
``NODE_REMINDERS_PER_PERSON_PER_WEEK``; see docs/self-service.md).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from community_node.extensions import db
from community_node.matches import services as matches
from community_node.matches.lifecycle import REFERRALS_NEEDED
from community_node.matches.models import Match, MatchStatus, Meeting, Referral

#: What each kind of reminder is about, as the outbox's purpose.
PROPOSAL, MEETING, REFERRALS, SURVEY = (
    "proposal_reminder",
    "meeting_reminder",
    "referrals_reminder",
    "follow_up_survey",
)


@dataclass(frozen=True)
class Due:
    """One message due to one participant."""

    purpose: str
    person_kind: str  # "connector" or "connectee"
    person_id: int
    record_id: int  # the match, the meeting, or (for a survey) the connectee
    key: str  # the outbox's dedupe key: the same reminder always has the same key
    milestone: int | None = None


@dataclass(frozen=True)
class Cadence:
    proposal_days: int
    meeting_hours: int
    referrals_days: int
    survey_months: tuple[int, ...]
    per_week: int

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Cadence:
        return cls(
            proposal_days=int(config["REMIND_PROPOSAL_DAYS_BEFORE_EXPIRY"]),
            meeting_hours=int(config["REMIND_MEETING_HOURS_BEFORE"]),
            referrals_days=int(config["REMIND_REFERRALS_DAYS_AFTER_MEETING"]),
            survey_months=tuple(sorted(config["SURVEY_MONTHS"])),
            per_week=int(config["REMINDERS_PER_PERSON_PER_WEEK"]),
        )


def proposals_due(now: dt.datetime, days: int) -> list[Due]:
    """Unanswered proposals that expire within ``days``: remind their connector once."""
    if days <= 0:
        return []
    rows = db.session.execute(
        select(Match.id, Match.connector_id, Match.expires_at)
        .where(
            Match.status == MatchStatus.PROPOSED,
            Match.expires_at > now,
            Match.expires_at <= now + dt.timedelta(days=days),
        )
        .order_by(Match.id)
    )
    return [
        # The expiry date is in the key: a proposal whose deadline moves is reminded again.
        Due(PROPOSAL, "connector", connector, match_id, f"{PROPOSAL}:{match_id}:{expires:%Y%m%d}")
        for match_id, connector, expires in rows
    ]


def meetings_due(now: dt.datetime, hours: int) -> list[Due]:
    """Meetings starting within ``hours``: remind both sides once per meeting time."""
    if hours <= 0:
        return []
    rows = db.session.execute(
        select(Meeting.id, Meeting.scheduled_for, Match.connectee_id, Match.connector_id)
        .join(Match, Match.id == Meeting.match_id)
        .where(
            Match.status == MatchStatus.MEETING_SCHEDULED,
            Meeting.held.is_(None),
            Meeting.scheduled_for > now,
            Meeting.scheduled_for <= now + dt.timedelta(hours=hours),
        )
        .order_by(Meeting.id)
    )
    due = []
    for meeting_id, at, connectee_id, connector_id in rows:
        for kind, person_id in (("connector", connector_id), ("connectee", connectee_id)):
            key = f"{MEETING}:{meeting_id}:{at:%Y%m%dT%H%M}:{kind}"
            due.append(Due(MEETING, kind, person_id, meeting_id, key))
    return due


def referrals_due(today: dt.date, days: int) -> list[Due]:
    """Met matches still short of three introductions ``days`` after the first meeting."""
    if days <= 0:
        return []
    first_tier = (
        select(func.count(Referral.id))
        .where(Referral.match_id == Match.id, Referral.tier == 1)
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(Match.id, Match.connector_id)
        .where(
            Match.status.in_((MatchStatus.MET, MatchStatus.REFERRALS_PENDING)),
            Match.first_met_on <= today - dt.timedelta(days=days),
            first_tier < REFERRALS_NEEDED,
        )
        .order_by(Match.id)
    )
    return [
        Due(REFERRALS, "connector", connector_id, match_id, f"{REFERRALS}:{match_id}")
        for match_id, connector_id in rows
    ]


def surveys_due(today: dt.date, months: tuple[int, ...]) -> list[Due]:
    """Follow-up surveys due and unanswered: only each connectee's latest milestone, so a
    connectee whose 3-month survey went unanswered is not sent two at the 6-month mark."""
    if not months:
        return []
    latest: dict[int, matches.DueFollowUp] = {}
    for item in matches.due_follow_ups(today):
        if item.milestone_months in months:
            latest[item.connectee_id] = item  # ascending milestones: the last one wins
    return [
        Due(
            SURVEY,
            "connectee",
            item.connectee_id,
            item.connectee_id,
            f"{SURVEY}:{item.connectee_id}:{item.milestone_months}",
            milestone=item.milestone_months,
        )
        for item in latest.values()
    ]


def due(now: dt.datetime, cadence: Cadence) -> list[Due]:
    """Everything due at ``now``, before opt-outs and the weekly limit."""
    return [
        *proposals_due(now, cadence.proposal_days),
        *meetings_due(now, cadence.meeting_hours),
        *referrals_due(now.date(), cadence.referrals_days),
        *surveys_due(now.date(), cadence.survey_months),
    ]

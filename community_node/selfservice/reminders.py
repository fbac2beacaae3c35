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

from flask import current_app
from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from community_node.extensions import db
from community_node.mail import messages
from community_node.mail.links import LinkPurpose, url_for_link
from community_node.mail.models import MailMessage
from community_node.mail.outbox import already_queued as messages_queued
from community_node.mail.outbox import enqueue, recipient_for
from community_node.matches import services as matches
from community_node.matches.models import Match, MatchStatus, Meeting
from community_node.participants.models import Connectee, Connector

#: What each kind of reminder is about, as the outbox's purpose.
PROPOSAL, MEETING, SURVEY = "proposal_reminder", "meeting_reminder", "follow_up_survey"


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
    survey_months: tuple[int, ...]
    per_week: int

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Cadence:
        return cls(
            proposal_days=int(config["REMIND_PROPOSAL_DAYS_BEFORE_EXPIRY"]),
            meeting_hours=int(config["REMIND_MEETING_HOURS_BEFORE"]),
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


#: A survey is sent at most this many days after its milestone; later, a phone call from
#: staff suits better (and a node that starts sending surveys does not send years' worth).
SURVEY_LATE_DAYS = 60


def surveys_due(today: dt.date, months: tuple[int, ...]) -> list[Due]:
    """Follow-up surveys due and unanswered: only each connectee's latest milestone, so a
    connectee whose 3-month survey went unanswered is not sent two at the 6-month mark."""
    if not months:
        return []
    latest: dict[int, matches.DueFollowUp] = {}
    oldest = today - dt.timedelta(days=SURVEY_LATE_DAYS)
    for item in matches.due_follow_ups(today):
        if item.milestone_months in months and item.due_on >= oldest:
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
        *surveys_due(now.date(), cadence.survey_months),
    ]


# Writing them into the outbox ---------------------------------------------------------


def sent_this_week(now: dt.datetime) -> dict[tuple[str, int], int]:
    """Reminders each participant was sent (or has waiting) in the 7 days before ``now``."""
    rows = db.session.execute(
        select(MailMessage.recipient_kind, MailMessage.recipient_id, func.count(MailMessage.id))
        .where(
            MailMessage.purpose.in_((PROPOSAL, MEETING, SURVEY)),
            MailMessage.created_at > now - dt.timedelta(days=7),
            MailMessage.recipient_id.is_not(None),
        )
        .group_by(MailMessage.recipient_kind, MailMessage.recipient_id)
    )
    return {(str(kind), person_id or 0): int(count) for kind, person_id, count in rows}


def _proposal_reminder(match: Match, now: dt.datetime, key: str) -> MailMessage | None:
    """The proposal again, with fresh links, a few days before it expires."""
    connector = db.session.get(Connector, match.connector_id)
    connectee = db.session.get(Connectee, match.connectee_id)
    assert connector is not None and connectee is not None
    snooze_until = now.date() + dt.timedelta(days=messages.SNOOZE_DAYS)
    expires = match.expires_at.date() if match.expires_at else None
    return enqueue(
        PROPOSAL,
        recipient_for(connector),
        template="match_proposed",  # the same proposal, the same three answers
        subject=_l("Reminder: would you meet a newcomer in your field?"),
        dedupe_key=key,
        context={
            "pitch": messages.shared_pitch(connectee),
            "accept_url": url_for_link(LinkPurpose.MATCH_ACCEPT, match.id, now=now),
            "decline_url": url_for_link(LinkPurpose.MATCH_DECLINE, match.id, now=now),
            "snooze_url": url_for_link(
                LinkPurpose.MATCH_SNOOZE,
                match.id,
                extra={"after": snooze_until.isoformat()},
                now=now,
            ),
            "snooze_until": lambda: format_date(snooze_until, "long"),
            "expires_on": (lambda: format_date(expires, "long")) if expires else None,
        },
        reminder=True,
        now=now,
    )


def enqueue_due(now: dt.datetime, cadence: Cadence | None = None) -> dict[str, int]:
    """Write every reminder due at ``now`` into the outbox, and commit; return counts.

    Safe to rerun: a reminder already in the outbox (same dedupe key) is not written
    again, nor one to a person who unsubscribed from reminders. Proposal reminders and
    surveys beyond the weekly limit per person wait for a later tick; a meeting reminder
    is never held back (late, it would be useless) but counts towards the limit.
    """
    cadence = cadence or Cadence.from_config(current_app.config)
    counts = sent_this_week(now)
    written = {PROPOSAL: 0, MEETING: 0, SURVEY: 0, "held_back": 0}
    reminded_meetings: set[int] = set()
    for item in due(now, cadence):
        person = (item.person_kind, item.person_id)
        if item.purpose == MEETING:
            if item.record_id in reminded_meetings:
                continue
            reminded_meetings.add(item.record_id)
            meeting = db.session.get(Meeting, item.record_id)
            assert meeting is not None
            sent = messages.meeting_reminder(
                meeting, days_before=cadence.meeting_hours // 24, now=now
            )
            for reminder in sent:
                key = (str(reminder.recipient_kind), reminder.recipient_id or 0)
                counts[key] = counts.get(key, 0) + 1
            written[MEETING] += len(sent)
            continue
        if messages_queued(item.key):
            continue
        if counts.get(person, 0) >= cadence.per_week:
            written["held_back"] += 1
            continue
        message: MailMessage | None
        if item.purpose == PROPOSAL:
            match = db.session.get(Match, item.record_id)
            assert match is not None
            message = _proposal_reminder(match, now, item.key)
        else:
            connectee = db.session.get(Connectee, item.person_id)
            assert connectee is not None and item.milestone is not None
            message = messages.follow_up_survey(connectee, item.milestone, now=now)
        if message is not None:
            counts[person] = counts.get(person, 0) + 1
            written[item.purpose] += 1
    db.session.commit()
    return written


def summary(written: Mapping[str, int]) -> str | None:
    """One line for ``tick``'s output; None when nothing was due."""
    if not any(written.values()):
        return None
    return (
        f"Reminders written: {written[PROPOSAL]} proposal, {written[MEETING]} meeting, "
        f"{written[SURVEY]} survey; {written['held_back']} held back by the weekly limit."
    )

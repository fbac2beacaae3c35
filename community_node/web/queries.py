"""Read-only look-ups the staff pages need, each answered by the service that owns it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from community_node.database import utcnow
from community_node.errors import NotFound
from community_node.extensions import db
from community_node.introductions import services as introductions
from community_node.introductions.models import IntroDirection, IntroStatus
from community_node.matches import services as matches
from community_node.matches.models import Match
from community_node.matching import services as matching
from community_node.participants import services as participants
from community_node.participants.models import Connectee, Connector, Consent, ProfileStatus
from community_node.sync import run as sync

#: Rows each section of the Today page shows; its count says how many there are in all.
TODAY_ROWS = 10


@dataclass(frozen=True)
class Section:
    """One "needs me now" list: how many there are, and the first few of them."""

    count: int
    rows: Sequence[Any]
    #: The count split by kind where a section holds more than one ("connectees": 3, …).
    by_kind: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Waiting:
    connectee: Connectee
    days: int


@dataclass(frozen=True)
class SyncProblems:
    configured: bool
    dead: int
    last_error: str | None
    last_attempt_at: dt.datetime | None
    last_success_at: dt.datetime | None

    @property
    def count(self) -> int:
        return self.dead + (1 if self.last_error else 0)


@dataclass(frozen=True)
class Today:
    signups: Section  # connectees and connectors awaiting review
    waiting: Section  # approved connectees without an open match
    expiring: Section  # proposals lapsing within a few days
    meetings: Section  # meetings this week (Monday to Sunday)
    follow_ups: Section  # 3/6/12-month follow-ups due
    intros: Section  # other cities' requests for our connectors
    sync: SyncProblems
    week_start: dt.date


def _first(kind: participants.PersonKind[Any], **filters: Any) -> Any:
    args = {"sort": "created_at", "page": 1, "per_page": TODAY_ROWS, **filters}
    return participants.list_persons(kind, args)


def submitted_signups(per_page: int = TODAY_ROWS) -> Section:
    """The connectees and connectors whose sign-up waits for review, oldest first."""
    rows: list[Connectee | Connector] = []
    by_kind: dict[str, int] = {}
    for kind in (participants.CONNECTEES, participants.CONNECTORS):
        page = _first(kind, status=ProfileStatus.SUBMITTED, per_page=per_page)
        rows.extend(page.items)
        by_kind[f"{kind.name}s"] = page.total
    rows.sort(key=lambda p: p.created_at)
    return Section(sum(by_kind.values()), rows[:per_page], by_kind)


def waiting_for_match(now: dt.datetime) -> Section:
    """Approved connectees with no open match, longest waiting first."""
    waiting = [
        Waiting(c, max(0, (now.date() - c.created_at.date()).days))
        for c in matching.waiting_connectees()
    ]
    waiting.sort(key=lambda w: -w.days)
    return Section(len(waiting), waiting[:TODAY_ROWS])


def incoming_intros() -> Section:
    """Introductions other cities asked for to our connectors, not yet decided."""
    page = introductions.list_intros(
        {
            "direction": IntroDirection.INCOMING,
            "status": IntroStatus.REQUESTED,
            "sort": "requested_at",
            "page": 1,
            "per_page": TODAY_ROWS,
        }
    )
    return Section(page.total, page.items)


def sync_problems() -> SyncProblems:
    status = sync.status()
    return SyncProblems(
        configured=status["configured"],
        dead=status["dead"],
        last_error=status["last_error"],
        last_attempt_at=status["last_attempt_at"],
        last_success_at=status["last_success_at"],
    )


def today(now: dt.datetime | None = None) -> Today:
    """What needs a coordinator now, each list from the service that owns it."""
    now = now or utcnow()
    monday = now.date() - dt.timedelta(days=now.date().weekday())
    week_start = dt.datetime.combine(monday, dt.time(), tzinfo=dt.UTC)
    meetings = matches.meetings_between(week_start, week_start + dt.timedelta(days=7))
    follow_ups = matches.due_follow_ups(now.date())
    return Today(
        signups=submitted_signups(),
        waiting=waiting_for_match(now),
        expiring=Section(
            matches.proposals_expiring(now), matches.expiring_proposals(now, TODAY_ROWS)
        ),
        meetings=Section(len(meetings), meetings[:TODAY_ROWS]),
        follow_ups=Section(len(follow_ups), follow_ups[:TODAY_ROWS]),
        intros=incoming_intros(),
        sync=sync_problems(),
        week_start=monday,
    )


def person_name(kind_name: str, person_id: int | None) -> str:
    """Name a connectee or connector a row refers to by id ("connector #4" if none is found)."""
    if person_id is None:
        return f"a {kind_name}"
    try:
        if kind_name == "connectee":
            return participants.get_person(participants.CONNECTEES, person_id).full_name
        return participants.get_person(participants.CONNECTORS, person_id).full_name
    except NotFound:
        return f"{kind_name} #{person_id}"


def consents_for(kind: participants.PersonKind[Any], person_id: int) -> Sequence[Consent]:
    """Return every consent record of one person, newest first."""
    args = {f"{kind.name}_id": person_id, "sort": "-granted_at", "page": 1, "per_page": 200}
    return participants.list_consents(args).items


def matches_for(kind: participants.PersonKind[Any], person_id: int) -> Sequence[Match]:
    """Return the matches one connectee or connector takes part in, newest first."""
    column = Match.connectee_id if kind is participants.CONNECTEES else Match.connector_id
    stmt = select(Match).where(column == person_id).order_by(Match.id.desc())
    return db.session.scalars(stmt).all()

"""Match lifecycle, connector capacity, meetings, referrals, expiry and follow-ups due.

Every function that changes something takes the acting ``actor`` and, where time matters,
an optional ``now`` so tests and ``connector-node tick --now`` can fix the clock.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from flask import current_app
from sqlalchemy import Select, func, select, update

from community_node.audit.services import record
from community_node.database import utcnow
from community_node.errors import Conflict, DomainError, InvalidInput, NotFound
from community_node.events.models import Event
from community_node.extensions import db
from community_node.mail import links
from community_node.mail import messages as mail
from community_node.matches.lifecycle import (
    AWAITING_ANSWER,
    MEETING_STATUSES,
    NOT_COUNTED_FOR_CAPACITY,
    REFERRAL_STATUSES,
    REFERRALS_NEEDED,
    TERMINAL,
    TRANSITIONS,
    allowed_next,
)
from community_node.matches.models import (
    Match,
    MatchStatus,
    MatchTransition,
    Meeting,
    Referral,
    ReferralResult,
)
from community_node.outcomes.models import MILESTONES, FollowUpOutcome
from community_node.pagination import Page, apply_sort, paginate
from community_node.participants.models import (
    CapacityPeriod,
    Connectee,
    Connector,
    ProfileStatus,
)
from shared.dates import add_months

SORTABLE = {
    "id": Match.id,
    "proposed_at": Match.proposed_at,
    "status_changed_at": Match.status_changed_at,
    "status": Match.status,
    "score": Match.score,
    "expires_at": Match.expires_at,
    "connectee_id": Match.connectee_id,
    "connector_id": Match.connector_id,
}

TICK_ACTOR = "system:tick"
#: The links a proposal's email carries; revoked once the proposal is answered or lapses.
PROPOSAL_ANSWERS = (
    links.LinkPurpose.MATCH_ACCEPT,
    links.LinkPurpose.MATCH_DECLINE,
    links.LinkPurpose.MATCH_SNOOZE,
)
#: A proposal counts as "expiring" on the dashboard this many days before it lapses.
EXPIRING_WITHIN_DAYS = 3


class OfferNext(Protocol):
    """Offer an ended match's connectee the next best connector; no commit.

    ``community_node.matching.services.offer_next`` is the real one: matching ranks
    connectors and creates matches through this module, so it is handed in, not imported.
    """

    def __call__(self, match: Match, *, now: dt.datetime) -> object: ...


# Matches ------------------------------------------------------------------------------


def get_match(match_id: int, *, lock: bool = False) -> Match:
    """Return a match; ``lock`` holds its row until commit so two changes cannot interleave."""
    match = db.session.get(Match, match_id, with_for_update=True if lock else None)
    if match is None:
        raise NotFound(f"No match {match_id}.")
    return match


def _expiry_from(now: dt.datetime) -> dt.datetime:
    return now + dt.timedelta(days=int(current_app.config["MATCH_PROPOSAL_EXPIRY_DAYS"]))


def create_match(data: Mapping[str, Any], *, actor: str, now: dt.datetime | None = None) -> Match:
    """Propose a connector to an approved connectee, within the connector's capacity."""
    now = now or utcnow()
    connectee = db.session.get(Connectee, data["connectee_id"])
    # Lock the connector so two coordinators cannot both take its last free slot.
    connector = db.session.get(Connector, data["connector_id"], with_for_update=True)
    errors: dict[str, list[str]] = {}
    if connectee is None:
        errors["connectee_id"] = [f"No connectee {data['connectee_id']}."]
    if connector is None:
        errors["connector_id"] = [f"No connector {data['connector_id']}."]
    event_id = data.get("event_id")
    if event_id is not None and db.session.get(Event, event_id) is None:
        errors["event_id"] = [f"No event {event_id}."]
    if errors:
        raise InvalidInput(errors)
    assert connectee is not None and connector is not None
    if connectee.status != ProfileStatus.APPROVED:
        raise Conflict(
            f"Connectee {connectee.id} is {connectee.status.value}; "
            "only approved connectees can be matched.",
            field="connectee_id",
        )
    if connector.status != ProfileStatus.APPROVED:
        raise Conflict(
            f"Connector {connector.id} is {connector.status.value}; "
            "only approved connectors can be matched.",
            field="connector_id",
        )
    if not connector.available:
        raise Conflict(f"Connector {connector.id} is marked unavailable.", field="connector_id")
    if not connector.accepting(now.date()):
        raise Conflict(
            f"Connector {connector.id} asked for no new matches before "
            f"{connector.unavailable_until}.",
            field="connector_id",
        )
    use = _capacity_use(connector, now)
    if use.left <= 0:
        raise Conflict(
            f"Connector {connector.id} has used all of their capacity of {use.capacity} "
            f"connectee(s) per {use.period.value} ({use.used} this {use.period.value}).",
            field="connector_id",
        )
    existing = db.session.scalar(
        select(Match.id).where(
            Match.connectee_id == connectee.id,
            Match.connector_id == connector.id,
            Match.status.not_in(TERMINAL),
        )
    )
    if existing is not None:
        raise Conflict(f"This pair already has an open match ({existing}).", match_id=existing)
    match = Match(
        connectee_id=connectee.id,
        connector_id=connector.id,
        status=MatchStatus.PROPOSED,
        score=data.get("score"),
        proposed_at=now,
        status_changed_at=now,
        expires_at=_expiry_from(now),
        created_by=actor,
        event_id=event_id,
    )
    match.transitions.append(
        MatchTransition(
            from_status=None,
            to_status=MatchStatus.PROPOSED,
            at=now,
            by=actor,
            note=data.get("note"),
        )
    )
    db.session.add(match)
    db.session.flush()
    record(
        actor,
        "match.create",
        "match",
        match.id,
        {"connectee_id": connectee.id, "connector_id": connector.id},
    )
    if event_id is not None:
        # The pair was introduced in person at the event: the match starts there.
        _move(match, MatchStatus.INTRODUCED, actor=actor, note=None, now=now)
    else:
        mail.match_proposed(match, now=now)
    db.session.commit()
    return match


def _move(
    match: Match,
    to: MatchStatus,
    *,
    actor: str,
    note: str | None,
    now: dt.datetime,
    offer_next: OfferNext | None = None,
) -> MatchTransition:
    """Apply one transition after its guards; the caller commits."""
    current = match.status
    if to not in TRANSITIONS[current]:
        allowed = allowed_next(current)
        hint = f" Allowed: {', '.join(allowed)}." if allowed else " It is final."
        raise Conflict(f"A {current.value} match cannot become {to.value}.{hint}", allowed=allowed)
    others = [s for s in allowed_next(current) if s != to.value]
    if to == MatchStatus.MEETING_SCHEDULED and not match.meetings:
        raise Conflict(
            f"Schedule the meeting with POST /api/v1/matches/{match.id}/meetings; "
            "that also moves the match on.",
            allowed=others,
        )
    if to == MatchStatus.REFERRED:
        first_tier = sum(1 for r in match.referrals if r.tier == 1)
        if first_tier < REFERRALS_NEEDED:
            raise Conflict(
                f"A match is referred after {REFERRALS_NEEDED} first-tier referrals; "
                f"this one has {first_tier}.",
                allowed=others,
            )
    if to == MatchStatus.DECLINED and not (note and note.strip()):
        raise InvalidInput({"note": ["Give the reason the match was declined."]})

    if to == MatchStatus.INTRODUCED:
        # The introduction restarts the clock: both now have N days to arrange the meeting.
        match.expires_at = _expiry_from(now)
    elif to != MatchStatus.EXPIRED:
        match.expires_at = None
    if to == MatchStatus.MET and match.first_met_on is None:
        match.first_met_on = _meeting_day(match, now)
    if to in TERMINAL and to != MatchStatus.CLOSED and note:
        match.exit_reason = note.strip()
    match.status = to
    match.status_changed_at = now
    transition = MatchTransition(from_status=current, to_status=to, at=now, by=actor, note=note)
    match.transitions.append(transition)
    db.session.flush()
    record(actor, "match.transition", "match", match.id, {"from": current.value, "to": to.value})
    if current == MatchStatus.PROPOSED:
        # Answered (by link or by staff) or lapsed: the other answer links no longer apply.
        for purpose in PROPOSAL_ANSWERS:
            links.revoke(purpose, match.id, now=now)
    if to == MatchStatus.INTRODUCED:
        mail.introduction(match, now=now)
    elif to == MatchStatus.MET:
        mail.record_referrals(match, now=now)
    if offer_next is not None and to in (MatchStatus.DECLINED, MatchStatus.EXPIRED):
        # Misconfigured weights must not block a transition; `matching next` retries.
        with contextlib.suppress(DomainError):
            offer_next(match, now=now)
    return transition


def _meeting_day(match: Match, now: dt.datetime) -> dt.date:
    """Date the first meeting: the earliest held one, else the latest one not marked missed.

    A meeting moved forward informally can have a future date, so never go past today.
    """
    held = [m for m in match.meetings if m.held]
    unmarked = [m for m in match.meetings if m.held is None]
    if held:
        meeting = min(held, key=lambda m: m.scheduled_for)
    elif unmarked:
        meeting = unmarked[-1]
        meeting.held = True
    else:
        return now.date()
    return min(meeting.scheduled_for.date(), now.date())


def transition(
    match_id: int,
    to: MatchStatus,
    *,
    actor: str,
    note: str | None = None,
    now: dt.datetime | None = None,
    offer_next: OfferNext | None = None,
) -> MatchTransition:
    """Move a match to ``to`` if the lifecycle and its guards allow it.

    A declined or expired match gets its connectee a next candidate from ``offer_next``.
    """
    match = get_match(match_id, lock=True)
    moved = _move(match, to, actor=actor, note=note, now=now or utcnow(), offer_next=offer_next)
    db.session.commit()
    return moved


def match_filters(args: Mapping[str, Any]) -> Select[Any]:
    stmt: Select[Any] = select(Match)
    for key in ("status", "connectee_id", "connector_id"):
        if (value := args.get(key)) is not None:
            stmt = stmt.where(getattr(Match, key) == value)
    if (is_open := args.get("open")) is not None:
        stmt = stmt.where(Match.status.not_in(TERMINAL) if is_open else Match.status.in_(TERMINAL))
    return stmt


def list_matches(args: Mapping[str, Any]) -> Page:
    stmt = apply_sort(match_filters(args), args["sort"], SORTABLE, Match.id)
    return paginate(stmt, args["page"], args["per_page"])


def export_matches(args: Mapping[str, Any]) -> Sequence[Match]:
    stmt = apply_sort(match_filters(args), args.get("sort", "id"), SORTABLE, Match.id)
    return db.session.scalars(stmt).all()


# Capacity -----------------------------------------------------------------------------


@dataclass(frozen=True)
class CapacityUse:
    connector_id: int
    capacity: int
    period: CapacityPeriod
    period_start: dt.datetime
    period_end: dt.datetime
    used: int

    @property
    def left(self) -> int:
        return max(0, self.capacity - self.used)


def period_bounds(period: CapacityPeriod, now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """Return the UTC calendar month or quarter containing ``now``, as [start, end)."""
    now = now.astimezone(dt.UTC)
    months = 1 if period == CapacityPeriod.MONTH else 3
    first_month = now.month - (now.month - 1) % months
    start = dt.datetime(now.year, first_month, 1, tzinfo=dt.UTC)
    end_year, end_month = divmod(first_month - 1 + months, 12)
    end = dt.datetime(now.year + end_year, end_month + 1, 1, tzinfo=dt.UTC)
    return start, end


def _capacity_use(connector: Connector, now: dt.datetime) -> CapacityUse:
    start, end = period_bounds(connector.capacity_period, now)
    used = db.session.scalar(
        select(func.count(Match.id)).where(
            Match.connector_id == connector.id,
            Match.proposed_at >= start,
            Match.proposed_at < end,
            Match.status.not_in(NOT_COUNTED_FOR_CAPACITY),
        )
    )
    return CapacityUse(
        connector_id=connector.id,
        capacity=connector.capacity,
        period=connector.capacity_period,
        period_start=start,
        period_end=end,
        used=used or 0,
    )


def capacity_of(connector_id: int, *, now: dt.datetime | None = None) -> CapacityUse:
    """Tell how many new matches a connector can still take in the current period."""
    connector = db.session.get(Connector, connector_id)
    if connector is None:
        raise NotFound(f"No connector {connector_id}.")
    return _capacity_use(connector, now or utcnow())


# Meetings -----------------------------------------------------------------------------


def _meeting_of(match_id: int, meeting_id: int) -> Meeting:
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None or meeting.match_id != match_id:
        raise NotFound(f"No meeting {meeting_id} in match {match_id}.")
    return meeting


def schedule_meeting(
    match_id: int, data: Mapping[str, Any], *, actor: str, now: dt.datetime | None = None
) -> Meeting:
    """Add a meeting; an introduced match moves to meeting_scheduled."""
    now = now or utcnow()
    match = get_match(match_id, lock=True)
    if match.status not in MEETING_STATUSES:
        raise Conflict(
            f"Meetings can be scheduled for introduced matches; this one is {match.status.value}.",
            allowed=allowed_next(match.status),
        )
    meeting = Meeting(
        scheduled_for=data["scheduled_for"],
        duration_minutes=data.get("duration_minutes", 30),
        mode=data["mode"],
        notes=data.get("notes") or None,
    )
    match.meetings.append(meeting)
    db.session.flush()
    record(actor, "meeting.create", "meeting", meeting.id, {"match_id": match.id})
    mail.meeting_invitation(meeting, now=now)
    if match.status == MatchStatus.INTRODUCED:
        _move(match, MatchStatus.MEETING_SCHEDULED, actor=actor, note=None, now=now)
    db.session.commit()
    return meeting


def update_meeting(
    match_id: int,
    meeting_id: int,
    data: Mapping[str, Any],
    *,
    actor: str,
    now: dt.datetime | None = None,
) -> Meeting:
    """Record confirmations, notes, or whether the meeting took place; held moves the match to met.

    The audit log names the fields that changed, never a note's text.
    """
    meeting = _meeting_of(match_id, meeting_id)
    match = get_match(match_id, lock=True)
    data = {**data, **({"notes": data["notes"] or None} if "notes" in data else {})}
    changed = [key for key, value in data.items() if getattr(meeting, key) != value]
    for key in changed:
        setattr(meeting, key, data[key])
    if changed:
        details = {"match_id": match.id, "fields": changed}
        record(actor, "meeting.update", "meeting", meeting.id, details)
    if {"scheduled_for", "duration_minutes", "mode"} & set(changed):
        db.session.flush()
        mail.meeting_invitation(meeting, now=now)  # moved: a new invitation, same UID
    if "held" in changed and meeting.held and match.status == MatchStatus.MEETING_SCHEDULED:
        _move(match, MatchStatus.MET, actor=actor, note=None, now=now or utcnow())
    db.session.commit()
    return meeting


# Referrals ----------------------------------------------------------------------------


def _referral_of(match_id: int, referral_id: int) -> Referral:
    referral = db.session.get(Referral, referral_id)
    if referral is None or referral.match_id != match_id:
        raise NotFound(f"No referral {referral_id} in match {match_id}.")
    return referral


def add_referral(
    match_id: int, data: Mapping[str, Any], *, actor: str, now: dt.datetime | None = None
) -> Referral:
    """Record one of the connector's introductions; the first one moves met on."""
    now = now or utcnow()
    match = get_match(match_id, lock=True)
    if match.status not in REFERRAL_STATUSES:
        raise Conflict(
            "Referrals can be recorded once the connectee has met the connector; "
            f"this match is {match.status.value}.",
            allowed=allowed_next(match.status),
        )
    referred_on = data.get("referred_on") or now.date()
    if referred_on > now.date():
        raise InvalidInput({"referred_on": ["A referral cannot be dated in the future."]})
    event_id = data.get("event_id")
    if event_id is not None and db.session.get(Event, event_id) is None:
        raise InvalidInput({"event_id": [f"No event {event_id}."]})
    referral = Referral(
        contact_name=data["contact_name"],
        organisation=data["organisation"],
        sector=data["sector"],
        referred_on=referred_on,
        tier=data.get("tier", 1),
        result=data.get("result", ReferralResult.PENDING),
        event_id=event_id,
    )
    match.referrals.append(referral)
    db.session.flush()
    # The contact's name and organisation are free text about a third person: ids only here.
    record(
        actor,
        "referral.create",
        "referral",
        referral.id,
        {"match_id": match.id, "tier": referral.tier, "result": referral.result.value},
    )
    if match.status == MatchStatus.MET:
        _move(match, MatchStatus.REFERRALS_PENDING, actor=actor, note=None, now=now)
    db.session.commit()
    return referral


def update_referral(
    match_id: int, referral_id: int, data: Mapping[str, Any], *, actor: str
) -> Referral:
    """Record what came of a referral (it may be months later, so any match status will do)."""
    referral = _referral_of(match_id, referral_id)
    changed = [key for key, value in data.items() if getattr(referral, key) != value]
    for key in changed:
        setattr(referral, key, data[key])
    if changed:
        record(
            actor,
            "referral.update",
            "referral",
            referral.id,
            {"match_id": match_id, "fields": changed, "result": referral.result.value},
        )
    db.session.commit()
    return referral


def erase_match_details(person_kind: str, person_id: int) -> None:
    """Blank what staff wrote about people in every match of an erased person.

    The referral contacts' names and the meeting notes go; dates, modes and results stay,
    since the program's counts are built from them and name nobody.
    """
    column = Match.connectee_id if person_kind == "connectee" else Match.connector_id
    match_ids = select(Match.id).where(column == person_id)
    db.session.execute(
        update(Referral).where(Referral.match_id.in_(match_ids)).values(contact_name="(erased)")
    )
    db.session.execute(update(Meeting).where(Meeting.match_id.in_(match_ids)).values(notes=None))


# Expiry and follow-ups ------------------------------------------------------------------


def expire_overdue(
    now: dt.datetime | None = None, *, offer_next: OfferNext | None = None
) -> list[int]:
    """Expire every match still awaiting an answer after its deadline; return their ids.

    Idempotent: an expired match is no longer awaiting an answer, so a rerun finds nothing.
    Each expired match gets its connectee a next candidate from ``offer_next``.
    """
    now = now or utcnow()
    overdue = db.session.scalars(
        select(Match)
        .where(Match.status.in_(AWAITING_ANSWER), Match.expires_at <= now)
        .order_by(Match.id)
        .with_for_update()
    ).all()
    days = current_app.config["MATCH_PROPOSAL_EXPIRY_DAYS"]
    for match in overdue:
        _move(
            match,
            MatchStatus.EXPIRED,
            actor=TICK_ACTOR,
            note=f"No answer within {days} days.",
            now=now,
            offer_next=offer_next,
        )
    db.session.commit()
    return [m.id for m in overdue]


@dataclass(frozen=True)
class DueFollowUp:
    connectee_id: int
    milestone_months: int
    due_on: dt.date
    first_met_on: dt.date


def due_follow_ups(today: dt.date) -> list[DueFollowUp]:
    """List the 3/6/12-month follow-ups due by ``today`` that have no recorded outcome.

    The clock starts at the connectee's first meeting with any connector; deactivated
    (including erased) connectees are not followed up.
    """
    first_met = (
        select(Match.connectee_id, func.min(Match.first_met_on).label("first_met_on"))
        .join(Connectee, Connectee.id == Match.connectee_id)
        .where(Match.first_met_on.is_not(None), Connectee.status != ProfileStatus.DEACTIVATED)
        .group_by(Match.connectee_id)
        .order_by(Match.connectee_id)
    )
    rows = db.session.execute(first_met).all()
    recorded = {
        (connectee_id, months)
        for connectee_id, months in db.session.execute(
            select(FollowUpOutcome.connectee_id, FollowUpOutcome.milestone_months)
        )
    }
    due: list[DueFollowUp] = []
    for connectee_id, met_on in rows:
        assert met_on is not None  # filtered in SQL; min() of non-null dates
        for months in MILESTONES:
            due_on = add_months(met_on, months)
            if due_on <= today and (connectee_id, months) not in recorded:
                due.append(DueFollowUp(connectee_id, months, due_on, met_on))
    return due


def _expiring(now: dt.datetime | None) -> Select[Any]:
    horizon = (now or utcnow()) + dt.timedelta(days=EXPIRING_WITHIN_DAYS)
    return select(Match).where(
        Match.status == MatchStatus.PROPOSED,
        Match.expires_at.is_not(None),
        Match.expires_at <= horizon,
    )


def proposals_expiring(now: dt.datetime | None = None) -> int:
    """Count proposed matches that lapse within a few days (or already have)."""
    stmt = select(func.count()).select_from(_expiring(now).subquery())
    return db.session.scalar(stmt) or 0


def expiring_proposals(now: dt.datetime | None = None, limit: int = 20) -> list[Match]:
    """List the proposed matches ``proposals_expiring`` counts, the soonest to lapse first."""
    stmt = _expiring(now).order_by(Match.expires_at, Match.id).limit(limit)
    return list(db.session.scalars(stmt))


def meetings_between(start: dt.datetime, end: dt.datetime) -> list[Meeting]:
    """List the meetings scheduled in [start, end), earliest first, with their matches."""
    stmt = (
        select(Meeting)
        .where(Meeting.scheduled_for >= start, Meeting.scheduled_for < end)
        .order_by(Meeting.scheduled_for, Meeting.id)
    )
    return list(db.session.scalars(stmt))

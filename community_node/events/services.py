"""Events: creating them, inviting people, registration, check-in at the door, introductions.

Invitations and registrations carry a signed token (the attendee's id under the node's
secret key), so a link in one person's message registers that person and nobody else.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from flask import current_app
from flask_babel import format_datetime
from flask_babel import lazy_gettext as _l
from icalendar import Calendar, vText
from icalendar import Event as CalendarEvent
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import func, select

from community_node.audit.services import record
from community_node.database import utcnow
from community_node.errors import Conflict, InvalidInput, NotFound
from community_node.events.models import Attendance, Event, EventAttendee
from community_node.extensions import db
from community_node.mail import outbox
from community_node.matches import services as matches
from community_node.matches.lifecycle import REFERRAL_STATUSES
from community_node.matches.models import Match, Referral
from community_node.pagination import Page, apply_sort, paginate
from community_node.participants.models import Connectee, Connector, ProfileStatus

#: Separates registration-link signatures from every other use of the secret key.
RSVP_SALT = "connector-network.event-registration"

_SORTABLE = {"id": Event.id, "starts_at": Event.starts_at, "name": Event.name}


# Events -------------------------------------------------------------------------------------


def get_event(event_id: int) -> Event:
    event = db.session.get(Event, event_id)
    if event is None:
        raise NotFound(f"No event {event_id}.")
    return event


def event_by_key(public_key: str) -> Event:
    """The event a public link names; 404 for a key nobody was given."""
    event = db.session.scalar(select(Event).where(Event.public_key == public_key[:32]))
    if event is None:
        raise NotFound("No such event.")
    return event


def list_events(args: Mapping[str, Any], *, now: dt.datetime | None = None) -> Page:
    """Events by start (newest first unless sorted otherwise), optionally only upcoming."""
    stmt = select(Event)
    if args.get("kind") is not None:
        stmt = stmt.where(Event.kind == args["kind"])
    if args.get("upcoming"):
        stmt = stmt.where(Event.ends_at >= (now or utcnow()))
    sort = args.get("sort", "id")
    stmt = apply_sort(stmt, "-starts_at" if sort == "id" else sort, _SORTABLE, Event.id)
    return paginate(stmt, args.get("page", 1), args.get("per_page", 50))


def event_options() -> list[tuple[str, str]]:
    """Events as (id, "name, date") pairs for a select, newest first."""
    rows = db.session.execute(
        select(Event.id, Event.name, Event.starts_at).order_by(Event.starts_at.desc()).limit(200)
    )
    return [(str(eid), f"{name}, {start:%Y-%m-%d}") for eid, name, start in rows]


def create_event(data: Mapping[str, Any], *, actor: str) -> Event:
    event = Event(
        **{**data, "registration_open": data.get("registration_open", True)},
        public_key=secrets.token_urlsafe(16),
        created_by=actor,
    )
    db.session.add(event)
    db.session.flush()
    record(actor, "event.create", "event", event.id, {"kind": event.kind.value})
    db.session.commit()
    return event


def update_event(event_id: int, data: Mapping[str, Any], *, actor: str) -> Event:
    event = get_event(event_id)
    start, end = data.get("starts_at", event.starts_at), data.get("ends_at", event.ends_at)
    if end <= start:
        raise InvalidInput({"ends_at": ["Must be after the start."]})
    changed = [key for key, value in data.items() if getattr(event, key) != value]
    for key in changed:
        setattr(event, key, data[key])
    if changed:
        record(actor, "event.update", "event", event.id, {"fields": changed})
    db.session.commit()
    return event


# Who comes ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Guest:
    """An attendee with the name and kind staff see on the door list."""

    attendee: EventAttendee
    kind: str
    person_id: int
    name: str


def _person_of(attendee: EventAttendee) -> Connectee | Connector:
    if attendee.connectee_id is not None:
        person: Connectee | Connector | None = db.session.get(Connectee, attendee.connectee_id)
    else:
        person = db.session.get(Connector, attendee.connector_id)
    assert person is not None  # the foreign keys cascade
    return person


def guests(event_id: int, q: str = "") -> list[Guest]:
    """The event's list, filtered by words of the name, by name."""
    found: list[Guest] = []
    words = [w for w in q.casefold().split() if w][:5]
    sides: tuple[tuple[str, type[Connectee] | type[Connector], Any], ...] = (
        ("connectee", Connectee, EventAttendee.connectee_id),
        ("connector", Connector, EventAttendee.connector_id),
    )
    for kind, model, column in sides:
        stmt = (
            select(EventAttendee, model)
            .join(model, model.id == column)
            .where(EventAttendee.event_id == event_id)
        )
        for word in words:
            name = func.lower(model.first_name + " " + model.last_name)
            stmt = stmt.where(name.contains(word))
        for attendee, person in db.session.execute(stmt):
            who = cast(Connectee | Connector, person)
            found.append(Guest(attendee, kind, who.id, who.full_name))
    return sorted(found, key=lambda g: (g.name.casefold(), g.kind, g.person_id))


def _attendee(event: Event, kind: str, person_id: int) -> EventAttendee | None:
    column = EventAttendee.connectee_id if kind == "connectee" else EventAttendee.connector_id
    return db.session.scalar(
        select(EventAttendee).where(EventAttendee.event_id == event.id, column == person_id)
    )


def _place(event: Event, kind: str, person_id: int) -> EventAttendee:
    attendee = EventAttendee(event_id=event.id, **{f"{kind}_id": person_id})
    db.session.add(attendee)
    return attendee


def invite(
    event_id: int,
    connectee_ids: Sequence[int],
    connector_ids: Sequence[int],
    *,
    actor: str,
    now: dt.datetime | None = None,
) -> list[EventAttendee]:
    """Put people on the list as invited; return those newly invited (others are skipped)."""
    now = now or utcnow()
    event = get_event(event_id)
    errors: dict[str, list[str]] = {}
    people: list[tuple[str, int]] = []
    wanted: tuple[tuple[str, type[Connectee] | type[Connector], Sequence[int]], ...] = (
        ("connectee", Connectee, connectee_ids),
        ("connector", Connector, connector_ids),
    )
    for kind, model, ids in wanted:
        for person_id in dict.fromkeys(ids):
            person = cast(Connectee | Connector | None, db.session.get(model, person_id))
            if person is None or person.status != ProfileStatus.APPROVED:
                errors.setdefault(f"{kind}_ids", []).append(f"No approved {kind} {person_id}.")
            people.append((kind, person_id))
    if errors:
        raise InvalidInput(errors)
    invited: list[EventAttendee] = []
    for kind, person_id in people:
        if _attendee(event, kind, person_id) is not None:
            continue
        attendee = _place(event, kind, person_id)
        attendee.invited_at = now
        invited.append(attendee)
    db.session.flush()
    send_invitations(event, invited, now=now)
    record(actor, "event.invite", "event", event.id, {"invited": len(invited)})
    db.session.commit()
    return invited


def add_registration(
    event: Event, kind: str, person_id: int, *, now: dt.datetime | None = None
) -> EventAttendee:
    """Register a person for an event (invited or not); the caller commits."""
    now = now or utcnow()
    attendee = _attendee(event, kind, person_id)
    if attendee is None or attendee.status == Attendance.INVITED:
        if not event.registration_open:
            raise Conflict("Registration for this event is closed.")
        if not can_register(event):
            raise Conflict("This event is full.")
        attendee = attendee or _place(event, kind, person_id)
        attendee.status = Attendance.REGISTERED
        attendee.registered_at = now
    db.session.flush()
    return attendee


def can_register(event: Event) -> bool:
    """Whether the event takes registrations: open, with places left."""
    return event.registration_open and (
        event.capacity is None or registered_count(event.id) < event.capacity
    )


def registered_count(event_id: int) -> int:
    return (
        db.session.scalar(
            select(func.count(EventAttendee.id)).where(
                EventAttendee.event_id == event_id,
                EventAttendee.status.in_((Attendance.REGISTERED, Attendance.CHECKED_IN)),
            )
        )
        or 0
    )


def check_in(
    event_id: int, attendee_id: int, *, actor: str, now: dt.datetime | None = None
) -> EventAttendee:
    """Mark a person arrived; checking in twice keeps the first time."""
    attendee = db.session.get(EventAttendee, attendee_id)
    if attendee is None or attendee.event_id != event_id:
        raise NotFound(f"No attendee {attendee_id} at event {event_id}.")
    if attendee.status != Attendance.CHECKED_IN:
        attendee.status = Attendance.CHECKED_IN
        attendee.checked_in_at = now or utcnow()
        attendee.checked_in_by = actor
        if attendee.registered_at is None:
            attendee.registered_at = attendee.checked_in_at  # a walk-in registers at the door
        record(actor, "event.check_in", "event", event_id, {"attendee_id": attendee.id})
        db.session.commit()
    return attendee


# Registration links -------------------------------------------------------------------------


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(str(current_app.config["SECRET_KEY"]), salt=RSVP_SALT)


def rsvp_token(attendee: EventAttendee) -> str:
    """The signed token of one attendee's own registration link."""
    return str(_serializer().dumps({"a": attendee.id, "e": attendee.event_id}))


def attendee_for(event: Event, token: str | None) -> EventAttendee | None:
    """The attendee whose registration token this is, for this event; None if not valid."""
    if not token or len(token) > 200:
        return None
    try:
        payload = _serializer().loads(token)
    except BadSignature:
        return None
    if not isinstance(payload, dict) or payload.get("e") != event.id:
        return None
    attendee_id = payload.get("a")
    attendee = db.session.get(EventAttendee, attendee_id) if isinstance(attendee_id, int) else None
    return attendee if attendee is not None and attendee.event_id == event.id else None


def rsvp(event: Event, attendee: EventAttendee) -> EventAttendee:
    """Register through one's own link from the invitation."""
    add_registration(event, "connectee" if attendee.connectee_id else "connector", _pid(attendee))
    record(
        "event registration link", "event.register", "event", event.id, {"attendee_id": attendee.id}
    )
    db.session.commit()
    return attendee


def _pid(attendee: EventAttendee) -> int:
    return attendee.connectee_id if attendee.connectee_id is not None else attendee.connector_id  # type: ignore[return-value]


# Introductions at the event -----------------------------------------------------------------


def _checked_in(event: Event, kind: str, person_id: int) -> bool:
    attendee = _attendee(event, kind, person_id)
    return attendee is not None and attendee.status == Attendance.CHECKED_IN


def introduce(
    event_id: int, data: Mapping[str, Any], *, actor: str, now: dt.datetime | None = None
) -> Match:
    """Record a connectee and connector introduced at the event, as a match (introduced)."""
    event = get_event(event_id)
    errors: dict[str, list[str]] = {}
    for kind in ("connectee", "connector"):
        if not _checked_in(event, kind, data[f"{kind}_id"]):
            errors[f"{kind}_id"] = [f"This {kind} was not checked in at the event."]
    if errors:
        raise InvalidInput(errors)
    return matches.create_match(
        {
            "connectee_id": data["connectee_id"],
            "connector_id": data["connector_id"],
            "note": data.get("note") or f"Introduced at {event.name}.",
            "event_id": event.id,
        },
        actor=actor,
        now=now,
    )


def add_referral(event_id: int, match_id: int, data: Mapping[str, Any], *, actor: str) -> Referral:
    """Record an introduction a connector made at the event, on one of their matches."""
    event = get_event(event_id)
    match = matches.get_match(match_id)
    if not _checked_in(event, "connector", match.connector_id):
        raise InvalidInput({"match_id": ["This match's connector was not checked in."]})
    return matches.add_referral(match.id, {**data, "event_id": event.id}, actor=actor)


def made_at(event_id: int) -> tuple[list[Match], list[Referral]]:
    """The matches and referrals recorded at an event."""
    found = db.session.scalars(
        select(Match).where(Match.event_id == event_id).order_by(Match.id)
    ).all()
    referrals = db.session.scalars(
        select(Referral).where(Referral.event_id == event_id).order_by(Referral.id)
    ).all()
    return list(found), list(referrals)


def open_matches_of_checked_in(event_id: int) -> list[Match]:
    """Matches of connectors checked in at the event that can take a referral."""
    connectors = select(EventAttendee.connector_id).where(
        EventAttendee.event_id == event_id,
        EventAttendee.status == Attendance.CHECKED_IN,
        EventAttendee.connector_id.is_not(None),
    )
    return list(
        db.session.scalars(
            select(Match)
            .where(Match.connector_id.in_(connectors), Match.status.in_(REFERRAL_STATUSES))
            .order_by(Match.id)
        )
    )


# Public links, the calendar file and the invitation message ---------------------------------


def public_url(event: Event) -> str:
    """The event's public page (registration for newcomers and volunteers)."""
    return f"{str(current_app.config['PUBLIC_URL']).rstrip('/')}/join/events/{event.public_key}"


def rsvp_url(attendee: EventAttendee, event: Event) -> str:
    """One attendee's own registration link."""
    return f"{public_url(event)}/register?t={rsvp_token(attendee)}"


def calendar_file(event: Event, *, now: dt.datetime | None = None) -> str:
    """The event as an iCalendar file: one VEVENT, times in UTC, the public page as URL."""
    cal = Calendar()
    cal.add("prodid", "-//Connector Network//community node//EN")
    cal.add("version", "2.0")
    cal.add("method", "PUBLISH")
    entry = CalendarEvent()
    slug = "".join(c for c in str(current_app.config["COMMUNITY_SLUG"]).lower() if c.isalnum())
    entry.add("uid", f"event-{event.id}-{event.public_key}@{slug or 'node'}.connector-network")
    entry.add("dtstamp", now or utcnow())
    entry.add("dtstart", event.starts_at.astimezone(dt.UTC))
    entry.add("dtend", event.ends_at.astimezone(dt.UTC))
    entry.add("summary", vText(event.name))
    entry.add("location", vText(event.location))
    if event.description:
        entry.add("description", vText(event.description))
    entry.add("url", public_url(event))
    cal.add_component(entry)
    return str(cal.to_ical().decode())


def send_invitations(
    event: Event, attendees: Sequence[EventAttendee], *, now: dt.datetime | None = None
) -> int:
    """Write each attendee's invitation, with the calendar file, into the mail outbox.

    In each person's language; no commit (the caller's transaction holds the invitations
    and their messages together). Returns how many messages were written.
    """
    ics = calendar_file(event, now=now)
    written = 0
    for attendee in attendees:
        person = _person_of(attendee)
        message = outbox.enqueue(
            "event_invitation",
            outbox.recipient_for(person),
            template="event_invitation",
            subject=_l("Invitation: %(name)s", name=event.name),
            dedupe_key=f"event-invitation:{event.id}:{attendee.id}",
            context={
                "event": event,
                "when": lambda: format_datetime(event.starts_at, "full"),
                "until": lambda: format_datetime(event.ends_at, "short"),
                "register_url": rsvp_url(attendee, event),
                "event_url": public_url(event),
            },
            attachments=[outbox.Attachment("invitation.ics", "text/calendar; method=PUBLISH", ics)],
            now=now,
        )
        written += message is not None
    return written

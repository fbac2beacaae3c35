"""Every message the node sends: what it says, to whom, and the event that enqueues it.

Each function renders one message into the outbox in the caller's transaction (no
commit) and returns the ``MailMessage``, or None when nothing was written (already
queued under the same dedupe key, or a reminder to someone who opted out of them).
``docs/messages.md`` lists them for people; the templates are ``templates/mail/<name>``.

Personal data: a message to one person about another carries only what that other
person consented to share (``shared_pitch``, ``shared_contact``), never notes,
immigration or work-authorization status, country of origin, or eligibility reasons.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping
from typing import Any

from flask import current_app
from flask_babel import format_date, format_datetime
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from community_node.database import utcnow
from community_node.extensions import db
from community_node.mail import calendar
from community_node.mail.links import LinkPurpose, url_for_link
from community_node.mail.models import MailMessage, RecipientKind
from community_node.mail.outbox import Attachment, Recipient, enqueue, recipient_for
from community_node.matches.models import Match, Meeting
from community_node.participants.models import (
    Connectee,
    Connector,
    Consent,
    ConsentPurpose,
    EducationLevel,
    ProfileStatus,
)
from shared.names import language_name
from shared.taxonomy import UnknownOccupation, default_taxonomy


class MailPurpose(enum.StrEnum):
    """Why a message was sent; stored on each outbox row."""

    SIGNUP_RECEIVED = "signup_received"
    SIGNUP_ACCEPTED = "signup_accepted"
    SIGNUP_DECLINED = "signup_declined"
    MATCH_PROPOSED = "match_proposed"
    INTRODUCTION = "introduction"
    MEETING_INVITATION = "meeting_invitation"
    MEETING_REMINDER = "meeting_reminder"
    RECORD_REFERRALS = "record_referrals"
    FOLLOW_UP_SURVEY = "follow_up_survey"
    STAFF_DIGEST = "staff_digest"


#: A snoozing connector is asked again after this many days, unless they pick a date.
SNOOZE_DAYS = 30


def occupation_title(code: str | None) -> str | None:
    if not code:
        return None
    try:
        return default_taxonomy().get(code).title
    except UnknownOccupation:
        return None


def _person_kind(person: Connectee | Connector) -> str:
    return "connectee" if isinstance(person, Connectee) else "connector"


def consents_to_processing(person: Connectee | Connector) -> bool:
    """Whether the person's consent to the program using their data is in force."""
    column = Consent.connectee_id if isinstance(person, Connectee) else Consent.connector_id
    return (
        db.session.scalar(
            select(Consent.id).where(
                column == person.id,
                Consent.purpose == ConsentPurpose.LOCAL_PROCESSING,
                Consent.withdrawn_at.is_(None),
            )
        )
        is not None
    )


def shared_pitch(connectee: Connectee) -> dict[str, Any]:
    """What a proposed connector may read about a connectee, as the connectee consented.

    With the program's processing consent in force: first name, target occupation, years
    of experience, education level, languages and skills. Never the last name, contact,
    country of origin, status, work authorization or staff notes (those are not even read
    here). Without that consent: the occupation alone.
    """
    pitch: dict[str, Any] = {"occupation": occupation_title(connectee.target_occupation)}
    if not consents_to_processing(connectee):
        return pitch
    pitch.update(
        first_name=connectee.first_name,
        years_experience=connectee.years_experience,
        education=_EDUCATION.get(connectee.education_level) if connectee.education_level else None,
        languages=[
            (language_name(lang.language), lang.level.value) for lang in connectee.languages
        ],
        skills=list(connectee.skills or [])[:10],
    )
    return pitch


_EDUCATION: dict[EducationLevel, Any] = {
    EducationLevel.NONE: _l("no formal education"),
    EducationLevel.SECONDARY: _l("secondary school"),
    EducationLevel.POST_SECONDARY_CERTIFICATE: _l("a post-secondary certificate"),
    EducationLevel.BACHELOR: _l("a bachelor's degree"),
    EducationLevel.MASTER: _l("a master's degree"),
    EducationLevel.DOCTORATE: _l("a doctorate"),
}


def shared_contact(person: Connectee | Connector) -> dict[str, Any] | None:
    """The contact card an introduction gives the other side, or None without consent.

    Name, email and phone; for a connector also job title and employer.
    """
    if not consents_to_processing(person):
        return None
    card: dict[str, Any] = {
        "name": person.full_name,
        "email": person.email,
        "phone": person.phone,
    }
    if isinstance(person, Connector):
        card.update(job_title=person.job_title, employer=person.employer)
    else:
        card.update(occupation=occupation_title(person.target_occupation))
    return card


def _dated(value: dt.date) -> Any:
    return lambda: format_date(value, "long")


def _timed(value: dt.datetime) -> Any:
    return lambda: format_datetime(value, "long")


# Sign-up ------------------------------------------------------------------------------


def signup_received(person: Connectee | Connector) -> MailMessage | None:
    """After a public sign-up: we have your application; what happens next."""
    kind = _person_kind(person)
    return enqueue(
        MailPurpose.SIGNUP_RECEIVED,
        recipient_for(person),
        template=f"signup_received_{kind}",
        subject=_l("We received your application"),
        dedupe_key=f"signup_received:{kind}:{person.id}",
    )


def signup_decided(person: Connectee | Connector, decision_id: int) -> MailMessage | None:
    """When staff (or the rules) approve or decline an application."""
    kind = _person_kind(person)
    if person.status == ProfileStatus.APPROVED:
        purpose, subject = MailPurpose.SIGNUP_ACCEPTED, _l("Welcome to the connector program")
    elif person.status == ProfileStatus.REJECTED:
        purpose, subject = MailPurpose.SIGNUP_DECLINED, _l("About your application")
    else:
        return None
    return enqueue(
        purpose,
        recipient_for(person),
        template=f"{purpose.value}_{kind}",
        subject=subject,
        dedupe_key=f"{purpose.value}:{kind}:{person.id}:{decision_id}",
    )


# Matches ------------------------------------------------------------------------------


def match_proposed(match: Match, *, now: dt.datetime | None = None) -> MailMessage | None:
    """To the connector: who we propose, and Accept / Decline / Not now links."""
    now = now or utcnow()
    connector = db.session.get(Connector, match.connector_id)
    connectee = db.session.get(Connectee, match.connectee_id)
    assert connector is not None and connectee is not None
    snooze_until = now.date() + dt.timedelta(days=SNOOZE_DAYS)
    return enqueue(
        MailPurpose.MATCH_PROPOSED,
        recipient_for(connector),
        template="match_proposed",
        subject=_l("Would you meet a newcomer in your field?"),
        dedupe_key=f"match_proposed:{match.id}",
        context={
            "pitch": shared_pitch(connectee),
            "accept_url": url_for_link(LinkPurpose.MATCH_ACCEPT, match.id, now=now),
            "decline_url": url_for_link(LinkPurpose.MATCH_DECLINE, match.id, now=now),
            "snooze_url": url_for_link(
                LinkPurpose.MATCH_SNOOZE,
                match.id,
                extra={"after": snooze_until.isoformat()},
                now=now,
            ),
            "snooze_until": _dated(snooze_until),
            "expires_on": _dated(match.expires_at.date()) if match.expires_at else None,
        },
        now=now,
    )


def introduction(match: Match, *, now: dt.datetime | None = None) -> list[MailMessage]:
    """To both, when a match is introduced: each other's contact, as each consented."""
    connector = db.session.get(Connector, match.connector_id)
    connectee = db.session.get(Connectee, match.connectee_id)
    assert connector is not None and connectee is not None
    sent = []
    for me, other in ((connectee, connector), (connector, connectee)):
        kind = _person_kind(me)
        message = enqueue(
            MailPurpose.INTRODUCTION,
            recipient_for(me),
            template=f"introduction_{kind}",
            subject=_l("Your introduction"),
            dedupe_key=f"introduction:{match.id}:{kind}",
            context={"other": shared_contact(other)},
            now=now,
        )
        if message is not None:
            sent.append(message)
    return sent


def _meeting_parties(meeting: Meeting) -> tuple[Match, Connectee, Connector]:
    match = db.session.get(Match, meeting.match_id)
    assert match is not None
    connectee = db.session.get(Connectee, match.connectee_id)
    connector = db.session.get(Connector, match.connector_id)
    assert connectee is not None and connector is not None
    return match, connectee, connector


def _invitation(meeting: Meeting, organizer: str, attendees: list[str]) -> Attachment:
    return Attachment(
        filename="meeting.ics",
        content_type="text/calendar; method=REQUEST",
        content=calendar.meeting_invitation(
            meeting,
            community=str(current_app.config["COMMUNITY_NAME"]),
            organizer=organizer,
            attendees=attendees,
        ),
    )


def _meeting_mail(
    meeting: Meeting,
    purpose: MailPurpose,
    subject: Any,
    key: str,
    *,
    reminder: bool,
    now: dt.datetime | None,
) -> list[MailMessage]:
    match, connectee, connector = _meeting_parties(meeting)
    organizer = str(current_app.config["MAIL_FROM"])
    sent = []
    for me, other in ((connectee, connector), (connector, connectee)):
        kind = _person_kind(me)
        card = shared_contact(other)
        message = enqueue(
            purpose,
            recipient_for(me),
            template=purpose.value,
            subject=subject,
            dedupe_key=f"{key}:{kind}",
            context={
                "other": card,
                "when": _timed(meeting.scheduled_for),
                "minutes": meeting.duration_minutes,
                "mode": meeting.mode.value,
            },
            attachments=[_invitation(meeting, organizer, [me.email])],
            reminder=reminder,
            now=now,
        )
        if message is not None:
            sent.append(message)
    return sent


def meeting_invitation(meeting: Meeting, *, now: dt.datetime | None = None) -> list[MailMessage]:
    """To both, when a meeting is scheduled (or moved): the time, with an .ics invitation."""
    stamp = meeting.scheduled_for.strftime("%Y%m%dT%H%M")
    return _meeting_mail(
        meeting,
        MailPurpose.MEETING_INVITATION,
        _l("Your meeting is scheduled"),
        f"meeting_invitation:{meeting.id}:{stamp}",
        reminder=False,
        now=now,
    )


def meeting_reminder(
    meeting: Meeting, *, days_before: int, now: dt.datetime | None = None
) -> list[MailMessage]:
    """A reminder to both, ``days_before`` the meeting; skipped for who opted out."""
    stamp = meeting.scheduled_for.strftime("%Y%m%dT%H%M")
    return _meeting_mail(
        meeting,
        MailPurpose.MEETING_REMINDER,
        _l("Reminder: your meeting is coming up"),
        f"meeting_reminder:{meeting.id}:{stamp}:{days_before}",
        reminder=True,
        now=now,
    )


def record_referrals(match: Match, *, now: dt.datetime | None = None) -> MailMessage | None:
    """To the connector after the meeting was held: record your three introductions."""
    connector = db.session.get(Connector, match.connector_id)
    connectee = db.session.get(Connectee, match.connectee_id)
    assert connector is not None and connectee is not None
    pitch = shared_pitch(connectee)
    return enqueue(
        MailPurpose.RECORD_REFERRALS,
        recipient_for(connector),
        template="record_referrals",
        subject=_l("Thank you for meeting: who will you introduce?"),
        dedupe_key=f"record_referrals:{match.id}",
        context={
            "first_name": pitch.get("first_name"),
            "referrals_url": url_for_link(LinkPurpose.REFERRALS, match.id, now=now),
        },
        now=now,
    )


def follow_up_survey(
    connectee: Connectee, months: int, *, now: dt.datetime | None = None
) -> MailMessage | None:
    """To the connectee 3, 6 and 12 months after the first meeting: a short survey."""
    return enqueue(
        MailPurpose.FOLLOW_UP_SURVEY,
        recipient_for(connectee),
        template="follow_up_survey",
        subject=_l("How are things going? A two-minute survey"),
        dedupe_key=f"follow_up_survey:{connectee.id}:{months}",
        context={
            "months": months,
            "survey_url": url_for_link(
                LinkPurpose.SURVEY, connectee.id, extra={"months": months}, now=now
            ),
        },
        reminder=True,
        now=now,
    )


def staff_digest(
    user_id: int,
    address: str,
    name: str,
    counts: Mapping[str, int],
    *,
    day: dt.date,
    now: dt.datetime | None = None,
) -> MailMessage | None:
    """To a coordinator, once a day when something needs them: counts and a link, no names."""
    if not any(counts.values()):
        return None
    return enqueue(
        MailPurpose.STAFF_DIGEST,
        Recipient(kind=RecipientKind.STAFF, id=user_id, address=address, name=name),
        template="staff_digest",
        subject=_l("What needs you today"),
        dedupe_key=f"staff_digest:{user_id}:{day.isoformat()}",
        context={
            "counts": dict(counts),
            "today_url": str(current_app.config["PUBLIC_URL"]).rstrip("/") + "/",
            "mail_url": str(current_app.config["PUBLIC_URL"]).rstrip("/") + "/mail",
        },
        now=now,
    )

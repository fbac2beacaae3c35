"""Every message, from the event that writes it to a real SMTP server on loopback."""

from __future__ import annotations

import datetime as dt
import re
from email.message import EmailMessage

from flask import Flask
from icalendar import Calendar
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from community_node.database import utcnow
from community_node.eligibility import services as eligibility
from community_node.eligibility.models import Outcome
from community_node.extensions import db
from community_node.mail import links, sender
from community_node.mail.cli import run_daily
from community_node.mail.models import MailMessage, MailState
from community_node.matches import services as matches
from community_node.matches.models import MatchStatus, MeetingMode
from community_node.participants import services as participants
from community_node.participants.models import ProfileStatus
from community_node.signup.schemas import ConnecteeSignUpSchema, ConnectorSignUpSchema
from community_node.signup.services import sign_up
from tests.community_node.factories import (
    ConnecteeFactory,
    ConnectorFactory,
    ConsentFactory,
    FollowUpOutcomeFactory,
    MatchFactory,
)
from tests.community_node.mail.conftest import Inbox
from tests.community_node.signup.test_views import CONNECTEE, CONNECTOR


def deliver(inbox: Inbox) -> list[EmailMessage]:
    before = len(inbox.received)
    report = sender.send_due()
    assert report.failed == report.dead == 0
    return inbox.received[before:]


def text_of(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content())


def html_of(message: EmailMessage) -> str:
    part = message.get_body(("html",))
    assert part is not None
    return str(part.get_content())


def links_in(text: str) -> list[str]:
    return re.findall(r"https://testville\.example/(?:me|act)/\S+", text)


#: "You get this message because", per language of the messages the tests send.
WHY = {"en": "You get this message because", "fr": "Vous recevez ce message parce que"}


def assert_frame(message: EmailMessage, to: str, language: str = "en") -> None:
    """Every message: addressed, with a Message-ID, why it came, and the preferences link."""
    assert message["To"] == to
    assert message["Message-ID"].startswith("<") and message["Message-ID"].endswith(">")
    assert WHY[language] in text_of(message)
    assert WHY[language] in html_of(message)
    if "staff" not in text_of(message):
        assert "https://testville.example/me/" in text_of(message)


def approved_pair() -> tuple[object, object]:
    connectee = ConnecteeFactory(status=ProfileStatus.APPROVED, phone="+1 902 555 0101")
    connector = ConnectorFactory(phone="+1 902 555 0199")
    ConsentFactory(connectee_id=connectee.id)
    ConsentFactory(connector_id=connector.id)
    return connectee, connector


def test_sign_up_received_for_both_kinds(app: Flask, inbox: Inbox) -> None:
    sign_up(
        participants.CONNECTEES,
        ConnecteeSignUpSchema().load(MultiDict(CONNECTEE)),
        policy_version="2026-01",
        language="fr",
    )
    sign_up(
        participants.CONNECTORS,
        ConnectorSignUpSchema().load(MultiDict(CONNECTOR)),
        policy_version="2026-01",
    )
    received = deliver(inbox)
    # Each in the person's language: hers is French (the page she signed up on).
    assert [m["Subject"] for m in received] == [
        "Nous avons bien reçu votre demande",
        "We received your application",
    ]
    assert_frame(received[0], "amira.haddad@example.org", "fr")
    assert "Programme Connecteurs de Testville" in text_of(received[0])
    assert "volunteer as a connector" in text_of(received[1])
    assert db.session.scalars(select(MailMessage.language)).all() == ["fr", "en"]
    # The same person signing up again stores nothing, so no second message either.
    sign_up(
        participants.CONNECTEES,
        ConnecteeSignUpSchema().load(MultiDict(CONNECTEE)),
        policy_version="2026-01",
    )
    assert deliver(inbox) == []


def test_sign_up_accepted_and_declined(app: Flask, inbox: Inbox) -> None:
    accepted = ConnecteeFactory()
    declined = ConnectorFactory(status=ProfileStatus.SUBMITTED)
    eligibility.override(
        participants.CONNECTEES, accepted.id, Outcome.ELIGIBLE, "meets all", actor="staff:1"
    )
    eligibility.override(
        participants.CONNECTORS, declined.id, Outcome.INELIGIBLE, "too few", actor="staff:1"
    )
    received = {m["To"]: m for m in deliver(inbox)}
    welcome, sorry = received[accepted.email], received[declined.email]
    assert welcome["Subject"] == "Welcome to the connector program"
    assert "is accepted" in text_of(welcome)
    assert sorry["Subject"] == "About your application"
    assert "cannot take on more connectors" in text_of(sorry)
    # Staff's reason is theirs: never in the message.
    assert "too few" not in text_of(sorry) + html_of(sorry)
    for message, person in ((welcome, accepted), (sorry, declined)):
        assert_frame(message, person.email)


def test_match_proposed_carries_only_the_consented_pitch_and_three_links(
    app: Flask, inbox: Inbox
) -> None:
    connectee, connector = approved_pair()
    connectee.notes = "private staff note"
    db.session.commit()
    match = matches.create_match(
        {"connectee_id": connectee.id, "connector_id": connector.id}, actor="staff:1"
    )
    [message] = deliver(inbox)
    assert_frame(message, connector.email)
    body = text_of(message) + html_of(message)
    assert connectee.first_name in body and "Registered Nurses" in body
    for secret in (connectee.last_name, connectee.email, connectee.phone, "private staff note"):
        assert secret not in body
    assert "Syria" not in body and "permanent" not in body.lower()
    found = links_in(text_of(message))
    purposes = [links.verify(url.rsplit("/", 1)[1]).purpose for url in found]
    assert purposes[:3] == ["match_accept", "match_decline", "match_snooze"]
    assert all(links.verify(url.rsplit("/", 1)[1]).record_id == match.id for url in found[:3])
    assert "Not now, ask me after" in text_of(message)


def test_without_processing_consent_the_pitch_is_the_occupation_alone(
    app: Flask, inbox: Inbox
) -> None:
    connectee = ConnecteeFactory(status=ProfileStatus.APPROVED)
    connector = ConnectorFactory()
    matches.create_match(
        {"connectee_id": connectee.id, "connector_id": connector.id}, actor="staff:1"
    )
    [message] = deliver(inbox)
    body = text_of(message) + html_of(message)
    assert "Registered Nurses" in body
    assert connectee.first_name not in body and "patient care" not in body


def test_introduction_gives_each_the_others_contact(app: Flask, inbox: Inbox) -> None:
    connectee, connector = approved_pair()
    match = MatchFactory(connectee_id=connectee.id, connector_id=connector.id)
    matches.transition(match.id, MatchStatus.INTRODUCED, actor="staff:1")
    received = {m["To"]: m for m in deliver(inbox)}
    to_connectee, to_connector = received[connectee.email], received[connector.email]
    for message, other in ((to_connectee, connector), (to_connector, connectee)):
        assert message["Subject"] == "Your introduction"
        assert other.email in text_of(message) and other.full_name in text_of(message)
        assert other.phone in html_of(message)
    assert "Charge Nurse" in text_of(to_connectee)


def test_meeting_invitation_and_reminder_attach_an_ics(app: Flask, inbox: Inbox) -> None:
    connectee, connector = approved_pair()
    match = MatchFactory(
        connectee_id=connectee.id, connector_id=connector.id, status=MatchStatus.INTRODUCED
    )
    when = dt.datetime(2027, 3, 4, 15, 0, tzinfo=dt.UTC)
    meeting = matches.schedule_meeting(
        match.id, {"scheduled_for": when, "mode": MeetingMode.VIDEO}, actor="staff:1"
    )
    received = deliver(inbox)
    assert sorted(m["To"] for m in received) == sorted([connectee.email, connector.email])
    for message in received:
        assert message["Subject"] == "Your meeting is scheduled"
        [ics] = [p for p in message.iter_attachments() if p.get_filename() == "meeting.ics"]
        assert ics.get_content_type() == "text/calendar"
        event = Calendar.from_ical(ics.get_content()).walk("VEVENT")[0]
        assert event.decoded("dtstart") == when
        assert event.decoded("dtend") == when + dt.timedelta(minutes=30)
        assert str(event["uid"]).startswith(f"meeting-{meeting.id}@")
    from community_node.mail import messages

    connector.reminders_opt_out = True
    messages.meeting_reminder(meeting, days_before=1)
    db.session.commit()
    [reminder] = deliver(inbox)  # the connector asked for no reminders
    assert reminder["To"] == connectee.email
    assert reminder["Subject"] == "Reminder: your meeting is coming up"
    assert "stop reminders" in text_of(reminder)


def test_a_held_meeting_asks_the_connector_for_three_introductions(
    app: Flask, inbox: Inbox
) -> None:
    connectee, connector = approved_pair()
    match = MatchFactory(
        connectee_id=connectee.id, connector_id=connector.id, status=MatchStatus.INTRODUCED
    )
    meeting = matches.schedule_meeting(
        match.id, {"scheduled_for": utcnow(), "mode": MeetingMode.PHONE}, actor="staff:1"
    )
    deliver(inbox)
    matches.update_meeting(match.id, meeting.id, {"held": True}, actor="staff:1")
    [message] = deliver(inbox)
    assert_frame(message, connector.email)
    [url] = [u for u in links_in(text_of(message)) if "/act/" in u]
    link = links.verify(url.rsplit("/", 1)[1])
    assert (link.purpose, link.record_id) == ("referrals", match.id)


def test_tick_sends_surveys_due_and_the_staff_digest_once(
    app: Flask, inbox: Inbox, coordinator: object
) -> None:
    connectee, connector = approved_pair()
    met = (utcnow() - dt.timedelta(days=190)).date()
    MatchFactory(
        connectee_id=connectee.id,
        connector_id=connector.id,
        status=MatchStatus.MET,
        first_met_on=met,
    )
    FollowUpOutcomeFactory(connectee_id=connectee.id, milestone_months=3)
    run_daily()
    received = {m["Subject"]: m for m in inbox.received}
    survey = received["How are things going? A two-minute survey"]
    assert_frame(survey, connectee.email)
    [url] = [u for u in links_in(text_of(survey)) if "/act/" in u]
    link = links.verify(url.rsplit("/", 1)[1])
    assert (link.purpose, link.record_id, link.extra) == ("survey", connectee.id, {"months": 6})
    digest = received["What needs you today"]
    assert digest["To"] == "coordinator@example.org"
    assert "follow-up due" in text_of(digest)
    assert connectee.first_name not in text_of(digest) + html_of(digest)
    count = len(inbox.received)
    run_daily()  # a second tick the same day writes nothing new
    assert len(inbox.received) == count
    assert db.session.scalar(select(func.count()).select_from(MailMessage)) == count
    assert set(db.session.scalars(select(MailMessage.state))) == {MailState.SENT}

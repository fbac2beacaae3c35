"""Events end to end through the API and pages: invite (message and .ics), register,
check in at the door, introductions and referrals made there, sign-ups through the page."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask.testing import FlaskClient
from icalendar import Calendar
from sqlalchemy import select

from community_node.events.models import Attendance, EventAttendee
from community_node.extensions import db
from community_node.mail.models import MailMessage
from community_node.matches.models import Match, MatchStatus
from community_node.participants.models import Connectee, ProfileStatus
from tests.community_node.factories import ConnecteeFactory, ConnectorFactory
from tests.community_node.signup.test_views import CONNECTEE
from tests.community_node.web.conftest import login

EVENTS = "/api/v1/events"
EVENT = {
    "name": "Health care networking evening",
    "kind": "networking",
    "starts_at": "2026-05-12T18:00:00-03:00",
    "ends_at": "2026-05-12T20:00:00-03:00",
    "location": "Central Library, Halifax",
    "description": "Meet nurses, doctors and hiring managers.",
}


def _event(api: Any, **changes: Any) -> dict[str, Any]:
    made = api.post(EVENTS, json={**EVENT, **changes})
    assert made.status_code == 201, made.json
    return made.json  # type: ignore[no-any-return]


def test_invitations_carry_a_calendar_file_and_a_personal_registration_link(
    api: Any, client: FlaskClient
) -> None:
    event = _event(api)
    connectee = ConnecteeFactory(status=ProfileStatus.APPROVED)
    connector = ConnectorFactory()
    invited = api.post(
        f"{EVENTS}/{event['id']}/invitations",
        json={"connectee_ids": [connectee.id], "connector_ids": [connector.id, connector.id]},
    )
    assert invited.status_code == 201, invited.json
    assert len(invited.json) == 2
    messages = db.session.scalars(
        select(MailMessage).where(MailMessage.purpose == "event_invitation")
    ).all()
    assert sorted(m.to_address for m in messages) == sorted([connectee.email, connector.email])
    message = next(m for m in messages if m.to_address == connectee.email)
    (attachment,) = message.attachments
    calendar = Calendar.from_ical(attachment["content"])
    (entry,) = calendar.walk("VEVENT")
    assert str(entry["summary"]) == EVENT["name"]
    assert entry.decoded("dtstart") == dt.datetime(2026, 5, 12, 21, 0, tzinfo=dt.UTC)
    # Inviting again writes nothing new.
    again = api.post(f"{EVENTS}/{event['id']}/invitations", json={"connectee_ids": [connectee.id]})
    assert again.json == []
    # The link in the message registers that person.
    link = next(w for w in message.body_text.split() if "/register?t=" in w)
    path = link.split("127.0.0.1:8001", 1)[1]
    assert client.get(path).status_code == 200
    assert client.post(path.split("?")[0], data={"t": path.split("t=")[1]}).status_code == 200
    attendee = db.session.scalar(
        select(EventAttendee).where(EventAttendee.connectee_id == connectee.id)
    )
    assert attendee is not None and attendee.status == Attendance.REGISTERED
    forged = client.get(path[:-3] + "xyz")
    assert forged.status_code == 404


def test_unapproved_people_are_not_invited(api: Any) -> None:
    event = _event(api)
    refused = api.post(
        f"{EVENTS}/{event['id']}/invitations", json={"connectee_ids": [ConnecteeFactory().id]}
    )
    assert refused.status_code == 422
    assert api.post(f"{EVENTS}/{event['id']}/invitations", json={}).status_code == 422


def test_an_event_ends_after_it_starts(api: Any) -> None:
    bad = api.post(EVENTS, json={**EVENT, "ends_at": EVENT["starts_at"]})
    assert bad.status_code == 422
    assert "ends_at" in bad.json["errors"]["json"]


def test_introductions_at_the_event_need_both_checked_in_and_start_introduced(api: Any) -> None:
    event = _event(api)
    connectee = ConnecteeFactory(status=ProfileStatus.APPROVED)
    connector = ConnectorFactory(capacity=3)
    api.post(
        f"{EVENTS}/{event['id']}/invitations",
        json={"connectee_ids": [connectee.id], "connector_ids": [connector.id]},
    )
    pair = {"connectee_id": connectee.id, "connector_id": connector.id}
    early = api.post(f"{EVENTS}/{event['id']}/introductions", json=pair)
    assert early.status_code == 422
    assert set(early.json["errors"]) == {"connectee_id", "connector_id"}
    for attendee in api.get(f"{EVENTS}/{event['id']}/attendees").json:
        checked = api.post(f"{EVENTS}/{event['id']}/attendees/{attendee['id']}/check-in")
        assert checked.json["status"] == "checked_in"
    made = api.post(f"{EVENTS}/{event['id']}/introductions", json=pair)
    assert made.status_code == 201, made.json
    assert (made.json["status"], made.json["event_id"]) == ("introduced", event["id"])
    match = db.session.get(Match, made.json["id"])
    assert match is not None
    match.status, match.first_met_on = MatchStatus.MET, dt.date(2026, 5, 12)
    db.session.commit()
    referral = api.post(
        f"{EVENTS}/{event['id']}/matches/{match.id}/referrals",
        json={"contact_name": "Dr. Ada Moss", "organisation": "QEII", "sector": "Health care"},
    )
    assert referral.status_code == 201, referral.json
    assert referral.json["event_id"] == event["id"]
    report = api.get("/api/v1/reports/events").json
    assert (report[0]["checked_in"], report[0]["matches"], report[0]["referrals"]) == (2, 1, 1)


def test_signing_up_through_the_event_page_registers_and_attributes(
    api: Any, client: FlaskClient
) -> None:
    event = _event(api)
    page = client.get(f"/join/events/{event['public_key']}")
    assert page.status_code == 200
    assert f"/join/connectee?event={event['public_key']}" in page.get_data(as_text=True)
    ics = client.get(f"/join/events/{event['public_key']}/event.ics")
    assert ics.mimetype == "text/calendar" and b"BEGIN:VEVENT" in ics.data
    posted = client.post("/join/connectee", data={**CONNECTEE, "event": event["public_key"]})
    assert posted.status_code == 303
    person = db.session.scalar(select(Connectee))
    assert person is not None
    assert (person.referral_source, person.referral_event_id) == ("event", event["id"])
    attendee = db.session.scalar(select(EventAttendee))
    assert attendee is not None and attendee.connectee_id == person.id
    assert attendee.status == Attendance.REGISTERED
    assert client.get("/join/events/not-a-real-key").status_code == 404


def test_the_door_page_checks_people_in_with_htmx(
    api: Any, client: FlaskClient, coordinator: Any
) -> None:
    event = _event(api)
    connectee = ConnecteeFactory(status=ProfileStatus.APPROVED, first_name="Nadia", last_name="Ali")
    other = ConnecteeFactory(status=ProfileStatus.APPROVED, first_name="Zed", last_name="Brown")
    api.post(
        f"{EVENTS}/{event['id']}/invitations", json={"connectee_ids": [connectee.id, other.id]}
    )
    login(client, coordinator.email)
    door = client.get(f"/events/{event['id']}/check-in")
    assert door.status_code == 200
    found = client.get(f"/events/{event['id']}/check-in?q=nad", headers={"HX-Request": "true"})
    html = found.get_data(as_text=True)
    assert "Nadia Ali" in html and "Zed Brown" not in html
    attendee = db.session.scalar(
        select(EventAttendee).where(EventAttendee.connectee_id == connectee.id)
    )
    assert attendee is not None
    row = client.post(
        f"/events/{event['id']}/check-in/{attendee.id}", headers={"HX-Request": "true"}
    )
    assert row.status_code == 200
    assert "✓" in row.get_data(as_text=True)
    db.session.refresh(attendee)
    assert attendee.status == Attendance.CHECKED_IN


def test_staff_pages_of_partners_events_and_reports_render(
    api: Any, client: FlaskClient, coordinator: Any
) -> None:
    event = _event(api)
    login(client, coordinator.email)
    partner = client.post(
        "/partners/new",
        data={
            "name": "Bayside Settlement",
            "kind": "resettlement_agency",
            "active": "yes",
            "contact_name_1": "Rita Osei",
            "contact_email_1": "rita@example.org",
        },
    )
    assert partner.status_code == 303
    bad = client.post(
        "/partners/new", data={"name": "", "kind": "employer", "contact_email_1": "x"}
    )
    assert bad.status_code == 422
    for path in (
        "/partners",
        partner.location,
        "/events",
        "/events/new",
        f"/events/{event['id']}",
        f"/events/{event['id']}/invite",
        "/reports",
        "/connectees/new",
    ):
        assert client.get(path).status_code == 200, path
    # The event's time, in the node's zone (UTC here), written the reader's way.
    assert "2026-05-12 21:00" in client.get("/events").text
    assert "12 mai 2026 21:00" in client.get(f"/events/{event['id']}?lang=fr").text
    client.get("/events?lang=en")
    made = client.post(
        "/events/new",
        data={
            "name": "Job fair",
            "kind": "job_fair",
            "starts_at": "2026-06-01T10:00",
            "ends_at": "2026-06-01T15:00",
            "location": "Forum",
        },
    )
    assert made.status_code == 303
    refused = client.post(
        "/events/new",
        data={
            "name": "Job fair",
            "kind": "job_fair",
            "starts_at": "2026-06-01T10:00",
            "ends_at": "2026-06-01T09:00",
            "location": "Forum",
        },
    )
    assert refused.status_code == 422

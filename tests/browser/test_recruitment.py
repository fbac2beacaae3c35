"""Events at the door on a phone, and a connector's invitation link, in a real browser."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from playwright.sync_api import expect
from sqlalchemy import select

from community_node.events import services as events
from community_node.events.models import Attendance, EventAttendee, EventKind
from community_node.extensions import db
from community_node.participants.models import Connectee, Connector, ProfileStatus
from community_node.recruitment import services as recruitment
from community_node.recruitment.models import PartnerKind
from tests.browser.a11y import check_page
from tests.browser.conftest import COORDINATOR, log_in, seeded_node, serving

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 740}


@pytest.fixture(scope="module")
def live_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """The seeded node, everyone approved, with an event that invited them all."""
    with seeded_node(tmp_path_factory.mktemp("recruitment")) as app:
        with app.app_context():
            for model in (Connectee, Connector):
                for person in db.session.scalars(select(model)):
                    person.status = ProfileStatus.APPROVED
            db.session.commit()
            event = events.create_event(
                {
                    "name": "Health care networking evening",
                    "kind": EventKind.NETWORKING,
                    "starts_at": dt.datetime(2026, 5, 12, 21, tzinfo=dt.UTC),
                    "ends_at": dt.datetime(2026, 5, 12, 23, tzinfo=dt.UTC),
                    "location": "Central Library, 5440 Spring Garden Road",
                },
                actor="test",
            )
            connectees = db.session.scalars(select(Connectee.id)).all()
            connectors = db.session.scalars(select(Connector.id)).all()
            events.invite(event.id, connectees, connectors, actor="test")
            recruitment.create_partner(
                {"name": "Bayside Settlement Services", "kind": PartnerKind.RESETTLEMENT_AGENCY},
                actor="test",
            )
            app.config["TEST_EVENT_ID"] = event.id
            db.session.remove()
        yield app


@pytest.fixture(scope="module")
def live_server(live_app: Flask) -> Iterator[str]:
    with serving(live_app) as url:
        yield url


def _status(app: Flask, first_name: str) -> Attendance:
    with app.app_context():
        attendee = db.session.scalar(
            select(EventAttendee)
            .join(Connectee, Connectee.id == EventAttendee.connectee_id)
            .where(Connectee.first_name == first_name)
        )
        assert attendee is not None
        return attendee.status


def test_checking_people_in_at_the_door_on_a_phone(page: Any, live_app: Flask) -> None:
    page.set_viewport_size(PHONE)
    log_in(page, COORDINATOR)
    event_id = live_app.config["TEST_EVENT_ID"]
    page.goto(f"/events/{event_id}")
    page.get_by_role("link", name="Check-in at the door").click()
    page.wait_for_url(re.compile(rf"/events/{event_id}/check-in$"))
    check_page(page, "node event check-in")

    page.get_by_label("Search a name").press_sequentially("amir")
    rows = page.locator("#door-list li")
    rows.filter(has_text="Oleksandr").wait_for(state="detached")
    assert rows.count() == 1
    page.get_by_role("button", name="Check in Amira Haddad").click()
    page.locator("#door-list li", has_text="Amira Haddad").get_by_text("✓ In").wait_for()
    expect(page.locator("#door-count")).to_have_text("1 checked in", use_inner_text=True)
    assert _status(live_app, "Amira") == Attendance.CHECKED_IN
    assert _status(live_app, "Oleksandr") == Attendance.INVITED
    check_page(page, "node event check-in after one")

    # The event's page now offers what happened there, and passes axe on a phone too.
    page.goto(f"/events/{event_id}")
    assert page.locator("#event-report").inner_text().count("1") >= 1
    check_page(page, "node event detail")
    for path in ("/events", f"/events/{event_id}/invite", "/partners", "/partners/new"):
        page.goto(path)
        check_page(page, f"node {path}")


def test_a_connectors_invitation_link_brings_a_sign_up_attributed_to_them(
    browser: Any, page: Any, live_server: str, live_app: Flask
) -> None:
    log_in(page, COORDINATOR)
    page.goto("/connectors")
    page.get_by_role("link", name="Grace Hopper").click()
    link = page.get_by_label("Their personal link to the connector sign-up form").input_value()
    parts = urlsplit(link)
    assert parts.path == "/join/connector" and parts.query.startswith("invite=")

    visitor = browser.new_context(base_url=live_server)
    public = visitor.new_page()
    try:
        public.set_viewport_size(PHONE)
        public.goto(f"{parts.path}?{parts.query}")
        expect(public.locator("#invited-by")).to_contain_text(
            "You were invited by Grace.", use_inner_text=True
        )
        check_page(public, "node invited connector sign-up")
        public.get_by_label("First name").fill("Idris")
        public.get_by_label("Last name").fill("Mensah")
        public.get_by_label("Email").fill("idris.mensah@example.org")
        public.get_by_label("Your occupation").fill("29-1141 Registered Nurses")
        public.get_by_label("Language 1", exact=True).select_option("eng")
        public.get_by_label("Level in language 1").select_option("native")
        public.get_by_label("I agree that staff").check()
        public.get_by_role("button", name="Send my offer").click()
        public.wait_for_url(re.compile(r"/join/thanks$"))
    finally:
        visitor.close()

    with live_app.app_context():
        grace = db.session.scalar(select(Connector).where(Connector.first_name == "Grace"))
        idris = db.session.scalar(select(Connector).where(Connector.first_name == "Idris"))
        assert grace is not None and idris is not None
        assert idris.invited_by_id == grace.id
        assert idris.referral_source == "connector_invitation"
        idris_id = idris.id
        db.session.remove()

    # Staff see it on the new connector's page and in the invitation report.
    page.goto(f"/connectors/{idris_id}")
    expect(page.locator("#fields")).to_contain_text("Grace Hopper", use_inner_text=True)
    page.goto("/reports?period=all")
    row = page.locator("#invitations-table tbody tr", has_text="Grace Hopper")
    expect(row.locator("td").nth(1)).to_have_text("1", use_inner_text=True)
    expect(page.locator("#chains")).to_contain_text("Idris Mensah", use_inner_text=True)
    check_page(page, "node reports with recruitment")

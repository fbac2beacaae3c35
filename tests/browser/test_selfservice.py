"""Participants act from the links in their messages, in a real browser, without an account.

Each message is written by the event that causes it (the same services staff use),
delivered by the node's sender over SMTP to a real server on loopback (aiosmtpd), and
the link is read from the delivered email, as a mail client would show it. The page it
opens must confirm first (GET) and act only on the button (POST).
"""

from __future__ import annotations

import datetime as dt
import re
import socket
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any
from urllib.parse import urlsplit

import pytest
from aiosmtpd.controller import Controller
from flask import Flask
from playwright.sync_api import expect
from sqlalchemy import select

from community_node.database import utcnow
from community_node.extensions import db
from community_node.mail import sender
from community_node.matches import services as matches
from community_node.matches.models import Match, MatchStatus
from community_node.outcomes.models import FollowUpOutcome
from community_node.participants.models import (
    Connectee,
    Connector,
    ConsentPurpose,
    ProfileStatus,
)
from tests.browser.a11y import check_page
from tests.browser.conftest import COORDINATOR, log_in, seeded_node, serving
from tests.community_node import factories
from tests.community_node.factories import (
    ConnecteeFactory,
    ConnectorFactory,
    ConsentFactory,
    MatchFactory,
    MeetingFactory,
)
from tests.community_node.mail.conftest import Inbox

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 740}


@pytest.fixture(scope="module")
def live_server(live_app: Flask) -> Iterator[str]:
    with serving(live_app) as url:
        yield url


#: This module's ports (the helpers of the project share one machine).
SMTP_PORTS = range(18700, 18750)


@pytest.fixture(scope="module")
def inbox() -> Iterator[Inbox]:
    """A real SMTP server on loopback that keeps what the node delivers."""
    received = Inbox()
    for port in SMTP_PORTS:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
        break
    else:
        raise RuntimeError("no free port in 18700-18749")
    controller = Controller(received, hostname="127.0.0.1", port=port)
    controller.start()
    received.port = port  # type: ignore[attr-defined]
    yield received
    controller.stop()


@pytest.fixture(scope="module")
def live_app(tmp_path_factory: pytest.TempPathFactory, inbox: Inbox) -> Iterator[Flask]:
    with seeded_node(tmp_path_factory.mktemp("selfservice")) as app:
        app.config.update(
            MAIL_BACKEND="smtp",
            MAIL_SERVER="127.0.0.1",
            MAIL_PORT=inbox.port,  # type: ignore[attr-defined]
            MAIL_FROM="Testville Connectors <program@testville.example>",
            MAIL_TIMEOUT_SECONDS=5,
            PUBLIC_URL="https://testville.example",
        )
        yield app


def delivered(inbox: Inbox, to: str, subject: str) -> EmailMessage:
    """Send what the outbox holds, then the one message to ``to`` with ``subject``."""
    report = sender.send_due()
    assert report.failed == report.dead == 0, report
    inbox.wait_for(len(inbox.received))
    found = [m for m in inbox.received if m["To"] == to and m["Subject"] == subject]
    assert len(found) == 1, [(m["To"], m["Subject"]) for m in inbox.received]
    return found[0]


def _people() -> tuple[Connectee, Connector]:
    connectee = ConnecteeFactory(status=ProfileStatus.APPROVED, first_name="Samira")
    ConsentFactory(connectee_id=connectee.id, purpose=ConsentPurpose.LOCAL_PROCESSING)
    connector = ConnectorFactory(first_name="Morgan")
    ConsentFactory(connector_id=connector.id, purpose=ConsentPurpose.LOCAL_PROCESSING)
    return connectee, connector


def _link_in(message: EmailMessage, label: str) -> str:
    """The path of the link printed under ``label`` in a delivered email's plain text."""
    part = message.get_body(("plain",))
    assert part is not None
    text = str(part.get_content())
    found = re.search(re.escape(label) + r":\r?\n(\S+)", text)
    assert found, text
    url = urlsplit(found[1])
    assert url.netloc == "testville.example"
    return url.path


def test_a_connector_accepts_a_match_from_the_message(
    page: Any, live_app: Flask, inbox: Inbox
) -> None:
    with live_app.app_context():
        factories.bind(db.session)
        connectee, connector = _people()
        # Proposed the way a coordinator proposes: the proposal's message comes with it.
        match = matches.create_match(
            {"connectee_id": connectee.id, "connector_id": connector.id}, actor="staff:1"
        )
        email = delivered(inbox, connector.email, "Would you meet a newcomer in your field?")
        accept, match_id = _link_in(email, "Yes, I will meet them"), match.id
        connectee_email = connectee.email
        assert accept.startswith("/act/")

    page.set_viewport_size(PHONE)
    page.goto(accept)
    expect(page.get_by_role("heading", name="Meet a newcomer in your field?")).to_be_visible()
    assert "Samira" in page.inner_text("main")  # the pitch, as the newcomer consented
    check_page(page, "selfservice accept confirm")
    with live_app.app_context():  # opening the link changed nothing
        assert db.session.get(Match, match_id).status is MatchStatus.PROPOSED  # type: ignore[union-attr]

    with page.expect_navigation():
        page.get_by_role("button", name="Yes, introduce us").click()
    expect(page.get_by_role("heading", name="Thank you for accepting")).to_be_visible()
    check_page(page, "selfservice accept done")
    with live_app.app_context():
        assert db.session.get(Match, match_id).status is MatchStatus.INTRODUCED  # type: ignore[union-attr]
        intro = delivered(inbox, connectee_email, "Your introduction")
        assert "Morgan" in str(intro.get_body(("plain",)).get_content())  # type: ignore[union-attr]

    page.go_back()  # the confirmation page again, and its button once more
    page.reload()
    expect(page.locator("#already-done")).to_be_visible()


def test_a_connector_records_three_introductions(page: Any, live_app: Flask, inbox: Inbox) -> None:
    with live_app.app_context():
        factories.bind(db.session)
        connectee, connector = _people()
        match = MatchFactory(
            connectee=connectee, connector=connector, status=MatchStatus.MEETING_SCHEDULED
        )
        meeting = MeetingFactory(match=match, scheduled_for=utcnow() - dt.timedelta(hours=2))
        # Staff mark the meeting held: that asks the connector for their introductions.
        matches.update_meeting(match.id, meeting.id, {"held": True}, actor="staff:1")
        email = delivered(inbox, connector.email, "Thank you for meeting: who will you introduce?")
        url, match_id = _link_in(email, "Record my three introductions"), match.id

    page.set_viewport_size(PHONE)
    page.goto(url)
    expect(page.get_by_role("heading", name="Your three introductions")).to_be_visible()
    check_page(page, "selfservice referrals form")
    people = [
        ("Dana Lee", "Harbour Health", "Health care"),
        ("Eli Brooks", "North Clinic", "Health care"),
        ("Farah Khan", "City Hospital", "Public health"),
    ]
    for n, (name, organisation, sector) in enumerate(people, start=1):
        group = page.get_by_role("group", name=f"Introduction {n}")
        group.get_by_label("Their name").fill(name)
        group.get_by_label("Their organisation").fill(organisation)
        group.get_by_label("Sector").fill(sector)
    with page.expect_navigation():
        page.get_by_role("button", name="Record my introductions").click()
    expect(page.get_by_role("heading", name="Thank you for your introductions")).to_be_visible()
    check_page(page, "selfservice referrals done")
    with live_app.app_context():
        match = db.session.get(Match, match_id)
        assert match is not None
        assert sorted(r.contact_name for r in match.referrals) == [p[0] for p in people]
        assert match.status is MatchStatus.REFERRALS_PENDING


def test_a_connectee_answers_the_six_month_survey_and_the_report_counts_it(
    page: Any, live_app: Flask, inbox: Inbox
) -> None:
    with live_app.app_context():
        factories.bind(db.session)
        connectee, connector = _people()
        MatchFactory(
            connectee=connectee,
            connector=connector,
            status=MatchStatus.MET,
            first_met_on=dt.date.today() - dt.timedelta(days=185),
        )
        db.session.commit()
        # The daily tick finds the 6-month survey due and the sender delivers it.
        result = live_app.test_cli_runner().invoke(args=["tick"])
        assert result.exit_code == 0, result.output
        email = delivered(inbox, connectee.email, "How are things going? A two-minute survey")
        url, connectee_id = _link_in(email, "Answer the survey"), connectee.id

    page.set_viewport_size(PHONE)
    page.goto(url)
    expect(page.get_by_role("heading", name="How are things going?")).to_be_visible()
    check_page(page, "selfservice survey")
    page.get_by_role("group", name="1. Do you have a job now?").get_by_label("Yes").check()
    page.get_by_label("Yes, in my field").check()
    page.get_by_label("3. In which sector?").select_option(
        label="Healthcare Practitioners and Technical Occupations"
    )
    page.get_by_label("4. What does it pay, roughly?").select_option(label="$30 to $45 an hour")
    page.get_by_role("group", name="5. Did the program help").get_by_label("Yes").check()
    page.get_by_label("Very useful").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Send my answers").click()
    expect(page.get_by_role("heading", name="Thank you")).to_be_visible()
    check_page(page, "selfservice survey done")
    with live_app.app_context():
        outcome = db.session.scalars(
            select(FollowUpOutcome).where(FollowUpOutcome.connectee_id == connectee_id)
        ).one()
        assert (outcome.milestone_months, outcome.category.value) == (6, "employed_in_field")

    log_in(page, COORDINATOR)
    page.goto("/reports?period=all")
    rows = page.locator("#outcomes-table tbody tr").all_inner_texts()
    assert any(re.search(r"\b6\s+Employed in field\s+1\s+1\b", row) for row in rows), rows


def test_own_pages_from_the_preferences_link(page: Any, live_app: Flask, inbox: Inbox) -> None:
    with live_app.app_context():
        factories.bind(db.session)
        connectee, connector = _people()
        matches.create_match(
            {"connectee_id": connectee.id, "connector_id": connector.id}, actor="staff:1"
        )
        email = delivered(inbox, connector.email, "Would you meet a newcomer in your field?")
        part = email.get_body(("plain",))
        assert part is not None
        found = re.search(r"(\S+/me/\S+)", str(part.get_content()))
        assert found
        mine, connector_id = urlsplit(found[1]).path, connector.id

    page.set_viewport_size(PHONE)
    page.goto(mine)
    expect(page.get_by_role("heading", name="Hello Morgan")).to_be_visible()
    check_page(page, "selfservice connector page")
    page.get_by_label("Pause me until").fill((dt.date.today() + dt.timedelta(days=20)).isoformat())
    with page.expect_navigation():
        page.get_by_role("button", name="Save pause").click()
    assert "Paused: no new proposals before" in page.inner_text("main")
    page.get_by_label("Send me reminders").uncheck()
    with page.expect_navigation():
        page.get_by_role("button", name="Save message preferences").click()
    with live_app.app_context():
        person = db.session.get(Connector, connector_id)
        assert person is not None and person.reminders_opt_out and person.unavailable_until
    check_page(page, "selfservice connector page saved")


def test_a_connectees_page_and_erasure_request(page: Any, live_app: Flask, inbox: Inbox) -> None:
    with live_app.app_context():
        factories.bind(db.session)
        connectee, connector = _people()
        MatchFactory(
            connectee=connectee,
            connector=connector,
            status=MatchStatus.MET,
            first_met_on=dt.date.today() - dt.timedelta(days=95),
        )
        db.session.commit()
        result = live_app.test_cli_runner().invoke(args=["tick"])
        assert result.exit_code == 0, result.output
        email = delivered(inbox, connectee.email, "How are things going? A two-minute survey")
        part = email.get_body(("plain",))
        assert part is not None
        found = re.search(r"(\S+/me/\S+)", str(part.get_content()))
        assert found
        mine = urlsplit(found[1]).path

    page.set_viewport_size(PHONE)
    page.goto(mine)
    expect(page.get_by_role("heading", name="Hello Samira")).to_be_visible()
    assert "Morgan" in page.inner_text("#matches-heading + article")  # introduced, met
    check_page(page, "selfservice connectee page")
    page.get_by_label("Phone").fill("+1 902 555 0142")
    with page.expect_navigation():
        page.get_by_role("button", name="Save contact details").click()
    expect(page.get_by_role("alert").filter(has_text="contact details are saved")).to_be_visible()
    with page.expect_navigation():
        page.get_by_role("button", name="Ask for my data to be erased").click()
    expect(page.locator("#erasure-requested")).to_be_visible()
    check_page(page, "selfservice connectee page erasure asked")

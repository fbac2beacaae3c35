"""Participants act from the links in their messages, in a real browser, without an account.

Each link is read from the message the node wrote for the person, as a mail client would
show it; the page it opens must confirm first (GET) and act only on the button (POST).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from sqlalchemy import select

from community_node.database import utcnow
from community_node.extensions import db
from community_node.mail import messages
from community_node.mail.models import MailMessage
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
)

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 740}


@pytest.fixture(scope="module")
def live_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    with seeded_node(tmp_path_factory.mktemp("selfservice")) as app:
        yield app


@pytest.fixture(scope="module")
def live_server(live_app: Flask) -> Iterator[str]:
    with serving(live_app) as url:
        yield url


def _people() -> tuple[Connectee, Connector]:
    connectee = ConnecteeFactory(status=ProfileStatus.APPROVED, first_name="Samira")
    ConsentFactory(connectee_id=connectee.id, purpose=ConsentPurpose.LOCAL_PROCESSING)
    connector = ConnectorFactory(first_name="Morgan")
    ConsentFactory(connector_id=connector.id, purpose=ConsentPurpose.LOCAL_PROCESSING)
    return connectee, connector


def _link_in(message: MailMessage | None, label: str) -> str:
    """The path of the link printed under ``label`` in a message's plain text."""
    assert message is not None
    found = re.search(re.escape(label) + r":\n(\S+)", message.body_text)
    assert found, message.body_text
    url = urlsplit(found[1])
    assert url.path.startswith("/act/")
    return url.path


def test_a_connector_accepts_a_match_from_the_message(page: Any, live_app: Flask) -> None:
    with live_app.app_context():
        factories.bind(db.session)
        connectee, connector = _people()
        now = utcnow()
        match = MatchFactory(
            connectee=connectee,
            connector=connector,
            proposed_at=now,
            status_changed_at=now,
            expires_at=now + dt.timedelta(days=14),
        )
        message = messages.match_proposed(match) or db.session.scalar(
            select(MailMessage).where(MailMessage.dedupe_key == f"match_proposed:{match.id}")
        )
        db.session.commit()
        accept, match_id = _link_in(message, "Yes, I will meet them"), match.id

    page.set_viewport_size(PHONE)
    page.goto(accept)
    assert page.get_by_role("heading", name="Meet a newcomer in your field?").is_visible()
    assert "Samira" in page.inner_text("main")  # the pitch, as the newcomer consented
    check_page(page, "selfservice accept confirm")
    with live_app.app_context():  # opening the link changed nothing
        assert db.session.get(Match, match_id).status is MatchStatus.PROPOSED  # type: ignore[union-attr]

    page.get_by_role("button", name="Yes, introduce us").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Thank you for accepting").is_visible()
    check_page(page, "selfservice accept done")
    with live_app.app_context():
        assert db.session.get(Match, match_id).status is MatchStatus.INTRODUCED  # type: ignore[union-attr]

    page.go_back()  # the confirmation page again, and its button once more
    page.reload()
    assert page.locator("#already-done").is_visible()


def test_a_connector_records_three_introductions(page: Any, live_app: Flask) -> None:
    with live_app.app_context():
        factories.bind(db.session)
        connectee, connector = _people()
        match = MatchFactory(
            connectee=connectee,
            connector=connector,
            status=MatchStatus.MET,
            first_met_on=dt.date.today() - dt.timedelta(days=2),
        )
        message = messages.record_referrals(match)
        db.session.commit()
        url, match_id = _link_in(message, "Record my three introductions"), match.id

    page.set_viewport_size(PHONE)
    page.goto(url)
    assert page.get_by_role("heading", name="Your three introductions").is_visible()
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
    page.get_by_role("button", name="Record my introductions").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Thank you for your introductions").is_visible()
    check_page(page, "selfservice referrals done")
    with live_app.app_context():
        match = db.session.get(Match, match_id)
        assert match is not None
        assert sorted(r.contact_name for r in match.referrals) == [p[0] for p in people]
        assert match.status is MatchStatus.REFERRALS_PENDING


def test_a_connectee_answers_the_six_month_survey_and_the_report_counts_it(
    page: Any, live_app: Flask
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
        message = messages.follow_up_survey(connectee, 6)
        db.session.commit()
        url, connectee_id = _link_in(message, "Answer the survey"), connectee.id

    page.set_viewport_size(PHONE)
    page.goto(url)
    assert page.get_by_role("heading", name="How are things going?").is_visible()
    check_page(page, "selfservice survey")
    page.get_by_role("group", name="1. Do you have a job now?").get_by_label("Yes").check()
    page.get_by_label("Yes, in my field").check()
    page.get_by_label("3. In which sector?").select_option(
        label="Healthcare Practitioners and Technical Occupations"
    )
    page.get_by_label("4. What does it pay, roughly?").select_option(label="$30 to $45 an hour")
    page.get_by_role("group", name="5. Did the program help").get_by_label("Yes").check()
    page.get_by_label("Very useful").check()
    page.get_by_role("button", name="Send my answers").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Thank you").is_visible()
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


def test_own_pages_from_the_preferences_link(page: Any, live_app: Flask) -> None:
    with live_app.app_context():
        factories.bind(db.session)
        connectee, connector = _people()
        match = MatchFactory(
            connectee=connectee,
            connector=connector,
            status=MatchStatus.MET,
            first_met_on=dt.date.today() - dt.timedelta(days=1),
        )
        message = messages.record_referrals(match)
        db.session.commit()
        assert message is not None
        found = re.search(r"(\S+/me/\S+)", message.body_text)
        assert found, message.body_text
        mine, connector_id = urlsplit(found[1]).path, connector.id

    page.set_viewport_size(PHONE)
    page.goto(mine)
    assert page.get_by_role("heading", name="Hello Morgan").is_visible()
    check_page(page, "selfservice connector page")
    page.get_by_label("Pause me until").fill((dt.date.today() + dt.timedelta(days=20)).isoformat())
    page.get_by_role("button", name="Save pause").click()
    page.wait_for_load_state()
    assert "Paused: no new proposals before" in page.inner_text("main")
    page.get_by_label("Send me reminders").uncheck()
    page.get_by_role("button", name="Save message preferences").click()
    page.wait_for_load_state()
    with live_app.app_context():
        person = db.session.get(Connector, connector_id)
        assert person is not None and person.reminders_opt_out and person.unavailable_until
    check_page(page, "selfservice connector page saved")

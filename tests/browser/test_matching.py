"""One connectee's match in a real browser: suggestions → propose → introduced → meeting
scheduled → held → three referrals → the 3-month follow-up; batch proposals; a viewer."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import expect
from sqlalchemy import select

from community_node.extensions import db
from community_node.matches import services as matches
from community_node.participants import services as participants
from community_node.participants.models import Connectee, Connector, ProfileStatus
from community_node.participants.schemas import ConnectorSchema
from tests.browser.a11y import check_page
from tests.browser.conftest import COORDINATOR, VIEWER, log_in, seeded_node, serving
from tests.browser.match_steps import hold_meeting, record_three_referrals, status_of

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def live_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """A node of this module's own, with its connectees and connector approved."""
    with seeded_node(tmp_path_factory.mktemp("matching")) as app:
        with app.app_context():
            for person in [
                *db.session.scalars(select(Connectee)),
                *db.session.scalars(select(Connector)),
            ]:
                person.status = ProfileStatus.APPROVED
            db.session.commit()
        yield app


@pytest.fixture(scope="module")
def live_server(live_app: Flask) -> Iterator[str]:
    with serving(live_app) as url:
        yield url


def test_a_connectees_match_from_suggestion_to_follow_up(page: Any) -> None:
    log_in(page, COORDINATOR)
    page.goto("/matching")
    check_page(page, "Matching waiting list")
    page.get_by_role("link", name="Amira Haddad").click()
    page.wait_for_url(re.compile(r"/matching/\d+$"))
    expect(page.get_by_role("heading", name="Connectors for Amira Haddad")).to_be_visible()
    suggestion = page.locator("article.suggestion", has_text="Grace Hopper")
    assert "Score" in suggestion.inner_text() and "Registered Nurses" in suggestion.inner_text()
    assert "not connected to the hub" in page.locator("#cross-city").inner_text() or (
        "not searched" in page.locator("#cross-city").inner_text()
    )
    check_page(page, "Suggestions for Amira")

    page.get_by_role("button", name="Propose Grace Hopper").click()
    page.wait_for_url(re.compile(r"/matches/\d+$"))
    expect(page.get_by_role("alert").first).to_have_text(
        "Proposed Grace Hopper to Amira Haddad.", use_inner_text=True
    )
    assert status_of(page) == "Proposed"
    check_page(page, "Match proposed")

    with page.expect_navigation():
        page.get_by_role("button", name="Mark introduced").click()
    assert status_of(page) == "Introduced"
    assert page.get_by_role("button", name="Mark met").count() == 0  # not allowed yet

    # Met four months ago, so the 3-month follow-up is due today.
    hold_meeting(page, dt.date.today() - dt.timedelta(days=125), "Amira")
    check_page(page, "Meeting held")
    record_three_referrals(page)
    check_page(page, "Three referrals")
    with page.expect_navigation():
        page.get_by_role("button", name="Mark referred").click()
    assert status_of(page) == "Referred"

    follow_ups = page.locator("#follow-ups-table")
    expect(follow_ups.locator("tr[data-months='3']")).to_contain_text(
        "Due now", use_inner_text=True
    )
    # A refused follow-up keeps what was typed, the message beside its field.
    page.get_by_label("Situation").select_option(label="Still searching")
    page.get_by_label("Job (occupation)").fill("29-1141 Registered Nurses")
    with page.expect_navigation():
        page.get_by_role("button", name="Record the follow-up").click()
    expect(page.locator("#error-summary")).to_contain_text("Not saved", use_inner_text=True)
    expect(page.locator("#outcome-occupation-error")).to_be_visible()
    assert page.get_by_label("Job (occupation)").input_value() == "29-1141 Registered Nurses"
    check_page(page, "Follow-up refused")

    page.get_by_label("Situation").select_option(label="Employed in their field")
    page.get_by_label("Credits the program?").select_option(label="Yes")
    with page.expect_navigation():
        page.get_by_role("button", name="Record the follow-up").click()
    row = follow_ups.locator("tr[data-months='3']").inner_text()
    assert "Employed in their field (Registered Nurses)" in row
    timeline = page.locator("#timeline").inner_text()
    for step in ("Proposed → Introduced", "Meeting scheduled → Met", "Referrals pending → Referred",
                 "3-month follow-up: Employed in their field"):  # fmt: skip
        assert step in timeline, step
    check_page(page, "Follow-up recorded")

    page.goto("/matches")
    expect(page.locator("#matches")).to_contain_text(
        "Amira Haddad with Grace Hopper", use_inner_text=True
    )
    check_page(page, "Matches list")


def test_batch_proposals_are_reviewed_then_confirmed(page: Any) -> None:
    log_in(page, COORDINATOR)
    page.goto("/matching")
    page.get_by_role("button", name="Build proposals for review").click()
    page.wait_for_url(re.compile(r"/matching/proposals/\d+$"))
    expect(page.locator("main")).to_contain_text("Nothing has been sent yet", use_inner_text=True)
    check_page(page, "Batch proposals for review")
    boxes = page.locator("input[name='rows']")
    for i in range(boxes.count()):
        boxes.nth(i).uncheck()
    with page.expect_navigation():
        page.get_by_role("button", name="Confirm the ticked proposals").click()
    assert page.get_by_role("alert").first.inner_text().startswith("Made 0 matches.")
    assert page.locator("input[name='rows']").count() == 0
    check_page(page, "Batch proposals reviewed")


@pytest.fixture
def viewed_match(live_app: Flask) -> int:
    """A match of its own (another connector), so this test needs no other test's."""
    with live_app.app_context():
        connector = participants.create_person(
            participants.CONNECTORS,
            ConnectorSchema().load(
                {"first_name": "Ada", "last_name": "Lovelace",
                 "email": f"ada{uuid.uuid4().hex[:6]}@example.org",
                 "occupation": "51-4121", "status": "approved",
                 "languages": [{"language": "eng", "level": "native"}]}
            ),
            actor="test",
        )  # fmt: skip
        carlos = db.session.scalars(select(Connectee).where(Connectee.first_name == "Carlos")).one()
        match_id: int = matches.create_match(
            {"connectee_id": carlos.id, "connector_id": connector.id}, actor="test"
        ).id
        db.session.remove()
    return match_id


def test_a_viewer_sees_matches_without_forms_and_is_refused(page: Any, viewed_match: int) -> None:
    log_in(page, VIEWER)
    page.goto("/matches")
    page.locator(f"#matches tbody a[href='/matches/{viewed_match}']").click()
    page.wait_for_url(re.compile(r"/matches/\d+$"))
    assert page.locator("main form").count() == 0
    check_page(page, "Match as viewer")
    token = page.locator("input[name='csrf_token']").first.input_value()
    refused = page.request.post(
        page.url + "/transitions", form={"csrf_token": token, "to": "closed"}
    )
    assert refused.status == 403

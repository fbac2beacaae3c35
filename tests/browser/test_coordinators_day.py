"""One connectee's whole journey through a coordinator's browser, with no API call:
public sign-up → review → eligibility → suggestion → propose → meeting held → three
referrals → follow-up outcome → the funder report counts it."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import expect
from sqlalchemy import select

from community_node.extensions import db
from community_node.participants.models import Connector, ProfileStatus
from tests.browser.a11y import check_page
from tests.browser.conftest import COORDINATOR, log_in, seeded_node, serving
from tests.browser.match_steps import (
    hold_meeting,
    record_follow_up,
    record_three_referrals,
    status_of,
)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def live_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """A node of this module's own whose connector (a nurse) is approved and waiting."""
    with seeded_node(tmp_path_factory.mktemp("day")) as app:
        with app.app_context():
            for connector in db.session.scalars(select(Connector)):
                connector.status = ProfileStatus.APPROVED
            db.session.commit()
        yield app


@pytest.fixture(scope="module")
def live_server(live_app: Flask) -> Iterator[str]:
    with serving(live_app) as url:
        yield url


def sign_up(page: Any) -> None:
    """Layla applies on the public form, as a newcomer would, without logging in."""
    page.goto("/join/connectee")
    page.get_by_label("First name").fill("Layla")
    page.get_by_label("Last name").fill("Nasser")
    page.get_by_label("Email").fill("layla.nasser@example.org")
    page.get_by_label("Country you come from").select_option(label="Syria")
    page.get_by_label("Your permission to work", exact=True).select_option(
        label="Refugee or protected person status"
    )
    page.get_by_role("radio", name="Yes").check()
    page.get_by_label("The occupation you want to work in here").fill("Registered Nurses")
    page.get_by_label("Language 1", exact=True).select_option(label="Arabic")
    page.get_by_label("Level in language 1").select_option(label="First language")
    page.get_by_label("Language 2", exact=True).select_option(label="English")
    page.get_by_label("Level in language 2").select_option(label="B2: upper intermediate")
    page.get_by_label("Skills").fill("triage, patient care")
    page.get_by_label("I agree that staff").check()
    page.get_by_role("button", name="Send my application").click()
    page.wait_for_url(re.compile(r"/join/thanks$"))


def test_one_connectee_from_sign_up_to_the_funder_report(page: Any) -> None:
    sign_up(page)

    log_in(page, COORDINATOR)
    page.goto("/")
    check_page(page, "Day: Today with a new sign-up")
    page.get_by_role("link", name="Open the review queue").click()
    page.wait_for_url(re.compile(r"/people/review"))
    applicant = page.locator("#queue article", has_text="Layla Nasser")
    expect(applicant).to_contain_text("Registered Nurses", use_inner_text=True)
    applicant.get_by_label("Reason").fill("Nursing licence in Syria, checked at intake.")
    with page.expect_navigation():
        applicant.get_by_role("button", name="Accept").click()
    expect(page.get_by_role("alert").first).to_have_text(
        "Accepted Layla Nasser.", use_inner_text=True
    )
    check_page(page, "Day: review after accepting")

    # Eligibility: the decision and its reason are on her page.
    page.goto("/connectees?q=layla")
    page.get_by_role("link", name="Layla Nasser").click()
    page.wait_for_url(re.compile(r"/connectees/\d+$"))
    eligibility = page.locator("#eligibility").inner_text()
    assert "Nursing licence in Syria" in eligibility
    check_page(page, "Day: Layla's page")

    page.goto("/matching")
    page.get_by_role("link", name="Layla Nasser").click()
    page.wait_for_url(re.compile(r"/matching/\d+$"))
    suggestion = page.locator("article.suggestion", has_text="Grace Hopper")
    expect(suggestion).to_contain_text("Registered Nurses", use_inner_text=True)
    page.get_by_role("button", name="Propose Grace Hopper").click()
    page.wait_for_url(re.compile(r"/matches/\d+$"))
    assert status_of(page) == "Proposed"
    with page.expect_navigation():
        page.get_by_role("button", name="Mark introduced").click()

    hold_meeting(page, dt.date.today() - dt.timedelta(days=125), "Layla")
    record_three_referrals(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Mark referred").click()
    assert status_of(page) == "Referred"
    record_follow_up(page, "Employed in their field")
    check_page(page, "Day: the match after its follow-up")

    page.goto("/reports?period=all")
    outcomes = page.locator("#outcomes-table tbody tr", has_text="Employed in field")
    assert outcomes.count() == 1
    cells = outcomes.locator("td").all_inner_texts()
    # Months, outcome, outcomes, attributed: one 3-month placement the program is credited for.
    assert cells[-7:-3] == ["3", "Employed in field", "1", "1"], cells
    page.wait_for_function("() => window.Chart && Chart.getChart('chart-outcomes')")
    labels = page.evaluate("() => Chart.getChart('chart-outcomes').data.labels")
    assert labels == ["All time · 3 months · Employed in field"]
    referrals = page.locator("#referrals-per-connector-table").inner_text()
    assert "3" in referrals
    check_page(page, "Day: the funder report")

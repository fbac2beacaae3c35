"""Becoming a Connector Community in a real browser: apply, changes asked, resubmitted,
approved, the credentials shown once, and the checklist on the community's page."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from playwright.sync_api import expect

from tests.browser.a11y import check_page
from tests.browser.conftest import log_in, serving
from tests.browser.test_hub_ui import ADMIN, seeded_hub

pytestmark = pytest.mark.browser

LAUNCH = (dt.date.today() + dt.timedelta(days=120)).isoformat()


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A hub of this module's own, so the community approved here changes no other module."""
    with seeded_hub(tmp_path_factory.mktemp("hub-onboarding")) as (app, _), serving(app) as url:
        yield url


@pytest.fixture
def applicant(browser: Any, live_server: str) -> Iterator[Any]:
    """The applicant's own browser (no staff session)."""
    context = browser.new_context(base_url=live_server)
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def fill_application(page: Any) -> None:
    page.get_by_label("Organisation", exact=True).fill("Moncton Newcomer Centre")
    page.get_by_label("City", exact=True).fill("Moncton")
    page.get_by_label("Province or state", exact=True).fill("NB")
    page.get_by_label("Country", exact=True).select_option(label="Canada")
    page.get_by_label("Contact person", exact=True).fill("Rosa Leblanc")
    page.get_by_label("Contact email", exact=True).fill("rosa@example.org")
    page.get_by_label("Partner 1: kind", exact=True).select_option(label="Chamber of commerce")
    page.get_by_label("Partner 1: name", exact=True).fill("Greater Moncton Chamber")
    page.get_by_label("Partner 2: kind", exact=True).select_option(label="University or college")
    page.get_by_label("Partner 2: name", exact=True).fill("Université de Moncton")
    page.get_by_label("Expected connectees in the first year", exact=True).fill("60")
    page.get_by_label("Expected connectors in the first year", exact=True).fill("40")


def test_apply_review_approve_and_hand_over_the_credentials_once(
    page: Any, applicant: Any, live_server: str
) -> None:
    # The applicant finds the form from the hub's login page.
    applicant.goto("/login")
    applicant.get_by_role("link", name="Become a Connector Community").click()
    applicant.wait_for_url(re.compile(r"/apply$"))
    check_page(applicant, "onboarding apply form")
    fill_application(applicant)
    applicant.get_by_label("Planned launch", exact=True).fill("2020-01-01")
    applicant.get_by_role("button", name="Send our application").click()
    summary = applicant.locator("#error-summary")
    assert "Planned launch: Choose today or a later date." in summary.inner_text()
    assert (
        applicant.get_by_label("Organisation", exact=True).input_value()
        == "Moncton Newcomer Centre"
    )
    check_page(applicant, "onboarding apply form errors")
    applicant.get_by_label("Planned launch", exact=True).fill(LAUNCH)
    applicant.get_by_role("button", name="Send our application").click()
    applicant.wait_for_url(re.compile(r"/apply/thanks$"))
    check_page(applicant, "onboarding thanks")

    # National staff ask for changes.
    log_in(page, ADMIN)
    page.get_by_role("link", name="Applications").first.click()
    page.wait_for_url(re.compile(r"/onboarding$"))
    check_page(page, "onboarding applications")
    with page.expect_navigation():
        page.get_by_role("link", name="Moncton Newcomer Centre").click()
    check_page(page, "onboarding application submitted")
    page.get_by_label("What should the applicant change?", exact=True).fill(
        "Please name your English-language partner."
    )
    page.get_by_role("button", name="Ask for changes").click()
    edit_link = page.get_by_label("Link to pass on", exact=True).input_value()
    assert "/apply/edit/" in edit_link
    check_page(page, "onboarding edit link for the applicant")

    # The applicant corrects the application through the link.
    applicant.goto(edit_link)
    assert (
        "Please name your English-language partner."
        in applicant.locator("#changes-requested").inner_text()
    )
    check_page(applicant, "onboarding correct the application")
    applicant.get_by_label("Partner 3: kind", exact=True).select_option(
        label="English-language provider"
    )
    applicant.get_by_label("Partner 3: name", exact=True).fill("MAGMA")
    applicant.get_by_role("button", name="Send the corrected application").click()
    applicant.wait_for_url(re.compile(r"/apply/thanks$"))
    applicant.goto(edit_link)
    expect(applicant.locator("#dead-link")).to_contain_text(
        "already been used", use_inner_text=True
    )

    # Staff approve: the community and its client are registered.
    page.get_by_role("link", name="Back to the application").click()
    expect(page.locator("#current-status")).to_have_text("Resubmitted", use_inner_text=True)
    expect(page.locator("#partners")).to_contain_text("MAGMA", use_inner_text=True)
    assert page.get_by_label("Community id (slug)", exact=True).input_value() == "moncton"
    page.get_by_role("button", name="Approve and register the community").click()
    credentials_link = page.get_by_label("Link to pass on", exact=True).input_value()
    assert "/credentials/" in credentials_link
    check_page(page, "onboarding credentials link for the applicant")

    # The applicant opens the credentials link once.
    applicant.goto(credentials_link)
    check_page(applicant, "onboarding credentials before showing")
    applicant.get_by_role("button", name="Show the credentials now").click()
    client_id = applicant.locator("#client-id").inner_text()
    secret = applicant.locator("#client-secret").inner_text()
    check_page(applicant, "onboarding credentials shown once")
    token = requests.post(
        f"{live_server}/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(client_id, secret),
        timeout=10,
    )
    assert token.status_code == 200, token.text
    response = applicant.goto(credentials_link)
    assert response is not None and response.status == 410
    expect(applicant.locator("#dead-link")).to_contain_text(
        "already been used", use_inner_text=True
    )
    assert secret not in applicant.content()
    check_page(applicant, "onboarding credentials link used")

    # The checklist follows the community to live.
    page.get_by_role("link", name="Back to the application").click()
    page.get_by_role("link", name="Moncton", exact=True).click()
    page.wait_for_url(re.compile(r"/communities/moncton$"))
    checklist = page.locator("#checklist")
    assert "First sync received: not yet" in re.sub(r"\s+", " ", checklist.inner_text())
    page.get_by_role("button", name="Tick “Eligibility rules written”").click()
    page.wait_for_url(re.compile(r"/communities/moncton$"))
    expect(page.get_by_role("alert")).to_have_text(
        "“Eligibility rules written” ticked.", use_inner_text=True
    )
    expect(page.get_by_role("button", name="Untick “Eligibility rules written”")).to_be_visible()
    check_page(page, "onboarding community checklist")

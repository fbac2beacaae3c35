"""The public sign-up forms in a real browser, then the applicant in the staff list."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser.a11y import check_page
from tests.browser.conftest import COORDINATOR, log_in, seeded_node, serving

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 740}


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A node of this module's own: the staff UI tests count the people of the shared one."""
    with seeded_node(tmp_path_factory.mktemp("signup")) as app, serving(app) as url:
        yield url


def fits_the_screen(page: Any) -> bool:
    width: bool = page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )
    return width


def test_a_newcomer_applies_and_staff_find_them(page: Any) -> None:
    page.set_viewport_size(PHONE)
    page.goto("/join")
    assert fits_the_screen(page)
    page.get_by_role("link", name="Apply as a newcomer").click()
    page.wait_for_url(re.compile(r"/join/connectee$"))
    assert fits_the_screen(page)

    page.get_by_label("First name").fill("Nadia")
    page.get_by_label("Last name").fill("Rahimi")
    page.get_by_label("Email").fill("nadia.rahimi@example.org")
    page.get_by_label("Country you come from").select_option(label="Afghanistan")
    page.get_by_label("How did you hear about the program?").select_option(
        label="A refugee resettlement agency"
    )
    page.get_by_label("Your permission to work", exact=True).select_option(
        label="Refugee or protected person status"
    )
    page.get_by_role("radio", name="Yes").check()
    # The occupation picker: typing the title is enough, the browser offers the list.
    picker = page.get_by_label("The occupation you want to work in here")
    assert picker.get_attribute("list") == "occupation-titles"
    picker.press_sequentially("Civil Engineers")
    page.get_by_label("Language 1", exact=True).select_option(label="Persian")
    page.get_by_label("Level in language 1").select_option(label="First language")
    page.get_by_label("Language 2", exact=True).select_option(label="English")
    page.get_by_label("Level in language 2").select_option(label="B2: upper intermediate")
    page.get_by_label("Skills").fill("structural analysis, AutoCAD")
    page.get_by_label("Weekends").check()

    # Without the required consent: the same page, the message beside the box.
    with page.expect_navigation():
        page.get_by_role("button", name="Send my application").click()
    consent = page.get_by_label("I agree that staff")
    assert consent.get_attribute("aria-invalid") == "true"
    message = page.locator("#f-consent_local_processing-error")
    assert "agree that we keep and use it" in message.inner_text()
    expect(page.get_by_role("alert")).to_be_visible()
    assert page.get_by_label("First name").input_value() == "Nadia"  # nothing retyped
    assert picker.input_value() == "Civil Engineers"

    consent.check()
    page.get_by_role("button", name="Send my application").click()
    page.wait_for_url(re.compile(r"/join/thanks$"))
    expect(page.get_by_role("heading", name="Thank you")).to_be_visible()

    log_in(page, COORDINATOR)
    page.goto("/connectees?status=submitted")
    row = page.locator("#people tbody tr", has_text="Nadia Rahimi")
    assert row.count() == 1
    assert "Civil Engineers" in row.inner_text() and "submitted" in row.inner_text()
    row.get_by_role("link", name="Nadia Rahimi").click()
    page.wait_for_url(re.compile(r"/connectees/\d+$"))
    expect(page.locator("#fields")).to_contain_text("Civil Engineers", use_inner_text=True)


def test_a_volunteer_signs_up_without_javascript(browser: Any, live_server: str) -> None:
    context = browser.new_context(base_url=live_server, java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto("/join/connector")
        page.get_by_label("First name").fill("Ines")
        page.get_by_label("Last name").fill("Moreau")
        page.get_by_label("Email").fill("ines.moreau@example.org")
        page.get_by_label("Your occupation").fill("17-2051 Civil Engineers")
        page.get_by_label("Language 1", exact=True).select_option("fra")
        page.get_by_label("Level in language 1").select_option("native")
        page.get_by_label("How many newcomers you can meet").select_option("2")
        page.get_by_label("I agree that staff").check()
        page.get_by_label("List me in the national").check()
        with page.expect_navigation():
            page.get_by_role("button", name="Send my offer").click()
        assert urlsplit(page.url).path == "/join/thanks"
    finally:
        context.close()


@pytest.mark.parametrize("path", ["/join", "/join/connectee", "/join/connector"])
def test_public_pages_pass_axe_and_fit_a_phone(page: Any, path: str) -> None:
    page.goto(path)
    check_page(page, f"node {path}")

"""Adding and editing people in a real browser: the occupation picker, language rows, errors."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import expect

from tests.browser.a11y import PHONE_WIDTH, check_page
from tests.browser.conftest import COORDINATOR, VIEWER, log_in, seeded_node, serving

pytestmark = pytest.mark.browser

SHOTS = "/tmp/uipeople"


@pytest.fixture(scope="module")
def live_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """A node of this module's own: the people added here shift no other module's counts."""
    with seeded_node(tmp_path_factory.mktemp("people")) as app:
        yield app


@pytest.fixture(scope="module")
def live_server(live_app: Flask) -> Iterator[str]:
    with serving(live_app) as url:
        yield url


def test_coordinator_adds_a_connectee_picking_a_misspelt_occupation(page: Any) -> None:
    log_in(page, COORDINATOR)
    page.goto("/connectees")
    page.get_by_role("link", name="New connectee").click()
    page.wait_for_url(re.compile(r"/connectees/new$"))
    check_page(page, "New connectee")

    page.get_by_label("First name").fill("Nadia")
    page.get_by_label("Last name").fill("Karimi")
    page.get_by_label("Email").fill("nadia.karimi@example.org")
    page.get_by_label("Phone").fill("+1 902 555 0142")
    page.get_by_label("Country of origin").select_option(label="Afghanistan")
    # Typed with a typo: htmx asks the server, which offers the closest title.
    page.get_by_label("Occupation wanted here").press_sequentially("Registred Nurse", delay=20)
    suggestion = page.get_by_role("button", name="Registered Nurses (29-1141)")
    suggestion.wait_for()
    check_page(page, "Occupation suggestion")
    with page.expect_navigation():
        suggestion.click()
    assert page.get_by_label("Occupation wanted here").input_value() == (
        "29-1141 Registered Nurses"
    )
    expect(page.get_by_text("Chosen: Registered Nurses (29-1141)")).to_be_visible()

    # Two languages: fill the first row, add a second.
    page.get_by_label("Language 1", exact=True).select_option(label="Persian")
    page.get_by_label("Level in language 1").select_option(label="First language")
    with page.expect_navigation():
        page.get_by_role("button", name="Add another language").click()
    page.get_by_label("Language 2", exact=True).select_option(label="English")
    page.get_by_label("Level in language 2").select_option(label="B2: upper intermediate")
    page.get_by_label("Skills").fill("patient care, custmer service")
    page.get_by_text("custmer service: recognised as “customer service”").wait_for()
    check_page(page, "New connectee filled in")
    page.screenshot(path=f"{SHOTS}-new-connectee.png", full_page=True)
    page.set_viewport_size({"width": PHONE_WIDTH, "height": 812})
    page.screenshot(path=f"{SHOTS}-new-connectee-375.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 800})

    page.get_by_role("button", name="Add connectee").click()
    page.wait_for_url(re.compile(r"/connectees/\d+$"))
    expect(page.get_by_role("alert")).to_have_text("Added Nadia Karimi.", use_inner_text=True)
    expect(page.locator("#fields")).to_contain_text(
        "Registered Nurses (29-1141)", use_inner_text=True
    )
    languages = page.locator("#languages").inner_text()
    assert "Persian" in languages and "English" in languages
    check_page(page, "Added connectee")


def test_a_bad_phone_and_long_note_come_back_beside_their_fields(page: Any) -> None:
    log_in(page, COORDINATOR)
    page.goto("/connectees?q=amira")
    page.get_by_role("link", name="Amira Haddad").click()
    page.get_by_role("link", name="Edit").click()
    page.wait_for_url(re.compile(r"/connectees/\d+/edit$"))
    assert page.get_by_label("Phone").input_value() == "+1 902 555 0100"
    page.get_by_label("Phone").fill("call me after six")
    page.get_by_label("Notes").fill("n" * 20_000)
    with page.expect_navigation():
        page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("alert").first).to_contain_text(
        "Nothing was saved", use_inner_text=True
    )
    assert page.locator("#f-phone-error").inner_text().startswith("Enter a phone number")
    expect(page.locator("#f-notes-error")).to_have_text(
        "Longer than maximum length 5000.", use_inner_text=True
    )
    assert page.get_by_label("Phone").input_value() == "call me after six"
    check_page(page, "Edit connectee refused")
    page.screenshot(path=f"{SHOTS}-edit-refused.png", full_page=True)

    page.get_by_label("Phone").fill("+1 902 555 0177")
    page.get_by_label("Notes").fill("Prefers mornings.")
    # Enter in a field saves (not "Remove language 1", the first visible button).
    page.get_by_label("Phone").press("Enter")
    page.wait_for_url(re.compile(r"/connectees/\d+$"))
    expect(page.locator("#fields")).to_contain_text("+1 902 555 0177", use_inner_text=True)
    expect(page.locator("#notes")).to_have_text("Prefers mornings.", use_inner_text=True)


def test_coordinator_edits_a_connectors_capacity(page: Any) -> None:
    log_in(page, COORDINATOR)
    page.goto("/connectors")
    page.locator("#people tbody a").first.click()
    page.get_by_role("link", name="Edit").click()
    page.wait_for_url(re.compile(r"/connectors/\d+/edit$"))
    page.get_by_label("Newcomers they can meet").fill("4")
    page.get_by_label("Per", exact=True).select_option(label="a month")
    check_page(page, "Edit connector")
    page.get_by_role("button", name="Save changes").click()
    page.wait_for_url(re.compile(r"/connectors/\d+$"))
    text = page.locator("#fields").inner_text()
    assert re.search(r"Capacity\s+4", text) and re.search(r"Capacity period\s+a month", text)


def test_a_viewer_sees_no_buttons_and_cannot_open_the_forms(page: Any) -> None:
    log_in(page, VIEWER)
    page.goto("/connectees")
    assert page.get_by_role("link", name="New connectee").count() == 0
    page.locator("#people tbody a").first.click()
    page.wait_for_url(re.compile(r"/connectees/\d+$"))
    assert page.get_by_role("link", name="Edit").count() == 0
    assert page.request.get("/connectees/new").status == 403

"""A person's page in Chromium: consent, eligibility, archive and erase, by keyboard too."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from tests.browser.a11y import check_page
from tests.browser.conftest import COORDINATOR, log_in


def _open(page: Any, name: str) -> None:
    page.goto(f"/connectees?q={name.split()[0].lower()}")
    page.get_by_role("link", name=name).click()
    page.wait_for_url(re.compile(r"/connectees/\d+$"))


def test_a_coordinator_checks_eligibility_records_a_consent_and_withdraws_it(page: Any) -> None:
    log_in(page, COORDINATOR)
    _open(page, "Amira Haddad")
    expect(page.locator("#eligibility-outcome")).to_have_text(
        "Not checked yet.", use_inner_text=True
    )
    page.get_by_role("button", name="Check against the rules").click()
    page.wait_for_url(re.compile(r"/connectees/\d+$"))
    expect(page.get_by_role("alert")).to_contain_text(
        "Checked against the rules", use_inner_text=True
    )
    assert page.locator("#criteria tbody tr").count() >= 1
    check_page(page, "Person page")

    # An override without a reason is refused beside the field, then done with one.
    page.get_by_label("Decision").select_option("waitlisted")
    page.get_by_role("button", name="Record the decision").click()
    expect(page.locator("#override")).to_contain_text("Must not be blank.", use_inner_text=True)
    page.get_by_label("Reason").fill("Waiting for the licence assessment.")
    page.get_by_role("button", name="Record the decision").click()
    page.wait_for_url(re.compile(r"/connectees/\d+$"))
    expect(page.locator("#eligibility-outcome")).to_contain_text(
        "decided by staff", use_inner_text=True
    )
    expect(page.locator("#person-status")).to_have_text("waitlisted", use_inner_text=True)

    page.locator("#consent-add summary").click()
    page.get_by_label("What they agreed to").select_option("cross_city_introductions")
    page.get_by_label("How they agreed").select_option("verbal")
    page.get_by_role("button", name="Record consent").click()
    page.wait_for_url(re.compile(r"/connectees/\d+$"))
    row = page.locator("#consents tr", has_text="Introductions to people in other cities")
    expect(row).to_contain_text("in force", use_inner_text=True)
    row.locator("summary").click()
    row.get_by_label("Note (optional)").fill("Said so at the job fair.")
    row.get_by_role("button", name="Withdraw this consent").click()
    page.wait_for_url(re.compile(r"/connectees/\d+$"))
    row = page.locator("#consents tr", has_text="Introductions to people in other cities")
    assert "withdrawn" in row.inner_text() and "Said so at the job fair." in row.inner_text()


def test_erase_by_keyboard_alone(page: Any) -> None:
    """Tab to the link, type the name, press Enter: no mouse needed."""
    log_in(page, COORDINATOR)
    _open(page, "Carlos Zapata")
    link = page.locator("#erase-link")
    for _ in range(80):
        page.keyboard.press("Tab")
        if link.evaluate("element => element === document.activeElement"):
            break
    else:
        raise AssertionError("The erase link cannot be reached with Tab")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/connectees/\d+/erase$"))
    check_page(page, "Erase a person")
    field = page.get_by_label("Type their full name to confirm")
    field.focus()
    page.keyboard.type("Carlos")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator("#erase-form")).to_contain_text(
        "Type the full name exactly as shown above.", use_inner_text=True
    )
    field.fill("")
    field.focus()
    page.keyboard.type("Carlos Zapata")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/connectees$"))
    expect(page.get_by_role("alert")).to_contain_text(
        "no personal data is left", use_inner_text=True
    )
    assert page.get_by_role("link", name="Carlos Zapata").count() == 0

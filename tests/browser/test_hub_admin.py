"""The hub's admin pages in a real browser: staff accounts, roles and the audit log."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.a11y import check_page
from tests.browser.conftest import log_in, serving
from tests.browser.test_hub_ui import ADMIN, COORDINATOR, seeded_hub

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A hub of this module's own, so the accounts made here change no other module."""
    with seeded_hub(tmp_path_factory.mktemp("hub-admin")) as (app, _), serving(app) as url:
        yield url


def test_an_admin_adds_a_colleague_and_reads_it_in_the_audit_log(page: Any) -> None:
    log_in(page, ADMIN)
    page.get_by_role("link", name="Admin").click()
    page.wait_for_url(re.compile(r"/admin/staff$"))
    check_page(page, "hub staff accounts")

    page.get_by_label("Name").fill("Nadia National")
    page.get_by_label("Email").fill("nadia@example.org")
    page.get_by_label("Role", exact=True).select_option("viewer")
    page.get_by_label("Password").fill("short")
    page.get_by_role("button", name="Create account").click()
    expect(page.locator("form[aria-labelledby=new-account]")).to_contain_text(
        "between 10 and 1000", use_inner_text=True
    )
    assert page.get_by_label("Name").input_value() == "Nadia National"  # kept for the fix

    page.get_by_label("Password").fill("a long enough passphrase")
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url(re.compile(r"/admin/staff$"))
    expect(page.get_by_role("alert")).to_have_text(
        "Created the viewer account for nadia@example.org.", use_inner_text=True
    )
    row = page.locator("#staff tr", has_text="Nadia National")
    expect(row).to_contain_text("Viewer", use_inner_text=True)

    row.get_by_label("Role of Nadia National").select_option("coordinator")
    row.get_by_role("button", name="Change role").click()
    expect(page.get_by_role("alert")).to_have_text(
        "nadia@example.org is now coordinator.", use_inner_text=True
    )
    page.screenshot(path="/tmp/hub-admin-staff.png", full_page=True)

    page.get_by_role("link", name="Audit log").click()
    page.get_by_label("Action").select_option("staff_user.role")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url(re.compile(r"action=staff_user.role"))
    events = page.locator("#events tbody tr")
    assert events.count() == 1
    expect(events.first).to_contain_text("Ana Admin", use_inner_text=True)
    expect(events.first).to_contain_text("coordinator", use_inner_text=True)
    check_page(page, "hub audit log")
    page.screenshot(path="/tmp/hub-admin-audit.png", full_page=True)


def test_a_coordinator_sees_no_admin_pages(page: Any) -> None:
    log_in(page, COORDINATOR)
    assert page.get_by_role("link", name="Admin").count() == 0
    response = page.goto("/admin/staff")
    assert response is not None and response.status == 403

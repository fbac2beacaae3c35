"""The staff web UI and the API docs, in a real browser against a real server."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser.a11y import check_page
from tests.browser.conftest import COORDINATOR, VIEWER, log_in

pytestmark = pytest.mark.browser


def expect_names(page: Any, expected: list[str]) -> None:
    """The list shows exactly these people, in this order (retried until the page shows it)."""
    expect(page.locator("#people tbody tr[data-id] td:first-child a")).to_have_text(expected)


def test_login_wrong_then_right(page: Any, live_server: str) -> None:
    page.goto("/connectees")
    assert urlsplit(page.url).path == "/login"
    check_page(page, "Login")
    log_in(page, COORDINATOR, "not the password")
    expect(page.get_by_role("alert")).to_have_text(
        "Email or password is wrong.", use_inner_text=True
    )
    assert urlsplit(page.url).path == "/login"
    log_in(page, COORDINATOR)
    assert page.url == f"{live_server}/"
    expect(page.get_by_role("heading", name="Today", exact=True)).to_be_visible()
    # The seeded three connectees and the connector signed up and wait for review.
    expect(page.locator("#count-submitted")).to_have_text("3", use_inner_text=True)
    expect(page.locator("#count-connectors-submitted")).to_have_text("1", use_inner_text=True)


def test_filter_connectees_by_language_and_word(page: Any) -> None:
    log_in(page, COORDINATOR)
    page.get_by_role("link", name="Connectees").first.click()
    page.wait_for_url(re.compile(r"/connectees$"))
    expect(page.locator("#people tbody tr[data-id]")).to_have_count(3)
    rows = page.locator("#people tbody tr[data-id] td:first-child a").all_inner_texts()
    assert sorted(rows) == ["Amira Haddad", "Carlos Zapata", "Oleksandr Bondarenko"]

    check_page(page, "Connectees")
    page.get_by_label("Language").select_option(label="Ukrainian")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url(re.compile(r"language=uk"))
    expect_names(page, ["Oleksandr Bondarenko"])
    expect(page.locator("#people")).to_contain_text("Ukrainian native", use_inner_text=True)

    page.get_by_label("Language").select_option(label="Any language")
    page.get_by_label("Search").fill("payroll")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url(re.compile(r"q=payroll"))
    expect_names(page, ["Carlos Zapata"])

    page.get_by_label("Search").fill("nobody-has-this")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url(re.compile(r"q=nobody"))
    expect_names(page, [])
    expect(page.get_by_text("Nothing matches these filters.")).to_be_visible()


def test_sort_by_name(page: Any) -> None:
    log_in(page, COORDINATOR)
    page.goto("/connectees")
    page.locator('a.sort[data-sort="last_name"]').click()
    page.wait_for_url(re.compile(r"sort=last_name"))
    expect_names(page, ["Oleksandr Bondarenko", "Amira Haddad", "Carlos Zapata"])
    page.locator('a.sort[data-sort="last_name"]').click()
    page.wait_for_url(re.compile(r"sort=-last_name"))
    expect_names(page, ["Carlos Zapata", "Amira Haddad", "Oleksandr Bondarenko"])


def test_coordinator_opens_detail_and_edits_phone(page: Any) -> None:
    log_in(page, COORDINATOR)
    page.goto("/connectees?q=amira")
    page.get_by_role("link", name="Amira Haddad").click()
    page.wait_for_url(re.compile(r"/connectees/\d+$"))
    assert page.locator("#person-name").inner_text().startswith("Amira Haddad")
    expect(page.locator("#fields")).to_contain_text(
        "Registered Nurses (29-1141)", use_inner_text=True
    )
    expect(page.locator("#languages")).to_contain_text("Arabic", use_inner_text=True)
    assert "Coordinator id" not in page.locator("#fields").inner_text()
    check_page(page, "Connectee")

    page.get_by_role("link", name="Edit").click()
    page.wait_for_url(re.compile(r"/connectees/\d+/edit$"))
    phone = page.get_by_label("Phone")
    assert phone.input_value() == "+1 902 555 0100"
    phone.fill("+1 902 555 0199")
    page.get_by_role("button", name="Save changes").click()
    page.wait_for_url(re.compile(r"/connectees/\d+$"))
    expect(page.get_by_role("alert")).to_have_text("Saved Amira Haddad.", use_inner_text=True)
    page.reload()
    expect(page.locator("#fields")).to_contain_text("+1 902 555 0199", use_inner_text=True)


def test_viewer_sees_no_edit_form_and_cannot_post(page: Any) -> None:
    log_in(page, VIEWER)
    page.goto("/connectees?q=carlos")
    page.get_by_role("link", name="Carlos Zapata").click()
    page.wait_for_url(re.compile(r"/connectees/\d+$"))
    expect(page.locator("#fields")).to_be_visible()
    assert page.get_by_role("link", name="Edit").count() == 0
    # Even with a valid CSRF token (from the logout form) the write is refused.
    token = page.locator('input[name="csrf_token"]').first.get_attribute("value")
    response = page.request.post(
        page.url + "/edit",
        form={"csrf_token": token, "phone": "666"},
        headers={"Referer": page.url},
        max_redirects=0,
    )
    assert response.status == 403


def test_swagger_ui_renders_from_local_assets(page: Any) -> None:
    page.goto("/api/docs")
    page.wait_for_selector(".swagger-ui .information-container")
    page.wait_for_selector(".opblock-tag-section")
    assert page.locator(".opblock-tag", has_text="connectees").count() >= 1
    page.wait_for_load_state("networkidle")
    check_page(page, "node API docs")
    page.locator(".opblock-get .opblock-summary-control").first.click()
    page.wait_for_selector(".opblock.is-open .responses-wrapper")
    check_page(page, "node API docs, an operation open")
    hosts = {urlsplit(url).hostname for url in page.requested_urls}
    hosts.discard(None)  # data: URLs carry no host
    assert hosts == {"127.0.0.1"}, page.requested_urls


def test_swagger_ui_contacts_no_third_party_when_served_by_name(
    page: Any, live_server: str
) -> None:
    """Serve the docs under a public name: Swagger UI skips its validator call on localhost."""
    public = "https://node.example.org"
    foreign: list[str] = []

    def forward(route: Any) -> None:
        url = route.request.url
        if url.startswith(public):
            route.fulfill(response=route.fetch(url=live_server + url[len(public) :]))
        else:
            foreign.append(url)
            route.abort()

    page.route("**/*", forward)
    page.goto(f"{public}/api/docs")
    page.wait_for_selector(".opblock-tag-section")
    page.wait_for_load_state("networkidle")
    assert foreign == []

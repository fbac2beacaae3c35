"""The staff web UI and the API docs, in a real browser against a real server."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.browser.a11y import check_page
from tests.browser.conftest import COORDINATOR, VIEWER, log_in

pytestmark = pytest.mark.browser


def names(page: Any) -> list[str]:
    texts: list[str] = page.locator("#people tbody tr[data-id] td:first-child a").all_inner_texts()
    return texts


def test_login_wrong_then_right(page: Any, live_server: str) -> None:
    page.goto("/connectees")
    assert urlsplit(page.url).path == "/login"
    check_page(page, "Login")
    log_in(page, COORDINATOR, "not the password")
    assert page.get_by_role("alert").inner_text() == "Email or password is wrong."
    assert urlsplit(page.url).path == "/login"
    log_in(page, COORDINATOR)
    assert page.url == f"{live_server}/"
    assert page.get_by_role("heading", name="Today", exact=True).is_visible()
    # The seeded three connectees and the connector signed up and wait for review.
    assert page.locator("#count-submitted").inner_text() == "3"
    assert page.locator("#count-connectors-submitted").inner_text() == "1"


def test_filter_connectees_by_language_and_word(page: Any) -> None:
    log_in(page, COORDINATOR)
    page.get_by_role("link", name="Connectees").first.click()
    assert sorted(names(page)) == ["Amira Haddad", "Carlos Zapata", "Oleksandr Bondarenko"]

    check_page(page, "Connectees")
    page.get_by_label("Language").select_option(label="Ukrainian")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url(re.compile(r"language=uk"))
    assert names(page) == ["Oleksandr Bondarenko"]
    assert "Ukrainian native" in page.locator("#people").inner_text()

    page.get_by_label("Language").select_option(label="Any language")
    page.get_by_label("Search").fill("payroll")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url(re.compile(r"q=payroll"))
    assert names(page) == ["Carlos Zapata"]

    page.get_by_label("Search").fill("nobody-has-this")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url(re.compile(r"q=nobody"))
    assert names(page) == []
    assert page.get_by_text("Nothing matches these filters.").is_visible()


def test_sort_by_name(page: Any) -> None:
    log_in(page, COORDINATOR)
    page.goto("/connectees")
    page.locator('a.sort[data-sort="last_name"]').click()
    page.wait_for_url(re.compile(r"sort=last_name"))
    assert names(page) == ["Oleksandr Bondarenko", "Amira Haddad", "Carlos Zapata"]
    page.locator('a.sort[data-sort="last_name"]').click()
    page.wait_for_url(re.compile(r"sort=-last_name"))
    assert names(page) == ["Carlos Zapata", "Amira Haddad", "Oleksandr Bondarenko"]


def test_coordinator_opens_detail_and_edits_phone(page: Any) -> None:
    log_in(page, COORDINATOR)
    page.goto("/connectees?q=amira")
    page.get_by_role("link", name="Amira Haddad").click()
    page.wait_for_url(re.compile(r"/connectees/\d+$"))
    assert page.locator("#person-name").inner_text().startswith("Amira Haddad")
    assert "Registered Nurses (29-1141)" in page.locator("#fields").inner_text()
    assert "Arabic" in page.locator("#languages").inner_text()
    assert "Coordinator id" not in page.locator("#fields").inner_text()
    check_page(page, "Connectee")

    page.get_by_role("link", name="Edit").click()
    page.wait_for_url(re.compile(r"/connectees/\d+/edit$"))
    phone = page.get_by_label("Phone")
    assert phone.input_value() == "+1 902 555 0100"
    phone.fill("+1 902 555 0199")
    page.get_by_role("button", name="Save changes").click()
    page.wait_for_url(re.compile(r"/connectees/\d+$"))
    assert page.get_by_role("alert").inner_text() == "Saved Amira Haddad."
    page.reload()
    assert "+1 902 555 0199" in page.locator("#fields").inner_text()


def test_viewer_sees_no_edit_form_and_cannot_post(page: Any) -> None:
    log_in(page, VIEWER)
    page.goto("/connectees?q=carlos")
    page.get_by_role("link", name="Carlos Zapata").click()
    page.wait_for_url(re.compile(r"/connectees/\d+$"))
    assert page.locator("#fields").is_visible()
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

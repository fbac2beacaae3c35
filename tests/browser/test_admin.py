"""The admin pages in a real browser: accounts, a token shown once and revoked, the audit
log, the rules; and a coordinator authorizing the API docs with their own token."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from playwright.sync_api import expect

from community_node.auth.models import Role
from community_node.auth.services import accounts, create_user
from community_node.extensions import db
from tests.browser.a11y import check_page
from tests.browser.conftest import COORDINATOR, PASSWORD, VIEWER, log_in

pytestmark = pytest.mark.browser

ADMIN = "admin@example.org"
SECRET = re.compile(r"^cnn_[0-9a-f]{8}_[A-Za-z0-9_-]{20,}$")


@pytest.fixture(scope="module", autouse=True)
def admin_account(live_app: Flask) -> None:
    with live_app.app_context():
        if accounts.find(ADMIN) is None:
            create_user(ADMIN, "Ada Admin", Role.ADMIN, PASSWORD, actor="test")
        db.session.remove()


def test_an_admin_manages_staff_accounts(page: Any) -> None:
    log_in(page, ADMIN)
    page.goto("/admin")
    expect(page.get_by_role("heading", name="Admin", exact=True)).to_be_visible()
    check_page(page, "admin")

    page.get_by_role("link", name="Staff accounts").first.click()
    page.wait_for_url("**/admin/staff")
    check_page(page, "admin staff")

    # Field by field: nothing filled in.
    page.get_by_role("button", name="Create account").click()
    expect(page.locator("#email-error")).to_be_visible()
    expect(page.locator("#name-error")).to_be_visible()
    expect(page.locator("#password-error")).to_be_visible()
    check_page(page, "admin staff errors")

    page.get_by_label("Name", exact=True).fill("Nora New")
    page.get_by_label("Email").fill("nora@example.org")
    page.get_by_label("Role", exact=True).select_option("viewer")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url("**/admin/staff")
    expect(page.get_by_text("Created the viewer account for nora@example.org.")).to_be_visible()

    row = page.locator("#staff tr", has_text="nora@example.org")
    row.get_by_label("Role of Nora New").select_option("coordinator")
    row.get_by_role("button", name="Change role").click()
    expect(page.get_by_text("nora@example.org is now coordinator.")).to_be_visible()

    row = page.locator("#staff tr", has_text="nora@example.org")
    row.get_by_text("Deactivate…").click()
    row.get_by_role("button", name="Deactivate Nora New").click()
    expect(page.get_by_text("Deactivated nora@example.org")).to_be_visible()
    assert (
        page.locator("#staff tr", has_text="nora@example.org")
        .get_by_text("deactivated")
        .is_visible()
    )


def test_the_audit_log_and_the_rules(page: Any) -> None:
    log_in(page, ADMIN)
    page.goto("/admin/audit")
    assert page.locator("#events tbody tr").count() >= 1
    check_page(page, "admin audit log")
    page.get_by_label("Kind of record").select_option("staff_user")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url(re.compile(r"entity_type=staff_user"))
    kinds = page.locator("#events td[data-label='Record']").all_inner_texts()
    assert kinds and all(k.startswith("staff user") for k in kinds)

    page.goto("/admin/rules")
    assert page.locator("#rules-version").inner_text().startswith("default-2026-01+")
    assert page.locator("#connectee-criteria tbody tr").count() >= 5
    check_page(page, "admin eligibility rules")


def test_a_coordinator_authorizes_the_api_docs_with_a_token_shown_once(page: Any) -> None:
    log_in(page, COORDINATOR)
    assert page.goto("/admin").status == 403
    page.goto("/admin/tokens")
    check_page(page, "admin tokens")
    page.get_by_label("What it is for").fill("API docs")
    page.get_by_role("button", name="Create token").click()
    secret = page.locator("#token-secret").inner_text()
    assert SECRET.match(secret)
    check_page(page, "admin tokens new token")

    page.goto("/admin/tokens")
    assert page.locator("#token-secret").count() == 0
    assert secret not in page.content()

    # Swagger UI: Authorize with the token, then "Try it out" answers 200, not 401.
    page.goto("/api/docs")
    page.locator(".auth-wrapper button.authorize").click()
    page.locator(".auth-container input").first.fill(secret)
    page.locator(".auth-btn-wrapper button.authorize").click()
    page.locator(".auth-btn-wrapper button.btn-done").click()
    operation = page.locator(".opblock-get", has_text="/api/v1/connectees").first
    operation.locator(".opblock-summary").click()
    operation.get_by_role("button", name="Try it out").click()
    with page.expect_response(lambda r: urlsplit(r.url).path == "/api/v1/connectees") as answer:
        operation.get_by_role("button", name="Execute").click()
    assert answer.value.status == 200
    assert answer.value.request.headers["authorization"] == f"Bearer {secret}"

    # Revoked from the page, the token no longer opens the API.
    page.goto("/admin/tokens")
    page.locator("#tokens tr", has_text="API docs").get_by_role("button", name="Revoke").click()
    expect(page.get_by_text("it no longer opens the API")).to_be_visible()
    response = page.request.get("/api/v1/connectees", headers={"Authorization": f"Bearer {secret}"})
    assert response.status == 401


def test_a_viewer_is_refused_the_admin_pages(page: Any) -> None:
    log_in(page, VIEWER)
    for path in ("/admin", "/admin/staff", "/admin/tokens", "/admin/audit", "/admin/rules"):
        assert page.goto(path).status == 403
    page.goto("/connectees")
    assert page.locator('a[href="/admin"]').count() == 0

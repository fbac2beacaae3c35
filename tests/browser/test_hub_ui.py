"""The hub's staff web UI in a real browser against a real hub server."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from flask import Flask
from playwright.sync_api import expect

from hub.app import create_app
from hub.auth.keys import ensure_signing_key
from hub.auth.models import Role
from hub.auth.services import create_user
from hub.communities.services import Credentials, add_community
from hub.extensions import db
from hub.outcomes.services import replace_cells
from hub.profiles.services import apply_batch
from tests.browser.a11y import check_page
from tests.browser.conftest import PASSWORD, log_in, serving
from tests.hub.conftest import hub_config
from tests.hub.federation.conftest import profile

pytestmark = pytest.mark.browser

ADMIN = "ana.admin@example.org"
COORDINATOR = "cora.coordinator@example.org"


@dataclass(frozen=True)
class LiveHub:
    url: str
    credentials: dict[str, Credentials]


def _cell(group: str, metric: str, value: int | None) -> dict[str, Any]:
    return {"major_group": group, "metric": metric, "value": value, "suppressed": value is None}


def _seed() -> dict[str, Credentials]:
    ensure_signing_key(actor="test")
    create_user(ADMIN, "Ana Admin", Role.ADMIN, PASSWORD, actor="test")
    create_user(COORDINATOR, "Cora Coordinator", Role.COORDINATOR, PASSWORD, actor="test")
    credentials = {
        "halifax": add_community("halifax", "Halifax", region="NS", actor="test"),
        "stlouis": add_community("stlouis", "St. Louis", country="US", region="MO", actor="test"),
    }
    cells = [_cell("all", "enrolled", 42), _cell("all", "met", 7), _cell("all", "matched", None)]
    replace_cells(credentials["halifax"].community, "2026-Q3", cells, "test")
    replace_cells(credentials["stlouis"].community, "2026-Q3", [_cell("all", "met", 30)], "test")
    # A listed profile, so the dashboard shows a date in every column of Halifax's sync row.
    apply_batch(credentials["halifax"].community, [profile(1)], "test")
    db.session.commit()
    return credentials


@contextmanager
def seeded_hub(tmp: Path) -> Iterator[tuple[Flask, dict[str, Credentials]]]:
    """A hub on its own SQLite file with two staff members, two communities, outcomes."""
    config = hub_config(f"sqlite:///{tmp}/hub.sqlite", WTF_CSRF_ENABLED=True)
    config["TESTING"] = False  # behave like a served hub: real CSRF, real error pages
    app = create_app(config)
    with app.app_context():
        db.create_all()
        credentials = _seed()
        db.session.remove()
    yield app, credentials
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="module")
def live_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveHub]:
    with seeded_hub(tmp_path_factory.mktemp("hub-ui")) as (app, credentials), serving(app) as url:
        yield LiveHub(url, credentials)


@pytest.fixture(scope="module")
def live_server(live_hub: LiveHub) -> str:
    """The hub, where the browser fixtures would open the node: ``page`` opens the hub."""
    return live_hub.url


def rollup_cell(page: Any, row: int, column: str) -> str:
    text: str = (
        page.locator(f"#rollup tbody tr >> nth={row}")
        .locator(f'td[data-column="{column}"]')
        .inner_text()
    )
    return text


def test_log_in_and_read_the_dashboard(page: Any, live_hub: LiveHub) -> None:
    page.goto("/communities")
    assert urlsplit(page.url).path == "/login"
    log_in(page, ADMIN, "not the password")
    expect(page.get_by_role("alert")).to_have_text(
        "Email or password is wrong.", use_inner_text=True
    )
    log_in(page, ADMIN)
    assert page.url == f"{live_hub.url}/"
    expect(page.get_by_role("heading", name="Dashboard", exact=True)).to_be_visible()
    expect(page.locator("#count-communities-active")).to_have_text("2", use_inner_text=True)
    check_page(page, "hub dashboard")

    # National totals: 42 enrolled rounds to 40; 7 + 30 met is 37, rounded to 35.
    assert rollup_cell(page, 0, "enrolled") == "40"
    assert rollup_cell(page, 0, "met") == "35"
    assert rollup_cell(page, 0, "matched") == "withheld"

    page.get_by_label("Grouping").select_option("community")
    page.get_by_label("Period").select_option("2026-Q3")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(re.compile(r"by=community"))
    assert page.locator("#rollup tbody tr").count() == 2
    assert rollup_cell(page, 0, "met") == "withheld"  # Halifax's 7 is below 10
    assert rollup_cell(page, 1, "met") == "30"
    csv_link = page.locator("#rollup-csv").get_attribute("href")
    assert csv_link == "/api/v1/rollup.csv?by=community&period=2026-Q3"

    page.wait_for_load_state("networkidle")
    hosts = {urlsplit(url).hostname for url in page.requested_urls}
    assert hosts == {"127.0.0.1"}, page.requested_urls  # Pico and htmx come from the hub


def _token(live_hub: LiveHub, slug: str) -> requests.Response:
    creds = live_hub.credentials[slug]
    return requests.post(
        f"{live_hub.url}/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(creds.client_id, creds.client_secret),
        timeout=10,
    )


def _whoami(live_hub: LiveHub, token: str) -> int:
    headers = {"Authorization": f"Bearer {token}"}
    return requests.get(f"{live_hub.url}/api/v1/whoami", headers=headers, timeout=10).status_code


def test_admin_suspends_a_community_with_a_reason(page: Any, live_hub: LiveHub) -> None:
    token = _token(live_hub, "stlouis").json()["access_token"]
    assert _whoami(live_hub, token) == 200

    log_in(page, ADMIN)
    page.get_by_role("link", name="Communities").first.click()
    page.get_by_role("link", name="stlouis").click()
    page.wait_for_url(re.compile(r"/communities/stlouis$"))
    expect(page.locator("#current-status")).to_have_text("active", use_inner_text=True)
    page.get_by_label("New status").select_option("suspended")
    page.get_by_role("button", name="Change status").click()
    # The browser itself refuses an empty reason (required), before anything is sent.
    assert page.locator("#reason:invalid").count() == 1
    page.get_by_label("Reason").fill("Outcome figures under review")
    with page.expect_navigation():
        page.get_by_role("button", name="Change status").click()
    expect(page.get_by_role("alert")).to_have_text(
        "St. Louis is now suspended.", use_inner_text=True
    )
    expect(page.locator("#current-status")).to_have_text("suspended", use_inner_text=True)
    history = page.locator("#history").inner_text()
    assert "active → suspended" in history and "Outcome figures under review" in history

    assert _whoami(live_hub, token) == 401
    assert _token(live_hub, "stlouis").status_code == 400
    page.goto("/communities")
    row = page.locator('#communities tr[data-slug="stlouis"]').inner_text()
    assert "suspended" in row


def test_coordinator_publishes_a_resource(page: Any) -> None:
    log_in(page, COORDINATOR)
    page.goto("/communities/halifax")
    assert page.locator("#change-status").count() == 0  # admins only

    page.get_by_role("link", name="Resources").first.click()
    form = page.locator("#publish")
    form.get_by_label("Category").select_option("webinar")
    page.get_by_label("Title", exact=True).fill("Interview practice for nurses")
    page.get_by_label("Summary", exact=True).fill("A recorded session")
    with page.expect_navigation():
        page.get_by_role("button", name="Publish").click()
    message = "Write a text, give a link or upload a file."
    assert page.locator("#body-error").inner_text() == message
    assert page.get_by_label("Title", exact=True).input_value() == "Interview practice for nurses"

    page.get_by_label("Link").fill("https://example.org/webinar")
    with page.expect_navigation():
        page.get_by_role("button", name="Publish").click()
    assert page.get_by_role("alert").inner_text() == (
        "Published the webinar “Interview practice for nurses”: every node receives it."
    )
    page.get_by_role("link", name="← All resources").click()
    row = page.locator("#resources tbody tr", has_text="Interview practice for nurses")
    expect(row).to_contain_text("Webinar", use_inner_text=True)

    with page.expect_navigation():
        page.get_by_role("button", name="Unpublish Interview practice for nurses").click()
    assert page.get_by_role("alert").inner_text().startswith("Unpublished")
    assert page.locator("#resources tbody tr", has_text="Interview practice").count() == 0

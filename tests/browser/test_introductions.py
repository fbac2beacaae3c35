"""A cross-city introduction walked in a real browser, between two nodes and a hub that
run as real processes (gunicorn, each its own database) and talk only over HTTP.

Halifax's coordinator requests an introduction for her connectee to a nurse St. Louis
listed; St. Louis's coordinator finds it in the inbox after a refresh and accepts for
the nurse; each side refreshes and sees the other's opened contact card. The connectee's
side needs no second acceptance: the request itself carries her recorded consent.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.a11y import check_page
from tests.browser.conftest import COORDINATOR, log_in
from tests.federation.conftest import (  # noqa: F401  (the process fixtures, reused)
    module_hub,
    module_make_node,
    module_services,
)
from tests.federation.harness import Service, node_token, register_community
from tests.federation.nodeapi import NodeApi

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CONNECTEE_EMAIL = "amira.haddad@example.org"
NURSE_EMAIL = "jordan.lee@example.org"


@dataclass(frozen=True)
class Cities:
    hub: Service
    halifax: Service
    stlouis: Service


def _connect(hub: Service, node: Service) -> None:
    creds = register_community(hub, node.name, node.env["NODE_COMMUNITY_NAME"])
    node.cli(
        "hub", "connect", "--url", hub.url, "--client-id", creds.client_id,
        "--client-secret", creds.client_secret,
    )  # fmt: skip


@pytest.fixture(scope="module")
def cities(module_hub: Service, module_make_node: Callable[..., Service]) -> Cities:  # noqa: F811
    halifax = module_make_node("halifax")
    stlouis = module_make_node("st-louis")
    _connect(module_hub, halifax)
    _connect(module_hub, stlouis)
    a, b = NodeApi(halifax, node_token(halifax)), NodeApi(stlouis, node_token(stlouis))
    # St. Louis lists five nurses open to other cities (five keep the detailed occupation
    # through the directory's k-anonymity); Jordan speaks Arabic natively, like Amira.
    for n, first in enumerate(["Jordan", "Kim", "Lou", "Max", "Noor"]):
        nurse = b.post("/connectors", {
            "first_name": first, "last_name": "Lee",
            "email": NURSE_EMAIL if n == 0 else f"nurse{n}@example.org",
            "phone": "+1 314 555 0101", "status": "approved", "occupation": "29-1141",
            "years_in_field": 12, "cross_city_ok": True, "remote_ok": True,
            "languages": [{"language": "ara", "level": "native"},
                          {"language": "eng", "level": "native" if n == 0 else "C1"}],
        })  # fmt: skip
        b.post("/consents", {"connector_id": nurse["id"], "purpose": "directory_listing",
                             "policy_version": "2026-01"})  # fmt: skip
    assert "sent 5" in stlouis.cli("sync").stdout
    connectee = a.post("/connectees", {
        "first_name": "Amira", "last_name": "Haddad", "email": CONNECTEE_EMAIL,
        "phone": "+1 902 555 0199", "status": "approved", "target_occupation": "29-1141",
        "years_experience": 6,
        "languages": [{"language": "ara", "level": "native"}, {"language": "eng", "level": "B2"}],
    })  # fmt: skip
    a.post("/consents", {"connectee_id": connectee["id"], "purpose": "cross_city_introductions",
                         "policy_version": "2026-01"})  # fmt: skip
    return Cities(module_hub, halifax, stlouis)


@pytest.fixture(scope="module")
def live_server(cities: Cities) -> str:
    """``page`` opens Halifax; St. Louis gets its own browser context."""
    return cities.halifax.url


@contextmanager
def staff_page(browser: Any, url: str) -> Iterator[Any]:
    """A coordinator's logged-in page on one node, failing on any CSP violation."""
    context = browser.new_context(base_url=url)
    context.set_default_timeout(15_000)
    page = context.new_page()
    violations: list[str] = []
    page.on(
        "console",
        lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None,
    )
    log_in(page, COORDINATOR)
    yield page
    context.close()
    assert violations == [], violations


def refresh(page: Any) -> str:
    page.get_by_role("link", name="Introductions").first.click()
    with page.expect_navigation():
        page.get_by_role("button", name="Refresh from hub").click()
    flash: str = page.get_by_role("alert").first.inner_text()
    assert flash.startswith("Refreshed from the hub"), flash
    return flash


def test_a_cross_city_introduction_from_request_to_both_cards(
    page: Any, browser: Any, cities: Cities
) -> None:
    # Halifax: pick the connectee, then a nurse the hub's directory ranks for her.
    log_in(page, COORDINATOR)
    page.get_by_role("link", name="Introductions").first.click()
    page.wait_for_url(re.compile(r"/introductions$"))
    check_page(page, "introductions inbox empty")
    page.get_by_role("button", name="Request an introduction").click()
    page.get_by_label("Connectee's name, email or skill").fill("Haddad")
    with page.expect_navigation():
        page.get_by_role("button", name="Find").click()
    check_page(page, "introduction pick a connectee")
    page.get_by_role("link", name="Amira Haddad").click()
    # The click returns once the answer starts to arrive; on a loaded machine the page
    # may still be parsing, so wait for it whole before counting what it shows.
    page.wait_for_url(re.compile(r"/introductions/new\?connectee_id=\d+$"))
    page.wait_for_load_state()
    hits = page.locator("article.hit")
    section = page.locator("section[aria-labelledby='hits-heading']").inner_text()
    assert hits.count() >= 1, (
        f"{section}\n--- hub log ---\n{cities.hub.log()[-3000:]}"
        f"\n--- Halifax log ---\n{cities.halifax.log()[-3000:]}"
    )
    first = hits.first.locator("h3").inner_text()
    assert first == "Registered Nurses in St Louis", first
    assert "Lee" not in page.locator("main").inner_text()  # connectors stay anonymous
    check_page(page, "introduction connectors in other cities")
    hits.first.get_by_role("button", name="Request introduction").click()
    page.wait_for_url(re.compile(r"/introductions/\d+$"))
    outgoing_url = page.url
    expect(page.get_by_role("alert")).to_contain_text(
        "Requested an introduction for Amira Haddad", use_inner_text=True
    )
    expect(page.locator("#state")).to_have_text("State: Waiting for an answer", use_inner_text=True)
    check_page(page, "introduction requested")

    # St. Louis: the request arrives with a refresh; the coordinator accepts for Jordan.
    with staff_page(browser, cities.stlouis.url) as other:
        assert "1 new in the inbox" in refresh(other)
        row = other.locator("#intros tbody tr")
        assert row.count() == 1
        cells = row.first.locator("td").all_inner_texts()
        assert cells[1:4] == ["Halifax", "Registered Nurses", "Waiting for an answer"], cells
        assert cells[5] == "0 days"
        check_page(other, "introductions inbox")
        row.first.get_by_role("link").click()
        heading = other.get_by_role("heading", level=1).inner_text()
        assert heading.startswith("Halifax asks to meet ") and "Amira" not in heading
        assert "Amira" not in other.locator("main").inner_text()  # anonymous until accepted
        check_page(other, "introduction incoming")
        with other.expect_navigation():
            other.get_by_role("button", name="Accept").click()
        expect(other.get_by_role("alert")).to_contain_text(
            "Accepted on the connector", use_inner_text=True
        )
        assert other.get_by_role("button", name="Decline").count() == 0
        incoming_url = other.url
        check_page(other, "introduction incoming accepted")

        # Halifax refreshes: the acceptance, St. Louis's card opened, our card sent.
        refresh(page)
        page.goto(outgoing_url)
        expect(page.locator("#state")).to_have_text("State: Accepted", use_inner_text=True)
        card = page.locator("#their-card").inner_text()
        # One of St. Louis's nurses (the hub ranked them): a name, email and phone now.
        assert " Lee" in card and "@example.org" in card and "+1 314 555 0101" in card, card
        assert "St Louis" in card
        assert page.get_by_role("button", name="Withdraw the request").count() == 0
        check_page(page, "introduction outgoing with card")

        # St. Louis refreshes and opens Halifax's card.
        refresh(other)
        other.goto(incoming_url)
        card = other.locator("#their-card").inner_text()
        assert "Amira Haddad" in card and CONNECTEE_EMAIL in card and "Halifax" in card
        check_page(other, "introduction incoming with card")

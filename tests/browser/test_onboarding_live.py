"""A new city from its application to "live", against a hub and a node that run as real
processes (gunicorn, each its own database) and talk only over HTTP.

Moncton applies on the hub's public form; national staff approve it; the city opens its
credentials link once; the city's admin enters them on the node's Hub connection page;
a coordinator lists a first connector and presses "Sync now"; the hub then ticks "first
connector recruited" and "first sync received" itself, and staff tick the rest: live.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.a11y import check_page
from tests.browser.conftest import PASSWORD, log_in
from tests.browser.test_onboarding import LAUNCH, fill_application
from tests.federation.conftest import (  # noqa: F401  (the process fixtures, reused)
    module_hub,
    module_make_node,
    module_services,
)
from tests.federation.harness import Service, node_token
from tests.federation.nodeapi import NodeApi

pytestmark = [pytest.mark.browser, pytest.mark.slow]

HUB_ADMIN = "ana.admin@example.org"
NODE_ADMIN = "it.volunteer@example.org"


@pytest.fixture(scope="module")
def hub(module_hub: Service) -> Service:  # noqa: F811
    module_hub.cli(
        "users", "create", "--email", HUB_ADMIN, "--name", "Ana Admin", "--role", "admin",
        "--password", PASSWORD,
    )  # fmt: skip
    return module_hub


@pytest.fixture(scope="module")
def node(module_make_node: Callable[..., Service]) -> Service:  # noqa: F811
    """Moncton's node, installed but not yet connected to any hub."""
    service = module_make_node("moncton")
    service.cli(
        "users", "create", "--email", NODE_ADMIN, "--name", "IT Volunteer", "--role", "admin",
        "--password", PASSWORD,
    )  # fmt: skip
    return service


@pytest.fixture(scope="module")
def live_server(hub: Service) -> str:
    return hub.url


@contextmanager
def browsing(browser: Any, url: str) -> Iterator[Any]:
    """A page of its own (own cookies) on ``url``."""
    context = browser.new_context(base_url=url)
    context.set_default_timeout(20_000)
    try:
        yield context.new_page()
    finally:
        context.close()


def approve(page: Any, applicant: Any) -> str:
    """Apply as Moncton, approve as national staff; return the credentials link."""
    applicant.goto("/apply")
    fill_application(applicant)
    applicant.get_by_label("Planned launch", exact=True).fill(LAUNCH)
    applicant.get_by_role("button", name="Send our application").click()
    applicant.wait_for_url(re.compile(r"/apply/thanks$"))

    log_in(page, HUB_ADMIN)
    page.goto("/onboarding")
    page.get_by_role("link", name="Moncton Newcomer Centre").click()
    page.get_by_role("button", name="Approve and register the community").click()
    link = str(page.get_by_label("Link to pass on", exact=True).input_value())
    assert "/credentials/" in link
    return link


def test_an_approved_city_connects_syncs_and_goes_live(
    page: Any, browser: Any, hub: Service, node: Service
) -> None:
    with browsing(browser, hub.url) as applicant:
        credentials_link = approve(page, applicant)
        applicant.goto(credentials_link)
        applicant.get_by_role("button", name="Show the credentials now").click()
        client_id = applicant.locator("#client-id").inner_text()
        secret = applicant.locator("#client-secret").inner_text()

    page.get_by_role("link", name="Back to the application").click()
    page.get_by_role("link", name="Moncton", exact=True).click()
    page.wait_for_url(re.compile(r"/communities/moncton$"))
    checklist = page.locator("#checklist")
    assert "First sync received: not yet" in re.sub(r"\s+", " ", checklist.inner_text())

    # Moncton's first connectors, approved and willing to be listed: five, because the
    # directory publishes no cell smaller than five (k-anonymity).
    api = NodeApi(node, node_token(node))
    for n in range(5):
        api.listed_connector(n, "29-1141", 9, prefix="moncton", status="approved")

    with browsing(browser, node.url) as city:
        log_in(city, NODE_ADMIN)
        city.goto("/hub")
        expect(city.locator("#connection-state")).to_contain_text(
            "Not connected.", use_inner_text=True
        )
        check_page(city, "node hub page before connecting")
        city.get_by_label("Hub address").fill(hub.url)
        city.get_by_label("Client id").fill(client_id)
        city.get_by_label("Client secret").fill("not the secret")
        city.get_by_role("button", name="Check and connect").click()
        expect(city.locator("#connect-form")).to_contain_text(
            "did not accept the connection", use_inner_text=True
        )
        expect(city.locator("#connection-state")).to_contain_text(
            "Not connected.", use_inner_text=True
        )
        city.get_by_label("Client secret").fill(secret)
        city.get_by_role("button", name="Check and connect").click()
        city.wait_for_url(re.compile(r"/hub$"))
        state = city.locator("#connection-state").inner_text()
        assert f"Connected to {hub.url} as moncton" in state
        assert secret not in city.content()
        city.get_by_role("button", name="Sync now").click()
        city.wait_for_function(
            "() => /Synced:/.test(document.body.innerText)", polling=200, timeout=30_000
        )
        expect(city.locator("main")).to_contain_text(
            "Synced: 5 changes sent, 0 refused", use_inner_text=True
        )
        check_page(city, "node hub page after the first sync")

    page.reload()
    items = re.sub(r"\s+", " ", page.locator("#checklist").inner_text())
    assert "First connector recruited: done" in items
    assert "First sync received: done" in items
    assert page.locator("#checklist .badge").count() == 0  # staff items still open
    for item in ("Eligibility rules written", "Staff trained"):
        page.get_by_role("button", name=f"Tick “{item}”").click()
        page.wait_for_url(re.compile(r"/communities/moncton$"))
    expect(page.locator("#checklist-heading .badge")).to_have_text("live", use_inner_text=True)
    check_page(page, "hub community live")

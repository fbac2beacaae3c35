"""Today, the review queue and the phone menu, in a real browser against a real server."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import expect

from community_node.participants import services as participants
from community_node.participants.schemas import ConnecteeSchema
from tests.browser.a11y import PHONE_WIDTH, check_page
from tests.browser.conftest import COORDINATOR, VIEWER, log_in, seeded_node, serving

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def live_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """A node of this module's own: its decisions change no other module's seeded counts."""
    with seeded_node(tmp_path_factory.mktemp("today")) as app:
        yield app


@pytest.fixture(scope="module")
def live_server(live_app: Flask) -> Iterator[str]:
    with serving(live_app) as url:
        yield url


@pytest.fixture
def applicants(live_app: Flask) -> list[int]:
    """Two fresh sign-ups waiting for review."""
    ids = []
    with live_app.app_context():
        for first in ("Lina", "Tomasz"):
            data = ConnecteeSchema().load(
                {
                    "first_name": first,
                    "last_name": "Review",
                    "email": f"{first.lower()}-{uuid.uuid4().hex[:8]}@example.org",
                    "target_occupation": "29-2061",
                    "country_of_origin": "SY",
                    "languages": [{"language": "ara", "level": "native"}],
                }
            )
            ids.append(participants.create_person(participants.CONNECTEES, data, actor="t").id)
    return ids


def test_today_page_links_sign_ups_to_the_queue(page: Any) -> None:
    log_in(page, COORDINATOR)
    expect(page.get_by_role("heading", name="Today", exact=True)).to_be_visible()
    for heading in (
        "New sign-ups to review",
        "Waiting for a match",
        "Proposals about to expire",
        "Meetings this week",
        "Follow-ups due (3, 6, 12 months)",
        "Cross-city requests for our connectors",
        "Sync problems",
    ):
        expect(page.get_by_role("heading", name=re.compile(re.escape(heading)))).to_be_visible()
    expect(page.get_by_text("This node is not connected to the hub.")).to_be_visible()
    check_page(page, "Today")
    page.get_by_role("link", name="Open the review queue").click()
    page.wait_for_url(re.compile(r"/people/review$"))
    expect(page.get_by_role("heading", name="Sign-up review")).to_be_visible()


def test_review_accept_and_decline_with_a_reason(page: Any, applicants: list[int]) -> None:
    lina, tomasz = applicants
    log_in(page, COORDINATOR)
    page.goto("/people/review")
    card = page.locator(f'article[data-id="{lina}"]')
    assert "Licensed Practical and Licensed Vocational Nurses" in card.inner_text()
    assert "Syria" in card.inner_text() and "Arabic native" in card.inner_text()
    check_page(page, "Sign-up review")

    card.get_by_role("button", name="Accept").click()
    page.wait_for_url(re.compile(r"/people/review\?kind=connectees"))
    expect(page.get_by_role("alert")).to_have_text("Accepted Lina Review.", use_inner_text=True)
    assert page.locator(f'article[data-id="{lina}"]').count() == 0

    card = page.locator(f'article[data-id="{tomasz}"]')
    card.get_by_role("button", name="Decline").click()  # no reason: refused beside the field
    card = page.locator(f'article[data-id="{tomasz}"]')
    expect(card).to_contain_text("Must not be blank.", use_inner_text=True)
    check_page(page, "Sign-up review with an error")
    card.get_by_label("Reason").fill("Already placed in a nursing role.")
    card.get_by_role("button", name="Decline").click()
    page.wait_for_url(re.compile(r"/people/review\?kind=connectees"))
    expect(page.get_by_role("alert")).to_have_text("Declined Tomasz Review.", use_inner_text=True)
    page.goto(f"/connectees/{tomasz}")
    expect(page.locator("#person-name")).to_contain_text("rejected", use_inner_text=True)
    check_page(page, "Connectee declined")


def test_a_viewer_reviews_nothing(page: Any, applicants: list[int]) -> None:
    log_in(page, VIEWER)
    page.goto("/people/review")
    expect(page.locator(f'article[data-id="{applicants[0]}"]')).to_be_visible()
    assert page.get_by_role("button", name="Accept").count() == 0


def test_the_menu_collapses_on_a_phone_and_opens_by_keyboard(page: Any) -> None:
    log_in(page, COORDINATOR)
    page.set_viewport_size({"width": PHONE_WIDTH, "height": 812})
    page.goto("/connectors")
    menu = page.get_by_role("navigation", name="Main")
    connectees = menu.get_by_role("link", name="Connectees")
    assert not connectees.is_visible()  # folded away
    summary = menu.locator("summary", has_text="Menu")
    summary.focus()
    page.keyboard.press("Enter")
    expect(connectees).to_be_visible()
    check_page(page, "Menu open on a phone")
    connectees.click()
    page.wait_for_url(re.compile(r"/connectees$"))
    check_page(page, "Connectees on a phone")
    page.set_viewport_size({"width": 1280, "height": 800})
    assert (
        page.get_by_role("navigation", name="Main")
        .get_by_role("link", name="Connectees")
        .is_visible()
    )  # inline on a wide screen, no menu to open


def test_every_existing_page_fits_a_phone(page: Any) -> None:
    log_in(page, COORDINATOR)
    for path, name in (("/connectors", "Connectors"), ("/connectees?sort=-status", "Sorted")):
        page.goto(path)
        check_page(page, name)
    page.goto("/connectors")
    page.locator("#people tbody a").first.click()
    page.wait_for_url(re.compile(r"/connectors/\d+$"))
    check_page(page, "Connector")

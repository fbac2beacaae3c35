"""A coordinator's morning with the keyboard alone: log in, skip the menu, review sign-ups.

Every step is Tab, Shift+Tab, Enter or typing; no click. Each element Tab reaches must
show that it has the focus (an outline or a ring), or a keyboard user is lost.
"""

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
from tests.browser.conftest import COORDINATOR, PASSWORD, seeded_node, serving

pytestmark = pytest.mark.browser

#: More Tab presses than any staff page needs to reach its last control.
MOST_TABS = 80

_FOCUS_SHOWN = """el => {
  const style = getComputedStyle(el);
  const outlined = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
  return outlined || style.boxShadow !== 'none';
}"""


@pytest.fixture(scope="module")
def live_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    with seeded_node(tmp_path_factory.mktemp("keyboard")) as app:
        yield app


@pytest.fixture(scope="module")
def live_server(live_app: Flask) -> Iterator[str]:
    with serving(live_app) as url:
        yield url


def _sign_up(app: Flask, first: str) -> int:
    with app.app_context():
        data = ConnecteeSchema().load(
            {
                "first_name": first,
                "last_name": "Keyboard",
                "email": f"{first.lower()}-{uuid.uuid4().hex[:8]}@example.org",
                "target_occupation": "29-2061",
                "languages": [{"language": "ar", "level": "native"}],
            }
        )
        return participants.create_person(participants.CONNECTEES, data, actor="t").id


def focused_is(locator: Any) -> bool:
    return bool(locator.evaluate("el => el === document.activeElement"))


def tab_to(page: Any, locator: Any) -> list[str]:
    """Press Tab until ``locator`` has the focus; return what each stop was (to check that
    every stop shows its focus). Fails when Tab never reaches it."""
    stops: list[str] = []
    for _ in range(MOST_TABS):
        page.keyboard.press("Tab")
        active = page.locator(":focus")
        if active.count():
            label = active.evaluate("el => el.tagName + ' ' + (el.innerText || el.name || '')")
            assert active.evaluate(_FOCUS_SHOWN), f"no visible focus on {label.strip()!r}"
            stops.append(label.strip())
        if focused_is(locator):
            return stops
    raise AssertionError(f"Tab never reached {locator}; it stopped at {stops[-10:]}")


def log_in_by_keyboard(page: Any) -> None:
    """The coordinator logs in: Tab to each field, type, Enter; lands on Today."""
    page.goto("/login")
    tab_to(page, page.get_by_label("Email"))
    page.keyboard.type(COORDINATOR)
    tab_to(page, page.get_by_label("Password"))
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/$"))


def test_log_in_skip_the_menu_and_review_with_the_keyboard(page: Any, live_app: Flask) -> None:
    newcomer = _sign_up(live_app, "Noor")

    log_in_by_keyboard(page)
    expect(page.get_by_role("heading", name="Today", exact=True)).to_be_visible()

    # The first Tab reaches the skip link, which shows itself; Enter lands in the content,
    # so the next Tab is the page's first link rather than the menu's.
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to the content")
    assert focused_is(skip) and skip.is_visible()
    box = skip.bounding_box()
    assert box is not None and box["x"] >= 0 and box["y"] >= 0
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    stops = tab_to(page, page.get_by_role("link", name="Open the review queue"))
    assert stops == ["A Open the review queue"], f"the menu was not skipped: {stops}"
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/people/review$"))

    card = page.locator(f'article[data-id="{newcomer}"]')
    tab_to(page, card.get_by_role("button", name="Accept"))
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/people/review\?kind=connectees"))
    expect(page.get_by_role("alert")).to_have_text("Accepted Noor Keyboard.", use_inner_text=True)


def test_a_decline_without_reason_keeps_the_keyboard_user_at_the_field(
    page: Any, live_app: Flask
) -> None:
    """A refused decline says why beside the field, and the reason field is a Tab away."""
    newcomer = _sign_up(live_app, "Idris")
    log_in_by_keyboard(page)
    page.goto("/people/review")

    card = page.locator(f'article[data-id="{newcomer}"]')
    tab_to(page, card.get_by_role("button", name="Decline"))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    card = page.locator(f'article[data-id="{newcomer}"]')
    expect(card).to_contain_text("Must not be blank.", use_inner_text=True)
    tab_to(page, card.get_by_label("Reason"))
    page.keyboard.type("Moved to another city.")
    tab_to(page, card.get_by_role("button", name="Decline"))
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/people/review\?kind=connectees"))
    expect(page.get_by_role("alert")).to_have_text("Declined Idris Keyboard.", use_inner_text=True)

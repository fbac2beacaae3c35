"""The node's hub connection page in a real browser (no hub configured here)."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.a11y import check_page
from tests.browser.conftest import COORDINATOR, log_in

pytestmark = pytest.mark.browser


def test_sync_now_without_a_hub_says_so(page: Any) -> None:
    log_in(page, COORDINATOR)
    page.goto("/hub")
    expect(page.locator("#connection-state")).to_contain_text("Not connected.", use_inner_text=True)
    check_page(page, "hub-connection")

    page.get_by_role("button", name="Sync now").click()

    expect(page.get_by_role("alert").first).to_contain_text(
        "No hub is configured", use_inner_text=True
    )
    check_page(page, "hub-connection-not-configured")

"""The reports page in a real browser: the charts draw the numbers their tables hold."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.a11y import check_page
from tests.browser.conftest import COORDINATOR, VIEWER, log_in

pytestmark = pytest.mark.browser


def _column(page: Any, table: str, index: int) -> list[int]:
    cells = page.locator(f"#{table} tbody tr td:nth-child({index})").all_inner_texts()
    return [int(text) for text in cells]


def test_charts_render_the_numbers_in_their_tables(page: Any) -> None:
    log_in(page, VIEWER)  # reports are for every role
    page.goto("/reports?period=all")
    page.wait_for_function("() => window.Chart && Chart.getChart('chart-funnel')")

    drawn = page.evaluate("() => Chart.getChart('chart-funnel').data.datasets.map(d => d.data)")
    applied, eligible = _column(page, "funnel-table", 2), _column(page, "funnel-table", 3)
    assert drawn[0] == applied and drawn[1] == eligible
    assert sum(applied) >= 3  # the seeded connectees applied
    size = page.evaluate(
        "() => { const c = document.getElementById('chart-funnel'); return [c.width, c.height]; }"
    )
    assert size[0] > 0 and size[1] > 0
    # Nobody is matched on this node: the chart is hidden and its table says why.
    expect(page.locator("#time-to-match-table")).to_contain_text(
        "Nobody in these cohorts", use_inner_text=True
    )
    expect(page.locator("#chart-time-to-match")).to_be_hidden()
    check_page(page, "reports")


def test_downloads_are_offered(page: Any) -> None:
    log_in(page, COORDINATOR)
    page.goto("/reports")
    with page.expect_download() as download:
        page.locator("#funnel").get_by_role("link", name="Excel").click()
    assert download.value.suggested_filename == "funnel-quarter.xlsx"

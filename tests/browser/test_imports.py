"""Importing in a real browser: a bad row shown, the file fixed and re-uploaded, progress."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.a11y import check_page
from tests.browser.conftest import COORDINATOR, log_in

pytestmark = pytest.mark.browser

#: Enough rows that the import reports progress along the way.
ROWS = 1500


def _people(bad_row: bool) -> str:
    lines = ["first_name,last_name,email,target_occupation"]
    for n in range(ROWS):
        email = "not-an-email" if bad_row and n == 41 else f"imported{n}@example.org"
        lines.append(f"Person{n},Imported,{email},29-1141")
    return "\n".join(lines) + "\n"


def test_import_with_a_bad_row_fixed_and_reuploaded(page: Any, tmp_path: Path) -> None:
    log_in(page, COORDINATOR)
    page.goto("/imports")
    expect(page.get_by_role("heading", name="Imports", exact=True)).to_be_visible()
    check_page(page, "imports")

    bad = tmp_path / "people.csv"
    bad.write_text(_people(bad_row=True), encoding="utf-8")
    page.get_by_label("What the file holds").select_option("connectees")
    page.get_by_label("Spreadsheet (.csv or .xlsx)").set_input_files(str(bad))
    page.get_by_role("button", name="Check the file").click()

    problems = page.locator("#row-errors tbody tr")
    assert problems.count() == 1
    cells = problems.first.locator("td").all_inner_texts()
    assert cells[:2] == ["43", "email"]  # the header is row 1
    assert page.locator("#confirm-form").count() == 0
    check_page(page, "imports-problems")

    fixed = tmp_path / "people-fixed.csv"
    fixed.write_text(_people(bad_row=False), encoding="utf-8")
    page.get_by_label("Spreadsheet (.csv or .xlsx)").set_input_files(str(fixed))
    page.get_by_role("button", name="Check the file").click()

    expect(page.locator("#preview")).to_contain_text(f"All {ROWS:,} rows", use_inner_text=True)
    assert page.locator("#preview-rows tbody tr").first.inner_text().startswith("2")
    check_page(page, "imports-preview")

    page.get_by_role("button", name=f"Import {ROWS:,} rows").click()
    page.locator("progress#job-bar").wait_for()  # the bar, running or full
    assert page.locator("progress#job-bar").count() == 1
    result = page.locator("#job-result")
    result.wait_for(timeout=60_000)  # htmx polls the progress until the job ends
    expect(result).to_contain_text(f"Imported {ROWS:,} rows:", use_inner_text=True)
    expect(result).to_contain_text(f"{ROWS:,} created", use_inner_text=True)
    check_page(page, "imports-done")

    page.goto("/connectees?q=imported41%40example.org")
    expect(page.locator("#people")).to_contain_text("Person41 Imported", use_inner_text=True)

"""Steps on a match's page that more than one browser walk takes."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from playwright.sync_api import expect

REFERRALS = ["Harbour Health", "City Clinic", "Nova Care"]


def status_of(page: Any) -> str:
    return str(page.locator("#match-status").inner_text())


def hold_meeting(page: Any, met_on: dt.date, connectee: str) -> None:
    """Schedule a video call on ``met_on`` at 10:30 UTC, then record it as held, as the
    connectee (by first name) confirmed, with a note."""
    page.get_by_label("Date (required)").fill(met_on.isoformat())
    page.get_by_label("Time (UTC)").fill("10:30")
    page.get_by_label("How they meet").select_option(label="Video call")
    with page.expect_navigation():
        page.get_by_role("button", name="Schedule the meeting").click()
    assert status_of(page) == "Meeting scheduled"
    expect(page.locator("#meetings-table")).to_contain_text(
        f"{met_on.isoformat()} 10:30 UTC", use_inner_text=True
    )

    page.get_by_label("Took place?").select_option(label="Held")
    page.get_by_label(f"Confirmed by {connectee}").check()
    page.locator("#meetings-table").get_by_label("Notes").fill("Met at the library; CV to revise.")
    with page.expect_navigation():
        page.get_by_role("button", name=re.compile("Save meeting")).click()
    assert status_of(page) == "Met"
    table = page.locator("#meetings-table").inner_text()
    assert "Held" in table and "Met at the library; CV to revise." in table


def record_three_referrals(page: Any) -> None:
    """The connector's three introductions, one form post each."""
    for n, organisation in enumerate(REFERRALS, start=1):
        page.get_by_label("Contact’s name").fill(f"Contact {n}")
        page.get_by_label("Organisation").fill(organisation)
        page.get_by_label("Sector").fill("Health care")
        with page.expect_navigation():
            page.get_by_role("button", name="Record the referral").click()
        expect(page.locator("#referral-count")).to_have_text(f"{n} of 3", use_inner_text=True)
    assert status_of(page) == "Referrals pending"


def record_follow_up(page: Any, situation: str) -> None:
    """The 3-month follow-up (due now), credited to the program."""
    follow_ups = page.locator("#follow-ups-table")
    expect(follow_ups.locator("tr[data-months='3']")).to_contain_text(
        "Due now", use_inner_text=True
    )
    page.get_by_label("Situation").select_option(label=situation)
    page.get_by_label("Credits the program?").select_option(label="Yes")
    with page.expect_navigation():
        page.get_by_role("button", name="Record the follow-up").click()
    assert situation in follow_ups.locator("tr[data-months='3']").inner_text()

"""The hub's directory, coverage gaps and a secret rotation, in a real browser."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from playwright.sync_api import expect

from hub.app import create_app
from hub.auth.keys import ensure_signing_key
from hub.auth.models import Role
from hub.auth.services import create_user
from hub.communities.models import CommunityStatus
from hub.communities.services import Credentials, add_community, set_status
from hub.demand.services import replace_signals
from hub.extensions import db
from hub.outcomes.services import replace_cells
from hub.profiles.services import apply_batch
from tests.browser.a11y import PHONE_WIDTH, check_page
from tests.browser.conftest import log_in, serving
from tests.hub.conftest import hub_config
from tests.hub.federation.conftest import profile

pytestmark = pytest.mark.browser

ADMIN = "ana.admin@example.org"
VIEWER = "vera.viewer@example.org"
#: Where this module leaves the screenshots it looks at (besides check_page's).
SHOTS = Path(os.environ.get("SCREENSHOT_DIR", "var/screenshots"))

OCCUPATIONS = ["29-1141", "29-1141", "29-2061", "15-1252", "15-1252", "17-2051", "25-2021"]
LANGUAGES = [
    [{"language": "ara", "level": "native"}, {"language": "eng", "level": "C1"}],
    [{"language": "fra", "level": "C2"}],
    [{"language": "spa", "level": "native"}, {"language": "eng", "level": "B2"}],
]


def _cells(*groups: tuple[str, int | None, int | None]) -> list[dict[str, Any]]:
    return [
        {"major_group": g, "metric": m, "value": v, "suppressed": v is None}
        for g, eligible, matched in groups
        for m, v in (("eligible", eligible), ("matched", matched))
    ]


def _seed() -> dict[str, Credentials]:
    ensure_signing_key(actor="test")
    create_user(ADMIN, "Ana Admin", Role.ADMIN, "correct horse battery", actor="test")
    create_user(VIEWER, "Vera Viewer", Role.VIEWER, "correct horse battery", actor="test")
    creds = {
        "halifax": add_community("halifax", "Halifax", region="NS", actor="test"),
        "portland": add_community("portland", "Portland", region="ME", actor="test"),
        "stlouis": add_community("stlouis", "St. Louis", country="US", region="MO", actor="test"),
    }
    for offset, slug in enumerate(creds):
        items = [
            profile(
                n,
                occupation=OCCUPATIONS[(n + offset) % len(OCCUPATIONS)],
                languages=LANGUAGES[n % len(LANGUAGES)],
                skills=["patient-care", "python"][: 1 + n % 2],
                cross_city_ok=n % 3 == 0,
                accepting=n % 4 != 0,
            )
            for n in range(1, 13)
        ]
        apply_batch(creds[slug].community, items, "test")
        db.session.commit()
    replace_cells(
        creds["halifax"].community, "2026-Q3", _cells(("29", 9, 5), ("43", 12, 0)), "test"
    )
    replace_cells(
        creds["stlouis"].community, "2026-Q3", _cells(("15", 7, 0), ("47", None, 0)), "test"
    )
    replace_signals(
        creds["halifax"].community,
        [{"major_group": "29", "signal": 0.8}, {"major_group": "43", "signal": 0.5}],
        "test",
    )
    replace_signals(creds["stlouis"].community, [{"major_group": "15", "signal": 0.9}], "test")
    set_status("portland", CommunityStatus.SILENCED, actor="test", reason="Outcome figures late")
    return creds


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, Credentials]]]:
    tmp = tmp_path_factory.mktemp("hub-directory")
    config = hub_config(f"sqlite:///{tmp}/hub.sqlite", WTF_CSRF_ENABLED=True)
    config["TESTING"] = False  # behave like a served hub: real CSRF, real error pages
    app = create_app(config)
    with app.app_context():
        db.create_all()
        creds = _seed()
        db.session.remove()
    with serving(app) as url:
        yield url, creds
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="module")
def live_server(hub: tuple[str, dict[str, Credentials]]) -> str:
    """The hub, where the browser fixtures would open the node: ``page`` opens the hub."""
    return hub[0]


def at_phone_width(page: Any, name: str) -> None:
    """Check the page again at 375 px (axe too), with the menu folded."""
    page.set_viewport_size({"width": PHONE_WIDTH, "height": 812})
    try:
        check_page(page, f"{name} phone")
        page.screenshot(path=str(SHOTS / f"hubdir-{name}-375.png"), full_page=True)
    finally:
        page.set_viewport_size({"width": 1280, "height": 900})


def test_staff_search_the_directory(page: Any) -> None:
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, VIEWER)
    page.get_by_role("link", name="Directory").first.click()
    page.wait_for_url(re.compile(r"/directory$"))
    expect(page.locator("#summary")).to_have_text(
        "36 connectors, page 1 of 2.", use_inner_text=True
    )
    assert page.locator("#profiles tbody tr").count() == 25
    page.get_by_role("link", name="Next →").click()
    page.wait_for_url(re.compile(r"[?&]page=2"))  # loaded whole before rows are counted
    assert page.locator("#profiles tbody tr").count() == 11

    page.get_by_label("Occupation", exact=True).fill("Registered Nurses")
    page.get_by_label("Speaks").select_option(label="Arabic")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url(re.compile(r"occupation=Registered"))
    summary = page.locator("#summary").inner_text()
    assert summary.endswith("for Registered Nurses.")
    rows = page.locator("#profiles tbody tr")
    assert rows.count() == int(summary.split()[0]) > 0
    for n in range(rows.count()):
        text = rows.nth(n).inner_text()
        assert "Registered Nurses" in text and "Arabic (native)" in text
    page.screenshot(path=str(SHOTS / "hubdir-search.png"), full_page=True)
    check_page(page, "Hub directory search")
    at_phone_width(page, "search")

    page.get_by_label("Occupation", exact=True).fill("no such work at all")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#occupation-error")).to_contain_text(
        "No occupation matches", use_inner_text=True
    )
    check_page(page, "Hub directory search error")


def test_staff_see_coverage_gaps_as_charts_and_tables(page: Any) -> None:
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, VIEWER)
    page.goto("/directory/coverage")
    page.wait_for_function("() => document.querySelector('#chart-groups').chart !== undefined")
    gaps = page.locator("#gaps-table tbody tr")
    assert [gaps.nth(n).get_attribute("data-key") for n in range(gaps.count())] == [
        "halifax/43",
        "stlouis/47",
    ]
    expect(gaps.nth(0)).to_contain_text("12", use_inner_text=True)
    expect(gaps.nth(1)).to_contain_text("a few withheld", use_inner_text=True)
    drawn = page.evaluate("() => document.querySelector('#chart-groups').chart.data.labels.length")
    assert drawn == 23  # the SOC 2018 major groups, military (55) included
    axes = "() => document.querySelector('#chart-groups').chart.scales.x.max"
    assert page.evaluate(axes) >= 13  # the counts' axis reaches the largest count
    page.screenshot(path=str(SHOTS / "hubdir-coverage.png"), full_page=True)
    check_page(page, "Hub coverage gaps")

    page.get_by_label("Community", exact=True).select_option(label="St. Louis")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(re.compile(r"community=stlouis"))
    page.wait_for_function("() => document.querySelector('#chart-community').chart !== undefined")
    table = page.locator("#community-table tbody tr")
    assert table.count() == page.evaluate(
        "() => document.querySelector('#chart-community').chart.data.labels.length"
    )
    at_phone_width(page, "coverage")
    page.set_viewport_size({"width": PHONE_WIDTH, "height": 812})
    page.locator("#groups figure").screenshot(path=str(SHOTS / "hubdir-chart-375.png"))


def test_admin_rotates_a_client_secret(page: Any, hub: tuple[str, dict[str, Credentials]]) -> None:
    url, creds = hub
    old = creds["halifax"]
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, ADMIN)
    page.goto("/communities")
    row = page.locator('#communities tr[data-slug="portland"]')
    expect(row).to_contain_text("Outcome figures late", use_inner_text=True)
    check_page(page, "Hub communities")
    page.goto("/communities/halifax")
    page.get_by_role("button", name="Rotate client secret…").click()
    check_page(page, "Hub rotate secret")
    page.get_by_role("button", name="Rotate the client secret").click()
    secret = page.locator("#client-secret").inner_text()
    assert secret and secret != old.client_secret
    page.screenshot(path=str(SHOTS / "hubdir-secret.png"), full_page=True)
    check_page(page, "Hub new secret")

    def token(client_secret: str) -> int:
        return requests.post(
            f"{url}/oauth/token",
            data={"grant_type": "client_credentials"},
            auth=(old.client_id, client_secret),
            timeout=10,
        ).status_code

    assert token(old.client_secret) == 401
    assert token(secret) == 200
    page.goto("/communities/halifax")
    assert secret not in page.content()
    expect(page.locator("#history")).to_contain_text("client secret rotated", use_inner_text=True)

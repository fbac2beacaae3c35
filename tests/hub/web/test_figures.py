"""The public figures page, the roll-up workbook, and the staff's introductions overview."""

from __future__ import annotations

import datetime as dt
import io
import re

from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import update

from hub.extensions import db
from hub.introductions.models import Introduction
from hub.outcomes.services import rollup
from tests.hub.federation.conftest import Api
from tests.hub.introductions.conftest import (
    CONSENT,
    api_for,
    halifax_api,
    listed_id,
    pitch,
    request_intro,
    stlouis,
    stlouis_api,
)
from tests.hub.web.test_pages import reported, strip_tags

# Fixtures used by the tests below, imported so pytest sees them here.
__all__ = ["api_for", "halifax_api", "listed_id", "reported", "stlouis", "stlouis_api"]


def table(html: str, name: str) -> list[list[str]]:
    body = html.split(f'id="{name}"', 1)[1].split("</table>", 1)[0].split("<tbody>", 1)[1]
    return [
        [strip_tags(c) for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    ]


def test_the_public_page_needs_no_login_and_shows_only_published_figures(
    hub_client: FlaskClient, reported: None
) -> None:
    response = hub_client.get("/figures")
    assert response.status_code == 200
    html = response.text
    national = rollup(None, "national")
    rows = table(html, "trend")
    assert [r[0] for r in rows] == [row["period"] for row in national] == ["2026-Q2", "2026-Q3"]
    q3 = rows[1]
    assert q3[1] == "withheld"  # enrolled: a node's suppressed cell is in the sum
    assert q3[3] == "withheld"  # met: 7 is below 10
    assert q3[4] == "10" and q3[5] == "—"  # employed 12, rounded; no rate without "met"
    # The raw values the nodes sent appear nowhere, not even in the chart's data (asset
    # URLs' version hashes aside: hex digits that may spell "23" by chance).
    page = re.sub(r"\?v=[0-9a-f]+", "", html)
    for raw in ("23", "41", ">7<", ">12<"):
        assert raw not in page, raw
    assert "Healthcare Practitioners" in html  # the group's title, not "29"
    assert "Log out" not in html and "Communities</a>" not in html


def test_the_workbook_says_withheld_where_the_csv_says_x(
    hub_client: FlaskClient, reported: None
) -> None:
    csv = hub_client.get("/api/v1/rollup.csv?by=community&period=2026-Q3").text
    response = hub_client.get("/figures/rollup.xlsx?by=community&period=2026-Q3")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    assert "rollup-community-2026-Q3.xlsx" in response.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.data), read_only=True).active
    header, *rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert header[:4] == ["period", "community", "major_group", "group_title"]
    csv_rows = [line.split(",") for line in csv.strip().splitlines()[1:]]
    assert len(rows) == len(csv_rows) == 2
    for row, csv_row in zip(rows, csv_rows, strict=True):
        as_csv = [row[0], row[1], row[2], *row[4:]]
        for ours, theirs in zip(as_csv, csv_row, strict=True):
            expected = "withheld" if theirs == "x" else theirs
            assert str(ours if ours is not None else "") == expected


def test_a_bad_workbook_request_is_422_not_500(hub_client: FlaskClient) -> None:
    assert hub_client.get("/figures/rollup.xlsx?by=planet").status_code == 422
    assert hub_client.get("/figures/rollup.xlsx?period=2026-Q9").status_code == 422


def test_the_dashboard_offers_the_workbook_and_charts_the_table(
    viewer: FlaskClient, reported: None
) -> None:
    html = viewer.get("/?by=community&period=2026-Q3").text
    assert 'id="rollup-xlsx"' in html and "/figures/rollup.xlsx?by=community" in html
    assert 'id="chart-rollup"' in html and 'id="chart-rollup-data"' in html


def test_introductions_are_counted_by_state_and_age_and_stale_ones_listed(
    hub_client: FlaskClient, viewer: FlaskClient, halifax_api: Api, listed_id: int
) -> None:
    assert hub_client.get("/introductions").status_code == 302  # staff only
    for consent in (CONSENT, "d" * 32):
        assert request_intro(halifax_api, listed_id, consent).status_code == 201
    old = dt.datetime.now(dt.UTC) - dt.timedelta(days=40)
    first = db.session.scalars(db.select(Introduction).order_by(Introduction.id)).first()
    assert first is not None
    db.session.execute(
        update(Introduction).where(Introduction.id == first.id).values(requested_at=old)
    )
    db.session.commit()

    html = viewer.get("/introductions").text
    [requested] = [r for r in table(html, "by-state") if r[0] == "Requested"]
    assert requested == ["Requested", "1", "0", "1", "0", "2"]
    assert table(html, "stale") == [["Halifax", "St. Louis", "1", "40"]]
    # Counts only: nothing of a pitch or a consent reference.
    assert CONSENT not in html and pitch()["skills"][0] not in html

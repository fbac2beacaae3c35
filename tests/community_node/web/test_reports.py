"""The reports page: tables, chart data, and CSV and XLSX downloads equal to the API."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook

from community_node.auth.models import Role
from community_node.auth.services import create_user
from community_node.matches.models import MatchStatus, ReferralResult
from community_node.outcomes.models import OutcomeCategory
from community_node.participants.models import ProfileStatus
from shared.web.csv import XLSX_MIMETYPE
from tests.community_node.factories import (
    ConnecteeFactory,
    ConnectorFactory,
    FollowUpOutcomeFactory,
    MatchFactory,
    ReferralFactory,
)

PASSWORD = "correct horse battery"
NAMES = ("funnel", "outcomes", "time-to-match", "referrals-per-connector")


@pytest.fixture
def viewer(app: Flask) -> FlaskClient:
    """Reports are for every staff role: a viewer reads them."""
    create_user("viewer@example.org", "Vera Viewer", Role.VIEWER, PASSWORD, actor="test")
    client = app.test_client()
    data = {"email": "viewer@example.org", "password": PASSWORD}
    assert client.post("/login", data=data).status_code == 303
    return client


@pytest.fixture
def program(app: Flask) -> None:
    """Two cohorts in two occupation groups, one placed with three referrals."""
    grace = ConnectorFactory(first_name="Grace", last_name="Hopper")
    for intake, occupation, met in (
        (dt.date(2025, 1, 15), "29-1141", dt.date(2025, 2, 1)),
        (dt.date(2025, 2, 1), "15-1252", None),
        (dt.date(2025, 5, 3), "29-1141", dt.date(2025, 6, 1)),
    ):
        person = ConnecteeFactory(
            intake_date=intake, target_occupation=occupation, status=ProfileStatus.APPROVED
        )
        match = MatchFactory(
            connectee=person,
            connector=grace,
            status=MatchStatus.MET if met else MatchStatus.INTRODUCED,
            first_met_on=met,
            proposed_at=dt.datetime.combine(intake + dt.timedelta(days=9), dt.time(12), dt.UTC),
        )
        if met is not None:
            FollowUpOutcomeFactory(
                connectee=person, milestone_months=3, category=OutcomeCategory.EMPLOYED_IN_FIELD
            )
            for day in (1, 2, 3):
                ReferralFactory(
                    match=match,
                    referred_on=met + dt.timedelta(days=day),
                    result=ReferralResult.HIRED if day == 3 else ReferralResult.PENDING,
                )


def _as_cells(row: dict[str, Any]) -> dict[str, str]:
    return {k: "" if v is None else str(v) for k, v in row.items()}


@pytest.mark.parametrize("name", NAMES)
def test_csv_download_equals_the_api(
    api: Any, viewer: FlaskClient, program: None, name: str
) -> None:
    args = {"period": "quarter", "group_by": "major_group"}
    if name == "referrals-per-connector":
        args = {"from": "2025-01-01"}
    as_json = api.get(f"/api/v1/reports/{name}", query_string=args).json
    assert as_json

    response = viewer.get(f"/reports/{name}.csv", query_string=args)

    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.text.lstrip("\ufeff"))))
    assert rows == [_as_cells(r) for r in as_json]


@pytest.mark.parametrize("name", NAMES)
def test_xlsx_download_equals_the_api(
    api: Any, viewer: FlaskClient, program: None, name: str
) -> None:
    query = {"period": "year"}
    api_query = {} if name == "referrals-per-connector" else query
    as_json = api.get(f"/api/v1/reports/{name}", query_string=api_query).json
    assert as_json

    response = viewer.get(f"/reports/{name}.xlsx", query_string=query)

    assert response.status_code == 200
    assert response.mimetype == XLSX_MIMETYPE
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert sheet is not None
    header, *body = [[c.value for c in row] for row in sheet.iter_rows()]
    # An empty cell reads back as None; numbers stay numbers.
    assert [dict(zip(header, row, strict=True)) for row in body] == [
        {k: None if v == "" else v for k, v in r.items()} for r in as_json
    ]


def test_page_shows_each_table_with_its_chart_numbers(
    api: Any, viewer: FlaskClient, program: None
) -> None:
    funnel = api.get("/api/v1/reports/funnel", query_string={"period": "quarter"}).json

    page = viewer.get("/reports?period=quarter")

    assert page.status_code == 200
    for name in ("funnel", "placement", "outcomes", "time-to-match", "referrals-per-connector"):
        assert f'id="chart-{name}"' in page.text
        island = re.search(
            rf'<script type="application/json" id="chart-{name}-data">(.*?)</script>',
            page.text,
            re.S,
        )
        assert island is not None, name
        json.loads(island.group(1))
    chart = json.loads(
        re.search(r'id="chart-funnel-data">(.*?)</script>', page.text, re.S).group(1)  # type: ignore[union-attr]
    )
    assert chart["labels"] == [row["period"] for row in funnel]
    assert chart["datasets"][0]["data"] == [row["applied"] for row in funnel]
    table = re.search(r'id="funnel-table">(.*?)</table>', page.text, re.S)
    assert table is not None
    first = re.findall(r"<td>(.*?)</td>", table.group(1))[:3]
    assert first == [funnel[0]["period"], str(funnel[0]["applied"]), str(funnel[0]["eligible"])]
    assert "<script>" not in page.text  # no inline executable script


def test_bad_dates_are_field_errors(viewer: FlaskClient) -> None:
    response = viewer.get("/reports?from=2025-05-01&to=2025-01-01")

    assert response.status_code == 422
    assert 'id="to-error"' in response.text
    assert "Must not be before" in response.text
    assert viewer.get("/reports?period=decade").status_code == 422
    assert viewer.get("/reports/funnel.csv?period=decade").status_code == 422
    assert viewer.get("/reports/secrets.csv").status_code == 404

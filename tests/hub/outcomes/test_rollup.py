"""The public roll-up: every grouping read from one protected table per period and measure."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.hub.federation.conftest import Api

Q3 = "/api/v1/outcomes/2026-Q3"


def cell(group: str, metric: str, value: int | None) -> dict[str, Any]:
    return {"major_group": group, "metric": metric, "value": value, "suppressed": value is None}


# --- roll-up ---------------------------------------------------------------------------

HALIFAX = [
    cell("29", "enrolled", 23), cell("15", "enrolled", None), cell("all", "enrolled", 27),
    cell("29", "met", 20), cell("15", "met", 0), cell("all", "met", 20),
    cell("29", "employed_in_field", 8), cell("15", "employed_in_field", 0),
    cell("all", "employed_in_field", 8),
    cell("29", "employed_related_field", 5), cell("15", "employed_related_field", 0),
    cell("all", "employed_related_field", 5),
    cell("29", "employed_outside_field", 0), cell("15", "employed_outside_field", 0),
    cell("all", "employed_outside_field", 0),
]  # fmt: skip
# St. Louis sends no "all" totals: the hub sums its groups.
STLOUIS = [
    cell("29", "enrolled", 12), cell("15", "enrolled", None),
    cell("29", "met", 7),
    cell("29", "employed_in_field", 5),
    cell("29", "employed_related_field", 0),
    cell("29", "employed_outside_field", 0),
]  # fmt: skip

NOT_SENT = {"eligible": None, "matched": None, "referred": None}


@pytest.fixture
def reported(halifax_api: Api, stlouis_api: Api) -> None:
    assert halifax_api.put(Q3, json={"cells": HALIFAX}).status_code == 200
    assert stlouis_api.put(Q3, json={"cells": STLOUIS}).status_code == 200
    big = [cell("all", "enrolled", 1000)]
    assert halifax_api.put("/api/v1/outcomes/2026-Q2", json={"cells": big}).status_code == 200


def rows(client: FlaskClient, by: str, period: str | None = "2026-Q3") -> list[dict[str, Any]]:
    query = f"?by={by}" + (f"&period={period}" if period else "")
    response = client.get(f"/api/v1/rollup{query}")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["suppress_below"], body["round_to"]) == (10, 5)
    result: list[dict[str, Any]] = body["rows"]
    return result


def test_rollup_per_community(hub_client: FlaskClient, reported: None) -> None:
    assert rows(hub_client, "community") == [
        {
            "period": "2026-Q3", "community": "halifax", "major_group": "all",
            "enrolled": 25, "met": 20, "employed_in_field": None,
            "employed_related_field": None, "employed_outside_field": 0,
            # The sum of its published parts: withheld with any part.
            "employed": None, "placement_rate": None, **NOT_SENT,
            "suppressed": ["employed_in_field", "employed_related_field", "employed"],
        },
        {
            "period": "2026-Q3", "community": "stlouis", "major_group": "all",
            "enrolled": None, "met": None, "employed_in_field": None,
            "employed_related_field": 0, "employed_outside_field": 0,
            "employed": None, "placement_rate": None, **NOT_SENT,
            "suppressed": ["enrolled", "met", "employed_in_field", "employed"],
        },
    ]  # fmt: skip


def test_rollup_national_suppresses_a_sum_with_a_suppressed_input(
    hub_client: FlaskClient, reported: None
) -> None:
    assert rows(hub_client, "national") == [
        {
            "period": "2026-Q3", "community": None, "major_group": "all",
            "enrolled": None, "met": 25, "employed_in_field": 15,
            "employed_related_field": None, "employed_outside_field": 0,
            "employed": None, "placement_rate": None, **NOT_SENT,
            "suppressed": ["enrolled", "employed_related_field", "employed"],
        }
    ]  # fmt: skip
    every = rows(hub_client, "national", period=None)
    assert [(r["period"], r["enrolled"]) for r in every] == [("2026-Q2", 1000), ("2026-Q3", None)]


def test_rollup_per_major_group(hub_client: FlaskClient, reported: None) -> None:
    by_group = {r["major_group"]: r for r in rows(hub_client, "major_group")}
    assert set(by_group) == {"15", "29"}
    assert by_group["29"] == {
        "period": "2026-Q3", "community": None, "major_group": "29",
        "enrolled": 35, "met": 25, "employed_in_field": 15,
        "employed_related_field": None, "employed_outside_field": 0,
        "employed": None, "placement_rate": None, **NOT_SENT,
        "suppressed": ["employed_related_field", "employed"],
    }  # fmt: skip
    fifteen = by_group["15"]
    assert (fifteen["enrolled"], fifteen["met"], fifteen["employed"]) == (None, 0, 0)
    assert fifteen["placement_rate"] is None  # no rate over a zero denominator
    detail = {
        (r["community"], r["major_group"]): r for r in rows(hub_client, "community_major_group")
    }
    assert set(detail) == {
        ("halifax", "15"), ("halifax", "29"), ("halifax", "all"),
        ("stlouis", "15"), ("stlouis", "29"),
    }  # fmt: skip
    # Halifax's 29 (23) is withheld with its 15: published, the group's 35 minus St. Louis's
    # 10 and Halifax's total 25 would pin the suppressed 15 between 1 and 4.
    assert detail[("halifax", "29")]["enrolled"] is None
    assert detail[("stlouis", "29")]["enrolled"] == 10
    # Halifax's own total row is the same figure as the per-community view's.
    assert detail[("halifax", "all")]["enrolled"] == 25


def test_rollup_csv(hub_client: FlaskClient, reported: None) -> None:
    response = hub_client.get("/api/v1/rollup.csv?by=community&period=2026-Q3")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    table = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert table[0] == [
        "period", "community", "major_group", "enrolled", "eligible", "matched", "met",
        "referred", "employed_in_field", "employed_related_field", "employed_outside_field",
        "employed", "placement_rate",
    ]  # fmt: skip
    assert table[1] == [
        "2026-Q3", "halifax", "all", "25", "", "", "20", "", "x", "x", "0", "x", "",
    ]  # fmt: skip
    assert table[2][:4] == ["2026-Q3", "stlouis", "all", "x"]
    assert len(table) == 3


def test_rollup_rejects_bad_arguments(hub_client: FlaskClient) -> None:
    assert hub_client.get("/api/v1/rollup?by=city").status_code == 422
    assert hub_client.get("/api/v1/rollup?period=2026").status_code == 422
    assert hub_client.get("/api/v1/rollup").get_json()["rows"] == []


def test_a_total_smaller_than_its_groups_is_refused(halifax_api: Api) -> None:
    # 23 shown and one withheld group (at least 1): a total of 20 fits no real table.
    cells = [cell("29", "enrolled", 23), cell("15", "enrolled", None), cell("all", "enrolled", 20)]

    response = halifax_api.put(Q3, json={"cells": cells})

    assert response.status_code == 422
    assert response.get_json()["errors"]["cells"] == [
        "enrolled: the total 20 is less than its groups (23 shown, 1 withheld of at least 1 each)."
    ]
    assert halifax_api.get(Q3).get_json()["cells"] == []  # nothing half-written


def test_totals_stored_before_the_check_do_not_break_the_roll_up(
    hub_client: FlaskClient, halifax_api: Api, hub_app: Any
) -> None:
    from hub.communities.models import Community
    from hub.extensions import db
    from hub.outcomes.models import OutcomeCell

    with hub_app.app_context():
        halifax = db.session.query(Community).filter_by(slug="halifax").one()
        for group, value in (("29", 23), ("15", None), ("all", 20)):
            db.session.add(OutcomeCell(
                community_id=halifax.id, period="2026-Q3", major_group=group,
                metric="enrolled", value=value, suppressed=value is None,
            ))  # fmt: skip
        db.session.commit()

    [national] = rows(hub_client, "national")

    # Answered (not a 500), from the groups alone: a sum over a withheld group is withheld.
    assert national["enrolled"] is None and "enrolled" in national["suppressed"]

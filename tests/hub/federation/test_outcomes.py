"""PUT/GET /outcomes/<period> and the public roll-up with its thresholds."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from hub.communities.models import Community, CommunityStatus
from hub.communities.services import Credentials, set_status
from hub.extensions import db
from tests.hub.federation.conftest import Api

Q3 = "/api/v1/outcomes/2026-Q3"


def cell(group: str, metric: str, value: int | None) -> dict[str, Any]:
    return {"major_group": group, "metric": metric, "value": value, "suppressed": value is None}


def test_put_replaces_the_set_and_get_reads_it_back(halifax_api: Api) -> None:
    first = halifax_api.put(
        Q3, json={"cells": [cell("29", "enrolled", 12), cell("15", "enrolled", None)]}
    )
    assert first.status_code == 200, first.get_json()
    assert first.get_json() == {
        "period": "2026-Q3",
        "cells": [cell("15", "enrolled", None), cell("29", "enrolled", 12)],
    }
    again = halifax_api.put(
        Q3, json={"cells": [cell("29", "enrolled", 12), cell("15", "enrolled", None)]}
    )
    assert again.get_json() == first.get_json()

    halifax_api.put(Q3, json={"cells": [cell("all", "met", 0)]})
    assert halifax_api.get(Q3).get_json() == {"period": "2026-Q3", "cells": [cell("all", "met", 0)]}
    assert halifax_api.get("/api/v1/outcomes/2026-Q2").get_json() == {
        "period": "2026-Q2",
        "cells": [],
    }


@pytest.mark.parametrize(
    ("cells", "field"),
    [
        ([cell("29", "enrolled", 3)], "value"),
        ([cell("29", "enrolled", 1)], "value"),
        ([{**cell("29", "enrolled", 7), "suppressed": True}], "value"),
        ([{**cell("29", "enrolled", None), "suppressed": False}], "value"),
        ([cell("29", "enrolled", -5)], "value"),
        ([cell("29", "enrolled", 5), cell("29", "enrolled", 6)], "cells"),
        ([cell("99", "enrolled", 5)], "major_group"),
        ([cell("29", "salary", 5)], "metric"),
        ([{**cell("29", "enrolled", 5), "note": "x"}], "note"),
        ([{**cell("29", "enrolled", 5), "value": "5"}], "value"),
    ],
)
def test_bad_cells_are_422_and_keep_the_stored_set(
    halifax_api: Api, cells: list[dict[str, Any]], field: str
) -> None:
    halifax_api.put(Q3, json={"cells": [cell("29", "met", 9)]})
    response = halifax_api.put(Q3, json={"cells": cells})
    assert response.status_code == 422
    assert field in str(response.get_json()["errors"])
    assert halifax_api.get(Q3).get_json()["cells"] == [cell("29", "met", 9)]


@pytest.mark.parametrize("period", ["2026-Q5", "2026Q1", "26-Q1", "2026-q1"])
def test_a_bad_period_is_422(halifax_api: Api, period: str) -> None:
    response = halifax_api.put(f"/api/v1/outcomes/{period}", json={"cells": []})
    assert response.status_code == 422
    assert "period" in response.get_json()["errors"]


def test_each_community_reads_only_its_own_cells(halifax_api: Api, stlouis_api: Api) -> None:
    halifax_api.put(Q3, json={"cells": [cell("29", "met", 9)]})
    stlouis_api.put(Q3, json={"cells": [cell("29", "met", 50)]})
    assert stlouis_api.get(Q3).get_json()["cells"] == [cell("29", "met", 50)]
    assert halifax_api.get(Q3).get_json()["cells"] == [cell("29", "met", 9)]


def test_writing_needs_the_scope_and_an_unsilenced_community(
    api_for: Callable[..., Api], halifax: Credentials
) -> None:
    reader = api_for(halifax, "resources:read")
    assert reader.put(Q3, json={"cells": []}).status_code == 403
    assert reader.get(Q3).status_code == 200  # any valid token reads its own set back
    writer = api_for(halifax)
    set_status("halifax", CommunityStatus.SILENCED, actor="test")
    assert writer.put(Q3, json={"cells": []}).json["error"] == "community_silenced"


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
            "employed": 15, "placement_rate": 0.75, **NOT_SENT,
            "suppressed": ["employed_in_field", "employed_related_field"],
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
            "employed": 20, "placement_rate": 0.8, **NOT_SENT,
            "suppressed": ["enrolled", "employed_related_field"],
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
        "employed": 20, "placement_rate": 0.8, **NOT_SENT,
        "suppressed": ["employed_related_field"],
    }  # fmt: skip
    fifteen = by_group["15"]
    assert (fifteen["enrolled"], fifteen["met"], fifteen["employed"]) == (None, 0, 0)
    assert fifteen["placement_rate"] is None  # no rate over a zero denominator
    detail = rows(hub_client, "community_major_group")
    halifax_29 = next(r for r in detail if (r["community"], r["major_group"]) == ("halifax", "29"))
    assert (halifax_29["enrolled"], halifax_29["employed"], halifax_29["placement_rate"]) == (
        25,
        15,
        0.75,
    )


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
        "2026-Q3", "halifax", "all", "25", "", "", "20", "", "x", "x", "0", "15", "0.75",
    ]  # fmt: skip
    assert table[2][:4] == ["2026-Q3", "stlouis", "all", "x"]
    assert len(table) == 3


def test_rollup_rejects_bad_arguments(hub_client: FlaskClient) -> None:
    assert hub_client.get("/api/v1/rollup?by=city").status_code == 422
    assert hub_client.get("/api/v1/rollup?period=2026").status_code == 422
    assert hub_client.get("/api/v1/rollup").get_json()["rows"] == []


def test_an_outcomes_push_stamps_last_sync_at(halifax_api: Api) -> None:
    assert halifax_api.put("/api/v1/outcomes/2026-Q5", json={"cells": []}).status_code == 422
    assert _last_sync() is None
    assert halifax_api.put(Q3, json={"cells": [cell("29", "enrolled", 12)]}).status_code == 200
    assert _last_sync() is not None


def _last_sync() -> Any:
    db.session.expire_all()
    return db.session.scalar(select(Community.last_sync_at).where(Community.slug == "halifax"))

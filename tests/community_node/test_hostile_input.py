"""Hostile input on the node's API: ids beyond INTEGER, NULs and deep JSON are refused.

Each ran into the database or the parser before (a 500); every case runs on SQLite and,
with TEST_POSTGRES_URL, on PostgreSQL, where an id beyond INTEGER used to fail the query.
"""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from shared.web.system import MAX_JSON_DEPTH
from tests.community_node.conftest import ApiClient

TOO_BIG = 2**31  # one past PostgreSQL's INTEGER

FILTERS = [
    f"/api/v1/matches?connectee_id={TOO_BIG}",
    f"/api/v1/matches?connector_id={TOO_BIG}",
    f"/api/v1/matches/export.csv?connectee_id={TOO_BIG}",
    f"/api/v1/introductions?connectee_id={TOO_BIG}",
    f"/api/v1/outcomes?connectee_id={TOO_BIG}",
    f"/api/v1/outcomes/export.csv?connectee_id={TOO_BIG}",
]

BODIES = [
    ("/api/v1/matching/proposals", {"connectee_ids": [TOO_BIG]}, "connectee_ids"),
    ("/api/v1/matches", {"connectee_id": TOO_BIG, "connector_id": 1}, "connectee_id"),
    ("/api/v1/matches", {"connectee_id": 1, "connector_id": TOO_BIG}, "connector_id"),
    (
        "/api/v1/outcomes",
        {"connectee_id": TOO_BIG, "milestone_months": 3, "status": "employed"},
        "connectee_id",
    ),
    (
        "/api/v1/introductions",
        {"connectee_id": TOO_BIG, "directory_profile_id": 1},
        "connectee_id",
    ),
    (
        "/api/v1/introductions",
        {"connectee_id": 1, "directory_profile_id": TOO_BIG},
        "directory_profile_id",
    ),
]


@pytest.mark.parametrize("url", FILTERS)
def test_a_filter_beyond_integer_is_invalid_input(api: ApiClient, url: str) -> None:
    response = api.get(url)
    assert response.status_code == 422, response.get_data(as_text=True)
    field = url.split("?")[1].split("=")[0]
    assert field in response.get_json()["errors"]["query"]


@pytest.mark.parametrize(("url", "body", "field"), BODIES)
def test_an_id_beyond_integer_in_a_body_is_invalid_input(
    api: ApiClient, url: str, body: dict[str, object], field: str
) -> None:
    response = api.post(url, json=body)
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["errors"]["json"]


def test_the_largest_integer_id_is_merely_unknown(api: ApiClient) -> None:
    response = api.get(f"/api/v1/matches?connectee_id={TOO_BIG - 1}")
    assert response.status_code == 200
    assert response.get_json()["items"] == []


def test_a_nul_in_any_string_field_is_refused_field_by_field(api: ApiClient) -> None:
    response = api.post(
        "/api/v1/matches", json={"connectee_id": 1, "connector_id": 2, "note": "hi\x00there"}
    )
    assert response.status_code == 422
    assert response.get_json()["errors"]["json"] == {"note": ["Must not contain a NUL character."]}


def nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


def test_deep_json_is_refused_before_authentication(client: FlaskClient) -> None:
    response = client.post("/api/v1/matches", data=nested(100_000), content_type="application/json")
    assert response.status_code == 400
    assert "nests deeper" in response.get_json()["message"]


def test_deep_json_is_refused_when_authenticated(api: ApiClient) -> None:
    response = api.client.post(
        "/api/v1/matches",
        data=b'{"connectee_id": 1, "connector_id": 2, "note": ' + nested(10_000) + b"}",
        content_type="application/json",
        headers=api._headers(None),
    )
    assert response.status_code == 400


def test_json_within_the_depth_limit_still_reaches_the_schema(api: ApiClient) -> None:
    body = b'{"connectee_id": 1, "connector_id": 2, "note": ' + nested(MAX_JSON_DEPTH - 1) + b"}"
    response = api.client.post(
        "/api/v1/matches", data=body, content_type="application/json", headers=api._headers(None)
    )
    assert response.status_code == 422  # "note" is not a string: the schema's answer
    assert "note" in response.get_json()["errors"]["json"]

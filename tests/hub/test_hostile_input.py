"""Hostile input on the hub's API: ids beyond INTEGER, NULs and deep JSON are refused.

Each ran into the database or the parser before (a 500); every case runs on SQLite and,
with TEST_POSTGRES_URL, on PostgreSQL.
"""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from tests.hub.federation import conftest as federation
from tests.hub.federation.conftest import Api, profile

api_for = federation.api_for
halifax_api = federation.halifax_api

TOO_BIG = 2**31  # one past PostgreSQL's INTEGER
INTROS = "/api/v1/introductions"


def test_an_introduction_beyond_integer_is_not_found(halifax_api: Api) -> None:
    assert halifax_api.get(f"{INTROS}/{TOO_BIG}").status_code == 404
    assert halifax_api.get(f"{INTROS}/{TOO_BIG - 1}").status_code == 404


@pytest.mark.parametrize("action", ["accept", "decline", "withdraw"])
def test_an_action_on_an_introduction_beyond_integer_is_not_found(
    halifax_api: Api, action: str
) -> None:
    assert halifax_api.post(f"{INTROS}/{TOO_BIG}/{action}").status_code == 404


def test_a_card_for_an_introduction_beyond_integer_is_not_found(halifax_api: Api) -> None:
    response = halifax_api.post(f"{INTROS}/{TOO_BIG}/cards", json={"sealed": "x" * 64})
    assert response.status_code == 404


def test_a_directory_profile_beyond_integer_is_invalid_input(halifax_api: Api) -> None:
    response = halifax_api.post(
        INTROS, json={"profile_id": TOO_BIG, "pitch": {}, "consent_ref": "c" * 32}
    )
    assert response.status_code == 422
    assert "profile_id" in response.get_json()["errors"]["json"]


def test_a_nul_in_a_ref_with_an_idempotency_key_rejects_that_item(halifax_api: Api) -> None:
    item = profile(1)
    item["ref"] = item["ref"][:-1] + "\x00"
    for _ in range(2):  # the retry with the same key must not fail on a stored record
        response = halifax_api.batch(item, profile(2), key="nul-ref")
        assert response.status_code == 200, response.get_data(as_text=True)
        first, second = response.get_json()["results"]
        assert first["status"] == "rejected"
        assert first["errors"] == {"ref": ["Must not contain a NUL character."]}
        assert second["status"] in ("created", "stale")


def test_a_nul_in_a_key_is_named_without_it(halifax_api: Api) -> None:
    response = halifax_api.batch({**profile(1), "bad\x00key": 1})
    assert response.status_code == 200
    (result,) = response.get_json()["results"]
    assert result["errors"] == {"bad\\u0000key": ["Must not contain a NUL character."]}


def test_a_nul_outside_the_items_refuses_the_envelope(halifax_api: Api) -> None:
    response = halifax_api.post("/api/v1/profiles/batch", json={"items": [profile(1)], "x\x00": 1})
    assert response.status_code == 422
    assert response.get_json()["errors"]["json"] == {
        "x\\u0000": ["Must not contain a NUL character."]
    }


def nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


@pytest.mark.parametrize(
    "url", ["/oauth/token", "/api/v1/profiles/batch", f"{INTROS}/1/cards", "/api/v1/demand"]
)
def test_deep_json_is_refused_without_credentials(hub_client: FlaskClient, url: str) -> None:
    response = hub_client.post(url, data=nested(100_000), content_type="application/json")
    assert response.status_code == 400
    assert "nests deeper" in response.get_json()["message"]


def test_deep_json_is_refused_with_credentials(halifax_api: Api) -> None:
    response = halifax_api.post(
        "/api/v1/profiles/batch",
        data=b'{"items": ' + nested(100_000) + b"}",
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400

"""The introductions broker: requests, decisions, 409s, isolation, the feed, expiry."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskCliRunner

from hub.communities.services import Credentials, add_community
from hub.extensions import db
from hub.introductions.models import Introduction
from tests.hub.federation.conftest import Api, profile, tombstone
from tests.hub.introductions.conftest import CONSENT, INTROS, pitch, request_intro


def test_request_then_accept(halifax_api: Api, stlouis_api: Api, listed_id: int) -> None:
    response = request_intro(halifax_api, listed_id)
    assert response.status_code == 201, response.get_json()
    mine = response.get_json()
    assert mine["direction"] == "outgoing" and mine["status"] == "requested"
    assert mine["from_community"] == "halifax" and mine["to_community"] == "stlouis"
    assert mine["consent_ref"] == CONSENT and mine["connector_ref"] is None
    assert mine["allowed"] == ["withdraw"]
    expires = dt.datetime.fromisoformat(mine["expires_at"])
    requested = dt.datetime.fromisoformat(mine["requested_at"])
    assert (expires - requested).days == 30

    inbox = stlouis_api.get(f"{INTROS}/inbox?since=0").get_json()
    assert [i["id"] for i in inbox["items"]] == [mine["id"]] and inbox["more"] is False
    theirs = inbox["items"][0]
    # Node B gets its own ref back to find its connector, never node A's consent ref.
    assert theirs["direction"] == "incoming" and theirs["connector_ref"] == f"{10:032x}"
    assert theirs["consent_ref"] is None and theirs["pitch"] == pitch()
    assert theirs["allowed"] == ["accept", "decline"]

    accepted = stlouis_api.post(f"{INTROS}/{mine['id']}/accept")
    assert accepted.status_code == 200, accepted.get_json()
    assert accepted.get_json()["status"] == "accepted"
    assert accepted.get_json()["allowed"] == ["cards"]
    feed = halifax_api.get(f"{INTROS}/inbox?since={mine['seq']}").get_json()
    assert [(i["id"], i["status"]) for i in feed["items"]] == [(mine["id"], "accepted")]
    assert feed["next"] > mine["seq"]
    assert halifax_api.get(f"{INTROS}/inbox?since={feed['next']}").get_json()["items"] == []


def test_only_the_right_side_acts_and_final_states_are_409(
    halifax_api: Api, stlouis_api: Api, listed_id: int
) -> None:
    intro = request_intro(halifax_api, listed_id).get_json()
    url = f"{INTROS}/{intro['id']}"
    wrong = halifax_api.post(f"{url}/accept")
    assert wrong.status_code == 403 and wrong.get_json()["error"] == "wrong_side"
    assert stlouis_api.post(f"{url}/withdraw").status_code == 403
    assert stlouis_api.post(f"{url}/decline").get_json()["status"] == "declined"
    again = stlouis_api.post(f"{url}/accept")
    assert again.status_code == 409 and again.get_json()["allowed"] == []
    late = halifax_api.post(f"{url}/withdraw")
    assert late.status_code == 409
    assert stlouis_api.get(url).get_json()["end_reason"] == "declined"


def test_withdraw_ends_a_request(halifax_api: Api, stlouis_api: Api, listed_id: int) -> None:
    intro = request_intro(halifax_api, listed_id).get_json()
    withdrawn = halifax_api.post(f"{INTROS}/{intro['id']}/withdraw")
    assert withdrawn.status_code == 200 and withdrawn.get_json()["status"] == "withdrawn"
    assert stlouis_api.post(f"{INTROS}/{intro['id']}/accept").status_code == 409


def test_a_third_community_sees_nothing(
    halifax_api: Api, stlouis_api: Api, listed_id: int, api_for: Callable[..., Api]
) -> None:
    intro = request_intro(halifax_api, listed_id).get_json()
    portland = api_for(add_community("portland", "Portland", actor="test"))
    assert portland.get(f"{INTROS}/{intro['id']}").status_code == 404
    assert portland.post(f"{INTROS}/{intro['id']}/accept").status_code == 404
    assert portland.post(f"{INTROS}/{intro['id']}/withdraw").status_code == 404
    assert portland.get(f"{INTROS}/inbox?since=0").get_json()["items"] == []


def test_request_validation(halifax_api: Api, stlouis_api: Api, listed_id: int) -> None:
    def post(body: dict[str, Any]) -> Any:
        return halifax_api.post(INTROS, json=body)

    good = {"profile_id": listed_id, "pitch": pitch(), "consent_ref": CONSENT}
    assert post({**good, "pitch": pitch(name="Amira")}).status_code == 422
    assert post({**good, "consent_ref": "42"}).status_code == 422
    assert post({**good, "pitch": pitch(skills=["Free text"])}).status_code == 422
    assert post({**good, "profile_id": 999}).get_json()["errors"]["profile_id"]
    assert post({**good, "note": "hello"}).status_code == 422
    assert halifax_api.post(INTROS, json=good, key=None).status_code == 400
    # Own community: introduce locally instead.
    assert halifax_api.batch(profile(1, cross_city_ok=True)).status_code == 200
    own = halifax_api.get("/api/v1/directory?community=halifax&include_own=true").get_json()
    assert post({**good, "profile_id": own["items"][0]["id"]}).status_code == 422
    # A connector who does not take cross-city introductions.
    assert stlouis_api.batch(profile(11, cross_city_ok=False)).status_code == 200
    other = [
        i["id"]
        for i in halifax_api.get("/api/v1/directory").get_json()["items"]
        if not i["cross_city_ok"]
    ]
    assert post({**good, "profile_id": other[0]}).status_code == 409


def test_idempotent_request_and_duplicate_conflict(halifax_api: Api, listed_id: int) -> None:
    first = request_intro(halifax_api, listed_id, key="intro-1")
    replay = request_intro(halifax_api, listed_id, key="intro-1")
    assert first.status_code == replay.status_code == 201
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert replay.get_json()["id"] == first.get_json()["id"]
    assert db.session.query(Introduction).count() == 1
    duplicate = request_intro(halifax_api, listed_id, key="intro-2")
    assert duplicate.status_code == 409
    assert duplicate.get_json()["introduction_id"] == first.get_json()["id"]
    other = request_intro(halifax_api, listed_id, consent="d" * 32, key="intro-1")
    assert other.status_code == 422  # same key, another body


def test_tombstoned_profile_ends_pending_requests(
    halifax_api: Api, stlouis_api: Api, listed_id: int
) -> None:
    intro = request_intro(halifax_api, listed_id).get_json()
    assert stlouis_api.batch(tombstone(10, 2)).status_code == 200
    seen = halifax_api.get(f"{INTROS}/inbox?since={intro['seq']}").get_json()["items"]
    assert [(i["status"], i["end_reason"]) for i in seen] == [("withdrawn", "profile_removed")]
    assert stlouis_api.post(f"{INTROS}/{intro['id']}/accept").status_code == 409


@pytest.mark.parametrize("hub_app_config", [{"INTRO_EXPIRY_DAYS": 7}])
def test_expiry_by_tick_and_lazily(
    halifax_api: Api, stlouis_api: Api, listed_id: int, hub_runner: FlaskCliRunner
) -> None:
    first = request_intro(halifax_api, listed_id).get_json()
    second = request_intro(halifax_api, listed_id, consent="d" * 32).get_json()
    assert hub_runner.invoke(args=["tick"]).output.startswith("No introduction")
    later = dt.datetime.fromisoformat(first["requested_at"]) + dt.timedelta(days=7, minutes=1)
    result = hub_runner.invoke(args=["tick", "--now", later.isoformat()])
    assert result.exit_code == 0 and "Ended 2" in result.output, result.output
    assert halifax_api.get(f"{INTROS}/{first['id']}").get_json()["status"] == "expired"
    # Lazily: a request whose deadline passed ends when it is next read or acted on.
    third = request_intro(halifax_api, listed_id, consent="e" * 32).get_json()
    row = db.session.get(Introduction, third["id"])
    assert row is not None
    row.expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    db.session.commit()
    late = stlouis_api.post(f"{INTROS}/{third['id']}/accept")
    assert late.status_code == 409
    assert stlouis_api.get(f"{INTROS}/{third['id']}").get_json()["status"] == "expired"
    assert second["id"] != third["id"]


def test_scopes(api_for: Callable[..., Api], halifax: Credentials, listed_id: int) -> None:
    reader = api_for(halifax, "intros:read")
    body = {"profile_id": listed_id, "pitch": pitch(), "consent_ref": CONSENT}
    assert reader.post(INTROS, json=body).status_code == 403
    assert reader.get(f"{INTROS}/inbox").status_code == 200
    writer = api_for(halifax, "intros:write")
    assert writer.get(f"{INTROS}/inbox").status_code == 403
    assert writer.post(INTROS, json=body).status_code == 201

"""POST /profiles/batch and PUT /profiles/snapshot: versions, tombstones, idempotency."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from hub.audit.models import AuditEvent
from hub.communities.models import Community, CommunityStatus
from hub.communities.services import Credentials, set_status
from hub.extensions import db
from hub.idempotency.models import IdempotencyRecord
from hub.profiles.models import Profile
from shared.protocol import MAX_BATCH_ITEMS
from tests.hub.federation.conftest import Api, body_of, profile, ref, tombstone

BATCH = "/api/v1/profiles/batch"
SNAPSHOT = "/api/v1/profiles/snapshot"


def held(slug: str = "halifax") -> dict[str, Profile]:
    db.session.expire_all()
    rows = db.session.scalars(select(Profile).join(Community).where(Community.slug == slug)).all()
    return {p.ref: p for p in rows}


def statuses(response: Any) -> list[str]:
    assert response.status_code == 200, response.get_json()
    return [r["status"] for r in response.get_json()["results"]]


def test_batch_creates_updates_ignores_stale_and_tombstones(halifax_api: Api) -> None:
    assert statuses(halifax_api.batch(profile(1), profile(2, version=3))) == [
        "created",
        "created",
    ]
    first = held()[ref(1)]
    assert (first.version, first.occupation, first.language_codes) == (1, "29-1141", " ara eng ")

    result = halifax_api.batch(
        profile(1, version=2, occupation="15-1252", remote_ok=False),
        profile(2, version=3, occupation="11-1011"),  # same version: stale
        profile(2, version=2, occupation="11-1011"),  # older: stale
        tombstone(3, version=4),  # unknown ref: held as a tombstone
    )
    assert statuses(result) == ["updated", "stale", "stale", "deleted"]
    assert result.get_json()["results"][0] == {"ref": ref(1), "version": 2, "status": "updated"}
    rows = held()
    assert (rows[ref(1)].version, rows[ref(1)].occupation, rows[ref(1)].remote_ok) == (
        2,
        "15-1252",
        False,
    )
    assert rows[ref(2)].occupation == "29-1141"
    assert rows[ref(3)].deleted and rows[ref(3)].version == 4

    # An older upsert of a tombstoned ref is stale; a newer one brings it back.
    assert statuses(halifax_api.batch(profile(3, version=3))) == ["stale"]
    assert statuses(halifax_api.batch(tombstone(1, version=5))) == ["deleted"]
    gone = held()[ref(1)]
    # A tombstone keeps nothing of the profile.
    assert gone.deleted and gone.occupation is None and gone.languages == []
    assert gone.language_codes == "" and gone.skills == [] and not gone.accepting
    assert statuses(halifax_api.batch(profile(1, version=6, occupation="13-2011"))) == ["created"]
    back = held()[ref(1)]
    assert (back.deleted, back.version, back.occupation) == (False, 6, "13-2011")


def test_an_older_nodes_iso_639_1_codes_are_stored_as_iso_639_3(halifax_api: Api) -> None:
    old = [
        {"language": "ar", "level": "native"},
        {"language": "fa", "level": "C1"},
        {"language": "ht", "level": "B2"},
        {"language": "prs", "level": "B1"},  # no ISO 639-1 code: sent as ISO 639-3 always
    ]
    assert statuses(halifax_api.batch(profile(1, languages=old))) == ["created"]
    row = held()[ref(1)]
    assert [lang["language"] for lang in row.languages] == ["ara", "fas", "hat", "prs"]
    assert row.language_codes == " ara fas hat prs "
    # The same language in two forms is given twice.
    twice = [{"language": "ar", "level": "native"}, {"language": "ara", "level": "B2"}]
    assert statuses(halifax_api.batch(profile(2, languages=twice))) == ["rejected"]


def test_same_ref_twice_in_a_batch_applies_in_order(halifax_api: Api) -> None:
    result = halifax_api.batch(
        profile(1, version=1), profile(1, version=3, skills=["icu"]), profile(1, version=2)
    )
    assert statuses(result) == ["created", "updated", "stale"]
    row = held()[ref(1)]
    assert (row.version, row.skills) == (3, ["icu"])


def test_invalid_items_are_rejected_and_valid_ones_applied(halifax_api: Api) -> None:
    result = halifax_api.batch(
        profile(1),
        profile(2, occupation="99-9999"),
        {**profile(3), "name": "Jane Canary"},  # an extra field is never accepted
        profile(
            4, languages=[{"language": "ara", "level": "B2"}, {"language": "ara", "level": "C1"}]
        ),
        {"ref": "not-a-ref", "version": 1, "deleted": True},
        {"ref": ref(6), "version": 1, "deleted": False},
        "not an object",
        profile(8, version=0),
    )
    assert statuses(result) == ["created"] + ["rejected"] * 7
    results = result.get_json()["results"]
    assert results[1]["errors"] == {"occupation": ["Unknown SOC 2018 code '99-9999'."]}
    assert results[1]["ref"] == ref(2) and results[1]["version"] == 1
    assert results[2]["errors"] == {"name": ["Unknown field."]}
    assert "languages" in results[3]["errors"]
    assert results[4]["ref"] == "not-a-ref" and "ref" in results[4]["errors"]
    assert "deleted" in results[5]["errors"]
    assert results[6] == {
        "ref": None,
        "version": None,
        "status": "rejected",
        "errors": {"_schema": ["Expected an object."]},
    }
    assert "version" in results[7]["errors"]
    assert set(held()) == {ref(1)}


@pytest.mark.parametrize(
    "body",
    [
        {"items": []},
        {"items": [profile(n) for n in range(MAX_BATCH_ITEMS + 1)]},
        {"items": [profile(1)], "community": "stlouis"},
        {"profiles": [profile(1)]},
        [profile(1)],
    ],
    ids=["empty", "too-many-items", "extra-field", "no-items", "not-an-object"],
)
def test_a_malformed_batch_is_422_and_applies_nothing(halifax_api: Api, body: Any) -> None:
    response = halifax_api.post(BATCH, json=body)
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["errors"]
    assert held() == {}
    assert db.session.scalar(select(func.count()).select_from(IdempotencyRecord)) == 0


def test_a_full_batch_of_100_is_accepted(halifax_api: Api) -> None:
    response = halifax_api.post(BATCH, json={"items": [profile(n) for n in range(100)]})
    assert statuses(response) == ["created"] * 100
    assert len(held()) == 100


def test_replay_returns_the_stored_answer_and_changes_nothing(halifax_api: Api) -> None:
    body = {"items": [profile(1), tombstone(2, 1)]}
    first = halifax_api.post(BATCH, json=body, key="1-2")
    assert statuses(first) == ["created", "deleted"]
    assert "Idempotent-Replayed" not in first.headers
    stamp = held()[ref(1)].updated_at
    audits = db.session.scalar(select(func.count()).select_from(AuditEvent))

    again = halifax_api.post(BATCH, json=body, key="1-2")
    assert again.status_code == 200
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_data() == first.get_data()
    assert held()[ref(1)].updated_at == stamp
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == audits

    # Without the key the same body is a new request: the hub answers "stale", not created.
    assert statuses(halifax_api.batch(profile(1), tombstone(2, 1))) == ["stale", "stale"]


def test_key_reused_with_another_body_is_422(halifax_api: Api) -> None:
    assert statuses(halifax_api.post(BATCH, json={"items": [profile(1)]}, key="k")) == ["created"]
    response = halifax_api.post(BATCH, json={"items": [profile(1, version=2)]}, key="k")
    assert response.status_code == 422
    assert response.get_json()["message"] == "Idempotency-Key reused with a different body."
    assert held()[ref(1)].version == 1


def test_a_reused_key_is_logged_as_a_security_event(
    halifax_api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    halifax_api.post(BATCH, json={"items": [profile(1)]}, key="secret-key-7")
    with caplog.at_level("WARNING", logger="hub.security"):
        response = halifax_api.post(
            BATCH, json={"items": [profile(1, version=2)]}, key="secret-key-7"
        )
    assert response.status_code == 422
    [event] = [r for r in caplog.records if r.name == "hub.security"]
    message = event.getMessage()
    halifax = db.session.scalar(select(Community.id).where(Community.slug == "halifax"))
    assert f"community={halifax} " in message and f"path={BATCH}" in message
    # Neither the key nor anything of the body: only a prefix of the key's hash.
    assert "secret-key-7" not in message and ref(1) not in message


def test_a_nul_echoed_from_a_rejected_item_is_answered_not_stored(halifax_api: Api) -> None:
    """PostgreSQL's jsonb cannot hold a NUL: storing the answer used to be a 500."""
    items = [profile(1), {**profile(2), "ref": "ab\x00cd"}, {**profile(3), "bad\x00field": 1}]
    response = halifax_api.post(BATCH, json={"items": items}, key="nul")
    assert statuses(response) == ["created", "rejected", "rejected"]
    assert response.get_json()["results"][1]["ref"] == "ab\x00cd"
    assert db.session.scalar(select(func.count()).select_from(IdempotencyRecord)) == 0
    assert held()[ref(1)].version == 1  # the valid item's work committed all the same


def last_sync(slug: str = "halifax") -> Any:
    db.session.expire_all()
    return db.session.scalar(select(Community.last_sync_at).where(Community.slug == slug))


def test_a_sync_stamps_last_sync_at_with_its_data(halifax_api: Api) -> None:
    assert halifax_api.post(BATCH, json={"items": []}).status_code == 422
    assert last_sync() is None  # a refused batch is no sync
    assert statuses(halifax_api.batch(profile(1))) == ["created"]
    first = last_sync()
    assert first is not None and first.tzinfo is not None
    # A batch that changes nothing is a sync all the same: the node was heard from.
    assert statuses(halifax_api.batch(profile(1))) == ["stale"]
    second = last_sync()
    assert second is not None and second >= first
    assert halifax_api.put(SNAPSHOT, json={"refs": [ref(1)], "version": 1}).status_code == 200
    third = last_sync()
    assert third is not None and third >= second
    assert last_sync("stlouis") is None


def test_the_key_is_per_community(halifax_api: Api, stlouis_api: Api) -> None:
    assert statuses(halifax_api.post(BATCH, json={"items": [profile(1)]}, key="same")) == [
        "created"
    ]
    other = stlouis_api.post(BATCH, json={"items": [profile(2)]}, key="same")
    assert statuses(other) == ["created"]
    assert "Idempotent-Replayed" not in other.headers


@pytest.mark.parametrize("key", [None, "", "x" * 81, "has space"])
def test_a_post_without_a_usable_key_is_400(halifax_api: Api, key: str | None) -> None:
    headers = {} if key is None else {"Idempotency-Key": key}
    response = halifax_api.client.post(
        BATCH, json={"items": [profile(1)]}, headers={**halifax_api._headers(headers)}
    )
    assert response.status_code == 400
    assert response.get_json()["error"] in ("idempotency_key_missing", "idempotency_key_invalid")
    assert held() == {}


def test_a_failed_request_is_not_stored_so_a_fixed_retry_applies(halifax_api: Api) -> None:
    assert halifax_api.post(BATCH, json={"items": []}, key="k1").status_code == 422
    assert statuses(halifax_api.post(BATCH, json={"items": [profile(1)]}, key="k1")) == ["created"]


def test_communities_have_separate_ref_spaces(halifax_api: Api, stlouis_api: Api) -> None:
    assert statuses(halifax_api.batch(profile(1, version=5))) == ["created"]
    # St. Louis cannot overwrite or delete Halifax's profile: the same ref is its own.
    assert statuses(stlouis_api.batch(profile(1, version=1, occupation="15-1252"))) == ["created"]
    assert statuses(stlouis_api.batch(tombstone(1, version=9))) == ["deleted"]
    response = stlouis_api.put(SNAPSHOT, json={"refs": [], "version": 100})
    assert response.get_json() == {"kept": 0, "tombstoned": 0}
    mine = held("halifax")[ref(1)]
    assert (mine.deleted, mine.version, mine.occupation) == (False, 5, "29-1141")
    theirs = held("stlouis")[ref(1)]
    assert (theirs.deleted, theirs.version) == (True, 9)


def test_snapshot_tombstones_what_the_node_no_longer_lists(halifax_api: Api) -> None:
    halifax_api.batch(profile(1), profile(2), profile(3, version=10), tombstone(4, 1))
    response = halifax_api.put(SNAPSHOT, json={"refs": [ref(1)], "version": 5})
    assert response.status_code == 200, response.get_json()
    # ref 2 goes; ref 3 is newer than the snapshot (changed after it was taken) and stays.
    assert response.get_json() == {"kept": 2, "tombstoned": 1}
    rows = held()
    assert rows[ref(2)].deleted and rows[ref(2)].version == 5 and rows[ref(2)].occupation is None
    assert not rows[ref(1)].deleted and not rows[ref(3)].deleted
    assert halifax_api.put(SNAPSHOT, json={"refs": [ref(1)], "version": 5}).get_json() == {
        "kept": 2,
        "tombstoned": 0,
    }
    # An upsert older than the snapshot cannot bring the ref back.
    assert statuses(halifax_api.batch(profile(2, version=4))) == ["stale"]


@pytest.mark.parametrize(
    "body",
    [
        {"refs": ["nope"], "version": 1},
        {"refs": [ref(1), ref(1)], "version": 1},
        {"refs": [], "version": 0},
        {"refs": [], "version": 1, "extra": True},
    ],
)
def test_a_malformed_snapshot_is_422(halifax_api: Api, body: dict[str, Any]) -> None:
    halifax_api.batch(profile(1))
    assert halifax_api.put(SNAPSHOT, json=body).status_code == 422
    assert not held()[ref(1)].deleted


def test_a_body_over_the_limit_is_413(halifax_api: Api, hub_app: Flask) -> None:
    padding = {"items": [profile(1)], "pad": "x" * hub_app.config["MAX_CONTENT_LENGTH"]}
    response = halifax_api.post(BATCH, json=padding)
    assert response.status_code == 413
    assert response.get_json()["code"] == 413
    assert held() == {}


@pytest.mark.parametrize("hub_app_config", [{"MAX_CONTENT_LENGTH": 1000}])
def test_the_limit_is_configurable(halifax_api: Api) -> None:
    assert halifax_api.batch(profile(1)).status_code == 200
    big = halifax_api.post(BATCH, json={"items": [profile(n) for n in range(10)]})
    assert big.status_code == 413


def test_writing_needs_the_profiles_write_scope(
    api_for: Callable[..., Api], halifax: Credentials
) -> None:
    reader = api_for(halifax, "directory:read resources:read")
    response = reader.batch(profile(1))
    assert response.status_code == 403
    assert response.get_json()["error"] == "insufficient_scope"
    assert reader.put(SNAPSHOT, json={"refs": [], "version": 1}).status_code == 403
    assert held() == {}


def test_no_token_is_401(hub_client: Any, halifax: Credentials) -> None:
    response = hub_client.post(
        BATCH, json={"items": [profile(1)]}, headers={"Idempotency-Key": "k"}
    )
    assert response.status_code == 401


def test_a_silenced_community_cannot_write(halifax_api: Api) -> None:
    halifax_api.batch(profile(1))
    set_status("halifax", CommunityStatus.SILENCED, actor="test")
    response = halifax_api.batch(profile(1, version=2))
    assert response.status_code == 403
    assert response.get_json()["error"] == "community_silenced"
    snapshot = halifax_api.put(SNAPSHOT, json={"refs": [], "version": 9})
    assert snapshot.status_code == 403
    assert held()[ref(1)].version == 1 and not held()[ref(1)].deleted


def test_the_replayed_body_is_byte_identical(halifax_api: Api) -> None:
    body = {"items": [profile(1)]}
    first = halifax_api.post(BATCH, json=body, key="x")
    second = halifax_api.post(BATCH, json=body, key="x")
    assert body_of(first) == body_of(second)

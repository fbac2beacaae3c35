"""Erasure at either side's request, and retention: the hub keeps no pitch or card."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskCliRunner
from sqlalchemy import select

from hub.audit.models import AuditEvent
from hub.communities.services import Credentials
from hub.extensions import db
from hub.idempotency.models import IdempotencyRecord
from hub.introductions.models import Introduction
from shared.crypto import generate_keypair, seal_text
from tests.hub.federation.conftest import Api
from tests.hub.introductions.conftest import CONSENT, INTROS, request_intro

KEY_URL = "/api/v1/communities/me/public-key"


def _exchanged(halifax_api: Api, stlouis_api: Api, listed_id: int) -> dict[str, Any]:
    """An accepted introduction with both sealed cards at the hub."""
    a, b = generate_keypair(), generate_keypair()
    halifax_api.put(KEY_URL, json={"public_key": a.public})
    stlouis_api.put(KEY_URL, json={"public_key": b.public})
    intro = request_intro(halifax_api, listed_id).get_json()
    stlouis_api.post(f"{INTROS}/{intro['id']}/accept")
    cards = f"{INTROS}/{intro['id']}/cards"
    assert halifax_api.post(cards, json={"sealed": seal_text(b.public, b"a")}).status_code == 201
    assert stlouis_api.post(cards, json={"sealed": seal_text(a.public, b"b")}).status_code == 201
    return intro


def _row(intro_id: int) -> Introduction:
    db.session.expire_all()
    row = db.session.get(Introduction, intro_id)
    assert row is not None
    return row


def _events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_requester_erases_an_accepted_introduction(
    halifax_api: Api, stlouis_api: Api, listed_id: int
) -> None:
    intro = _exchanged(halifax_api, stlouis_api, listed_id)
    assert _row(intro["id"]).cards_exchanged_at is not None
    seen = stlouis_api.get(f"{INTROS}/inbox?since=0").get_json()["next"]

    erased = halifax_api.post(f"{INTROS}/{intro['id']}/erase", json={}, key="erase-1")
    assert erased.status_code == 200, erased.get_json()
    body = erased.get_json()
    assert body["erased_by"] == "requester" and body["erased_at"]
    assert body["status"] == "accepted" and body["pitch"] is None
    assert body["peer_card"] is None and body["consent_ref"] is None and body["allowed"] == []
    row = _row(intro["id"])
    assert (row.pitch, row.consent_ref, row.card_from, row.card_to) == ({}, None, None, None)
    # Nor do the stored answers of earlier calls keep a copy for a replay to hand back.
    stored = json.dumps([r.response for r in db.session.scalars(select(IdempotencyRecord))])
    assert CONSENT not in stored and '"target_occupation"' not in stored
    assert '"peer_card": null' in stored and '"peer_card": "' not in stored

    # The other side learns it from its feed, with nothing left to read.
    (item,) = stlouis_api.get(f"{INTROS}/inbox?since={seen}").get_json()["items"]
    assert item["erased_at"] == body["erased_at"] and item["pitch"] is None
    assert item["peer_card"] is None and item["erased_by"] == "requester"

    # Idempotent: the same key replays, another key (or the other side) changes nothing.
    again = halifax_api.post(f"{INTROS}/{intro['id']}/erase", json={}, key="erase-1")
    assert again.get_json() == body
    theirs = stlouis_api.post(f"{INTROS}/{intro['id']}/erase", json={})
    assert theirs.status_code == 200 and theirs.get_json()["erased_at"] == body["erased_at"]
    assert stlouis_api.get(f"{INTROS}/inbox?since={item['seq']}").get_json()["items"] == []
    # No card travels any more.
    late = stlouis_api.post(f"{INTROS}/{intro['id']}/cards", json={"sealed": "AAAA"})
    assert late.status_code == 409

    first, second = _events("introduction.erase")
    assert first.details == {
        "side": "requester",
        "reason": "erasure",
        "deleted": ["pitch", "consent_ref", "card_from", "card_to"],
        "ended": False,
        "stored_answers": 4,  # the request, the acceptance and the two cards
    }
    assert second.details is not None and second.details["already"] is True
    assert CONSENT not in json.dumps([first.details, second.details])


def test_erasing_a_waiting_request_ends_it(
    halifax_api: Api, stlouis_api: Api, listed_id: int
) -> None:
    intro = request_intro(halifax_api, listed_id).get_json()
    body = stlouis_api.post(
        f"{INTROS}/{intro['id']}/erase", json={"reason": "consent_withdrawn"}
    ).get_json()
    assert body["status"] == "withdrawn" and body["end_reason"] == "consent_withdrawn"
    assert body["erased_by"] == "connector"
    other = request_intro(halifax_api, listed_id, consent="d" * 32).get_json()
    ended = halifax_api.post(f"{INTROS}/{other['id']}/erase", json={}).get_json()
    assert (ended["status"], ended["end_reason"]) == ("withdrawn", "erased")
    assert stlouis_api.post(f"{INTROS}/{other['id']}/accept").status_code == 409


def test_erase_refusals(
    halifax_api: Api, stlouis_api: Api, listed_id: int, api_for: Callable[..., Api],
    halifax: Credentials,
) -> None:  # fmt: skip
    intro = request_intro(halifax_api, listed_id).get_json()
    url = f"{INTROS}/{intro['id']}/erase"
    assert halifax_api.post(url, json={"reason": "bored"}).status_code == 422
    assert halifax_api.post(url, json={}, key=None).status_code in (400, 428)
    assert halifax_api.post(f"{INTROS}/999999/erase", json={}).status_code == 404
    assert api_for(halifax, "intros:read").post(url, json={}).status_code == 403
    assert _row(intro["id"]).erased_at is None


@pytest.mark.parametrize("hub_app_config", [{"INTRO_RETENTION_DAYS": 30}])
def test_retention_purges_ended_introductions(
    halifax_api: Api, stlouis_api: Api, listed_id: int, hub_runner: FlaskCliRunner
) -> None:
    accepted = _exchanged(halifax_api, stlouis_api, listed_id)
    declined = request_intro(halifax_api, listed_id, consent="d" * 32).get_json()
    stlouis_api.post(f"{INTROS}/{declined['id']}/decline")
    waiting = request_intro(halifax_api, listed_id, consent="e" * 32).get_json()
    exchanged_at = _row(accepted["id"]).cards_exchanged_at
    assert exchanged_at is not None

    soon = exchanged_at + dt.timedelta(days=29)
    result = hub_runner.invoke(args=["introductions", "purge", "--now", soon.isoformat()])
    assert result.exit_code == 0 and "No ended introductions" in result.output, result.output

    later = exchanged_at + dt.timedelta(days=30, minutes=1)
    # The tick purges too; the waiting request is expired by it, not purged (it just ended).
    result = hub_runner.invoke(args=["tick", "--now", later.isoformat()])
    assert result.exit_code == 0 and "Purged the pitch and cards of 2" in result.output, (
        result.output
    )
    for intro_id in (accepted["id"], declined["id"]):
        row = _row(intro_id)
        assert row.purged_at is not None and row.status.value in ("accepted", "declined")
        assert (row.pitch, row.consent_ref, row.card_from, row.card_to) == ({}, None, None, None)
    kept = _row(waiting["id"])
    assert kept.status.value == "expired" and kept.pitch and kept.purged_at is None
    events = _events("introduction.purge")
    assert sorted(e.entity_id for e in events) == [accepted["id"], declined["id"]]
    assert all(e.details and e.details["retention_days"] == 30 for e in events)
    assert halifax_api.get(f"{INTROS}/{accepted['id']}").get_json()["pitch"] is None
    rerun = hub_runner.invoke(args=["introductions", "purge", "--now", later.isoformat()])
    assert "No ended introductions" in rerun.output

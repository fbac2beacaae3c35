"""Erasure and consent withdrawal reach the hub and the other city; disclosures show it."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from community_node.audit.models import AuditEvent
from community_node.extensions import db
from community_node.introductions.models import CrossCityIntro, NodeKeyPair
from community_node.participants.models import ConsentPurpose
from community_node.sync.models import ListedConnector
from shared.crypto import seal_text
from shared.hubclient import HubRejected, HubUnavailable
from tests.community_node.factories import ConnectorFactory, ConsentFactory
from tests.community_node.introductions.fakehub import FakeIntrosHub
from tests.community_node.introductions.test_intros import INTROS, consenting_consent

PEER_CARD = {"role": "connector", "name": "Jordan Lee", "email": "jordan.canary@example.org"}


def _events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def _accepted_outgoing(api: Any, hub: FakeIntrosHub, connectee: Any) -> dict[str, Any]:
    """An outgoing introduction, accepted, both cards exchanged (ours sealed to the peer)."""
    intro = api.post(INTROS, json={"connectee_id": connectee.id, "directory_profile_id": 77})
    intro = intro.get_json()
    api.post(f"{INTROS}/sync")  # registers our key
    own_key = db.session.scalars(select(NodeKeyPair)).one().public_key
    hub.feed.append(
        hub.view(intro["hub_id"], seq=50, status="accepted", peer_public_key=hub.peer.public,
                 peer_card=seal_text(own_key, json.dumps(PEER_CARD).encode()))
    )  # fmt: skip
    report = api.post(f"{INTROS}/sync").get_json()
    assert report["cards_received"] == 1
    body = api.get(f"{INTROS}/{intro['id']}").get_json()
    assert body["card_sent"] and body["their_card"] == PEER_CARD
    return body


def test_erasing_the_connectee_erases_at_the_hub_on_the_next_sync(
    api: Any,
    hub: FakeIntrosHub,
    consenting: Any,
) -> None:
    intro = _accepted_outgoing(api, hub, consenting)
    assert api.delete(f"/api/v1/connectees/{consenting.id}").status_code == 204

    # In the erasure's own transaction: our copies are gone, the hub call is owed.
    row = db.session.get(CrossCityIntro, intro["id"])
    assert row is not None and row.erase_requested_at is not None and row.erase_reason == "erasure"
    assert row.their_card is None and row.pitch == {} and row.hub_erased_at is None
    (requested,) = _events("cross_city_intro.erase_requested")
    assert requested.details == {
        "hub_id": intro["hub_id"],
        "reason": "erasure",
        "deleted": ["pitch", "their_card"],
        "marked": True,
    }

    hub.fail = HubUnavailable("down")
    assert api.post(f"{INTROS}/sync").status_code == 503
    hub.fail = None
    report = api.post(f"{INTROS}/sync").get_json()
    assert report["erased"] == 1
    assert ("erase", (intro["hub_id"], "erasure")) in hub.calls
    body = api.get(f"{INTROS}/{intro['id']}").get_json()
    assert body["hub_erased_at"] and body["their_card"] is None and body["status"] == "accepted"
    (confirmed,) = _events("cross_city_intro.erase_confirmed")
    assert confirmed.details == {"hub_id": intro["hub_id"], "erased_by": "requester"}
    # Once confirmed, it is not asked again.
    calls = len(hub.calls)
    api.post(f"{INTROS}/sync")
    assert [c for c in hub.calls[calls:] if c[0] == "erase"] == []

    # Where the data went: names of fields and dates, no values.
    (item,) = api.get(f"{INTROS}/disclosures?connectee_id={consenting.id}").get_json()["items"]
    assert item["community"] == "stlouis" and item["direction"] == "outgoing"
    pitch, card = item["sent"]
    assert pitch["what"] == "pitch" and "pitch.target_occupation" in pitch["fields"]
    assert "consent_ref" in pitch["fields"] and pitch["at"]
    assert card["what"] == "card" and card["fields"] == [
        "card.community", "card.email", "card.name", "card.phone", "card.role",
    ]  # fmt: skip
    assert item["erase_requested_at"] and item["hub_erased_at"] and item["erase_reason"]
    text = json.dumps(item)
    assert "29-1141" not in text and "Jordan" not in text and consenting.last_name not in text


def test_withdrawing_cross_city_consent_erases_only_what_it_covered(
    api: Any,
    hub: FakeIntrosHub,
    consenting: Any,
) -> None:
    intro = _accepted_outgoing(api, hub, consenting)
    other = ConsentFactory(connectee_id=consenting.id, purpose=ConsentPurpose.DIRECTORY_LISTING)
    assert api.post(f"/api/v1/consents/{other.id}/withdraw", json={}).status_code == 200
    assert db.session.get(CrossCityIntro, intro["id"]).erase_requested_at is None  # type: ignore[union-attr]

    consent = consenting_consent(consenting.id)
    assert api.post(f"/api/v1/consents/{consent}/withdraw", json={}).status_code == 200
    report = api.post(f"{INTROS}/sync").get_json()
    assert report["erased"] == 1 and report["withdrawn"] == 0
    assert ("erase", (intro["hub_id"], "consent_withdrawn")) in hub.calls
    body = api.get(f"{INTROS}/{intro['id']}").get_json()
    assert body["erase_reason"] == "consent_withdrawn" and body["hub_erased_at"]
    assert body["their_card"] is None and body["pitch"] == {}


def test_the_peer_deletes_its_copy_when_the_feed_says_erased(
    api: Any, runner: Any, hub: FakeIntrosHub
) -> None:
    connector = ConnectorFactory()
    db.session.add(ListedConnector(connector_id=connector.id, ref="a" * 32, listed=True, version=1))
    db.session.commit()
    hub.feed.append(
        hub.view(5, direction="incoming", connector_ref="a" * 32, consent_ref=None,
                 from_community="stlouis", to_community="halifax")
    )  # fmt: skip
    runner.invoke(args=["introductions", "sync"])
    (incoming,) = api.get(f"{INTROS}?direction=incoming").get_json()["items"]
    assert api.post(f"{INTROS}/{incoming['id']}/accept").status_code == 200
    own_key = db.session.scalars(select(NodeKeyPair)).one().public_key
    card = {"role": "connectee", "name": "Amira Haddad", "email": "amira.canary@example.org"}
    hub.feed.append(
        hub.view(5, seq=9, status="accepted", card_sent=True,
                 peer_card=seal_text(own_key, json.dumps(card).encode()))
    )  # fmt: skip
    runner.invoke(args=["introductions", "sync"])
    assert api.get(f"{INTROS}/{incoming['id']}").get_json()["their_card"] == card

    hub.feed.append(
        hub.view(5, seq=12, pitch=None, peer_card=None, erased_by="requester",
                 erased_at="2026-03-02T00:00:00+00:00")
    )  # fmt: skip
    result = runner.invoke(args=["introductions", "sync"])
    assert "1 erased by the other side" in result.output, result.output
    body = api.get(f"{INTROS}/{incoming['id']}").get_json()
    assert body["their_card"] is None and body["pitch"] == {} and body["hub_erased_at"]
    assert body["erase_requested_at"] is None
    (event,) = _events("cross_city_intro.peer_erased")
    assert event.details == {
        "hub_id": 5,
        "erased_by": "requester",
        "deleted": ["pitch", "their_card"],
    }
    assert "amira" not in json.dumps(event.details).lower()


def test_erasing_a_connector_erases_their_incoming_introductions(
    api: Any, runner: Any, hub: FakeIntrosHub
) -> None:
    connector = ConnectorFactory()
    db.session.add(ListedConnector(connector_id=connector.id, ref="a" * 32, listed=True, version=1))
    db.session.commit()
    hub.feed.append(
        hub.view(6, direction="incoming", connector_ref="a" * 32, consent_ref=None,
                 from_community="stlouis", to_community="halifax")
    )  # fmt: skip
    runner.invoke(args=["introductions", "sync"])
    (incoming,) = api.get(f"{INTROS}?direction=incoming").get_json()["items"]
    assert api.post(f"{INTROS}/{incoming['id']}/accept").status_code == 200
    assert api.delete(f"/api/v1/connectors/{connector.id}").status_code == 204
    report = api.post(f"{INTROS}/sync").get_json()
    assert report["erased"] == 1 and ("erase", (6, "erasure")) in hub.calls
    (item,) = api.get(f"{INTROS}/disclosures?connector_id={connector.id}").get_json()["items"]
    assert item["direction"] == "incoming" and item["hub_erased_at"]
    assert [sent["what"] for sent in item["sent"]] == ["card"]


def test_a_hub_that_no_longer_knows_the_introduction_holds_nothing_of_it(
    api: Any,
    hub: FakeIntrosHub,
    consenting: Any,
) -> None:
    intro = api.post(INTROS, json={"connectee_id": consenting.id, "directory_profile_id": 77})
    assert api.delete(f"/api/v1/connectees/{consenting.id}").status_code == 204

    def missing(*args: Any, **kw: Any) -> Any:
        raise HubRejected("gone", status=404, body={"message": "No introduction."})

    # Only the erase call fails (``hub.fail`` would fail the feed as well).
    hub.erase_intro = missing  # type: ignore[method-assign]
    assert api.post(f"{INTROS}/sync").get_json()["erased"] == 1
    body = api.get(f"{INTROS}/{intro.get_json()['id']}").get_json()
    assert body["hub_erased_at"] and body["pitch"] == {}


def test_disclosures_need_exactly_one_person(api: Any) -> None:
    assert api.get(f"{INTROS}/disclosures").status_code == 422
    assert api.get(f"{INTROS}/disclosures?connectee_id=1&connector_id=1").status_code == 422
    assert api.get(f"{INTROS}/disclosures?connectee_id=1").get_json() == {"items": []}

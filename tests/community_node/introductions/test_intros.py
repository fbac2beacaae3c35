"""Cross-city introductions on the node: requests, the inbox, decisions, sealed cards."""

from __future__ import annotations

import json
from typing import Any

from community_node.extensions import db
from community_node.introductions.models import CrossCityIntro, NodeKeyPair
from community_node.matching.adapters import cross_city_consent
from community_node.participants.models import ProfileStatus
from community_node.sync.models import ListedConnector
from shared.crypto import seal_text, unseal_text
from shared.hubclient import HubRejected, HubUnavailable
from tests.community_node.factories import ConnecteeFactory, ConnectorFactory
from tests.community_node.introductions.fakehub import FakeIntrosHub

INTROS = "/api/v1/introductions"


def test_request_needs_consent_and_sends_only_the_pitch(
    api: Any, hub: FakeIntrosHub, consenting: Any
) -> None:
    other = ConnecteeFactory(status=ProfileStatus.APPROVED)
    refused = api.post(INTROS, json={"connectee_id": other.id, "directory_profile_id": 77})
    assert refused.status_code == 409 and hub.calls == []
    response = api.post(INTROS, json={"connectee_id": consenting.id, "directory_profile_id": 77})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["direction"] == "outgoing" and body["status"] == "requested"
    assert body["hub_id"] and body["other_community"] == "stlouis"
    ((kind, (profile_id, pitch, ref)),) = hub.calls
    assert kind == "request" and profile_id == 77
    assert set(pitch) == {"target_occupation", "experience_band", "languages", "skills"}
    assert consenting.email not in json.dumps(pitch) and len(ref) == 32
    assert str(consenting.id) != ref


def test_request_errors(api: Any, viewer_api: Any, hub: FakeIntrosHub, consenting: Any) -> None:
    body = {"connectee_id": consenting.id, "directory_profile_id": 77}
    assert viewer_api.post(INTROS, json=body).status_code == 403
    assert api.post(INTROS, json={**body, "connectee_id": 999}).status_code == 422
    assert api.post(INTROS, json={**body, "extra": 1}).status_code == 422
    hub.fail = HubRejected("x", status=409, body={"message": "taken", "allowed": []})
    assert api.post(INTROS, json=body).status_code == 409
    hub.fail = HubUnavailable("down")
    assert api.post(INTROS, json=body).status_code == 503
    assert db.session.query(CrossCityIntro).count() == 0  # nothing kept from failed requests


def test_without_a_hub(api: Any, consenting: Any) -> None:
    body = {"connectee_id": consenting.id, "directory_profile_id": 77}
    assert api.post(INTROS, json=body).status_code == 409


def test_incoming_request_accept_and_cards(api: Any, runner: Any, hub: FakeIntrosHub) -> None:
    connector = ConnectorFactory(phone="+1 314 555 0101")
    db.session.add(ListedConnector(connector_id=connector.id, ref="a" * 32, listed=True, version=1))
    db.session.commit()
    hub.feed.append(
        hub.view(5, direction="incoming", connector_ref="a" * 32, consent_ref=None,
                 from_community="stlouis", to_community="halifax")
    )  # fmt: skip
    result = runner.invoke(args=["introductions", "sync"])
    assert result.exit_code == 0 and "1 new incoming" in result.output, result.output
    assert hub.registered_key == db.session.query(NodeKeyPair).one().public_key
    (listed,) = api.get(f"{INTROS}?direction=incoming").get_json()["items"]
    assert listed["connector_id"] == connector.id and listed["pitch"]["target_occupation"]
    url = f"{INTROS}/{listed['id']}"
    assert api.post(f"{url}/withdraw").status_code == 409  # not ours to withdraw

    accepted = api.post(f"{url}/accept")
    assert accepted.status_code == 200, accepted.get_json()
    assert accepted.get_json()["status"] == "accepted" and accepted.get_json()["card_sent"]
    # Our card went sealed to the peer's key: only the peer can open it.
    (_, (hub_id, sealed)) = hub.calls[-1]
    card = json.loads(unseal_text(FakeIntrosHub.peer.private, sealed))
    assert card["name"] == connector.full_name and card["role"] == "connector"
    assert connector.email not in sealed
    assert api.post(f"{url}/decline").status_code == 409

    # The peer's card arrives on the next sync and is shown decrypted.
    own_key = db.session.query(NodeKeyPair).one().public_key
    peer_card = {"role": "connectee", "name": "Amira H.", "email": "amira@example.org"}
    hub.feed.append(
        hub.view(5, seq=9, status="accepted", card_sent=True,
                 peer_card=seal_text(own_key, json.dumps(peer_card).encode()))
    )  # fmt: skip
    assert "1 card(s) received" in runner.invoke(args=["introductions", "sync"]).output
    assert api.get(url).get_json()["their_card"] == peer_card


def test_withdrawn_consent_withdraws_waiting_requests(
    api: Any, hub: FakeIntrosHub, consenting: Any
) -> None:
    intro = api.post(
        INTROS, json={"connectee_id": consenting.id, "directory_profile_id": 77}
    ).get_json()
    consent = consenting_consent(consenting.id)
    response = api.post(f"/api/v1/consents/{consent}/withdraw")
    assert response.status_code in (200, 201), response.get_json()
    report = api.post(f"{INTROS}/sync").get_json()
    assert report["withdrawn"] == 1 and report["erased"] == 1
    # Withdrawing cross-city consent erases at the hub, which ends the waiting request.
    assert ("erase", (intro["hub_id"], "consent_withdrawn")) in hub.calls
    body = api.get(f"{INTROS}/{intro['id']}").get_json()
    assert body["status"] == "withdrawn" and body["end_reason"] == "consent_withdrawn"


def consenting_consent(connectee_id: int) -> int:
    consent = cross_city_consent(connectee_id)
    assert consent is not None
    return consent.id


def test_hub_connect_registers_the_public_key(runner: Any, app: Any) -> None:
    fake = FakeIntrosHub()
    app.config["SYNC_CLIENT_FACTORY"] = lambda connection: fake
    result = runner.invoke(
        args=["hub", "connect", "--url", "http://127.0.0.1:9", "--client-id", "c",
              "--client-secret", "s"]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    pair = db.session.query(NodeKeyPair).one()
    assert fake.registered_key == pair.public_key and len(pair.private_key) == 32

"""Sealed contact cards: the hub carries boxes it cannot open, only after acceptance."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from hub.auth.models import SigningKey
from hub.extensions import db
from shared.crypto import CryptoError, generate_keypair, seal_text, unseal, unseal_text
from tests.hub.federation.conftest import Api
from tests.hub.introductions.conftest import INTROS, request_intro

KEY_URL = "/api/v1/communities/me/public-key"
CANARY = "Amira Haddad, amira.canary@example.org, +1 902 555 0199"


def test_public_key_registration(halifax_api: Api) -> None:
    pair = generate_keypair()
    response = halifax_api.put(KEY_URL, json={"public_key": pair.public})
    assert response.status_code == 200
    assert response.get_json() == {"community": "halifax", "public_key": pair.public}
    assert halifax_api.get(KEY_URL).get_json()["public_key"] == pair.public
    assert halifax_api.put(KEY_URL, json={"public_key": "short"}).status_code == 422
    assert halifax_api.put(KEY_URL, json={"public_key": pair.public, "x": 1}).status_code == 422


def test_cards_travel_sealed_and_the_hub_cannot_read_them(
    halifax_api: Api, stlouis_api: Api, listed_id: int
) -> None:
    a, b = generate_keypair(), generate_keypair()
    assert halifax_api.put(KEY_URL, json={"public_key": a.public}).status_code == 200
    assert stlouis_api.put(KEY_URL, json={"public_key": b.public}).status_code == 200
    intro = request_intro(halifax_api, listed_id).get_json()
    assert intro["peer_public_key"] is None  # not before acceptance
    cards = f"{INTROS}/{intro['id']}/cards"
    early = halifax_api.post(cards, json={"sealed": seal_text(b.public, b"x")})
    assert early.status_code == 409

    accepted = stlouis_api.post(f"{INTROS}/{intro['id']}/accept").get_json()
    assert accepted["peer_public_key"] == a.public
    mine = halifax_api.get(f"{INTROS}/{intro['id']}").get_json()
    assert mine["peer_public_key"] == b.public and mine["allowed"] == ["cards"]

    card_a = json.dumps({"name": CANARY}).encode()
    card_b = json.dumps({"name": "Dr. Jordan Lee, canary-b@example.org"}).encode()
    sent = halifax_api.post(cards, json={"sealed": seal_text(mine["peer_public_key"], card_a)})
    assert sent.status_code == 201 and sent.get_json()["card_sent"] is True
    assert halifax_api.post(cards, json={"sealed": "AAAA"}).status_code == 409
    assert stlouis_api.post(cards, json={"sealed": "not base64!"}).status_code == 422
    assert stlouis_api.post(cards, json={"sealed": seal_text(a.public, card_b)}).status_code == 201

    at_b = stlouis_api.get(f"{INTROS}/{intro['id']}").get_json()
    at_a = halifax_api.get(f"{INTROS}/{intro['id']}").get_json()
    assert unseal_text(b.private, at_b["peer_card"]) == card_a
    assert unseal_text(a.private, at_a["peer_card"]) == card_b
    assert at_a["allowed"] == [] and at_b["allowed"] == []

    # Nothing the hub holds opens a card: not its signing keys, not any stored value.
    stored = {row[0] for row in db.session.execute(text("SELECT card_from FROM introductions"))}
    (sealed_a,) = stored
    held: list[bytes] = [k.private_pem.encode() for k in db.session.query(SigningKey)]
    held += [a.public.encode(), b.public.encode()]
    for candidate in held:
        with pytest.raises(CryptoError):
            unseal(candidate, sealed_a.encode())
    # The plaintext is nowhere in the hub's database.
    dump = _database_text()
    assert "amira.canary" not in dump and "canary-b" not in dump
    assert sealed_a in dump  # the dump does cover the cards


def _database_text() -> str:
    parts: list[str] = []
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(table.select()):
            parts.extend(repr(value) for value in row)
    return "\n".join(parts)

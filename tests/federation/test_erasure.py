"""Erasure and withdrawal of cross-city consent travel as far as the data went.

Real processes: the hub and two nodes under gunicorn. An introduction crosses from
Halifax to St. Louis; then Halifax erases its connectee (or the connectee withdraws
cross-city consent). After Halifax's sync, the hub's feed and St. Louis's sync, the hub
holds no pitch, consent ref or card for it, St. Louis holds no card, and the audit logs
on all three say so, without a personal value in them. Read straight from the databases.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import MetaData, create_engine, select
from sqlalchemy.engine import Engine
from sqlalchemy.pool import NullPool

from hub.config import normalize_database_url
from tests.federation.harness import Service, node_token, register_community
from tests.federation.nodeapi import NodeApi

pytestmark = pytest.mark.slow


@dataclass
class Cities:
    hub: Service
    halifax: Service
    stlouis: Service
    a: NodeApi
    b: NodeApi


def _connect(hub: Service, node: Service, slug: str) -> None:
    creds = register_community(hub, slug, slug.title())
    node.cli(
        "hub", "connect", "--url", hub.url, "--client-id", creds.client_id,
        "--client-secret", creds.client_secret,
    )  # fmt: skip


@pytest.fixture(scope="module")
def cities(module_hub: Service, module_make_node: Callable[..., Service]) -> Cities:
    """Two connected cities; St. Louis lists five nurses who take cross-city requests."""
    halifax, stlouis = module_make_node("halifax"), module_make_node("stlouis")
    _connect(module_hub, halifax, "halifax")
    _connect(module_hub, stlouis, "stlouis")
    a, b = NodeApi(halifax, node_token(halifax)), NodeApi(stlouis, node_token(stlouis))
    for n, first in enumerate(["Jordan", "Kim", "Lou", "Max", "Noor"]):
        nurse = b.post("/connectors", {
            "first_name": first, "last_name": "Canarylee", "email": f"nurse{n}@example.org",
            "phone": "+1 314 555 0101", "status": "approved", "occupation": "29-1141",
            "years_in_field": 12, "cross_city_ok": True, "remote_ok": True,
            "languages": [{"language": "ara", "level": "native"}],
        })  # fmt: skip
        b.post("/consents", {
            "connector_id": nurse["id"], "purpose": "directory_listing",
            "policy_version": "2026-01",
        })  # fmt: skip
    assert "sent 5" in stlouis.cli("sync").stdout
    return Cities(module_hub, halifax, stlouis, a, b)


@dataclass
class Person:
    id: int
    consent_id: int
    values: tuple[str, ...]  # what must never appear once erased


def _connectee(a: NodeApi, tag: str) -> Person:
    email, phone = f"{tag}.canary@example.org", "+1 902 555 0199"
    connectee = a.post("/connectees", {
        "first_name": f"{tag.title()}first", "last_name": f"{tag.title()}last", "email": email,
        "phone": phone, "status": "approved", "target_occupation": "29-1141",
        "years_experience": 6, "languages": [{"language": "ara", "level": "native"}],
    })  # fmt: skip
    consent = a.post("/consents", {
        "connectee_id": connectee["id"], "purpose": "cross_city_introductions",
        "policy_version": "2026-01",
    })  # fmt: skip
    values = (f"{tag.title()}first", f"{tag.title()}last", email, phone)
    return Person(connectee["id"], consent["id"], values)


def _introduce(c: Cities, person: Person, *, accept: bool) -> tuple[dict[str, Any], int]:
    """Request an introduction for ``person``; return Halifax's record and St. Louis's id."""
    found = c.a.get(f"/matching/suggestions/{person.id}")
    hit = found["cross_city"][0]
    outgoing = c.a.post("/introductions", {
        "connectee_id": person.id, "directory_profile_id": hit["directory_profile_id"],
    })  # fmt: skip
    c.stlouis.cli("introductions", "sync")
    incoming = c.b.get("/introductions", direction="incoming", per_page=100)["items"]
    (theirs,) = [i for i in incoming if i["hub_id"] == outgoing["hub_id"]]
    if accept:
        c.b.post(f"/introductions/{theirs['id']}/accept", {}, expect=200)
        c.halifax.cli("introductions", "sync")  # opens St. Louis's card, sends its own
        c.stlouis.cli("introductions", "sync")  # opens Halifax's card
    return outgoing, theirs["id"]


@pytest.fixture(scope="module")
def databases(cities: Cities) -> Iterator[Callable[[Service], Engine]]:
    """Open a service's own database, as an operator's query would."""
    engines: dict[str, Engine] = {}

    def engine(service: Service) -> Engine:
        url = normalize_database_url(service.env["DATABASE_URL"])
        if url not in engines:
            engines[url] = create_engine(url, poolclass=NullPool)
        return engines[url]

    yield engine
    for opened in engines.values():
        opened.dispose()


def _rows(engine: Engine, table: str, **where: Any) -> list[dict[str, Any]]:
    metadata = MetaData()
    metadata.reflect(engine, only=[table])
    t = metadata.tables[table]
    stmt = select(t).where(*(t.c[key] == value for key, value in where.items()))
    with engine.connect() as conn:
        return [dict(row._mapping) for row in conn.execute(stmt)]


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _events(engine: Engine, entity_type: str, entity_id: int) -> dict[str, dict[str, Any]]:
    """The audit events about one record, by action, with their details."""
    rows = _rows(engine, "audit_events", entity_type=entity_type, entity_id=entity_id)
    return {row["action"]: _json(row["details"]) or {} for row in rows}


def _assert_no_values(events: Any, values: tuple[str, ...]) -> None:
    text = json.dumps(events, default=str).lower()
    assert not [value for value in values if value.lower() in text], text


def test_erasing_the_connectee_reaches_the_hub_and_the_other_city(
    cities: Cities, databases: Callable[[Service], Engine]
) -> None:
    c = cities
    person = _connectee(c.a, "erasee")
    outgoing, theirs_id = _introduce(c, person, accept=True)
    hub_id = outgoing["hub_id"]
    at_b = c.b.get(f"/introductions/{theirs_id}")
    assert at_b["their_card"]["email"] == person.values[2]
    (held,) = _rows(databases(c.hub), "introductions", id=hub_id)
    assert held["card_from"] and held["card_to"] and held["consent_ref"]

    c.a.call("DELETE", f"/connectees/{person.id}", 204)
    assert "introductions" in c.halifax.cli("sync").stdout  # tells the hub
    c.stlouis.cli("sync")  # pulls the hub's feed

    # The hub: no pitch, consent ref or card; the record stays, marked erased.
    (row,) = _rows(databases(c.hub), "introductions", id=hub_id)
    assert _json(row["pitch"]) == {} and row["consent_ref"] is None
    assert row["card_from"] is None and row["card_to"] is None
    assert row["erased_at"] is not None and row["erased_by"] == "requester"
    assert row["status"] in ("accepted", "ACCEPTED")
    # Nor do the answers it stored for idempotent replays keep a copy.
    stored = json.dumps(
        [_json(r["response"]) for r in _rows(databases(c.hub), "idempotency_records")]
    )
    for value in (held["consent_ref"], held["card_from"], held["card_to"]):
        assert value not in stored
    # St. Louis: no card, no pitch.
    at_b = c.b.get(f"/introductions/{theirs_id}")
    assert at_b["their_card"] is None and at_b["pitch"] == {} and at_b["hub_erased_at"]
    (b_row,) = _rows(databases(c.stlouis), "cross_city_intros", id=theirs_id)
    assert b_row["their_card"] is None
    # Halifax: the hub confirmed, and its own copy of St. Louis's card is gone too.
    at_a = c.a.get(f"/introductions/{outgoing['id']}")
    assert at_a["their_card"] is None and at_a["hub_erased_at"]

    # Every side's audit log says so, with ids and field names only.
    hub_events = _events(databases(c.hub), "introduction", hub_id)
    assert hub_events["introduction.erase"]["side"] == "requester"
    assert set(hub_events["introduction.erase"]["deleted"]) == {
        "pitch", "consent_ref", "card_from", "card_to",
    }  # fmt: skip
    a_events = _events(databases(c.halifax), "cross_city_intro", outgoing["id"])
    assert a_events["cross_city_intro.erase_requested"]["reason"] == "erasure"
    assert a_events["cross_city_intro.erase_confirmed"]["hub_id"] == hub_id
    b_events = _events(databases(c.stlouis), "cross_city_intro", theirs_id)
    assert b_events["cross_city_intro.peer_erased"]["deleted"] == ["pitch", "their_card"]
    nurse_values = ("Canarylee", "nurse0@example.org", "+1 314 555 0101")
    consent_ref = held["consent_ref"]
    for events in (hub_events, a_events, b_events):
        _assert_no_values(events, (*person.values, *nurse_values, consent_ref))

    # Halifax can show the person where their data went and that it was deleted.
    (item,) = c.a.get("/introductions/disclosures", connectee_id=person.id)["items"]
    assert item["community"] == "stlouis" and item["hub_erased_at"]
    assert [sent["what"] for sent in item["sent"]] == ["pitch", "card"]
    _assert_no_values(item, (*person.values, *nurse_values, "29-1141"))


def test_withdrawing_cross_city_consent_ends_and_erases_a_waiting_request(
    cities: Cities, databases: Callable[[Service], Engine]
) -> None:
    c = cities
    person = _connectee(c.a, "withdrawer")
    outgoing, theirs_id = _introduce(c, person, accept=False)
    hub_id = outgoing["hub_id"]
    assert c.b.get(f"/introductions/{theirs_id}")["pitch"]["target_occupation"] == "29-1141"

    c.a.post(f"/consents/{person.consent_id}/withdraw", {}, expect=200)
    c.halifax.cli("sync")
    c.stlouis.cli("sync")

    (row,) = _rows(databases(c.hub), "introductions", id=hub_id)
    assert _json(row["pitch"]) == {} and row["consent_ref"] is None
    assert row["end_reason"] == "consent_withdrawn" and row["erased_at"] is not None
    at_b = c.b.get(f"/introductions/{theirs_id}")
    assert at_b["status"] == "withdrawn" and at_b["pitch"] == {} and at_b["hub_erased_at"]
    # St. Louis's staff can no longer act on it.
    c.b.call("POST", f"/introductions/{theirs_id}/accept", 409)
    at_a = c.a.get(f"/introductions/{outgoing['id']}")
    assert at_a["status"] == "withdrawn" and at_a["end_reason"] == "consent_withdrawn"
    assert at_a["erase_reason"] == "consent_withdrawn" and at_a["hub_erased_at"]

    hub_events = _events(databases(c.hub), "introduction", hub_id)
    assert hub_events["introduction.erase"]["ended"] is True
    b_events = _events(databases(c.stlouis), "cross_city_intro", theirs_id)
    assert b_events["cross_city_intro.peer_erased"]["deleted"] == ["pitch"]
    a_events = _events(databases(c.halifax), "cross_city_intro", outgoing["id"])
    for events in (hub_events, a_events, b_events):
        _assert_no_values(events, person.values)

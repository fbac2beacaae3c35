"""A connector's change recomputes that connector's directory profile, and equals a full one."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from community_node.extensions import db
from community_node.sync import connection as hub_connection
from community_node.sync import outbox
from community_node.sync.models import DirectoryEntry, HubConnection, ListedConnector, OutboxItem
from tests.community_node.sync.fakehub import FakeHub
from tests.community_node.sync.test_sync import add_connector, items

OCCUPATIONS = ("29-1141", "29-1171", "29-1122", "15-1252")  # three share a major group
CHANGES = ("occupation", "years", "availability", "language", "consent", "status")
SLOTS = ["weekends", "weekday_evenings", "weekday_mornings"]


@pytest.fixture
def connected(app: Flask) -> HubConnection:
    connection, _ = hub_connection.connect(
        "https://hub.example.org", "cid", "secret", actor="test", client_factory=FakeHub().factory()
    )
    return connection


def state() -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """What the hub was told per connector, and the kept directory entries."""
    db.session.expire_all()
    listed = [
        (r.connector_id, r.ref, r.listed, r.version, r.payload_hash)
        for r in db.session.scalars(select(ListedConnector).order_by(ListedConnector.connector_id))
    ]
    entries = [
        (e.connector_id, e.occupation, e.years_in_field, e.facts, e.paused_until)
        + (e.published_occupation, e.published_level, e.published_band)
        for e in db.session.scalars(select(DirectoryEntry).order_by(DirectoryEntry.connector_id))
    ]
    return listed, entries


def assert_full_refresh_changes_nothing() -> None:
    before = state()
    assert outbox.refresh_directory() == 0
    db.session.commit()
    assert state() == before


def count_calls(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    calls: Counter[str] = Counter()

    def counted(name: str) -> None:
        original: Callable[..., Any] = getattr(outbox, name)

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            calls[name] += 1
            return original(*args, **kwargs)

        monkeypatch.setattr(outbox, name, wrapper)

    for name in ("_facts", "generalize", "profile_payload", "pseudonym"):
        counted(name)
    return calls


def test_one_change_recomputes_one_profile(
    api: Any, connected: HubConnection, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = [add_connector(api, n) for n in range(12)]
    assert connected.directory_cached
    assert_full_refresh_changes_nothing()
    before = len(items())
    calls = count_calls(monkeypatch)
    patched = api.patch(f"/api/v1/connectors/{ids[3]}", json={"availability": ["weekday_mornings"]})
    assert patched.status_code == 200
    # One connector read and anonymized, one payload built, no generalization rerun.
    assert calls == {"_facts": 1, "profile_payload": 1, "pseudonym": 1}
    [latest] = items()[before:]
    assert latest.key == outbox.directory_ref(ids[3])
    assert latest.payload["availability"] == ["weekday_mornings"]
    monkeypatch.undo()
    assert_full_refresh_changes_nothing()


def test_a_cell_change_regeneralizes_but_rebuilds_only_the_profiles_it_moves(
    api: Any, connected: HubConnection, monkeypatch: pytest.MonkeyPatch
) -> None:
    nurses = [add_connector(api, n) for n in range(5)]
    for n in range(7):
        add_connector(api, 10 + n, occupation="29-1171")
    before = len(items())
    calls = count_calls(monkeypatch)
    # One nurse leaves for the other cell: the four nurses left are too few to list.
    patched = api.patch(f"/api/v1/connectors/{nurses[0]}", json={"occupation": "29-1171"})
    assert patched.status_code == 200
    assert calls["_facts"] == 1 and calls["generalize"] == 1
    assert calls["profile_payload"] == 1  # the seven others' cell did not change
    new = {(i.kind.value, i.key) for i in items()[before:]}
    assert new == {("profile", outbox.directory_ref(nurses[0]))} | {
        ("tombstone", outbox.directory_ref(c)) for c in nurses[1:]
    }
    monkeypatch.undo()
    assert_full_refresh_changes_nothing()


def test_random_changes_give_what_a_full_refresh_gives(api: Any, connected: HubConnection) -> None:
    rng = random.Random(18)
    ids = [
        add_connector(
            api, n, occupation=rng.choice(OCCUPATIONS), years_in_field=rng.choice((2, 7, 12, 25))
        )
        for n in range(24)
    ]
    assert_full_refresh_changes_nothing()
    for _ in range(40):
        connector = rng.choice(ids)
        change = rng.choice(CHANGES)
        if change == "occupation":
            data: dict[str, Any] = {"occupation": rng.choice(OCCUPATIONS)}
        elif change == "years":
            data = {"years_in_field": rng.choice((1, 6, 15, 30))}
        elif change == "availability":
            data = {"availability": rng.sample(SLOTS, 2)}
        elif change == "language":
            data = {"languages": [{"language": rng.choice(("fr", "ar")), "level": "B2"}]}
        elif change == "status":
            data = {"status": rng.choice(("approved", "deactivated"))}
        else:
            consents = api.get(f"/api/v1/consents?connector_id={connector}").json["items"]
            active = [c for c in consents if c["withdrawn_at"] is None]
            if active:
                withdrawn = api.post(f"/api/v1/consents/{active[0]['id']}/withdraw", json={})
                assert withdrawn.status_code == 200
            else:
                granted = api.post(
                    "/api/v1/consents",
                    json={
                        "connector_id": connector,
                        "purpose": "directory_listing",
                        "policy_version": "2026-01",
                    },
                )
                assert granted.status_code == 201
            assert_full_refresh_changes_nothing()
            continue
        assert api.patch(f"/api/v1/connectors/{connector}", json=data).status_code == 200
        assert_full_refresh_changes_nothing()
    assert db.session.scalar(select(OutboxItem.seq).limit(1)) is not None


def test_an_upgraded_node_refreshes_in_full_once(api: Any, connected: HubConnection) -> None:
    ids = [add_connector(api, n) for n in range(6)]
    # As after the upgrade that added the entries: none kept, not marked complete.
    db.session.execute(DirectoryEntry.__table__.delete())
    connected.directory_cached = False
    db.session.commit()
    patched = api.patch(f"/api/v1/connectors/{ids[0]}", json={"remote_ok": True})
    assert patched.status_code == 200
    db.session.expire_all()
    assert db.session.get(HubConnection, connected.id).directory_cached  # type: ignore[union-attr]
    assert len(state()[1]) == 6
    assert_full_refresh_changes_nothing()

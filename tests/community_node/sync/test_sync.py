"""The node side of federation: outbox, sync runs against a fake hub, status and resources."""

from __future__ import annotations

import datetime as dt
import json
import random
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from community_node.demand.services import clear, upload
from community_node.extensions import db
from community_node.introductions.models import (
    CrossCityIntro,
    IntroDirection,
    IntroStatus,
    NodeKeyPair,
)
from community_node.participants.models import Connector
from community_node.participants.services import CONNECTORS, create_person
from community_node.sync import connection as hub_connection
from community_node.sync import demand, outbox, outcomes, push, run
from community_node.sync.models import (
    HubConnection,
    HubResource,
    ListedConnector,
    OutboxItem,
    OutboxKind,
    OutboxStatus,
    SyncState,
)
from shared.hubclient import HubAuthError, HubRateLimited, HubRejected, HubUnavailable
from shared.privacy import pseudonym
from shared.protocol.demand import DemandSetSchema
from shared.taxonomy import default_skills
from tests.community_node.factories import ConnecteeFactory, FollowUpOutcomeFactory
from tests.community_node.sync.fakehub import FakeHub

NOW = dt.datetime(2026, 5, 15, 12, 0, tzinfo=dt.UTC)
CANARIES = {
    "first_name": "Zebulonia",
    "last_name": "Quackenbosh",
    "email": "zebulonia.quackenbosh@canary.example",
    "phone": "+1 902 555 0199",
    "employer": "Canarycorp Widgets",
    "job_title": "Chief Canary Officer",
    "notes": "canary-note-7f3a lives on Maple Street",
}


@pytest.fixture
def hub() -> FakeHub:
    return FakeHub()


@pytest.fixture
def connected(app: Flask, hub: FakeHub) -> HubConnection:
    connection, _ = hub_connection.connect(
        "https://hub.example.org", "cid", "secret", actor="test", client_factory=hub.factory()
    )
    hub.calls.clear()
    return connection


def connector_data(n: int, **extra: Any) -> dict[str, Any]:
    return {
        "first_name": f"First{n}",
        "last_name": f"Last{n}",
        "email": f"c{n}@example.org",
        "phone": f"+1 555 000 {n:04d}",
        "status": "approved",
        "occupation": "29-1141",
        "years_in_field": 12,
        "employer": f"Employer {n}",
        "job_title": "Nurse",
        "notes": f"private note {n}",
        "skills": ["Patient care"],
        "availability": ["weekends"],
        "languages": [{"language": "eng", "level": "native"}],
        **extra,
    }


def add_connector(api: Any, n: int, *, consent: bool = True, **extra: Any) -> int:
    response = api.post("/api/v1/connectors", json=connector_data(n, **extra))
    assert response.status_code == 201, response.json
    connector_id: int = response.json["id"]
    if consent:
        grant(api, connector_id)
    return connector_id


def grant(api: Any, connector_id: int, purpose: str = "directory_listing") -> int:
    response = api.post(
        "/api/v1/consents",
        json={"connector_id": connector_id, "purpose": purpose, "policy_version": "2026-01"},
    )
    assert response.status_code == 201, response.json
    consent_id: int = response.json["id"]
    return consent_id


def items(status: OutboxStatus | None = None, kind: OutboxKind | None = None) -> list[OutboxItem]:
    stmt = select(OutboxItem).order_by(OutboxItem.seq)
    if status is not None:
        stmt = stmt.where(OutboxItem.status == status)
    if kind is not None:
        stmt = stmt.where(OutboxItem.kind == kind)
    return list(db.session.scalars(stmt))


def ref_of(connector_id: int) -> str:
    return outbox.directory_ref(connector_id)


def sync(hub: FakeHub, **kw: Any) -> run.SyncReport:
    kw.setdefault("now", NOW)
    return run.run_sync(client_factory=hub.factory(), rng=random.Random(1), **kw)


def five(api: Any, start: int = 0, **extra: Any) -> list[int]:
    """Five alike connectors: enough for an (occupation, band) cell to be published."""
    return [add_connector(api, start + n, **extra) for n in range(5)]


# The outbox -----------------------------------------------------------------------------


def test_nothing_is_enqueued_without_a_hub(api: Any) -> None:
    five(api)
    assert items() == []


def test_connect_verifies_with_whoami_and_enqueues_what_is_listable(
    app: Flask, api: Any, hub: FakeHub
) -> None:
    ids = five(api)
    connection, who = hub_connection.connect(
        "https://hub.example.org/", "cid", "secret", actor="test", client_factory=hub.factory()
    )
    # The node's public key for sealed contact cards is registered on connect.
    assert hub.calls == ["token", "whoami", "register_public_key"]
    assert connection.url == "https://hub.example.org"
    assert connection.community == who["community"] == "testville"
    profiles = items(kind=OutboxKind.PROFILE)
    assert {i.key for i in profiles} == {ref_of(c) for c in ids}
    assert [i.kind for i in items()] == [OutboxKind.PROFILE] * 5


def test_a_rejected_connect_stores_nothing(app: Flask, hub: FakeHub) -> None:
    hub.failures.append(HubAuthError("invalid_client"))
    with pytest.raises(HubAuthError):
        hub_connection.connect(
            "https://hub.example.org", "cid", "bad", actor="t", client_factory=hub.factory()
        )
    assert hub_connection.get_connection() is None


def test_connect_refuses_plain_http_off_loopback(app: Flask, hub: FakeHub) -> None:
    from community_node.errors import InvalidInput

    with pytest.raises(InvalidInput) as info:
        hub_connection.connect(
            "http://hub.example.org", "c", "s", actor="t", client_factory=hub.factory()
        )
    assert "https" in info.value.extra["errors"]["url"][0]
    assert hub.calls == []


def test_only_approved_connectors_with_directory_consent_are_listed(
    api: Any, connected: HubConnection
) -> None:
    listed = five(api)
    add_connector(api, 10, consent=False)  # no consent at all
    other = add_connector(api, 11, consent=False)
    grant(api, other, purpose="cross_city_introductions")  # consent for another purpose
    add_connector(api, 12, status="submitted")  # consented but not approved
    keys = {i.key for i in items(kind=OutboxKind.PROFILE)}
    assert keys == {ref_of(c) for c in listed}


def test_profile_payload_is_anonymized_and_versioned_by_seq(
    api: Any, connected: HubConnection
) -> None:
    five(api)
    canary = add_connector(api, 99, **CANARIES)
    latest = items(kind=OutboxKind.PROFILE)[-1]
    assert latest.key == ref_of(canary)
    assert latest.payload["version"] == latest.seq
    assert latest.payload["occupation"] == "29-1141"
    assert latest.payload["experience_band"] == "10-19"
    # The ESCO id "Patient care" normalizes to travels; the free text stays on the node.
    assert latest.payload["skills"] == [default_skills().normalize("Patient care").id]
    assert "patient care" not in json.dumps(latest.payload).casefold()
    stored = db.session.execute(select(func.count()).select_from(OutboxItem)).scalar()
    assert stored
    # Read the stored JSON back as text: no personal value may be anywhere in it.
    text = " ".join(json.dumps(i.payload) for i in items()).casefold()
    for value in CANARIES.values():
        assert value.casefold() not in text
    for n in range(5):
        assert f"c{n}@example.org" not in text and f"employer {n}" not in text


def test_refs_are_keyed_pseudonyms(api: Any, connected: HubConnection) -> None:
    [first, *_] = five(api)
    ref = items(kind=OutboxKind.PROFILE)[0].key
    assert ref != pseudonym(b"\0" * 32, "directory", first)
    assert len(ref) == 32 and ref == ref_of(first)


def test_small_cells_are_generalized_or_not_listed(api: Any, connected: HubConnection) -> None:
    lonely = add_connector(api, 1, occupation="15-1252")
    assert items(kind=OutboxKind.PROFILE) == []  # alone in its major group: not listed
    nurses = [add_connector(api, 10 + n) for n in range(3)]
    practitioners = [add_connector(api, 20 + n, occupation="29-1171") for n in range(2)]
    by_ref = {i.key: i.payload for i in items(kind=OutboxKind.PROFILE)}
    assert ref_of(lonely) not in by_ref
    # Neither detailed cell has 5: all five are published at a coarser, shared level.
    published = {(p["occupation"], p["occupation_level"]) for p in by_ref.values()}
    assert len(published) == 1 and next(iter(published))[1] != "detailed"
    assert set(by_ref) == {ref_of(c) for c in nurses + practitioners}


def test_outbox_rows_commit_with_the_change_or_not_at_all(
    app: Flask, api: Any, connected: HubConnection, monkeypatch: pytest.MonkeyPatch
) -> None:
    five(api)
    before = len(items())

    def boom() -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(db.session, "commit", boom)
    with pytest.raises(RuntimeError):
        create_person(CONNECTORS, _loaded(50), actor="test")
    monkeypatch.undo()
    db.session.rollback()
    assert len(items()) == before
    assert db.session.scalar(select(func.count()).select_from(Connector)) == 5


def _loaded(n: int) -> dict[str, Any]:
    from community_node.participants.schemas import ConnectorSchema

    loaded: dict[str, Any] = ConnectorSchema().load(connector_data(n))
    return loaded


def test_an_unchanged_profile_is_not_enqueued_again(api: Any, connected: HubConnection) -> None:
    [first, *_] = five(api)
    before = len(items())
    api.patch(f"/api/v1/connectors/{first}", json={"notes": "a new private note"})
    api.patch(f"/api/v1/connectors/{first}", json={"phone": "+1 555 123 4567"})
    assert len(items()) == before
    api.patch(f"/api/v1/connectors/{first}", json={"remote_ok": True})
    latest = items()[-1]
    assert latest.key == ref_of(first) and latest.payload["remote_ok"] is True


def test_withdrawn_consent_becomes_a_tombstone(api: Any, connected: HubConnection) -> None:
    ids = five(api)
    consent = api.get(f"/api/v1/consents?connector_id={ids[0]}").json["items"][0]["id"]
    assert api.post(f"/api/v1/consents/{consent}/withdraw", json={}).status_code == 200
    tombstones = items(kind=OutboxKind.TOMBSTONE)
    # Four left in the nurses' cell is too few: every one of them is withdrawn.
    assert {t.key for t in tombstones} == {ref_of(c) for c in ids}
    mine = next(t for t in tombstones if t.key == ref_of(ids[0]))
    assert mine.payload == {"ref": ref_of(ids[0]), "version": mine.seq, "deleted": True}
    assert db.session.get(ListedConnector, ids[0]).listed is False  # type: ignore[union-attr]


def test_erasing_a_listed_connector_enqueues_its_tombstone(
    api: Any, connected: HubConnection
) -> None:
    ids = [*five(api), add_connector(api, 5)]
    assert api.delete(f"/api/v1/connectors/{ids[0]}").status_code == 204
    [tombstone] = items(kind=OutboxKind.TOMBSTONE)
    assert tombstone.key == ref_of(ids[0])


def test_a_never_listed_connector_gets_no_tombstone(api: Any, connected: HubConnection) -> None:
    lonely = add_connector(api, 1, consent=False)
    api.delete(f"/api/v1/connectors/{lonely}")
    assert items() == []


def test_a_connectee_change_enqueues_nothing(api: Any, connected: HubConnection) -> None:
    ConnecteeFactory()
    response = api.post(
        "/api/v1/consents",
        json={"connectee_id": 1, "purpose": "directory_listing", "policy_version": "1"},
    )
    assert response.status_code == 201
    assert items() == []


def test_a_connector_import_enqueues_in_its_transaction(api: Any, connected: HubConnection) -> None:
    from community_node.imports.services import import_file

    ids = five(api)
    rows = ["email,first_name,last_name,occupation,years_in_field,remote_ok"]
    rows += [f"c{n}@example.org,First{n},Last{n},29-1141,12,yes" for n in range(5)]
    before = len(items())
    import_file("connectors", "c.csv", "\n".join(rows).encode(), actor="test")
    changed = items()[before:]
    assert {i.key for i in changed} == {ref_of(c) for c in ids}
    assert all(i.payload["remote_ok"] is True for i in changed)


# Sending --------------------------------------------------------------------------------


def test_sync_pushes_profiles_and_the_hub_holds_them(
    api: Any, connected: HubConnection, hub: FakeHub
) -> None:
    ids = five(api)
    report = sync(hub)
    assert report.ok and report.sent == 5
    assert hub.live_refs == {ref_of(c) for c in ids}
    assert items(status=OutboxStatus.PENDING) == []
    state = db.session.get(SyncState, "hub")
    assert state is not None and state.last_success_at == NOW


def test_coalescing_sends_only_the_newest_item_per_ref(
    api: Any, connected: HubConnection, hub: FakeHub
) -> None:
    ids = five(api)
    for capacity in (4, 5, 6):
        api.patch(f"/api/v1/connectors/{ids[0]}", json={"remote_ok": capacity % 2 == 0})
    report = sync(hub)
    sent_refs = [item["ref"] for _, batch in hub.batches for item in batch]
    assert len(sent_refs) == len(set(sent_refs)) == 5
    assert report.superseded >= 3
    assert len(items(status=OutboxStatus.SUPERSEDED)) == report.superseded
    newest = max(i.seq for i in items() if i.key == ref_of(ids[0]))
    assert hub.profiles[ref_of(ids[0])]["version"] == newest


SIZE = 100  # the batch size the tests below configure


def _tombstones(count: int) -> None:
    for n in range(count):
        db.session.add(
            OutboxItem(
                kind=OutboxKind.TOMBSTONE, key=f"{n:032x}", payload={}, status=OutboxStatus.PENDING
            )
        )
    db.session.flush()
    for item in items():
        item.payload = {"ref": item.key, "version": item.seq, "deleted": True}
    db.session.commit()


@pytest.mark.parametrize("app_config", [{"SYNC_BATCH_SIZE": SIZE}])
def test_batches_hold_at_most_the_configured_size(
    app: Flask, connected: HubConnection, hub: FakeHub
) -> None:
    _tombstones(250)
    report = sync(hub)
    # Batches travel side by side (push.PUSH_CONCURRENCY): they may arrive in any order.
    assert sorted(len(batch) for _, batch in hub.batches) == [50, 100, 100]
    assert report.sent == 250
    seqs = [i.seq for i in items()]
    keys = sorted(hub.batches, key=lambda b: b[1][0]["version"])
    assert keys[0][0].startswith(f"{seqs[0]}-{seqs[99]}-")


@pytest.mark.parametrize("app_config", [{"SYNC_BATCH_SIZE": SIZE}])
def test_a_failure_stops_new_batches_and_records_those_in_flight(
    app: Flask, connected: HubConnection, hub: FakeHub
) -> None:
    _tombstones(5 * SIZE)
    # The second batch in seq order fails, not the second call to arrive: the node reads
    # the answers in seq order.
    hub.fail_batches[f"{SIZE + 1}-{2 * SIZE}-"] = HubUnavailable("down")
    report = sync(hub)
    assert report.error and "down" in report.error
    # The first batch goes alone; then PUSH_CONCURRENCY (3) travel together, one of which
    # fails: the other two are still recorded as sent, and no fifth batch is started.
    assert push.PUSH_CONCURRENCY == 3
    assert len(hub.attempted_keys) == 4
    assert report.sent == 3 * SIZE == len(items(status=OutboxStatus.SENT))
    pending = items(status=OutboxStatus.PENDING)
    assert len(pending) == 2 * SIZE
    sent_refs = {ref for _, batch in hub.batches for ref in (i["ref"] for i in batch)}
    assert sent_refs == {i.key for i in items(status=OutboxStatus.SENT)}
    # The next run sends exactly what is pending, and everything is then sent once.
    hub.fail_batches.clear()
    hub.batches.clear()
    assert sync(hub, ignore_backoff=True).ok
    resent = [i["ref"] for _, batch in hub.batches for i in batch]
    assert sorted(resent) == sorted(i.key for i in pending)
    assert len(items(status=OutboxStatus.SENT)) == 5 * SIZE


@pytest.mark.parametrize("app_config", [{"SYNC_BATCH_SIZE": SIZE}])
def test_with_a_kept_token_the_first_batches_go_out_together(
    app: Flask, connected: HubConnection, hub: FakeHub
) -> None:
    # The client already holds a usable token: the first PUSH_CONCURRENCY batches
    # travel together (none waits for a token fetch). The first one fails: the two sent
    # beside it are recorded as sent, and no fourth is started. (Without a token the
    # first batch goes alone, and its failure would stop the push there.)
    _tombstones(5 * SIZE)
    hub.fail_batches[f"1-{SIZE}-"] = HubUnavailable("down")

    def kept_token(connection: Any) -> FakeHub:
        hub.token_fetched = True
        return hub

    report = run.run_sync(client_factory=kept_token, rng=random.Random(1), now=NOW)
    assert report.error and "down" in report.error
    assert "token" not in hub.calls
    assert len(hub.attempted_keys) == push.PUSH_CONCURRENCY == 3
    assert report.sent == 2 * SIZE == len(items(status=OutboxStatus.SENT))
    assert len(items(status=OutboxStatus.PENDING)) == 3 * SIZE
    sent_refs = {ref for _, batch in hub.batches for ref in (i["ref"] for i in batch)}
    assert sent_refs == {i.key for i in items(status=OutboxStatus.SENT)}


def test_the_idempotency_key_is_stable_across_retries(
    api: Any, connected: HubConnection, hub: FakeHub
) -> None:
    five(api)
    hub.failures.append(HubUnavailable("down"))
    assert not sync(hub).ok
    pending = items(status=OutboxStatus.PENDING)
    assert all(i.attempts == 1 and i.last_error for i in pending)
    first_key = push.idempotency_key(push.read_pending()[:5])
    report = sync(hub, now=NOW + dt.timedelta(hours=7))
    assert report.ok
    assert hub.attempted_keys == [first_key, first_key]
    assert [key for key, _ in hub.batches] == [first_key]


def test_a_hub_outage_backs_off_with_jitter_and_honours_retry_after(
    api: Any, connected: HubConnection, hub: FakeHub
) -> None:
    five(api)
    hub.failures.append(HubUnavailable("down"))
    report = sync(hub)
    assert report.error and "down" in report.error
    state = db.session.get(SyncState, "hub")
    assert state is not None and state.consecutive_failures == 1
    assert NOW + dt.timedelta(seconds=15) <= state.backoff_until <= NOW + dt.timedelta(seconds=30)  # type: ignore[operator]
    # While backing off, a sync does not call the hub at all.
    hub.calls.clear()
    assert sync(hub, now=NOW + dt.timedelta(seconds=5)).skipped_until == state.backoff_until
    assert hub.calls == []
    hub.failures.append(HubRateLimited("slow down", retry_after=600))
    sync(hub, now=NOW + dt.timedelta(minutes=1))
    state = db.session.get(SyncState, "hub")
    assert state is not None and state.consecutive_failures == 2
    assert state.backoff_until >= NOW + dt.timedelta(minutes=11)  # type: ignore[operator]
    assert len(items(status=OutboxStatus.PENDING)) == 5


def test_backoff_grows_exponentially_up_to_a_cap() -> None:
    rng = random.Random(3)
    delays = [run.backoff_delay(n, None, rng) for n in range(1, 12)]
    assert delays[0] <= 30 and delays[3] >= 120
    assert max(delays) <= run.BACKOFF_CAP
    assert run.backoff_delay(1, 900, rng) >= 900


def test_a_rejected_batch_goes_to_the_dead_letters(
    api: Any, connected: HubConnection, hub: FakeHub
) -> None:
    five(api)
    hub.failures.append(HubRejected("422 bad", status=422, body={"message": "bad"}))
    report = sync(hub)
    assert report.ok and report.dead == 5
    dead = items(status=OutboxStatus.DEAD)
    assert len(dead) == 5 and all("422" in (i.last_error or "") for i in dead)
    # The rest of the run went on.
    assert hub.calls[-3:] == ["resource_changes", "register_public_key", "intro_inbox"]


def test_a_rejected_item_is_dead_and_the_others_are_sent(
    api: Any, connected: HubConnection, hub: FakeHub
) -> None:
    ids = five(api)
    hub.reject_refs.add(ref_of(ids[2]))
    report = sync(hub)
    assert report.sent == 4 and report.dead == 1
    [dead] = items(status=OutboxStatus.DEAD)
    assert dead.key == ref_of(ids[2]) and "rejected" in (dead.last_error or "")


def test_an_auth_error_stops_and_keeps_items_pending(
    api: Any, connected: HubConnection, hub: FakeHub
) -> None:
    five(api)
    hub.failures.append(HubAuthError("invalid_token"))
    report = sync(hub)
    assert report.error and "invalid_token" in report.error
    assert len(items(status=OutboxStatus.PENDING)) == 5
    assert hub.calls == ["token", "push_profiles"]


def test_a_sync_with_nothing_to_do_makes_at_most_three_requests(
    api: Any, connected: HubConnection, hub: FakeHub
) -> None:
    five(api)
    assert sync(hub).ok
    hub.calls.clear()
    assert sync(hub, now=NOW + dt.timedelta(minutes=5)).ok
    # The token, the resource feed's 304 and the introductions feed: nothing else polls
    # for a new request to this community's connectors.
    assert len(hub.calls) <= 3, hub.calls
    assert hub.calls == ["token", "resource_changes", "intro_inbox"]


def test_full_sync_resends_everything_with_a_snapshot(
    api: Any, connected: HubConnection, hub: FakeHub
) -> None:
    ids = five(api)
    sync(hub)
    hub.profiles.clear()
    report = sync(hub, full=True, now=NOW + dt.timedelta(minutes=5))
    assert report.ok and hub.live_refs == {ref_of(c) for c in ids}
    assert len(hub.snapshots) == 1
    assert hub.snapshots[-1]["version"] > max(p["version"] for p in hub.profiles.values())


def test_a_snapshot_lets_the_hub_tombstone_what_the_node_forgot(
    api: Any, connected: HubConnection, hub: FakeHub
) -> None:
    five(api)
    sync(hub)
    ghost = "f" * 32
    hub.profiles[ghost] = {"ref": ghost, "version": 1}
    sync(hub, full=True, now=NOW + dt.timedelta(minutes=5))
    assert ghost not in hub.live_refs


def test_no_hub_configured_is_a_quiet_no_op(app: Flask, hub: FakeHub, runner: Any) -> None:
    assert run.run_sync(client_factory=hub.factory()).configured is False
    result = runner.invoke(args=["sync"])
    assert result.exit_code == 0
    assert "No hub is configured" in result.output
    assert hub.calls == []


# Outcomes -------------------------------------------------------------------------------


def _cohort(n: int, occupation: str, day: dt.date, employed: bool = False) -> None:
    for _ in range(n):
        connectee = ConnecteeFactory(target_occupation=occupation, intake_date=day)
        if employed:
            FollowUpOutcomeFactory(connectee=connectee)


def test_outcomes_are_put_per_quarter_suppressed_and_only_when_changed(
    app: Flask, connected: HubConnection, hub: FakeHub
) -> None:
    _cohort(7, "29-1141", dt.date(2026, 4, 10), employed=True)
    _cohort(6, "43-4051", dt.date(2026, 4, 10))
    _cohort(2, "15-1252", dt.date(2026, 4, 11))
    report = sync(hub)
    assert report.outcome_periods == ["2026-Q2"]
    cells = {(c["major_group"], c["metric"]): c for c in hub.outcomes["2026-Q2"]}
    assert cells[("29", "enrolled")]["value"] == 7
    assert cells[("29", "employed_in_field")]["value"] == 7
    assert cells[("15", "enrolled")] == {
        "major_group": "15",
        "metric": "enrolled",
        "value": None,
        "suppressed": True,
    }
    # Complementary suppression: the total 15 would give the 2 away, so the next smallest
    # count in that column is hidden too.
    assert cells[("all", "enrolled")]["value"] == 15
    assert cells[("43", "enrolled")]["suppressed"] is True
    assert not any(c["value"] is not None and 0 < c["value"] < 5 for c in cells.values())
    hub.calls.clear()
    assert sync(hub, now=NOW + dt.timedelta(minutes=5)).outcome_periods == []
    assert "put_outcomes" not in hub.calls
    _cohort(5, "29-1141", dt.date(2026, 5, 1))
    assert sync(hub, now=NOW + dt.timedelta(minutes=10)).outcome_periods == ["2026-Q2"]


def test_recent_quarters() -> None:
    assert outcomes.recent_quarters(dt.date(2026, 2, 1)) == [
        "2025-Q2",
        "2025-Q3",
        "2025-Q4",
        "2026-Q1",
    ]


# Resources ------------------------------------------------------------------------------


def _resource(resource_id: int, seq: int, **extra: Any) -> dict[str, Any]:
    return {
        "id": resource_id,
        "seq": seq,
        "kind": "guide",
        "title": f"Guide {resource_id}",
        "summary": "How to",
        "body": "Text",
        "url": None,
        "file": None,
        "tags": ["start"],
        "language": "en",
        "translations": [],
        "audience": "staff",
        "version": 1,
        "published_at": "2026-05-01T10:00:00+00:00",
        **extra,
    }


def test_resources_are_pulled_in_pages_and_then_304(
    app: Flask, connected: HubConnection, hub: FakeHub
) -> None:
    hub.resources = [
        _resource(1, 1),
        _resource(2, 2, language="fr"),
        _resource(3, 3, kind="faq"),
        {"id": 1, "seq": 4, "deleted": True},
    ]
    report = sync(hub)
    assert report.resources_changed == 4
    assert sorted(db.session.scalars(select(HubResource.id))) == [2, 3]
    state = db.session.get(SyncState, "hub")
    assert state is not None and (state.resource_cursor, state.resource_etag) == (4, '"4"')
    hub.calls.clear()
    assert sync(hub, now=NOW + dt.timedelta(minutes=5)).resources_changed == 0
    assert hub.calls.count("resource_changes") == 1


def test_an_expired_cursor_resyncs_from_zero(
    app: Flask, connected: HubConnection, hub: FakeHub
) -> None:
    hub.resources = [_resource(1, 1), _resource(2, 2)]
    sync(hub)
    hub.resources = [_resource(2, 9, title="Renamed")]
    hub.oldest_since = 5  # the hub forgot everything before seq 5
    report = sync(hub, now=NOW + dt.timedelta(minutes=5))
    assert report.ok and report.resources_resynced
    [only] = db.session.scalars(select(HubResource)).all()
    assert (only.id, only.title, only.seq) == (2, "Renamed", 9)


def test_resources_api_serves_the_copy_while_the_hub_is_down(
    api: Any, viewer_api: Any, connected: HubConnection, hub: FakeHub
) -> None:
    hub.resources = [_resource(1, 1), _resource(2, 2, language="fr", audience="connectors")]
    sync(hub)
    hub.failures.append(HubUnavailable("down"))
    sync(hub, now=NOW + dt.timedelta(minutes=5))
    listed = viewer_api.get("/api/v1/resources")
    assert listed.status_code == 200 and listed.json["total"] == 2
    french = api.get("/api/v1/resources?language=fr&audience=connectors").json
    assert [r["id"] for r in french["items"]] == [2]
    assert api.get("/api/v1/resources?kind=faq").json["total"] == 0
    assert api.get("/api/v1/resources?kind=poem").status_code == 422
    assert api.get("/api/v1/resources/1").json["title"] == "Guide 1"
    assert api.get("/api/v1/resources/99").status_code == 404


# Status, dead letters, the CLI ----------------------------------------------------------


def test_status_api(api: Any, client: Any, connected: HubConnection, hub: FakeHub) -> None:
    five(api)
    body = api.get("/api/v1/sync/status").json
    assert body["configured"] is True and body["hub_url"] == "https://hub.example.org"
    assert body["pending"] == 5 and body["dead"] == 0 and body["last_success_at"] is None
    assert "secret" not in json.dumps(body)
    hub.failures.append(HubUnavailable("down"))
    sync(hub)
    body = api.get("/api/v1/sync/status").json
    assert body["consecutive_failures"] == 1 and body["backoff_until"] is not None
    assert client.get("/api/v1/sync/status").status_code == 401


def test_status_without_a_hub(api: Any) -> None:
    body = api.get("/api/v1/sync/status").json
    assert body["configured"] is False and body["pending"] == 0


def test_dead_letters_list_and_requeue(
    api: Any, viewer_api: Any, connected: HubConnection, hub: FakeHub
) -> None:
    ids = five(api)
    hub.reject_refs.add(ref_of(ids[1]))
    sync(hub)
    response = api.get("/api/v1/sync/dead-letters")
    assert response.status_code == 200, response.json
    page = response.json
    assert page["total"] == 1
    [dead] = page["items"]
    assert dead["key"] == ref_of(ids[1]) and dead["payload"]["ref"] == ref_of(ids[1])
    url = f"/api/v1/sync/dead-letters/{dead['seq']}/requeue"
    assert viewer_api.post(url).status_code == 403
    requeued = api.post(url)
    assert requeued.status_code == 200 and requeued.json["status"] == "pending"
    assert api.post(url).status_code == 409
    assert api.post("/api/v1/sync/dead-letters/9999/requeue").status_code == 404
    hub.reject_refs.clear()
    report = sync(hub, now=NOW + dt.timedelta(minutes=5))
    assert report.sent == 1 and ref_of(ids[1]) in hub.live_refs
    assert api.get("/api/v1/sync/dead-letters").json["total"] == 0
    assert api.get("/api/v1/sync/dead-letters?kind=bogus").status_code == 422


def test_hub_connect_and_status_commands(
    app: Flask, runner: Any, hub: FakeHub, app_config: dict[str, Any]
) -> None:
    app.config["SYNC_CLIENT_FACTORY"] = hub.factory()
    result = runner.invoke(
        args=[
            "hub",
            "connect",
            "--url",
            "https://hub.example.org",
            "--client-id",
            "c",
            "--client-secret",
            "s3cret",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "testville" in result.output and "s3cret" not in result.output
    status = runner.invoke(args=["hub", "status"])
    assert "https://hub.example.org" in status.output and "s3cret" not in status.output
    result = runner.invoke(args=["sync"])
    assert result.exit_code == 0 and "Synced" in result.output
    hub.failures.append(HubUnavailable("down"))
    result = runner.invoke(args=["sync", "--force"])
    assert result.exit_code == 1 and "down" in result.output
    assert "Backing off" in runner.invoke(args=["sync"]).output


def test_hub_connect_reports_a_refusal(app: Flask, runner: Any, hub: FakeHub) -> None:
    app.config["SYNC_CLIENT_FACTORY"] = hub.factory()
    hub.failures.append(HubAuthError("invalid_client"))
    result = runner.invoke(
        args=[
            "hub",
            "connect",
            "--url",
            "https://hub.example.org",
            "--client-id",
            "c",
            "--client-secret",
            "bad",
        ]
    )
    assert result.exit_code == 1 and "invalid_client" in result.output
    assert db.session.scalar(select(func.count()).select_from(HubConnection)) == 0


# Introductions and demand in the main sync ------------------------------------------------


def incoming_view(seq: int, connector_ref: str, **extra: Any) -> dict[str, Any]:
    """An introduction as the hub's feed shows it to the connector's community."""
    return {
        "id": 77,
        "seq": seq,
        "direction": "incoming",
        "status": "requested",
        "end_reason": None,
        "from_community": "portland",
        "to_community": "testville",
        "profile_id": 5,
        "connector_ref": connector_ref,
        "pitch": {
            "target_occupation": "29-1141",
            "experience_band": "10-19",
            "languages": [{"language": "eng", "level": "C1"}],
            "skills": [],
        },
        "requested_at": "2026-05-14T10:00:00+00:00",
        "decided_at": None,
        "expires_at": "2026-06-13T10:00:00+00:00",
        "allowed": ["accept", "decline"],
        "card_sent": False,
        "peer_public_key": None,
        "peer_card": None,
        **extra,
    }


def test_sync_pulls_incoming_introductions(
    app: Flask, api: Any, connected: HubConnection, hub: FakeHub, runner: Any
) -> None:
    ids = five(api)
    assert sync(hub).ok
    hub.intro_feed.append(incoming_view(3, ref_of(ids[1])))
    report = sync(hub, now=NOW + dt.timedelta(minutes=5))
    assert report.ok and report.intros is not None
    assert report.intros["new_incoming"] == 1 and report.intros["changed"] == 1
    intro = db.session.scalars(select(CrossCityIntro)).one()
    assert intro.connector_id == ids[1] and intro.hub_id == 77
    assert intro.direction is IntroDirection.INCOMING and intro.other_community == "portland"
    listed = api.get("/api/v1/introductions?direction=incoming").get_json()
    assert [i["connector_id"] for i in listed["items"]] == [ids[1]]
    # The cursor moved: the next sync reads only newer changes.
    hub.intro_feed[0] = incoming_view(4, ref_of(ids[1]), status="expired")
    again = sync(hub, now=NOW + dt.timedelta(minutes=10))
    assert again.intros is not None and again.intros["changed"] == 1
    db.session.refresh(intro)
    assert intro.status is IntroStatus.EXPIRED
    app.config["SYNC_CLIENT_FACTORY"] = hub.factory()
    result = runner.invoke(args=["sync"])
    assert result.exit_code == 0, result.output
    assert "introductions: 0 changed, 0 new incoming" in result.output


def test_the_key_is_registered_on_the_first_sync_and_with_full(
    api: Any, connected: HubConnection, hub: FakeHub
) -> None:
    assert sync(hub).ok
    assert hub.calls.count("register_public_key") == 1
    key = db.session.scalars(select(NodeKeyPair.public_key)).one()
    assert hub.public_keys == [key, key]  # on connect, then on the first sync
    assert sync(hub, now=NOW + dt.timedelta(minutes=5)).ok
    assert hub.calls.count("register_public_key") == 1
    assert sync(hub, full=True, now=NOW + dt.timedelta(minutes=10)).ok
    assert hub.calls.count("register_public_key") == 2


def test_an_introductions_failure_backs_off_but_keeps_what_was_pushed(
    api: Any, connected: HubConnection, hub: FakeHub
) -> None:
    five(api)
    hub.fail_on["intro_inbox"] = HubUnavailable("503 from the hub", retry_after=120)
    report = sync(hub)
    assert report.error is not None and "503" in report.error
    assert report.sent == 5 and not items(status=OutboxStatus.PENDING)
    state = db.session.get(SyncState, run.DESTINATION)
    assert state is not None and state.consecutive_failures == 1
    assert state.backoff_until is not None and state.backoff_until >= NOW + dt.timedelta(
        seconds=120
    )
    assert sync(hub, now=NOW + dt.timedelta(hours=1)).ok


DEMAND_CSV = (
    "soc_code,location_quotient,jobs_per_1000\n29-1141,2.0,10\n29-2061,1.0,5\n15-1252,0.5,1\n"
)


def test_demand_signals_go_to_the_hub_when_they_change(
    app: Flask, connected: HubConnection, hub: FakeHub
) -> None:
    # No demand table: nothing to say, nothing sent.
    assert demand.demand_signals() == []
    assert sync(hub).ok and "put_demand" not in hub.calls and hub.demand is None

    upload(DEMAND_CSV.encode(), actor="test")
    report = sync(hub, now=NOW + dt.timedelta(minutes=5))
    assert report.ok and report.demand_changed
    # Group means of the occupations' signals ((LQ/2 capped + jobs percentile) / 2).
    assert hub.demand == [
        {"major_group": "15", "signal": 0.29},
        {"major_group": "29", "signal": 0.79},
    ]
    [item] = items(kind=OutboxKind.DEMAND)
    assert item.status is OutboxStatus.SENT

    hub.calls.clear()
    report = sync(hub, now=NOW + dt.timedelta(minutes=10))
    assert not report.demand_changed and "put_demand" not in hub.calls

    clear(actor="test")  # back to no table: the hub's set is emptied
    report = sync(hub, now=NOW + dt.timedelta(minutes=15))
    assert report.demand_changed and hub.demand == []


def test_a_metro_configured_node_reports_that_metros_signals(
    app: Flask, app_config: dict[str, Any], connected: HubConnection, hub: FakeHub
) -> None:
    app.config["DEMAND_METRO"] = "38300"  # Pittsburgh, PA
    signals = demand.demand_signals()
    groups = [s["major_group"] for s in signals]
    assert "29" in groups and groups == sorted(groups)
    assert all(0 <= s["signal"] <= 1 and round(s["signal"], 2) == s["signal"] for s in signals)
    assert DemandSetSchema().load({"signals": signals}) == {"signals": signals}
    app.config["DEMAND_METRO"] = "9999999"  # a metro the data lacks: nothing is sent
    assert demand.demand_signals() == []


def test_a_paused_connector_is_listed_as_not_accepting_until_tick_ends_the_pause(
    api: Any, connected: HubConnection, runner: Any
) -> None:
    [first, *_] = five(api)
    until = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    patched = api.patch(f"/api/v1/connectors/{first}", json={"unavailable_until": until})
    assert patched.status_code == 200
    latest = items(kind=OutboxKind.PROFILE)[-1]
    assert latest.key == ref_of(first) and latest.payload["accepting"] is False

    later = (dt.date.today() + dt.timedelta(days=31)).isoformat()
    result = runner.invoke(args=["tick", "--now", f"{later}T06:00:00Z"])
    assert f"Pauses ended for 1 connector(s): {first}." in result.output
    latest = items(kind=OutboxKind.PROFILE)[-1]
    assert latest.key == ref_of(first) and latest.payload["accepting"] is True
    count = len(items())
    # Safe to rerun: nothing left to end, nothing enqueued again.
    assert "Pauses ended" not in runner.invoke(args=["tick", "--now", f"{later}T07:00:00Z"]).output
    assert len(items()) == count


def test_a_connector_approved_by_the_eligibility_check_is_queued_for_the_directory(
    api: Any, connected: HubConnection
) -> None:
    for n in range(5):  # enough listed peers that one more can be generalized and listed
        add_connector(api, n)
    newcomer = add_connector(api, 9, status="submitted")
    assert ref_of(newcomer) not in {i.key for i in items(kind=OutboxKind.PROFILE)}
    evaluated = api.post("/api/v1/eligibility-decisions/evaluate", json={"connector_id": newcomer})
    assert evaluated.status_code == 201 and evaluated.json["outcome"] == "eligible"
    assert ref_of(newcomer) in {i.key for i in items(kind=OutboxKind.PROFILE)}

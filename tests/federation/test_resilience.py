"""Crashes mid-sync and replays, over real processes: nothing lost, nothing doubled.

A recording proxy between node and hub stops one profile batch in flight, so a process
can be SIGKILLed at a precise point: the hub with three batches committed and the fourth
never delivered, or the node after the hub committed the fourth batch but before the
node heard back. Nodes are filled by the demo loader (about half of its connectors are
listable) and connected afterwards, so every listed profile is pending at the first sync.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable
from typing import Any

import pytest
import requests

from tests.federation.harness import Registration, Service, register_community
from tests.federation.nodeapi import (
    connect,
    directory,
    hub_refs,
    hub_token,
    node_listed_refs,
    outbox_counts,
    query,
)
from tests.federation.proxy import RecordingProxy

BATCH = "/api/v1/profiles/batch"
# These nodes push batches of 100 (NODE_SYNC_BATCH_SIZE; the default is 500), so a few
# thousand demo people make enough batches to stop one in the middle.
BATCH_SIZE = 100


class Federated:
    """A demo-loaded node connected to the module's hub through a recording proxy."""

    def __init__(
        self, hub: Service, node: Service, proxy: RecordingProxy, creds: Registration
    ) -> None:
        self.hub, self.node, self.proxy, self.creds = hub, node, proxy, creds

    @property
    def slug(self) -> str:
        return self.creds.slug

    def profile_rows(self) -> list[tuple[Any, ...]]:
        """The hub's stored profiles of this community, in full (for before/after checks)."""
        return query(
            self.hub,
            "SELECT p.* FROM profiles p JOIN communities c ON c.id = p.community_id "
            "WHERE c.slug = :slug ORDER BY p.ref",
            slug=self.slug,
        )

    def assert_converged(self) -> None:
        """The hub holds exactly the node's listed set, once each; the outbox is drained."""
        listed = node_listed_refs(self.node)
        assert hub_refs(self.hub, self.slug) == listed
        rows = query(
            self.hub,
            "SELECT p.ref FROM profiles p JOIN communities c ON c.id = p.community_id "
            "WHERE c.slug = :slug",
            slug=self.slug,
        )
        assert len(rows) == len({ref for (ref,) in rows}) == len(listed)
        token = hub_token(self.hub, self.creds, "directory:read")
        own = directory(self.hub, token, include_own="true", community=self.slug)
        assert len(own) == len(listed)
        counts = outbox_counts(self.node)
        assert counts.get("pending", 0) == 0 and counts.get("dead", 0) == 0, counts


@pytest.fixture
def federated(
    module_hub: Service,
    module_make_node: Callable[..., Service],
    make_proxy: Callable[[Service], RecordingProxy],
) -> Callable[[str, int], Federated]:
    def make(slug: str, connectors: int) -> Federated:
        # Only the CLI is needed here.
        node = module_make_node(slug, serve=False, env={"NODE_SYNC_BATCH_SIZE": str(BATCH_SIZE)})
        node.python(
            "-m", "community_node.demo", "load",
            "--connectees", "0", "--connectors", str(connectors),
        )  # fmt: skip
        creds = register_community(module_hub, slug, slug.title())
        proxy = make_proxy(module_hub)
        connect(node, proxy.url, creds)
        return Federated(module_hub, node, proxy, creds)

    return make


def _batch_keys(exchanges: list[Any]) -> list[str]:
    return [e.request_headers["idempotency-key"] for e in exchanges]


def _batch_refs(exchange: Any) -> set[str]:
    return {item["ref"] for item in exchange.request_json()["items"]}


def _sent_refs(node: Service) -> set[str]:
    rows = query(node, "SELECT key, status FROM sync_outbox")
    return {key for key, status in rows if str(status).lower() == "sent"}


def _marked_batches(node: Service, exchanges: list[Any]) -> set[str]:
    """The keys of the batches whose items the node marked sent; marks are whole batches."""
    sent = _sent_refs(node)
    marked = {e.request_headers["idempotency-key"] for e in exchanges if _batch_refs(e) <= sent}
    covered: set[str] = set()
    for exchange in exchanges:
        if exchange.request_headers["idempotency-key"] in marked:
            covered |= _batch_refs(exchange)
    assert covered == sent, "an item was marked sent outside a whole batch"
    return marked


# The node keeps up to PUSH_CONCURRENCY (3) batches in flight and records their answers
# in the order it sent them, so at the moment a batch is held the hub may have committed
# more of the batches around it, and the node marked fewer: the tests below assert
# exactly what follows from the exchanges the proxy saw (which batches the hub answered,
# which answers reached the node) rather than fixed counts.


def test_hub_killed_mid_sync_then_restarted(federated: Callable[[str, int], Federated]) -> None:
    fed = federated("alpha", 2000)
    hub, node, proxy = fed.hub, fed.node, fed.proxy
    listed = node_listed_refs(node)
    assert len(listed) > 6 * BATCH_SIZE, len(listed)
    assert outbox_counts(node) == {"pending": len(listed)}

    hold = proxy.hold("POST", BATCH, nth=4, phase="request")
    sync = node.spawn("sync")
    held = hold.wait_reached()
    # At least the first batch is committed on the hub; the fourth is still in the proxy.
    on_hub = set(hub_refs(hub, fed.slug))
    assert len(on_hub) >= BATCH_SIZE and len(on_hub) % BATCH_SIZE == 0
    assert not on_hub & _batch_refs(held)
    hub.kill()
    hold.release(drop=False)  # forwarded to a dead hub: the connection is refused
    _out, err = sync.communicate(timeout=60)
    assert sync.returncode != 0
    assert "Sync failed" in err and "HubUnavailable" in err, err
    first_run = proxy.requests_to("POST", BATCH)
    answered = {e.request_headers["idempotency-key"] for e in first_run if e.status == 200}
    # Every answered batch, and only those, is marked sent: the node heard every answer
    # (only the hub died), and waited for the batches in flight before giving up.
    assert _marked_batches(node, first_run) == answered
    sent = len(_sent_refs(node))
    assert sent == BATCH_SIZE * len(answered) and sent >= BATCH_SIZE
    assert outbox_counts(node) == {"sent": sent, "pending": len(listed) - sent}

    hub.start()  # same port, same data
    on_hub = set(hub_refs(hub, fed.slug))
    assert _sent_refs(node) <= on_hub and not on_hub & _batch_refs(held)
    # The failure put the node in backoff: a plain sync waits, --force goes ahead.
    assert "Backing off" in node.cli("sync").stdout
    mark = proxy.mark()
    assert "Synced:" in node.cli("sync", "--force").stdout
    resent = proxy.requests_to("POST", BATCH, since=mark)
    sent_items = sum(len(e.request_json()["items"]) for e in resent)
    assert sent_items == len(listed) - sent  # the committed batches stay sent
    assert not answered & set(_batch_keys(resent))
    assert all(e.status == 200 for e in resent)
    fed.assert_converged()


def test_node_killed_mid_sync_resumes_from_its_cursor(
    federated: Callable[[str, int], Federated],
) -> None:
    fed = federated("bravo", 1500)
    hub, node, proxy = fed.hub, fed.node, fed.proxy
    listed = node_listed_refs(node)
    batches = -(-len(listed) // BATCH_SIZE)
    assert batches >= 5

    # The hub commits the fourth batch answered; the node dies before it hears so.
    hold = proxy.hold("POST", BATCH, nth=4, phase="response")
    sync = node.spawn("sync")
    in_flight = hold.wait_reached()
    assert in_flight.status == 200
    os.killpg(sync.pid, signal.SIGKILL)
    sync.communicate(timeout=10)  # reaps it and closes its pipes
    hold.release(drop=True)
    held_key = in_flight.request_headers["idempotency-key"]
    assert set(hub_refs(hub, fed.slug)) >= _batch_refs(in_flight)

    mark = proxy.mark()
    first_run = proxy.requests_to("POST", BATCH)
    # Only batches whose answer reached the node can be marked sent: never the held one.
    acknowledged = _marked_batches(node, first_run)
    heard = {e.request_headers["idempotency-key"] for e in first_run if e.status == 200}
    assert acknowledged <= heard - {held_key}
    sent = len(_sent_refs(node))
    assert outbox_counts(node) == {"sent": sent, "pending": len(listed) - sent}

    assert "Synced:" in node.cli("sync").stdout  # a crash is not a recorded failure
    rerun = proxy.requests_to("POST", BATCH, since=mark)
    keys = _batch_keys(rerun)
    assert not acknowledged & set(keys), "acknowledged batches were sent again"
    assert len(rerun) == len(set(keys)) == batches - len(acknowledged)
    # Every batch is resent as is; a batch the hub committed in the first run (the held
    # one at least) gets its stored answer replayed, any other is applied afresh.
    committed = {e.request_headers["idempotency-key"]: e for e in first_run if e.status == 200}
    assert held_key in keys
    for exchange in rerun:
        key = exchange.request_headers["idempotency-key"]
        replayed = exchange.response_headers.get("idempotent-replayed") == "true"
        assert replayed == (key in committed), key
        if replayed:
            assert exchange.request_body == committed[key].request_body
            assert exchange.response_json() == committed[key].response_json()
    records = query(
        hub,
        "SELECT COUNT(*) FROM idempotency_records r JOIN communities c "
        "ON c.id = r.community_id WHERE c.slug = :slug",
        slug=fed.slug,
    )
    assert records == [(batches,)]  # one record per distinct batch: the replays added none
    fed.assert_converged()


def test_replayed_batch_changes_nothing(federated: Callable[[str, int], Federated]) -> None:
    fed = federated("charlie", 400)
    assert "Synced:" in fed.node.cli("sync").stdout
    fed.assert_converged()
    captured = fed.proxy.requests_to("POST", BATCH)[0]
    key = captured.request_headers["idempotency-key"]
    url = f"{fed.hub.url}{BATCH}"
    token = hub_token(fed.hub, fed.creds, "profiles:write")
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    before = fed.profile_rows()

    replay = requests.post(
        url, data=captured.request_body, headers={**headers, "Idempotency-Key": key}, timeout=30
    )
    assert replay.status_code == 200
    assert replay.headers.get("Idempotent-Replayed") == "true"
    assert replay.json() == captured.response_json()
    assert all(r["status"] == "created" for r in replay.json()["results"])
    assert fed.profile_rows() == before

    other_body = dict(captured.request_json())
    other_body["items"] = other_body["items"][:-1]
    misuse = requests.post(
        url, json=other_body, headers={**headers, "Idempotency-Key": key}, timeout=30
    )
    assert misuse.status_code == 422, misuse.text
    assert "different body" in misuse.json()["message"]

    # The same items under a new key are applied afresh: every version is already held.
    fresh = requests.post(
        url,
        data=captured.request_body,
        headers={**headers, "Idempotency-Key": f"{key}-again"},
        timeout=30,
    )
    assert fresh.status_code == 200 and "Idempotent-Replayed" not in fresh.headers
    assert {r["status"] for r in fresh.json()["results"]} == {"stale"}
    assert fed.profile_rows() == before

    missing = requests.post(url, data=captured.request_body, headers=headers, timeout=30)
    assert missing.status_code == 400
    assert fed.profile_rows() == before

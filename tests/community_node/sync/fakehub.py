"""An in-process stand-in for the hub, passed to the sync service as its client."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from shared.hubclient import (
    Changes,
    CursorExpired,
    HubError,
    HubRejected,
    ItemResult,
    JSONText,
    NotModified,
    SnapshotResult,
)


@dataclass
class FakeHub:
    """Keeps what it received; ``fail`` raises a prepared error on the next calls."""

    profiles: dict[str, dict[str, Any]] = field(default_factory=dict)
    batches: list[tuple[str, list[dict[str, Any]]]] = field(default_factory=list)
    snapshots: list[dict[str, Any]] = field(default_factory=list)
    outcomes: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    resources: list[dict[str, Any]] = field(default_factory=list)  # the feed, in seq order
    files: dict[int, bytes] = field(default_factory=dict)  # resource id -> its file's bytes
    oldest_since: int = 0
    calls: list[str] = field(default_factory=list)
    attempted_keys: list[str] = field(default_factory=list)
    failures: list[HubError] = field(default_factory=list)
    fail_on: dict[str, HubError] = field(default_factory=dict)  # call name -> error, once
    # idempotency key prefix -> error, each time that batch is sent: the batches in flight
    # arrive in any order, so a failure is tied to a batch, not to the n-th call
    fail_batches: dict[str, HubError] = field(default_factory=dict)
    reject_refs: set[str] = field(default_factory=set)
    demand: list[dict[str, Any]] | None = None  # the last set PUT, None before any
    intro_feed: list[dict[str, Any]] = field(default_factory=list)  # introduction views
    public_keys: list[str] = field(default_factory=list)
    token_fetched: bool = False
    who: dict[str, Any] = field(
        default_factory=lambda: {"community": "testville", "scopes": ["profiles:write"]}
    )

    def holds_token(self) -> bool:
        return self.token_fetched

    def _call(self, name: str) -> None:
        if not self.token_fetched:
            # Like the real client: the first call of a run also fetches a token.
            self.token_fetched = True
            self.calls.append("token")
        self.calls.append(name)
        if name in self.fail_on:
            raise self.fail_on.pop(name)
        if self.failures:
            raise self.failures.pop(0)

    def factory(self) -> Callable[[Any], FakeHub]:
        def make(connection: Any) -> FakeHub:
            self.token_fetched = False
            return self

        return make

    # The port ----------------------------------------------------------------------

    def whoami(self) -> dict[str, Any]:
        self._call("whoami")
        return dict(self.who)

    def push_profiles(
        self, items: Sequence[Mapping[str, Any] | JSONText], idempotency_key: str
    ) -> list[ItemResult]:
        self.attempted_keys.append(idempotency_key)
        for prefix, error in self.fail_batches.items():
            if idempotency_key.startswith(prefix):
                raise error
        self._call("push_profiles")
        # The node sends its payloads as stored JSON text; the real hub parses them.
        decoded = [json.loads(i) if isinstance(i, str) else dict(i) for i in items]
        self.batches.append((idempotency_key, decoded))
        results = []
        for item in decoded:
            ref, version = item["ref"], item["version"]
            held = self.profiles.get(ref)
            if ref in self.reject_refs:
                results.append(ItemResult(ref, version, "rejected", {"ref": ["No."]}))
            elif held is not None and held["version"] >= version:
                results.append(ItemResult(ref, version, "stale"))
            else:
                self.profiles[ref] = dict(item)
                status = "deleted" if item.get("deleted") else ("updated" if held else "created")
                results.append(ItemResult(ref, version, status))
        return results

    def put_snapshot(self, refs: Sequence[str], version: int) -> SnapshotResult:
        self._call("put_snapshot")
        self.snapshots.append({"refs": list(refs), "version": version})
        gone = 0
        for ref, held in self.profiles.items():
            if ref not in refs and held["version"] < version and not held.get("deleted"):
                self.profiles[ref] = {"ref": ref, "version": version, "deleted": True}
                gone += 1
        return SnapshotResult(kept=len(refs), tombstoned=gone)

    def put_outcomes(self, period: str, cells: Sequence[Mapping[str, Any]]) -> None:
        self._call("put_outcomes")
        self.outcomes[period] = [dict(c) for c in cells]

    def resource_changes(self, since: int, etag: str | None = None) -> Changes | NotModified:
        self._call("resource_changes")
        if 0 < since < self.oldest_since:
            raise CursorExpired("gone")
        newest = max((r["seq"] for r in self.resources), default=0)
        if etag == f'"{newest}"':
            return NotModified(etag)
        remaining = [r for r in self.resources if r["seq"] > since]
        items, more = remaining[:2], len(remaining) > 2
        next_seq = items[-1]["seq"] if items else since
        return Changes(items=items, next=next_seq, more=more, etag=f'"{newest}"')

    def resource_file(self, resource_id: int) -> bytes:
        self._call("resource_file")
        if resource_id not in self.files:
            raise HubRejected("No file.", status=404, body={"message": "No file."})
        return self.files[resource_id]

    def put_demand(self, signals: Sequence[Mapping[str, Any]]) -> None:
        self._call("put_demand")
        self.demand = [dict(s) for s in signals]

    # Introductions -------------------------------------------------------------------

    def intro_inbox(self, since: int) -> Changes:
        self._call("intro_inbox")
        items = [i for i in self.intro_feed if i["seq"] > since]
        return Changes(items=items, next=items[-1]["seq"] if items else since, more=False)

    def withdraw_intro(self, intro_id: int, idempotency_key: str) -> dict[str, Any]:
        self._call("withdraw_intro")
        raise AssertionError("no test here withdraws an introduction")

    def post_contact_card(self, intro_id: int, sealed: str, idempotency_key: str) -> dict[str, Any]:
        self._call("post_contact_card")
        raise AssertionError("no test here sends a card")

    def register_public_key(self, public_key: str) -> None:
        self._call("register_public_key")
        self.public_keys.append(public_key)

    @property
    def live_refs(self) -> set[str]:
        return {ref for ref, p in self.profiles.items() if not p.get("deleted")}

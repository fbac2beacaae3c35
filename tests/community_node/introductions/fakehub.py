"""A stand-in hub for the node's matching and introductions tests."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from shared.crypto import generate_keypair
from shared.hubclient import Changes, HubError


@dataclass
class FakeIntrosHub:
    """Answers directory searches and introductions like the hub, from prepared data."""

    hits: list[dict[str, Any]] = field(default_factory=list)
    feed: list[dict[str, Any]] = field(default_factory=list)
    calls: list[tuple[str, Any]] = field(default_factory=list)
    registered_key: str | None = None
    peer = generate_keypair()
    fail: HubError | None = None
    views: dict[int, dict[str, Any]] = field(default_factory=dict)

    def _check(self) -> None:
        if self.fail is not None:
            raise self.fail

    def whoami(self) -> dict[str, Any]:
        return {"community": "halifax", "scopes": []}

    def search_directory(self, seeker: Any, filters: Any = None, k: int = 10) -> dict[str, Any]:
        self._check()
        self.calls.append(("search", dict(seeker)))
        return {"items": self.hits[:k], "candidates": len(self.hits)}

    def view(self, intro_id: int, **changes: Any) -> dict[str, Any]:
        now = dt.datetime(2026, 3, 1, tzinfo=dt.UTC).isoformat()
        base = self.views.get(intro_id) or {
            "id": intro_id,
            "seq": intro_id,
            "direction": "outgoing",
            "status": "requested",
            "end_reason": None,
            "from_community": "halifax",
            "to_community": "stlouis",
            "profile_id": 77,
            "connector_ref": None,
            "consent_ref": "c" * 32,
            "pitch": {"target_occupation": "29-1141", "experience_band": "5-9",
                      "languages": [{"language": "ara", "level": "native"}], "skills": []},
            "requested_at": now,
            "decided_at": None,
            "expires_at": None,
            "allowed": [],
            "card_sent": False,
            "peer_public_key": None,
            "peer_card": None,
        }  # fmt: skip
        base = {**base, **changes}
        self.views[intro_id] = base
        return dict(base)

    def request_intro(
        self, profile_id: int, pitch: Any, consent_ref: str, idempotency_key: str
    ) -> dict[str, Any]:
        self._check()
        self.calls.append(("request", (profile_id, dict(pitch), consent_ref)))
        return self.view(100 + len(self.views), profile_id=profile_id, consent_ref=consent_ref)

    def intro_inbox(self, since: int) -> Changes:
        self._check()
        items = [i for i in self.feed if i["seq"] > since]
        return Changes(items=items, next=max([since, *(i["seq"] for i in items)]), more=False)

    def get_intro(self, intro_id: int) -> dict[str, Any]:
        return self.view(intro_id)

    def decide_intro(self, intro_id: int, decision: str, idempotency_key: str) -> dict[str, Any]:
        self._check()
        self.calls.append((decision, intro_id))
        status = "accepted" if decision == "accept" else "declined"
        key = self.peer.public if status == "accepted" else None
        return self.view(intro_id, status=status, peer_public_key=key)

    def withdraw_intro(self, intro_id: int, idempotency_key: str) -> dict[str, Any]:
        self._check()
        self.calls.append(("withdraw", intro_id))
        return self.view(intro_id, status="withdrawn", end_reason="withdrawn")

    def post_contact_card(self, intro_id: int, sealed: str, idempotency_key: str) -> dict[str, Any]:
        self._check()
        self.calls.append(("card", (intro_id, sealed)))
        return self.view(intro_id, card_sent=True)

    def erase_intro(
        self, intro_id: int, idempotency_key: str, reason: str = "erasure"
    ) -> dict[str, Any]:
        """Erase like the hub: a waiting request ends, the pitch and cards go."""
        self._check()
        self.calls.append(("erase", (intro_id, reason)))
        current = self.views.get(intro_id) or self.view(intro_id)
        changes: dict[str, Any] = {
            "pitch": None,
            "peer_card": None,
            "consent_ref": None,
            "erased_at": dt.datetime(2026, 3, 2, tzinfo=dt.UTC).isoformat(),
            "erased_by": "requester" if current["direction"] == "outgoing" else "connector",
        }
        if current["status"] == "requested":
            end = "erased" if reason == "erasure" else "consent_withdrawn"
            changes.update(status="withdrawn", end_reason=end)
        return self.view(intro_id, **changes)

    def register_public_key(self, public_key: str) -> None:
        self.registered_key = public_key

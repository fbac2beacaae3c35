"""Dead letters: outbox items the hub refused, for staff to see and requeue."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from community_node.audit.services import record
from community_node.errors import Conflict, NotFound
from community_node.extensions import db
from community_node.pagination import Page, apply_sort, paginate
from community_node.sync.models import OutboxItem, OutboxStatus

_DEAD_SORT = {"id": OutboxItem.seq, "seq": OutboxItem.seq, "created_at": OutboxItem.created_at}


def list_dead_letters(args: Mapping[str, Any]) -> Page:
    stmt = select(OutboxItem).where(OutboxItem.status == OutboxStatus.DEAD)
    if (kind := args.get("kind")) is not None:
        stmt = stmt.where(OutboxItem.kind == kind)
    stmt = apply_sort(stmt, args["sort"], _DEAD_SORT, OutboxItem.seq)
    return paginate(stmt, args["page"], args["per_page"])


def requeue(seq: int, *, actor: str) -> OutboxItem:
    """Put a dead item back in the queue; the next sync sends it (if still the newest)."""
    item = db.session.get(OutboxItem, seq)
    if item is None:
        raise NotFound(f"No outbox item {seq}.")
    if item.status != OutboxStatus.DEAD:
        raise Conflict(
            f"Only dead items can be requeued; this one is {item.status.value}.", allowed=["dead"]
        )
    item.status = OutboxStatus.PENDING
    item.attempts = 0
    item.next_attempt_at = None
    record(actor, "sync.requeue", "outbox_item", item.seq, {"kind": item.kind.value})
    db.session.commit()
    return item

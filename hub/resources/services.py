"""Publish and unpublish shared resources; every change takes the next feed seq."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import CursorResult, delete, func, select

from hub.audit.services import record
from hub.database import utcnow
from hub.errors import InvalidInput, NotFound
from hub.extensions import db
from hub.resources.models import Resource, ResourceFeed
from hub.resources.schemas import ResourceDraftSchema
from shared.protocol import MAX_FEED_ITEMS


def _feed() -> ResourceFeed:
    feed = db.session.scalar(select(ResourceFeed).with_for_update())
    if feed is None:
        feed = ResourceFeed(last_seq=0, min_seq=0)
        db.session.add(feed)
        db.session.flush()
    return feed


def _next_seq() -> int:
    feed = _feed()
    feed.last_seq += 1
    return feed.last_seq


def publish(
    *,
    kind: str,
    title: str,
    summary: str,
    body: str | None,
    url: str | None,
    tags: Sequence[str],
    language: str,
    audience: str,
    actor: str,
) -> Resource:
    """Publish a resource (a body or a link, not both); then commit."""
    fields: dict[str, Any] = {
        "kind": kind,
        "title": title,
        "summary": summary,
        "body": body,
        "url": url,
        "tags": list(tags),
        "language": language,
        "audience": audience,
    }
    errors = ResourceDraftSchema().validate(fields)
    if errors:
        raise InvalidInput(errors)
    now = utcnow()
    resource = Resource(seq=_next_seq(), **fields, published_at=now, updated_at=now)
    db.session.add(resource)
    db.session.flush()
    record(actor, "resource.publish", "resource", resource.id, {"seq": resource.seq})
    _compact(now)
    db.session.commit()
    return resource


def unpublish(resource_id: int, actor: str) -> Resource:
    """Turn a resource into a tombstone in the feed; then commit."""
    resource = db.session.get(Resource, resource_id)
    if resource is None or resource.deleted:
        raise NotFound(f"No published resource {resource_id}.")
    now = utcnow()
    resource.seq = _next_seq()
    resource.deleted = True
    resource.deleted_at = now
    resource.updated_at = now
    # A tombstone keeps no content: nodes drop their copy.
    resource.body = None
    resource.url = None
    resource.summary = ""
    resource.tags = []
    record(actor, "resource.unpublish", "resource", resource.id, {"seq": resource.seq})
    _compact(now)
    db.session.commit()
    return resource


def list_resources(include_deleted: bool = False) -> list[Resource]:
    """Return resources in publication order."""
    stmt = select(Resource).order_by(Resource.id)
    if not include_deleted:
        stmt = stmt.where(Resource.deleted.is_(False))
    return list(db.session.scalars(stmt))


def compact(now: dt.datetime | None = None) -> int:
    """Purge tombstones older than the retention; then commit. Return how many."""
    purged = _compact(now or utcnow())
    db.session.commit()
    return purged


def _compact(now: dt.datetime) -> int:
    days = int(current_app.config["RESOURCE_TOMBSTONE_RETENTION_DAYS"])
    old = Resource.deleted.is_(True) & (Resource.deleted_at < now - dt.timedelta(days=days))
    newest = db.session.scalar(select(func.max(Resource.seq)).where(old))
    if newest is None:
        return 0
    result: CursorResult[Any] = db.session.execute(delete(Resource).where(old))  # type: ignore[assignment]
    purged = result.rowcount
    feed = _feed()
    feed.min_seq = max(feed.min_seq, newest)
    return int(purged or 0)


@dataclass(frozen=True)
class Changes:
    """One page of the change feed, or ``expired`` when the cursor is no longer served."""

    items: list[dict[str, Any]]
    next: int
    more: bool
    newest: int
    expired: bool = False


def changes_since(since: int, limit: int = MAX_FEED_ITEMS) -> Changes:
    """Return the changes after ``since`` in seq order (at most ``limit``)."""
    feed = db.session.scalar(select(ResourceFeed))
    newest = feed.last_seq if feed is not None else 0
    floor = feed.min_seq if feed is not None else 0
    # since=0 is always valid (a full copy); a cursor below the purged history, or ahead
    # of anything this hub ever issued (a restored database), cannot be served.
    if since < 0 or (0 < since < floor) or since > newest:
        return Changes([], since, False, newest, expired=True)
    rows = list(
        db.session.scalars(
            select(Resource).where(Resource.seq > since).order_by(Resource.seq).limit(limit + 1)
        )
    )
    more = len(rows) > limit
    rows = rows[:limit]
    items = [_wire(r) for r in rows]
    return Changes(items, rows[-1].seq if rows else since, more, newest)


def _wire(resource: Resource) -> dict[str, Any]:
    if resource.deleted:
        return {"id": resource.id, "seq": resource.seq, "deleted": True}
    return {
        "id": resource.id,
        "seq": resource.seq,
        "kind": resource.kind,
        "title": resource.title,
        "summary": resource.summary,
        "body": resource.body,
        "url": resource.url,
        "tags": list(resource.tags),
        "language": resource.language,
        "audience": resource.audience,
        "published_at": resource.published_at,
    }

"""Publish, revise and unpublish shared resources; every change takes the next feed seq."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import CursorResult, delete, func, select

from hub.audit.services import record
from hub.database import utcnow
from hub.errors import InvalidInput, NotFound
from hub.extensions import db
from hub.resources.files import CheckedFile
from hub.resources.models import Resource, ResourceFeed, ResourceFile, ResourceVersion
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


def _content(resource: Resource) -> str:
    if resource.file_sha256 is not None:
        return "file"
    return "link" if resource.url is not None else "body"


def _checked(fields: dict[str, Any], file_name: str | None) -> dict[str, Any]:
    """Validate a draft with the schema the CLI and the web form use; return its values.

    ``file_name`` names the file the resource will hold, if any (its bytes were checked
    on upload), so one rule decides between a text, a link and a file.
    """
    draft = {**fields, "file_name": file_name}
    errors = ResourceDraftSchema().validate(draft)
    if errors:
        raise InvalidInput(errors)
    loaded: dict[str, Any] = ResourceDraftSchema().load(draft)
    loaded.pop("file_name", None)
    return loaded


def _store_file(resource: Resource, file: CheckedFile | None) -> None:
    stored = db.session.get(ResourceFile, resource.id)
    if file is None:
        if stored is not None:
            db.session.delete(stored)
        resource.file_name = resource.file_media_type = resource.file_sha256 = None
        resource.file_size = None
        return
    if stored is None:
        db.session.add(ResourceFile(resource_id=resource.id, data=file.data))
    else:
        stored.data = file.data
    resource.file_name = file.name
    resource.file_media_type = file.media_type
    resource.file_size = file.size
    resource.file_sha256 = file.sha256


def _keep_version(resource: Resource, note: str | None, actor: str, now: dt.datetime) -> None:
    db.session.add(
        ResourceVersion(
            resource_id=resource.id,
            version=resource.version,
            title=resource.title,
            content=_content(resource),
            file_name=resource.file_name,
            file_sha256=resource.file_sha256,
            note=note,
            actor=actor,
            at=now,
        )
    )


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
    translations: Sequence[Mapping[str, str]] = (),
    file: CheckedFile | None = None,
) -> Resource:
    """Publish a resource (a text, a link or a file: one of them); then commit."""
    fields = _checked(
        {
            "kind": kind,
            "title": title,
            "summary": summary,
            "body": body,
            "url": url,
            "tags": list(tags),
            "language": language,
            "translations": [dict(t) for t in translations],
            "audience": audience,
        },
        file.name if file is not None else None,
    )
    now = utcnow()
    resource = Resource(seq=_next_seq(), **fields, version=1, published_at=now, updated_at=now)
    db.session.add(resource)
    db.session.flush()
    _store_file(resource, file)
    _keep_version(resource, None, actor, now)
    record(actor, "resource.publish", "resource", resource.id, {"seq": resource.seq})
    _compact(now)
    db.session.commit()
    return resource


def get_resource(resource_id: int) -> Resource:
    """A published (not unpublished) resource, or 404."""
    resource = db.session.get(Resource, resource_id)
    if resource is None or resource.deleted:
        raise NotFound(f"No published resource {resource_id}.")
    return resource


def revise(
    resource_id: int,
    changes: Mapping[str, Any],
    *,
    actor: str,
    file: CheckedFile | None = None,
    note: str | None = None,
) -> Resource:
    """Publish a new version of a resource: nodes replace their copy; then commit.

    ``changes`` holds the draft's fields to change; a new ``file`` replaces the old one,
    and a resource that had a file keeps it unless a text or a link replaces it.
    """
    resource = get_resource(resource_id)
    current: dict[str, Any] = {
        "kind": resource.kind,
        "title": resource.title,
        "summary": resource.summary,
        "body": resource.body,
        "url": resource.url,
        "tags": list(resource.tags),
        "language": resource.language,
        "translations": list(resource.translations),
        "audience": resource.audience,
    }
    merged = {**current, **changes}
    replaced_by_other = changes.get("body") is not None or changes.get("url") is not None
    keep_file = file is None and resource.file_sha256 is not None and not replaced_by_other
    if file is not None or keep_file:
        merged["body"] = merged["url"] = None
    kept_name = resource.file_name if keep_file else None
    fields = _checked(merged, file.name if file is not None else kept_name)
    now = utcnow()
    for name, value in fields.items():
        setattr(resource, name, value)
    if not keep_file:
        _store_file(resource, file)
    resource.version += 1
    resource.seq = _next_seq()
    resource.updated_at = now
    _keep_version(resource, note, actor, now)
    details = {"seq": resource.seq, "version": resource.version}
    record(actor, "resource.revise", "resource", resource.id, details)
    _compact(now)
    db.session.commit()
    return resource


def versions_of(resource_id: int) -> list[ResourceVersion]:
    """A resource's versions, newest first."""
    stmt = (
        select(ResourceVersion)
        .where(ResourceVersion.resource_id == resource_id)
        .order_by(ResourceVersion.version.desc(), ResourceVersion.id.desc())
    )
    return list(db.session.scalars(stmt))


def file_of(resource_id: int) -> tuple[Resource, bytes]:
    """A published resource and its file's bytes; 404 when it has no file."""
    resource = get_resource(resource_id)
    stored = db.session.get(ResourceFile, resource_id)
    if stored is None or resource.file_sha256 is None:
        raise NotFound(f"Resource {resource_id} has no file.")
    return resource, stored.data


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
    # A tombstone keeps no content: nodes drop their copy, and the file goes too.
    resource.body = None
    resource.url = None
    resource.summary = ""
    resource.tags = []
    resource.translations = []
    _store_file(resource, None)
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
        "file": _wire_file(resource),
        "tags": list(resource.tags),
        "language": resource.language,
        "translations": list(resource.translations),
        "audience": resource.audience,
        "version": resource.version,
        "published_at": resource.published_at,
    }


def _wire_file(resource: Resource) -> dict[str, Any] | None:
    if resource.file_sha256 is None:
        return None
    return {
        "name": resource.file_name,
        "media_type": resource.file_media_type,
        "size": resource.file_size,
        "sha256": resource.file_sha256,
    }

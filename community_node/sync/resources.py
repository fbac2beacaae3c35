"""The hub's shared resources: pulling the change feed into the local copy, and reading it."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select

from community_node.errors import DomainError, NotFound
from community_node.extensions import db
from community_node.pagination import Page, apply_sort, paginate
from community_node.sync.connection import (
    HubPort,
    configured_client_factory,
    get_connection,
    load_answer,
)
from community_node.sync.models import HubResource, SyncState
from community_node.sync.report import SyncReport
from shared.hubclient import CursorExpired, HubError, NotModified
from shared.protocol import Dispatch, ResourceSchema, ResourceTombstoneSchema

#: One item of the resource feed: a resource, or a tombstone when it has ``deleted``.
_FEED_ITEM = Dispatch(ResourceSchema, ResourceTombstoneSchema)


def _apply_resource(raw: Mapping[str, Any]) -> None:
    item = load_answer(_FEED_ITEM.deserialize, raw, "resource feed item")
    if item.get("deleted"):
        db.session.execute(delete(HubResource).where(HubResource.id == item["id"]))
        return
    resource = db.session.get(HubResource, item["id"]) or HubResource(id=item["id"])
    for name in (
        "seq",
        "kind",
        "title",
        "summary",
        "body",
        "url",
        "tags",
        "language",
        "translations",
        "audience",
        "version",
        "published_at",
    ):
        setattr(resource, name, item[name])
    file = item["file"] or {}
    resource.file_name = file.get("name")
    resource.file_media_type = file.get("media_type")
    resource.file_size = file.get("size")
    resource.file_sha256 = file.get("sha256")
    db.session.add(resource)


def pull_resources(client: HubPort, state: SyncState, report: SyncReport) -> None:
    resynced = False
    while True:
        try:
            page = client.resource_changes(state.resource_cursor, state.resource_etag)
        except CursorExpired:
            if resynced:
                raise
            # The hub no longer has our cursor's history: start the copy over.
            db.session.execute(delete(HubResource))
            state.resource_cursor, state.resource_etag = 0, None
            db.session.commit()
            resynced = report.resources_resynced = True
            continue
        if isinstance(page, NotModified):
            return
        for item in page.items:
            _apply_resource(item)
        report.resources_changed += len(page.items)
        state.resource_cursor = page.next
        # The ETag names the feed's newest seq: keep it only once caught up, or the next
        # page would be answered 304 and skipped.
        state.resource_etag = None if page.more else page.etag
        db.session.commit()
        if not page.more:
            return


_RESOURCE_SORT = {
    "id": HubResource.id,
    "title": HubResource.title,
    "published_at": HubResource.published_at,
    "seq": HubResource.seq,
}


def list_resources(args: Mapping[str, Any]) -> Page:
    stmt = select(HubResource)
    for name in ("kind", "language", "audience"):
        if (value := args.get(name)) is not None:
            stmt = stmt.where(getattr(HubResource, name) == value)
    stmt = apply_sort(stmt, args["sort"], _RESOURCE_SORT, HubResource.id)
    return paginate(stmt, args["page"], args["per_page"])


def search_resources(args: Mapping[str, Any]) -> Page:
    """Like :func:`list_resources`, narrowed by words (``q``) in any language's title,
    summary or tags. The copy is a national library of hundreds of items, so the words
    are matched here rather than in SQL (JSON translations, accents, any database)."""
    words = str(args.get("q") or "").casefold().split()
    if not words:
        return list_resources(args)
    stmt = select(HubResource)
    for name in ("kind", "language", "audience"):
        if (value := args.get(name)) is not None:
            stmt = stmt.where(getattr(HubResource, name) == value)
    stmt = apply_sort(stmt, args["sort"], _RESOURCE_SORT, HubResource.id)
    found = [r for r in db.session.scalars(stmt) if all(w in _searchable(r) for w in words)]
    page, per_page = args["page"], args["per_page"]
    start = (page - 1) * per_page
    return Page(found[start : start + per_page], len(found), page, per_page)


def _searchable(resource: HubResource) -> str:
    texts = [resource.title, resource.summary, " ".join(resource.tags)]
    texts += [f"{t.get('title', '')} {t.get('summary', '')}" for t in resource.translations]
    return " ".join(texts).casefold()


@dataclass(frozen=True)
class Localized:
    """A resource's title and summary in the reader's language where national staff gave one."""

    language: str
    title: str
    summary: str


def localized(resource: HubResource, preferred: Sequence[str]) -> Localized:
    """The title and summary in the first of ``preferred`` (language codes) the resource
    has, else in its own language."""
    versions = {resource.language: Localized(resource.language, resource.title, resource.summary)}
    for t in resource.translations:
        versions.setdefault(t["language"], Localized(t["language"], t["title"], t["summary"]))
    for code in preferred:
        base = code.lower().split("-")[0]
        if base in versions:
            return versions[base]
    return versions[resource.language]


class FileUnavailable(DomainError):
    """The resource's file cannot be fetched from the hub now."""

    status = 503


def resource_file(resource_id: int) -> tuple[HubResource, bytes]:
    """A resource and its file's bytes, fetched from the hub and checked against the digest
    the feed announced (a file that differs is refused, never passed on)."""
    resource = get_resource(resource_id)
    if resource.file_sha256 is None:
        raise NotFound(f"Resource {resource_id} has no file.")
    connection = get_connection()
    if connection is None:
        raise FileUnavailable("This node is not connected to the hub, where the file is kept.")
    client = configured_client_factory()(connection)
    try:
        data = client.resource_file(resource_id)
    except HubError as exc:
        raise FileUnavailable(
            "The hub cannot send the file right now; try again in a few minutes."
        ) from exc
    if hashlib.sha256(data).hexdigest() != resource.file_sha256:
        raise FileUnavailable(
            "The hub sent another version of this file than this node knows; it will match "
            "after the next sync."
        )
    return resource, data


def get_resource(resource_id: int) -> HubResource:
    resource = db.session.get(HubResource, resource_id)
    if resource is None:
        raise NotFound(f"No resource {resource_id}.")
    return resource

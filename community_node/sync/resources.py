"""The hub's shared resources: pulling the change feed into the local copy, and reading it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import delete, select

from community_node.errors import NotFound
from community_node.extensions import db
from community_node.pagination import Page, apply_sort, paginate
from community_node.sync.connection import HubPort, load_answer
from community_node.sync.models import HubResource, SyncState
from community_node.sync.report import SyncReport
from shared.hubclient import CursorExpired, NotModified
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
        "audience",
        "published_at",
    ):
        setattr(resource, name, item[name])
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


def get_resource(resource_id: int) -> HubResource:
    resource = db.session.get(HubResource, resource_id)
    if resource is None:
        raise NotFound(f"No resource {resource_id}.")
    return resource

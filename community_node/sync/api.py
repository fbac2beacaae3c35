"""/api/v1/sync (status, dead letters) and /api/v1/resources (the local copy)."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from community_node.pagination import Page
from community_node.security import actor_label, require_api_caller
from community_node.sync import deadletters, resources, run
from community_node.sync.models import HubResource, OutboxItem
from community_node.sync.schemas import (
    DeadLetterArgsSchema,
    OutboxItemPageSchema,
    OutboxItemSchema,
    ResourceListArgsSchema,
    ResourcePageSchema,
    ResourceSchema,
    SyncStatusSchema,
)

sync_blp = Blueprint(
    "sync",
    __name__,
    url_prefix="/sync",
    description="Syncing with the national hub: health, dead letters and requeueing.",
)
require_api_caller(sync_blp)

resources_blp = Blueprint(
    "resources",
    __name__,
    url_prefix="/resources",
    description="Shared resources from the hub, served from the node's copy.",
)
require_api_caller(resources_blp)


@sync_blp.route("/status")
class Status(MethodView):
    @sync_blp.response(200, SyncStatusSchema)
    def get(self) -> dict[str, Any]:
        """Show the hub connection, last success, pending and dead counts, backoff."""
        return run.status()


@sync_blp.route("/dead-letters")
class DeadLetters(MethodView):
    @sync_blp.arguments(DeadLetterArgsSchema, location="query")
    @sync_blp.response(200, OutboxItemPageSchema)
    def get(self, args: dict[str, Any]) -> Page:
        """List the changes the hub refused; their payloads are anonymized."""
        return deadletters.list_dead_letters(args)


@sync_blp.route("/dead-letters/<int:seq>/requeue")
class Requeue(MethodView):
    @sync_blp.response(200, OutboxItemSchema)
    def post(self, seq: int) -> OutboxItem:
        """Send a dead item again on the next sync."""
        return deadletters.requeue(seq, actor=actor_label())


@resources_blp.route("")
class Resources(MethodView):
    @resources_blp.arguments(ResourceListArgsSchema, location="query")
    @resources_blp.response(200, ResourcePageSchema)
    def get(self, args: dict[str, Any]) -> Page:
        """List shared resources; works while the hub is down."""
        return resources.search_resources(args)


@resources_blp.route("/<int:resource_id>")
class Resource(MethodView):
    @resources_blp.response(200, ResourceSchema)
    def get(self, resource_id: int) -> HubResource:
        """Read one shared resource."""
        return resources.get_resource(resource_id)

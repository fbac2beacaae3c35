"""/api/v1/intros: cross-city introductions (outgoing and incoming) through the hub."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from community_node.intros import services
from community_node.intros.models import CrossCityIntro
from community_node.intros.schemas import (
    IntroListArgsSchema,
    IntroPageSchema,
    IntroRequestSchema,
    IntroSchema,
    IntroSyncSchema,
)
from community_node.pagination import Page
from community_node.security import actor_label, require_api_caller

intros_blp = Blueprint(
    "intros",
    __name__,
    url_prefix="/intros",
    description="Cross-city introductions: requests to connectors elsewhere and requests "
    "for this node's connectors, with the contact cards exchanged on acceptance.",
)
require_api_caller(intros_blp)


@intros_blp.route("")
class Intros(MethodView):
    @intros_blp.arguments(IntroListArgsSchema, location="query")
    @intros_blp.response(200, IntroPageSchema)
    def get(self, args: dict[str, Any]) -> Page:
        """List outgoing and incoming introductions (as of the last sync)."""
        return services.list_intros(args)

    @intros_blp.arguments(IntroRequestSchema)
    @intros_blp.response(201, IntroSchema)
    def post(self, data: dict[str, Any]) -> CrossCityIntro:
        """Request an introduction for a connectee who consented to cross-city introductions."""
        return services.request(
            data["connectee_id"], data["directory_profile_id"], actor=actor_label()
        )


@intros_blp.route("/sync")
class Sync(MethodView):
    @intros_blp.response(200, IntroSyncSchema)
    def post(self) -> dict[str, int]:
        """Pull the hub's introductions feed now and exchange contact cards."""
        return services.sync()


@intros_blp.route("/<int:intro_id>")
class IntroItem(MethodView):
    @intros_blp.response(200, IntroSchema)
    def get(self, intro_id: int) -> CrossCityIntro:
        """Read one introduction, with the other node's contact card once exchanged."""
        return services.get_intro(intro_id)


@intros_blp.route("/<int:intro_id>/accept")
class Accept(MethodView):
    @intros_blp.response(200, IntroSchema)
    def post(self, intro_id: int) -> CrossCityIntro:
        """The connector agreed: tell the hub and send the connector's sealed contact card."""
        return services.decide(intro_id, "accept", actor=actor_label())


@intros_blp.route("/<int:intro_id>/decline")
class Decline(MethodView):
    @intros_blp.response(200, IntroSchema)
    def post(self, intro_id: int) -> CrossCityIntro:
        """The connector declined; the hub tells the requesting community."""
        return services.decide(intro_id, "decline", actor=actor_label())


@intros_blp.route("/<int:intro_id>/withdraw")
class Withdraw(MethodView):
    @intros_blp.response(200, IntroSchema)
    def post(self, intro_id: int) -> CrossCityIntro:
        """Withdraw an outgoing request that is still waiting."""
        return services.withdraw(intro_id, actor=actor_label())

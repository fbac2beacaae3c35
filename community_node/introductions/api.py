"""/api/v1/introductions: cross-city introductions (outgoing and incoming) through the hub."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from community_node.introductions import erasure, services
from community_node.introductions.models import CrossCityIntro
from community_node.introductions.schemas import (
    DisclosureArgsSchema,
    DisclosuresSchema,
    IntroListArgsSchema,
    IntroPageSchema,
    IntroRequestSchema,
    IntroSchema,
    IntroSyncSchema,
)
from community_node.pagination import Page
from community_node.security import actor_label, require_api_caller

introductions_blp = Blueprint(
    "introductions",
    __name__,
    url_prefix="/introductions",
    description="Cross-city introductions: requests to connectors elsewhere and requests "
    "for this node's connectors, with the contact cards exchanged on acceptance.",
)
require_api_caller(introductions_blp)


@introductions_blp.route("")
class Intros(MethodView):
    @introductions_blp.arguments(IntroListArgsSchema, location="query")
    @introductions_blp.response(200, IntroPageSchema)
    def get(self, args: dict[str, Any]) -> Page:
        """List outgoing and incoming introductions (as of the last sync)."""
        return services.list_intros(args)

    @introductions_blp.arguments(IntroRequestSchema)
    @introductions_blp.response(201, IntroSchema)
    def post(self, data: dict[str, Any]) -> CrossCityIntro:
        """Request an introduction for a connectee who consented to cross-city introductions."""
        return services.request(
            data["connectee_id"], data["directory_profile_id"], actor=actor_label()
        )


@introductions_blp.route("/sync")
class Sync(MethodView):
    @introductions_blp.response(200, IntroSyncSchema)
    def post(self) -> dict[str, int]:
        """Pull the hub's introductions feed now and exchange contact cards."""
        return services.sync()


@introductions_blp.route("/disclosures")
class Disclosures(MethodView):
    @introductions_blp.arguments(DisclosureArgsSchema, location="query")
    @introductions_blp.response(200, DisclosuresSchema)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Where one participant's data went across cities, and when each hub copy was erased.

        Give exactly one of ``connectee_id`` and ``connector_id``. Field names, communities
        and dates only: nothing personal, so it stays true after an erasure.
        """
        return {
            "items": erasure.disclosures(
                connectee_id=args.get("connectee_id"), connector_id=args.get("connector_id")
            )
        }


@introductions_blp.route("/<int:intro_id>")
class IntroItem(MethodView):
    @introductions_blp.response(200, IntroSchema)
    def get(self, intro_id: int) -> CrossCityIntro:
        """Read one introduction, with the other node's contact card once exchanged."""
        return services.get_intro(intro_id)


@introductions_blp.route("/<int:intro_id>/accept")
class Accept(MethodView):
    @introductions_blp.response(200, IntroSchema)
    def post(self, intro_id: int) -> CrossCityIntro:
        """The connector agreed: tell the hub and send the connector's sealed contact card."""
        return services.decide(intro_id, "accept", actor=actor_label())


@introductions_blp.route("/<int:intro_id>/decline")
class Decline(MethodView):
    @introductions_blp.response(200, IntroSchema)
    def post(self, intro_id: int) -> CrossCityIntro:
        """The connector declined; the hub tells the requesting community."""
        return services.decide(intro_id, "decline", actor=actor_label())


@introductions_blp.route("/<int:intro_id>/withdraw")
class Withdraw(MethodView):
    @introductions_blp.response(200, IntroSchema)
    def post(self, intro_id: int) -> CrossCityIntro:
        """Withdraw an outgoing request that is still waiting."""
        return services.withdraw(intro_id, actor=actor_label())

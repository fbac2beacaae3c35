"""/api/v1/matches: matches, their transitions, meetings and referrals, connector capacity."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from werkzeug.wrappers import Response

from community_node.matches import services
from community_node.matches.models import Match, MatchTransition, Meeting, Referral
from community_node.matches.schemas import (
    CapacitySchema,
    MatchDetailSchema,
    MatchListArgsSchema,
    MatchPageSchema,
    MatchSchema,
    MeetingSchema,
    MeetingUpdateSchema,
    ReferralSchema,
    ReferralUpdateSchema,
    TransitionSchema,
)
from community_node.matching import services as matching
from community_node.pagination import Page
from community_node.security import actor_label, require_api_caller
from shared.web.csv import csv_response

matches_blp = Blueprint(
    "matches",
    __name__,
    url_prefix="/matches",
    description="Matches between connectees and connectors, from proposal to referrals.",
)
require_api_caller(matches_blp)


@matches_blp.route("")
class Matches(MethodView):
    @matches_blp.arguments(MatchListArgsSchema, location="query")
    @matches_blp.response(200, MatchPageSchema)
    def get(self, args: dict[str, Any]) -> Page:
        """List, filter and sort matches."""
        return services.list_matches(args)

    @matches_blp.arguments(MatchSchema)
    @matches_blp.response(201, MatchDetailSchema)
    def post(self, data: dict[str, Any]) -> Match:
        """Propose a match; the connector needs capacity left in the current period."""
        return services.create_match(data, actor=actor_label())


@matches_blp.route("/export.csv")
class Export(MethodView):
    @matches_blp.arguments(MatchListArgsSchema, location="query")
    @matches_blp.response(200, content_type="text/csv")
    def get(self, args: dict[str, Any]) -> Response:
        """Export the filtered list as CSV (no names: ids and statuses only)."""
        schema = MatchSchema()
        columns = [name for name, field in schema.fields.items() if not field.load_only]
        rows = schema.dump(services.export_matches(args), many=True)
        return csv_response(rows, columns, "matches.csv")


@matches_blp.route("/capacity/<int:connector_id>")
class Capacity(MethodView):
    @matches_blp.response(200, CapacitySchema)
    def get(self, connector_id: int) -> services.CapacityUse:
        """Tell how many new matches a connector can take in the current month or quarter."""
        return services.capacity_of(connector_id)


@matches_blp.route("/<int:match_id>")
class MatchItem(MethodView):
    @matches_blp.response(200, MatchDetailSchema)
    def get(self, match_id: int) -> Match:
        """Read one match with its transitions, meetings and referrals."""
        return services.get_match(match_id)


@matches_blp.route("/<int:match_id>/transitions")
class Transitions(MethodView):
    @matches_blp.response(200, TransitionSchema(many=True))
    def get(self, match_id: int) -> Sequence[MatchTransition]:
        """List the match's status changes, oldest first."""
        return services.get_match(match_id).transitions

    @matches_blp.arguments(TransitionSchema)
    @matches_blp.response(201, TransitionSchema)
    def post(self, data: dict[str, Any], match_id: int) -> MatchTransition:
        """Move the match on; an illegal move answers 409 with the allowed statuses."""
        return services.transition(
            match_id,
            data["to"],
            actor=actor_label(),
            note=data.get("note"),
            offer_next=matching.offer_next,
        )


@matches_blp.route("/<int:match_id>/meetings")
class Meetings(MethodView):
    @matches_blp.response(200, MeetingSchema(many=True))
    def get(self, match_id: int) -> Sequence[Meeting]:
        """List the match's meetings."""
        return services.get_match(match_id).meetings

    @matches_blp.arguments(MeetingSchema)
    @matches_blp.response(201, MeetingSchema)
    def post(self, data: dict[str, Any], match_id: int) -> Meeting:
        """Schedule a meeting; an introduced match moves to meeting_scheduled."""
        return services.schedule_meeting(match_id, data, actor=actor_label())


@matches_blp.route("/<int:match_id>/meetings/<int:meeting_id>")
class MeetingItem(MethodView):
    @matches_blp.arguments(MeetingUpdateSchema)
    @matches_blp.response(200, MeetingSchema)
    def patch(self, data: dict[str, Any], match_id: int, meeting_id: int) -> Meeting:
        """Record confirmations or whether it took place (held moves the match to met)."""
        return services.update_meeting(match_id, meeting_id, data, actor=actor_label())


@matches_blp.route("/<int:match_id>/referrals")
class Referrals(MethodView):
    @matches_blp.response(200, ReferralSchema(many=True))
    def get(self, match_id: int) -> Sequence[Referral]:
        """List the connector's referrals for this match."""
        return services.get_match(match_id).referrals

    @matches_blp.arguments(ReferralSchema)
    @matches_blp.response(201, ReferralSchema)
    def post(self, data: dict[str, Any], match_id: int) -> Referral:
        """Record a referral; the first one moves a met match to referrals_pending."""
        return services.add_referral(match_id, data, actor=actor_label())


@matches_blp.route("/<int:match_id>/referrals/<int:referral_id>")
class ReferralItem(MethodView):
    @matches_blp.arguments(ReferralUpdateSchema)
    @matches_blp.response(200, ReferralSchema)
    def patch(self, data: dict[str, Any], match_id: int, referral_id: int) -> Referral:
        """Record what came of a referral."""
        return services.update_referral(match_id, referral_id, data, actor=actor_label())

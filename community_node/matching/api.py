"""/api/v1/matching: explained suggestions, batch proposals for review, next candidates."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from community_node.introductions import services as introductions
from community_node.matching import services
from community_node.matching.models import MatchProposalBatch, NextCandidate
from community_node.matching.schemas import (
    AcceptSchema,
    NextCandidateSchema,
    ProposalBatchSchema,
    ProposeSchema,
    SuggestionArgsSchema,
    SuggestionsSchema,
)
from community_node.security import actor_label, require_api_caller

matching_blp = Blueprint(
    "matching",
    __name__,
    url_prefix="/matching",
    description="Suggested connectors with reasons, and batch proposals staff review.",
)
require_api_caller(matching_blp)


@matching_blp.route("/suggestions/<int:connectee_id>")
class Suggestions(MethodView):
    @matching_blp.arguments(SuggestionArgsSchema, location="query")
    @matching_blp.response(200, SuggestionsSchema)
    def get(self, args: dict[str, Any], connectee_id: int) -> dict[str, Any]:
        """Rank local connectors for a connectee; below the threshold, add cross-city ones."""
        return services.suggestions(connectee_id, args["k"], ask_hub=introductions.search_hub)


@matching_blp.route("/proposals")
class Proposals(MethodView):
    @matching_blp.arguments(ProposeSchema)
    @matching_blp.response(201, ProposalBatchSchema)
    def post(self, data: dict[str, Any]) -> MatchProposalBatch:
        """Assign waiting connectees to connectors within capacity; a draft to review."""
        return services.propose(data.get("connectee_ids"), actor=actor_label())


@matching_blp.route("/proposals/<int:batch_id>")
class Proposal(MethodView):
    @matching_blp.response(200, ProposalBatchSchema)
    def get(self, batch_id: int) -> MatchProposalBatch:
        """Read a proposal batch and its rows."""
        return services.get_batch(batch_id)


@matching_blp.route("/proposals/<int:batch_id>/accept")
class AcceptProposal(MethodView):
    @matching_blp.arguments(AcceptSchema)
    @matching_blp.response(200, ProposalBatchSchema)
    def post(self, data: dict[str, Any], batch_id: int) -> MatchProposalBatch:
        """Make matches of the rows staff accepted; a row the connector cannot take fails."""
        return services.accept(batch_id, data["rows"], actor=actor_label())


@matching_blp.route("/next/<int:match_id>")
class Next(MethodView):
    @matching_blp.response(200, NextCandidateSchema)
    def get(self, match_id: int) -> NextCandidate:
        """The next best connector for the connectee of a declined or expired match."""
        return services.next_candidate(match_id)

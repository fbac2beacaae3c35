"""/api/v1/outcomes: follow-ups at 3, 6 and 12 months after the first meeting."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from werkzeug.wrappers import Response

from community_node.outcomes import services
from community_node.outcomes.models import FollowUpOutcome
from community_node.outcomes.schemas import (
    OutcomeListArgsSchema,
    OutcomePageSchema,
    OutcomeSchema,
    OutcomeUpdateSchema,
)
from community_node.pagination import Page
from community_node.security import actor_label, require_api_caller
from shared.web.csv import csv_response

outcomes_blp = Blueprint(
    "outcomes",
    __name__,
    url_prefix="/outcomes",
    description="Follow-up outcomes at 3, 6 and 12 months after the first meeting.",
)
require_api_caller(outcomes_blp)


@outcomes_blp.route("")
class Outcomes(MethodView):
    @outcomes_blp.arguments(OutcomeListArgsSchema, location="query")
    @outcomes_blp.response(200, OutcomePageSchema)
    def get(self, args: dict[str, Any]) -> Page:
        """List, filter and sort follow-up outcomes."""
        return services.list_outcomes(args)

    @outcomes_blp.arguments(OutcomeSchema)
    @outcomes_blp.response(201, OutcomeSchema)
    def post(self, data: dict[str, Any]) -> FollowUpOutcome:
        """Record a follow-up; one per connectee and milestone."""
        return services.create_outcome(data, actor=actor_label())


@outcomes_blp.route("/export.csv")
class Export(MethodView):
    @outcomes_blp.arguments(OutcomeListArgsSchema, location="query")
    @outcomes_blp.response(200, content_type="text/csv")
    def get(self, args: dict[str, Any]) -> Response:
        """Export the filtered outcomes as CSV (notes left out: they are free text)."""
        schema = OutcomeSchema(exclude=("notes",))
        rows = schema.dump(services.export_outcomes(args), many=True)
        return csv_response(rows, list(schema.fields), "outcomes.csv")


@outcomes_blp.route("/<int:outcome_id>")
class Outcome(MethodView):
    @outcomes_blp.response(200, OutcomeSchema)
    def get(self, outcome_id: int) -> FollowUpOutcome:
        """Read one follow-up outcome."""
        return services.get_outcome(outcome_id)

    @outcomes_blp.arguments(OutcomeUpdateSchema)
    @outcomes_blp.response(200, OutcomeSchema)
    def patch(self, data: dict[str, Any], outcome_id: int) -> FollowUpOutcome:
        """Correct a recorded follow-up."""
        return services.update_outcome(outcome_id, data, actor=actor_label())

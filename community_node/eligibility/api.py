"""/api/v1/eligibility-decisions: evaluate, override, re-evaluate, and read the rules."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from werkzeug.wrappers import Response

from community_node.eligibility import services
from community_node.eligibility.models import EligibilityDecision
from community_node.eligibility.rules import RuleSet
from community_node.eligibility.schemas import (
    MAX_ID,
    DecisionListArgsSchema,
    EligibilityDecisionPageSchema,
    EligibilityDecisionSchema,
    OverrideSchema,
    ReevaluationSchema,
    RuleSetSchema,
    SubjectSchema,
)
from community_node.pagination import Page
from community_node.security import actor_label, require_api_caller
from shared.web.csv import csv_response

eligibility_blp = Blueprint(
    "eligibility-decisions",
    __name__,
    url_prefix="/eligibility-decisions",
    description="Eligibility decisions under the community's rules, with a reason per criterion.",
)
require_api_caller(eligibility_blp)


@eligibility_blp.route("")
class Decisions(MethodView):
    @eligibility_blp.arguments(DecisionListArgsSchema, location="query")
    @eligibility_blp.response(200, EligibilityDecisionPageSchema)
    def get(self, args: dict[str, Any]) -> Page:
        """List decisions, newest rules or history."""
        return services.list_decisions(args)


@eligibility_blp.route("/export.csv")
class Export(MethodView):
    @eligibility_blp.arguments(DecisionListArgsSchema, location="query")
    @eligibility_blp.response(200, content_type="text/csv")
    def get(self, args: dict[str, Any]) -> Response:
        """Export the filtered decisions as CSV (criteria as criterion:passed:reason)."""
        schema = EligibilityDecisionSchema()
        rows = schema.dump(services.export_decisions(args), many=True)
        return csv_response(rows, list(schema.fields), "eligibility-decisions.csv")


@eligibility_blp.route(f"/<int(max={MAX_ID}):decision_id>")
class Decision(MethodView):
    @eligibility_blp.response(200, EligibilityDecisionSchema)
    def get(self, decision_id: int) -> EligibilityDecision:
        """Read one decision."""
        return services.get_decision(decision_id)


@eligibility_blp.route("/evaluate")
class Evaluate(MethodView):
    @eligibility_blp.arguments(SubjectSchema)
    @eligibility_blp.response(201, EligibilityDecisionSchema)
    def post(self, data: dict[str, Any]) -> EligibilityDecision:
        """Evaluate one applicant under the active rules and update their status."""
        kind, person_id = services.subject_of(data)
        return services.evaluate_person(kind, person_id, actor=actor_label())


@eligibility_blp.route("/override")
class Override(MethodView):
    @eligibility_blp.arguments(OverrideSchema)
    @eligibility_blp.response(201, EligibilityDecisionSchema)
    def post(self, data: dict[str, Any]) -> EligibilityDecision:
        """Replace the rules' verdict with a staff decision and its reason."""
        kind, person_id = services.subject_of(data)
        return services.override(
            kind, person_id, data["outcome"], data["reason"], actor=actor_label()
        )


@eligibility_blp.route("/reevaluate")
class Reevaluate(MethodView):
    @eligibility_blp.response(200, ReevaluationSchema)
    def post(self) -> services.Reevaluation:
        """Re-evaluate pending applicants not yet decided under the active rules."""
        return services.reevaluate_pending(actor=actor_label())


@eligibility_blp.route("/rules")
class Rules(MethodView):
    @eligibility_blp.response(200, RuleSetSchema)
    def get(self) -> RuleSet:
        """Show the active rule set."""
        return services.active_rules()

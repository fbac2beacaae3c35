"""/api/v1/reports: the program funnel and follow-up outcomes per cohort, JSON or CSV."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE
from werkzeug.wrappers import Response

from community_node.reports import services
from community_node.reports.schemas import (
    ConnectorReferralRowSchema,
    EventRowSchema,
    FunnelRowSchema,
    InvitationRowSchema,
    OutcomeRowSchema,
    ReferralArgsSchema,
    ReportArgsSchema,
    SourceRowSchema,
    TimeToMatchRowSchema,
)
from community_node.security import require_api_caller
from shared.web.csv import csv_response

reports_blp = Blueprint(
    "reports",
    __name__,
    url_prefix="/reports",
    description="Funder reports per intake cohort; definitions in docs/reports.md.",
)
require_api_caller(reports_blp)

# Lists ignore unknown query arguments; a report must not: "group-by=…" silently
# ignored would hand a funder the wrong table.


def _query(args: dict[str, Any]) -> dict[str, Any]:
    return {
        "period": args["period"],
        "start": args.get("from_"),
        "end": args.get("to"),
        "group_by": args.get("group_by"),
    }


def _filename(name: str, args: dict[str, Any]) -> str:
    parts = [name, args["period"]]
    if args.get("group_by"):
        parts.append(args["group_by"])
    return "-".join(parts) + ".csv"


@reports_blp.route("/funnel")
class Funnel(MethodView):
    @reports_blp.arguments(ReportArgsSchema, location="query", unknown=RAISE)
    @reports_blp.response(200, FunnelRowSchema(many=True))
    def get(self, args: dict[str, Any]) -> list[services.FunnelRow]:
        """Count applied → eligible → matched → met → referred → employed per cohort."""
        return services.funnel(**_query(args))


@reports_blp.route("/funnel.csv")
class FunnelCsv(MethodView):
    @reports_blp.arguments(ReportArgsSchema, location="query", unknown=RAISE)
    @reports_blp.response(200, content_type="text/csv")
    def get(self, args: dict[str, Any]) -> Response:
        """The funnel as CSV, the same rows and columns as the JSON."""
        rows = FunnelRowSchema().dump(services.funnel(**_query(args)), many=True)
        return csv_response(rows, services.FUNNEL_COLUMNS, _filename("funnel", args))


@reports_blp.route("/outcomes")
class Outcomes(MethodView):
    @reports_blp.arguments(ReportArgsSchema, location="query", unknown=RAISE)
    @reports_blp.response(200, OutcomeRowSchema(many=True))
    def get(self, args: dict[str, Any]) -> list[services.OutcomeRow]:
        """Count follow-ups per cohort, milestone and category, with attribution."""
        return services.outcomes(**_query(args))


@reports_blp.route("/outcomes.csv")
class OutcomesCsv(MethodView):
    @reports_blp.arguments(ReportArgsSchema, location="query", unknown=RAISE)
    @reports_blp.response(200, content_type="text/csv")
    def get(self, args: dict[str, Any]) -> Response:
        """The outcomes report as CSV, the same rows and columns as the JSON."""
        rows = OutcomeRowSchema().dump(services.outcomes(**_query(args)), many=True)
        return csv_response(rows, services.OUTCOME_COLUMNS, _filename("outcomes", args))


@reports_blp.route("/time-to-match")
class TimeToMatch(MethodView):
    @reports_blp.arguments(ReportArgsSchema, location="query", unknown=RAISE)
    @reports_blp.response(200, TimeToMatchRowSchema(many=True))
    def get(self, args: dict[str, Any]) -> list[services.TimeToMatchRow]:
        """Days from intake to the first match that led to an introduction, per cohort."""
        return services.time_to_match(**_query(args))


@reports_blp.route("/time-to-match.csv")
class TimeToMatchCsv(MethodView):
    @reports_blp.arguments(ReportArgsSchema, location="query", unknown=RAISE)
    @reports_blp.response(200, content_type="text/csv")
    def get(self, args: dict[str, Any]) -> Response:
        """Time to match as CSV, the same rows and columns as the JSON."""
        rows = TimeToMatchRowSchema().dump(services.time_to_match(**_query(args)), many=True)
        return csv_response(rows, services.TIME_TO_MATCH_COLUMNS, _filename("time-to-match", args))


@reports_blp.route("/referrals-per-connector")
class ReferralsPerConnector(MethodView):
    @reports_blp.arguments(ReferralArgsSchema, location="query", unknown=RAISE)
    @reports_blp.response(200, ConnectorReferralRowSchema(many=True))
    def get(self, args: dict[str, Any]) -> list[services.ConnectorReferralRow]:
        """Each connector's referrals made in the date range, the most first."""
        return services.referrals_per_connector(args.get("from_"), args.get("to"))


@reports_blp.route("/referrals-per-connector.csv")
class ReferralsPerConnectorCsv(MethodView):
    @reports_blp.arguments(ReferralArgsSchema, location="query", unknown=RAISE)
    @reports_blp.response(200, content_type="text/csv")
    def get(self, args: dict[str, Any]) -> Response:
        """Referrals per connector as CSV, the same rows and columns as the JSON."""
        found = services.referrals_per_connector(args.get("from_"), args.get("to"))
        rows = ConnectorReferralRowSchema().dump(found, many=True)
        return csv_response(
            rows, services.CONNECTOR_REFERRAL_COLUMNS, "referrals-per-connector.csv"
        )


def _range(args: dict[str, Any]) -> dict[str, Any]:
    return {"start": args.get("from_"), "end": args.get("to")}


@reports_blp.route("/by-source")
class BySource(MethodView):
    @reports_blp.arguments(ReferralArgsSchema, location="query", unknown=RAISE)
    @reports_blp.response(200, SourceRowSchema(many=True))
    def get(self, args: dict[str, Any]) -> list[services.SourceRow]:
        """Recruitment and outcomes per referral source; from/to are intake dates."""
        return services.by_source(**_range(args))


@reports_blp.route("/by-source.csv")
class BySourceCsv(MethodView):
    @reports_blp.arguments(ReferralArgsSchema, location="query", unknown=RAISE)
    @reports_blp.response(200, content_type="text/csv")
    def get(self, args: dict[str, Any]) -> Response:
        """Recruitment by source as CSV, the same rows and columns as the JSON."""
        rows = SourceRowSchema().dump(services.by_source(**_range(args)), many=True)
        return csv_response(rows, services.SOURCE_COLUMNS, "by-source.csv")


@reports_blp.route("/events")
class Events(MethodView):
    @reports_blp.arguments(ReferralArgsSchema, location="query", unknown=RAISE)
    @reports_blp.response(200, EventRowSchema(many=True))
    def get(self, args: dict[str, Any]) -> list[services.EventRow]:
        """Each event's outcomes; from/to are the events' dates."""
        return services.by_event(**_range(args))


@reports_blp.route("/events.csv")
class EventsCsv(MethodView):
    @reports_blp.arguments(ReferralArgsSchema, location="query", unknown=RAISE)
    @reports_blp.response(200, content_type="text/csv")
    def get(self, args: dict[str, Any]) -> Response:
        """Each event's outcomes as CSV, the same rows and columns as the JSON."""
        rows = EventRowSchema().dump(services.by_event(**_range(args)), many=True)
        return csv_response(rows, services.EVENT_COLUMNS, "events.csv")


@reports_blp.route("/invitations")
class Invitations(MethodView):
    @reports_blp.response(200, InvitationRowSchema(many=True))
    def get(self) -> list[services.InvitationRow]:
        """Connectors who invited others, with their invitees and invitation chains."""
        return services.invitations()

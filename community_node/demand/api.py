"""/api/v1/demand: local demand by occupation, from the node's metro or its own table."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from community_node.demand import services
from community_node.demand.schemas import (
    DemandQuerySchema,
    DemandSignalSchema,
    DemandSummarySchema,
    DemandUploadSchema,
)
from community_node.security import actor_label, require_api_caller

demand_blp = Blueprint(
    "demand",
    __name__,
    url_prefix="/demand",
    description="Local labour demand by occupation: OEWS metro figures or an uploaded table.",
)
require_api_caller(demand_blp)


@demand_blp.route("")
class DemandSignal(MethodView):
    @demand_blp.arguments(DemandQuerySchema, location="query")
    @demand_blp.response(200, DemandSignalSchema)
    def get(self, args: dict[str, Any]) -> Any:
        """Show the demand figures and signal of one occupation."""
        return services.signal_for(args["occupation"])

    @demand_blp.arguments(DemandUploadSchema, location="files")
    @demand_blp.response(200, DemandSummarySchema)
    @demand_blp.alt_response(422, description="Bad rows: each row, column and reason.")
    def post(self, files: dict[str, Any]) -> Any:
        """Replace the node's own demand table with a CSV; all rows or none."""
        return services.upload(files["file"].read(), actor=actor_label())

    @demand_blp.response(204)
    def delete(self) -> None:
        """Drop the uploaded table; the configured metro's figures apply again."""
        services.clear(actor=actor_label())


@demand_blp.route("/source")
class DemandSource(MethodView):
    @demand_blp.response(200, DemandSummarySchema)
    def get(self) -> Any:
        """Tell which table is in force: uploaded, the OEWS metro, or none."""
        return services.summary()

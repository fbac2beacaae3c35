"""``/api/v1/outcomes`` (a community's own cells) and ``/api/v1/rollup`` (public)."""

from __future__ import annotations

import csv
import io
from typing import Any

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE

from hub.outcomes.schemas import RollupArgsSchema
from hub.outcomes.services import ROLLUP_COLUMNS, cells_of, replace_cells, rollup
from hub.security import actor_label, current_caller, require_scope
from shared.privacy.aggregates import HUB_ROUND_BASE, HUB_SUPPRESS_BELOW
from shared.protocol import OutcomeSetResultSchema, OutcomeSetSchema
from shared.protocol.outcomes import RollupSchema

blp = Blueprint(
    "outcomes",
    __name__,
    url_prefix="/outcomes",
    description="A community's aggregate outcome cells, one set per quarter.",
)
rollup_blp = Blueprint(
    "rollup",
    __name__,
    url_prefix="",
    description="The public national roll-up of outcomes (no token needed).",
)


@blp.route("/<period>")
class Outcomes(MethodView):
    @blp.doc(security=[{"oauth2": ["outcomes:write"]}])
    @require_scope("outcomes:write")
    @blp.arguments(OutcomeSetSchema)
    @blp.response(200, OutcomeSetResultSchema)
    def put(self, data: dict[str, Any], period: str) -> dict[str, Any]:
        """Replace the caller's whole set of cells for the period (idempotent)."""
        cells = replace_cells(current_caller(), period, data["cells"], actor_label())
        return {"period": period, "cells": cells}

    @blp.doc(security=[{"oauth2": []}])
    @blp.response(200, OutcomeSetResultSchema)
    @require_scope()
    def get(self, period: str) -> dict[str, Any]:
        """Read back the caller's own cells for the period (empty when none were sent)."""
        return {"period": period, "cells": cells_of(current_caller(), period)}


@rollup_blp.route("/rollup")
class Rollup(MethodView):
    @rollup_blp.arguments(RollupArgsSchema, location="query", unknown=RAISE)
    @rollup_blp.response(200, RollupSchema)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """The communities' cells summed and protected as one table per period and measure.

        Counts below 10 are withheld, the rest rounded to 5, and further cells withheld
        where the groupings together would pin a withheld one (docs/privacy.md).
        """
        return {
            "by": args["by"],
            "period": args["period"],
            "suppress_below": HUB_SUPPRESS_BELOW,
            "round_to": HUB_ROUND_BASE,
            "rows": rollup(args["period"], args["by"]),
        }


@rollup_blp.route("/rollup.csv")
class RollupCsv(MethodView):
    @rollup_blp.arguments(RollupArgsSchema, location="query", unknown=RAISE)
    @rollup_blp.response(200, content_type="text/csv")
    def get(self, args: dict[str, Any]) -> Response:
        """The roll-up as CSV: a withheld figure is "x", one not reported is empty."""
        return csv_response(rollup(args["period"], args["by"]), args)


def csv_response(rows: list[dict[str, Any]], args: dict[str, Any]) -> Response:
    """Write roll-up rows as CSV (values are numbers, slugs and codes: nothing to escape)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(ROLLUP_COLUMNS)
    for row in rows:
        withheld = set(row["suppressed"])
        writer.writerow(
            [
                "x" if column in withheld else ("" if row[column] is None else row[column])
                for column in ROLLUP_COLUMNS
            ]
        )
    name = f"rollup-{args['by']}-{args['period'] or 'all'}.csv"
    return Response(
        buffer.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )

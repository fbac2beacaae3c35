"""``/api/v1/demand``: a community's demand signals (PUT) and everyone's (public GET)."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE, fields, validate

from hub.demand.services import replace_signals, table
from hub.security import actor_label, current_caller, require_scope
from shared.protocol import SOC_MAJOR_GROUPS
from shared.protocol.common import BaseSchema
from shared.protocol.demand import DemandSetSchema, DemandTableSchema

blp = Blueprint(
    "demand",
    __name__,
    url_prefix="/demand",
    description="Local labour demand per SOC major group, as each community reports it.",
)


class DemandArgsSchema(BaseSchema):
    major_group = fields.String(validate=validate.OneOf(SOC_MAJOR_GROUPS), load_default=None)
    community = fields.String(validate=validate.Length(min=1, max=40), load_default=None)


@blp.route("")
class Demand(MethodView):
    @blp.doc(security=[{"oauth2": ["outcomes:write"]}])
    @require_scope("outcomes:write")
    @blp.arguments(DemandSetSchema)
    @blp.response(200, DemandSetSchema)
    def put(self, data: dict[str, Any]) -> dict[str, Any]:
        """Replace the caller's whole set of demand signals (idempotent)."""
        return {"signals": replace_signals(current_caller(), data["signals"], actor_label())}

    @blp.arguments(DemandArgsSchema, location="query", unknown=RAISE)
    @blp.response(200, DemandTableSchema)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Every community's signal per major group (public; no token needed)."""
        return {"rows": table(major_group=args["major_group"], community=args["community"])}

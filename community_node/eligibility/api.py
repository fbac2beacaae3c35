"""/api/v1/eligibility-decisions (routes are added by the eligibility feature)."""

from __future__ import annotations

from flask_smorest import Blueprint

from community_node.security import require_api_caller

eligibility_blp = Blueprint("eligibility-decisions", __name__, url_prefix="/eligibility-decisions")
require_api_caller(eligibility_blp)

"""/api/v1/outcomes (routes are added by the outcomes feature)."""

from __future__ import annotations

from flask_smorest import Blueprint

from community_node.security import require_api_caller

outcomes_blp = Blueprint("outcomes", __name__, url_prefix="/outcomes")
require_api_caller(outcomes_blp)

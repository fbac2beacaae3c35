"""/api/v1/matches (routes are added by the introductions feature)."""

from __future__ import annotations

from flask_smorest import Blueprint

from community_node.security import require_api_caller

matches_blp = Blueprint("matches", __name__, url_prefix="/matches")
require_api_caller(matches_blp)

"""/api/v1/reports (routes are added by the reports feature)."""

from __future__ import annotations

from flask_smorest import Blueprint

from community_node.security import require_api_caller

reports_blp = Blueprint("reports", __name__, url_prefix="/reports")
require_api_caller(reports_blp)

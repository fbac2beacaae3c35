"""/api/v1/imports (routes are added by the imports feature)."""

from __future__ import annotations

from flask_smorest import Blueprint

from community_node.security import require_api_caller

imports_blp = Blueprint("imports", __name__, url_prefix="/imports")
require_api_caller(imports_blp)

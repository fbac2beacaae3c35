"""The federation API's first resource: who the calling community is."""

from __future__ import annotations

from typing import Any

from flask import g
from flask.views import MethodView
from flask_smorest import Blueprint

from hub.communities.schemas import WhoAmISchema
from hub.security import current_community, require_scope

whoami_blp = Blueprint(
    "whoami",
    __name__,
    url_prefix="/whoami",
    description="The community behind an access token (any valid token may ask).",
)


@whoami_blp.route("")
class WhoAmI(MethodView):
    @whoami_blp.doc(security=[{"oauth2": []}])
    @whoami_blp.response(200, WhoAmISchema)
    @require_scope()
    def get(self) -> dict[str, Any]:
        """Name the calling community and the scopes its token carries."""
        community = current_community()
        return {
            "community": community.slug,
            "name": community.name,
            "status": community.status.value,
            "scopes": list(g.token_scopes),
        }

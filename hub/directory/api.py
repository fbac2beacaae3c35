"""``/api/v1/directory``: anonymized connectors of other communities, filtered."""

from __future__ import annotations

from typing import Any

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE

from hub.directory.schemas import DirectoryArgsSchema
from hub.directory.search import search
from hub.directory.services import list_directory
from hub.security import current_caller, require_scope
from shared.protocol import DirectoryPageSchema
from shared.protocol.introductions import DirectorySearchArgsSchema, DirectorySearchSchema

blp = Blueprint(
    "directory",
    __name__,
    url_prefix="/directory",
    description="The national directory of anonymized connector profiles.",
)


@blp.route("")
class Directory(MethodView):
    @blp.doc(security=[{"oauth2": ["directory:read"]}])
    @require_scope("directory:read")
    @blp.arguments(DirectoryArgsSchema, location="query", unknown=RAISE)
    @blp.response(200, DirectoryPageSchema)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """List listed profiles, the caller's own community excluded unless include_own."""
        return list_directory(current_caller(), args)


@blp.route("/search")
class DirectorySearch(MethodView):
    @blp.doc(security=[{"oauth2": ["directory:read"]}])
    @require_scope("directory:read")
    # An instance, not the class: webargs would build a schema per request (≈ 0.2 ms).
    @blp.arguments(DirectorySearchArgsSchema(), location="query", unknown=RAISE)
    @blp.response(200, DirectorySearchSchema)
    def get(self, args: dict[str, Any]) -> Response:
        """Rank listed profiles for an anonymized seeker (the same engine as the nodes).

        The seeker: ``target_occupation``, ``experience_band``, ``seeker_language``
        (repeatable, ``ar`` or ``ar:B2``), ``seeker_skill`` (repeatable skill ids). Filters:
        ``occupation`` (+ ``related``), ``skill``, ``language`` (repeatable: any of them),
        ``remote_ok``, ``community``, ``include_own``. Only profiles that accept
        introductions and are open to cross-city or remote matches are ranked.
        """
        # Serialized by search() itself (the schema above documents it): dumping the
        # entries through marshmallow on every request cost more than ranking them.
        return Response(search(current_caller(), args), mimetype="application/json")

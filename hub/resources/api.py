"""``/api/v1/resources/changes``: the change feed nodes pull shared resources from."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE, fields, validate
from werkzeug.exceptions import Gone

from hub.resources.services import changes_since, file_of
from hub.security import require_scope
from shared.protocol import ResourceChangesSchema
from shared.protocol.common import BaseSchema
from shared.web.downloads import file_download

blp = Blueprint(
    "resources",
    __name__,
    url_prefix="/resources",
    description="Guides, FAQs, webinars, templates and toolkits national staff publish.",
)


class ChangesArgsSchema(BaseSchema):
    since = fields.Integer(load_default=0, validate=validate.Range(min=0))


@blp.route("/changes")
class ResourceChanges(MethodView):
    @blp.doc(security=[{"oauth2": ["resources:read"]}])
    @require_scope("resources:read")
    @blp.arguments(ChangesArgsSchema, location="query", unknown=RAISE)
    @blp.response(200, ResourceChangesSchema)
    @blp.alt_response(304, description="Nothing after the newest seq you already hold.")
    @blp.alt_response(410, description="The cursor is gone: drop your copy, ask since=0.")
    def get(self, args: dict[str, Any]) -> Any:
        """Changes after ``since`` in seq order (≤ 200); ETag is the newest seq."""
        since = args["since"]
        page = changes_since(since)
        if page.expired:
            raise Gone(f"Cursor {since} is no longer served: drop the local copy, ask since=0.")
        etag = f'"{page.newest}"'
        # 304 only for a node already at the newest seq: an ETag kept from a page with
        # "more" must not hide the rest.
        if since >= page.newest and etag in _tags(request.headers.get("If-None-Match", "")):
            response = Response(status=304)
        else:
            dumped = ResourceChangesSchema().dump(
                {"items": page.items, "next": page.next, "more": page.more}
            )
            response = jsonify(dumped)
        response.headers["ETag"] = etag
        response.headers["Cache-Control"] = "no-cache"
        return response


@blp.route("/<int(max=2147483647):resource_id>/file")
class ResourceFileView(MethodView):
    @blp.doc(security=[{"oauth2": ["resources:read"]}])
    @require_scope("resources:read")
    @blp.response(200, description="The file's bytes, as its media type.")
    @blp.alt_response(404, description="No published resource, or one without a file.")
    def get(self, resource_id: int) -> Any:
        """The file of a resource the feed announced with ``file`` (its SHA-256 is the ETag)."""
        return file_download(*file_of(resource_id))


def _tags(header: str) -> set[str]:
    return {tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip()}

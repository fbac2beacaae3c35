"""The shared resources national staff publish on the hub, as this node's copy holds them.

Searchable, by category and audience; each title and summary in the reader's language
where the hub gave one (the browser's languages until the staff UI has its own choice).
Files stay on the hub: opening one fetches it through the node's hub connection and
checks it against the digest the feed announced.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, render_template, request, url_for
from flask_login import login_required
from werkzeug.wrappers import Response

from community_node.sync import resources
from community_node.sync.models import HubResource
from community_node.sync.schemas import ResourceListArgsSchema
from shared.names import AUDIENCE_LABELS, RESOURCE_CATEGORIES, RTL_LANGUAGES
from shared.web.downloads import file_download

bp = Blueprint("library", __name__, url_prefix="/resources")

ID = "int(max=2147483647)"
PER_PAGE = 25


def _preferred() -> list[str]:
    return [code for code, _ in request.accept_languages]


def _view(resource: HubResource) -> dict[str, Any]:
    shown = resources.localized(resource, _preferred())
    return {
        "resource": resource,
        "language": shown.language,
        "title": shown.title,
        "summary": shown.summary,
        "dir": "rtl" if shown.language in RTL_LANGUAGES else None,
    }


def _args() -> dict[str, Any]:
    raw = {k: v for k, v in request.args.items() if v.strip() != "" and k != "per_page"}
    schema = ResourceListArgsSchema()
    for name, messages in schema.validate(raw).items():
        flash(f"{name.replace('_', ' ').capitalize()}: {' '.join(map(str, messages))}", "error")
        raw.pop(name, None)
    args: dict[str, Any] = schema.load({**raw, "per_page": PER_PAGE})
    if args["sort"] == "id":
        args["sort"] = "-published_at"
    return args


@bp.get("")
@login_required
def index() -> str:
    args = _args()
    page = resources.search_resources(args)
    kept: dict[str, Any] = {
        k: v for k, v in request.args.items() if k != "page" and v.strip() != ""
    }
    return render_template(
        "resources/index.html",
        items=[_view(r) for r in page.items],
        page=page,
        args=kept,
        categories=RESOURCE_CATEGORIES,
        audiences=AUDIENCE_LABELS,
        prev_url=url_for("library.index", **kept, page=page.page - 1) if page.page > 1 else None,
        next_url=url_for("library.index", **kept, page=page.page + 1)
        if page.page < page.pages
        else None,
    )


@bp.get(f"/<{ID}:resource_id>")
@login_required
def detail(resource_id: int) -> str:
    item = _view(resources.get_resource(resource_id))
    return render_template(
        "resources/detail.html",
        item=item,
        categories=RESOURCE_CATEGORIES,
        audiences=AUDIENCE_LABELS,
    )


@bp.get(f"/<{ID}:resource_id>/file")
@login_required
def download(resource_id: int) -> Response:
    resource, data = resources.resource_file(resource_id)
    return file_download(resource, data)

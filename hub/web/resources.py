"""The shared resources library: national staff publish guides, FAQs, webinars, templates
and training as a text, a link or a file, with titles and summaries in more languages;
a new version replaces the old one on every node. Everyone reads; coordinators and
admins publish, revise and unpublish.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import login_required
from werkzeug.datastructures import FileStorage
from werkzeug.wrappers import Response

from hub.auth.models import Role
from hub.errors import InvalidInput
from hub.resources import services
from hub.resources.files import CheckedFile, FileRefused, check_file
from hub.resources.models import Resource
from hub.web.access import role_required, staff_actor
from hub.web.labels import language_name, translated
from hub.web.resource_forms import ResourceForm
from shared.names import AUDIENCE_LABELS, RESOURCE_CATEGORIES, RTL_LANGUAGES
from shared.protocol.resources import MAX_RESOURCE_FILE_BYTES
from shared.web.downloads import file_download

bp = Blueprint("library", __name__, url_prefix="/resources")
bp.add_app_template_filter(language_name)

ID = "int(max=2147483647)"
#: A request carrying a file may be as large as the file plus the form around it.
UPLOAD_REQUEST_LIMIT = MAX_RESOURCE_FILE_BYTES + 1024 * 1024


@bp.app_context_processor
def _labels() -> dict[str, Any]:
    # The words in the reader's language (``hub.web.labels`` marks them for the catalogs).
    return {
        "CATEGORIES": translated(RESOURCE_CATEGORIES),
        "AUDIENCE_LABELS": translated(AUDIENCE_LABELS),
        "RTL_LANGUAGES": RTL_LANGUAGES,
    }


def _matches(resource: Resource, query: str) -> bool:
    words = [
        resource.title,
        resource.summary,
        " ".join(resource.tags),
        *(f"{t['title']} {t['summary']}" for t in resource.translations),
    ]
    text = " ".join(words).casefold()
    return all(word in text for word in query.casefold().split())


def _render_list(form: ResourceForm | None = None, status: int = 200) -> tuple[str, int]:
    include_unpublished = request.args.get("all") == "1"
    query = request.args.get("q", "").strip()[:200]
    kind = request.args.get("kind", "")
    found = [
        r
        for r in services.list_resources(include_deleted=include_unpublished)
        if (not query or _matches(r, query)) and (kind not in RESOURCE_CATEGORIES or r.kind == kind)
    ]
    page = render_template(
        "resources/index.html",
        resources=found,
        include_unpublished=include_unpublished,
        query=query,
        kind=kind,
        form=form if form is not None else ResourceForm(formdata=None),
    )
    return page, status


def _uploaded(form: ResourceForm) -> CheckedFile | None:
    """The checked file of the form, if one was chosen; a refused one is a field error."""
    upload = form.file.data
    if not isinstance(upload, FileStorage) or not upload.filename:
        return None
    data = upload.read(MAX_RESOURCE_FILE_BYTES + 1)
    try:
        return check_file(upload.filename, data)
    except FileRefused as refused:
        raise InvalidInput({"file": [str(refused)]}) from refused


def _allow_uploads() -> None:
    # The app's limit (sized for API batches) is smaller than a resource file may be.
    request.max_content_length = UPLOAD_REQUEST_LIMIT


@bp.get("")
@login_required
def index() -> tuple[str, int]:
    """The library, searchable (``q``), by category (``kind``); ``all=1`` adds unpublished."""
    return _render_list()


@bp.post("")
@login_required
@role_required(Role.COORDINATOR)
def publish() -> tuple[str, int] | Response:
    """Publish a resource, checked by the schema the service and the CLI use."""
    _allow_uploads()
    form = ResourceForm()
    if not form.validate_on_submit():
        return _render_list(form, 400)
    try:
        resource = services.publish(**form.draft(), file=_uploaded(form), actor=staff_actor())
    except InvalidInput as error:
        form.add_errors(error.extra.get("errors", {}))
        return _render_list(form, 422)
    category = gettext(RESOURCE_CATEGORIES.get(resource.kind, resource.kind)).lower()
    message = gettext(
        "Published the %(category)s “%(title)s”: every node receives it.",
        category=category,
        title=resource.title,
    )
    flash(message, "success")
    return redirect(url_for("library.detail", resource_id=resource.id), code=303)


def _edit_form(resource: Resource) -> ResourceForm:
    form = ResourceForm(
        formdata=None,
        kind=resource.kind,
        title=resource.title,
        summary=resource.summary,
        language=resource.language,
        audience=resource.audience,
        body=resource.body,
        url=resource.url,
        tags=", ".join(resource.tags),
    )
    for entry, translation in zip(form.translations.entries, resource.translations, strict=False):
        for name in ("language", "title", "summary"):
            entry.form[name].data = translation[name]
    for translation in resource.translations[len(form.translations.entries) :]:
        form.translations.append_entry(translation)
    return form


def _render_detail(resource: Resource, form: ResourceForm | None = None, status: int = 200) -> Any:
    page = render_template(
        "resources/detail.html",
        resource=resource,
        versions=services.versions_of(resource.id),
        form=form if form is not None else _edit_form(resource),
    )
    return page, status


@bp.get(f"/<{ID}:resource_id>")
@login_required
def detail(resource_id: int) -> tuple[str, int]:
    """One resource: its content, translations and version history; the edit form."""
    result: tuple[str, int] = _render_detail(services.get_resource(resource_id))
    return result


@bp.post(f"/<{ID}:resource_id>")
@login_required
@role_required(Role.COORDINATOR)
def revise(resource_id: int) -> tuple[str, int] | Response:
    """Publish a new version: the changed fields, a new file, or a text or link instead."""
    _allow_uploads()
    resource = services.get_resource(resource_id)
    form = ResourceForm()
    if not form.validate_on_submit():
        result: tuple[str, int] = _render_detail(resource, form, 400)
        return result
    # The service keeps a resource's file unless a new one, a text or a link replaces it.
    draft = form.draft()
    note = (form.note.data or "").strip()[:500] or None
    try:
        services.revise(resource_id, draft, file=_uploaded(form), note=note, actor=staff_actor())
    except InvalidInput as error:
        form.add_errors(error.extra.get("errors", {}))
        failed: tuple[str, int] = _render_detail(resource, form, 422)
        return failed
    flash(
        gettext(
            "Published version %(version)s of “%(title)s”.",
            version=resource.version,
            title=resource.title,
        ),
        "success",
    )
    return redirect(url_for("library.detail", resource_id=resource_id), code=303)


@bp.get(f"/<{ID}:resource_id>/file")
@login_required
def download(resource_id: int) -> Response:
    """The resource's file, as uploaded."""
    resource, data = services.file_of(resource_id)
    return file_download(resource, data)


@bp.post(f"/<{ID}:resource_id>/unpublish")
@login_required
@role_required(Role.COORDINATOR)
def unpublish(resource_id: int) -> Response:
    """Unpublish a resource: the feed carries a tombstone to every node."""
    resource = services.unpublish(resource_id, actor=staff_actor())
    flash(
        gettext("Unpublished “%(title)s”: nodes drop their copy.", title=resource.title), "success"
    )
    return redirect(url_for("library.index"), code=303)

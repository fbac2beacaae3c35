"""Staff pages for spreadsheet imports: upload, dry-run preview, confirm, progress.

The preview is the API's dry run (``imports.services.import_file(dry_run=True)``); the
confirmation runs the same import for real in a background job, so a 10,000-row file
shows a progress bar instead of a request that seems to hang. The uploaded file waits
between the two in the instance folder under a random token that only its uploader can
use, and is deleted once imported or after ``jobs.JOB_TTL``.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from flask_wtf.file import FileField, FileRequired
from werkzeug.wrappers import Response
from wtforms import HiddenField, SelectField
from wtforms.fields.choices import SelectChoice

from community_node.auth.models import Role
from community_node.errors import DomainError
from community_node.imports import services
from community_node.imports.columns import import_spec
from community_node.imports.reading import MAX_ERRORS
from community_node.imports.templates import template_csv, template_xlsx
from community_node.security import actor_label, current_staff, require_role
from community_node.web import jobs
from shared.web.csv import XLSX_MIMETYPE
from shared.web.forms import StaffForm

bp = Blueprint("imports_ui", __name__, url_prefix="/imports")

KINDS = [("connectees", _l("Connectees")), ("connectors", _l("Connectors"))]
_SUFFIXES = (".csv", ".xlsx")


class UploadForm(StaffForm):
    kind = SelectField(
        _l("What the file holds"), choices=[SelectChoice(value, label) for value, label in KINDS]
    )
    file = FileField(_l("Spreadsheet (.csv or .xlsx)"), validators=[FileRequired()])


class ConfirmForm(StaffForm):
    token = HiddenField()


def _owner() -> int:
    user = current_staff()
    assert user is not None  # login_required ran first
    return user.id


def _can_write() -> bool:
    user = current_staff()
    return user is not None and user.role.allows(Role.COORDINATOR)


def _render(form: UploadForm, status: int = 200, **context: Any) -> tuple[str, int]:
    page = render_template(
        "imports/index.html",
        form=form,
        kinds=KINDS,
        can_write=_can_write(),
        max_errors=MAX_ERRORS,
        **context,
    )
    return page, status


@bp.get("")
@login_required
def index() -> tuple[str, int]:
    return _render(UploadForm())


@bp.post("/preview")
@login_required
def preview() -> tuple[str, int]:
    """Keep the upload, dry-run it and show what it would do (or every bad row)."""
    require_role(Role.COORDINATOR)
    form = UploadForm()
    if not form.validate_on_submit():
        return _render(form, 422)
    upload = form.file.data
    filename = upload.filename or ""
    suffix = Path(filename).suffix.lower()
    if suffix not in _SUFFIXES:
        form.file.errors = [_("Choose a .csv or .xlsx file.")]
        return _render(form, 422)
    with upload.stream:
        data = upload.read()
    kind = form.kind.data
    try:
        report = services.import_file(kind, filename, data, actor=actor_label(), dry_run=True)
    except DomainError as exc:
        return _render(form, exc.status, failed=exc, filename=filename)
    jobs.sweep()
    token = jobs.new_token()
    jobs.path_for(token, suffix).write_bytes(data)
    meta = {"owner": _owner(), "kind": kind, "filename": filename, "suffix": suffix}
    jobs.path_for(token, ".upload").write_text(json.dumps(meta), encoding="utf-8")
    return _render(
        form,
        report=report,
        filename=filename,
        confirm=ConfirmForm(token=token),
        kind_label=import_spec(kind).plural,
    )


def _pending_upload(token: str) -> dict[str, Any]:
    """The uploader's file waiting for confirmation, or 404 (unknown, expired, not theirs)."""
    try:
        meta: dict[str, Any] = json.loads(jobs.path_for(token, ".upload").read_text("utf-8"))
        path = jobs.path_for(token, meta["suffix"])
        fresh = path.stat().st_mtime > time.time() - jobs.JOB_TTL
    except (OSError, ValueError, KeyError):
        abort(404)
    if meta.get("owner") != _owner() or not fresh:
        abort(404)
    return {**meta, "path": path}


@bp.post("/confirm")
@login_required
def confirm() -> Response:
    """Import the previewed file for real, in the background; show its progress."""
    require_role(Role.COORDINATOR)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400, description=_("The confirmation form is incomplete; upload the file again."))
    token = form.token.data or ""
    upload = _pending_upload(token)
    data = Path(upload["path"]).read_bytes()
    # The file is read: drop it now, so neither a failure nor a second click imports twice.
    Path(upload["path"]).unlink(missing_ok=True)
    jobs.path_for(token, ".upload").unlink(missing_ok=True)
    actor, kind, filename = actor_label(), upload["kind"], upload["filename"]

    def work(progress: jobs.Progress) -> dict[str, Any]:
        report = services.import_file(kind, filename, data, actor=actor, progress=progress)
        return {
            "rows": report.rows,
            "created": report.created,
            "updated": report.updated,
            "unchanged": report.unchanged,
        }

    jobs.start(token, _owner(), work, kind=kind, filename=filename)
    return redirect(url_for("imports_ui.job", token=token), 303)


def _job_state(token: str) -> dict[str, Any]:
    state = jobs.read_state(token, _owner())
    if state is None:
        abort(404)
    return state


@bp.get("/jobs/<token>")
@login_required
def job(token: str) -> str:
    state = _job_state(token)
    return render_template("imports/job.html", state=state, token=token)


@bp.get("/jobs/<token>/progress")
@login_required
def progress(token: str) -> str:
    """The progress fragment htmx polls (it stops polling once the job has ended)."""
    return render_template("imports/_progress.html", state=_job_state(token), token=token)


@bp.get("/templates/<any(connectees, connectors):kind>.<any(csv, xlsx):fmt>")
@login_required
def template(kind: str, fmt: str) -> Response:
    """The API's column templates, reachable with the staff session."""
    spec = import_spec(kind)
    body: str | bytes
    if fmt == "csv":
        body, mimetype = template_csv(spec), "text/csv"
    else:
        body, mimetype = template_xlsx(spec), XLSX_MIMETYPE
    return Response(
        body,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{kind}-template.{fmt}"'},
    )

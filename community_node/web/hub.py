"""The hub connection page: connect, sync health, dead letters, "sync now", the demand table.

"Connect" takes the credentials the hub handed over once (its single-use link) and calls
``sync.connection.connect``, as ``connector-node hub connect`` does: the hub checks them
before anything is stored. Only administrators connect or reconnect.

"Sync now" runs ``sync.run.run_sync``, the same pass as ``connector-node sync --force``
(a person pressing the button wants it now, not after the backoff), in a background job:
it talks to the hub and may take seconds. The page polls the job's state.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, session, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from flask_wtf.file import FileField, FileRequired
from werkzeug.wrappers import Response
from wtforms import PasswordField, StringField

from community_node.auth.models import Role
from community_node.demand import services as demand
from community_node.errors import DomainError
from community_node.security import actor_label, current_staff, require_role
from community_node.sync import connection as hub_connection
from community_node.sync import deadletters, run
from community_node.sync.connection import configured_client_factory
from community_node.sync.report import SyncReport
from community_node.sync.schemas import DeadLetterArgsSchema, HubConnectSchema
from community_node.web import jobs
from shared.hubclient import HubError
from shared.web.forms import StaffForm, form_text, load_into, show_refusal

bp = Blueprint("hub", __name__, url_prefix="/hub")

#: The session key holding the token of the user's latest "sync now".
_SYNC_JOB = "hub_sync_job"

NOT_CONFIGURED = _l(
    "No hub is configured, so there is nothing to sync. An administrator connects this "
    "node on this page, with the credentials the national team handed over."
)


class ActionForm(StaffForm):
    """A button that posts: only the CSRF token."""


class ConnectForm(StaffForm):
    url = StringField(_l("Hub address"))
    client_id = StringField(_l("Client id"))
    client_secret = PasswordField(_l("Client secret"))


class DemandForm(StaffForm):
    file = FileField(_l("Demand table (.csv)"), validators=[FileRequired()])


def _owner() -> int:
    user = current_staff()
    assert user is not None  # login_required ran first
    return user.id


def _can_write() -> bool:
    user = current_staff()
    return user is not None and user.role.allows(Role.COORDINATOR)


def _can_connect() -> bool:
    user = current_staff()
    return user is not None and user.role.allows(Role.ADMIN)


def _sync_state() -> tuple[str | None, dict[str, Any] | None]:
    token = session.get(_SYNC_JOB)
    if not isinstance(token, str):
        return None, None
    return token, jobs.read_state(token, _owner())


def _render(status: int = 200, **context: Any) -> tuple[str, int]:
    token, state = _sync_state()
    dead = deadletters.list_dead_letters(DeadLetterArgsSchema().load({"sort": "-seq"}))
    page = render_template(
        "hub/index.html",
        status=run.status(),
        dead=dead,
        demand=demand.summary(),
        sync_token=token,
        sync_state=state,
        action=ActionForm(),
        demand_form=context.pop("demand_form", None) or DemandForm(),
        connect_form=context.pop("connect_form", None) or ConnectForm(),
        can_write=_can_write(),
        can_connect=_can_connect(),
        **context,
    )
    return page, status


@bp.get("")
@login_required
def index() -> tuple[str, int]:
    return _render()


def _describe(report: SyncReport) -> dict[str, Any]:
    """What the page says about one finished sync run: its figures, worded by the page.

    The run ends in a thread with no request, so no reader's language: ``_sync.html`` says
    it in the reader's words from ``outcome`` and the figures.
    """
    if not report.configured:
        return {"ok": False, "outcome": "not_configured"}
    if report.error is not None:
        return {"ok": False, "outcome": "error", "error": report.error}
    intros = report.intros or {}
    return {
        "ok": True,
        "outcome": "done",
        "sent": report.sent,
        "dead": report.dead,
        "resources": report.resources_changed,
        "intros": sum(intros.values()),
    }


@bp.post("/connect")
@login_required
def connect() -> Response | tuple[str, int]:
    """Check the credentials with the hub, then store them; the secret is never shown again."""
    require_role(Role.ADMIN)
    form = ConnectForm()
    if not form.validate_on_submit():
        return _render(422, connect_form=form)
    data = {name: form_text(form, name) for name in ("url", "client_id", "client_secret")}
    loaded = load_into(HubConnectSchema(), form, {k: v for k, v in data.items() if v})
    if loaded is None:
        return _render(422, connect_form=form)
    try:
        connection, _who = hub_connection.connect(
            loaded["url"],
            loaded["client_id"],
            loaded["client_secret"],
            actor=actor_label(),
            client_factory=configured_client_factory(),
        )
    except DomainError as exc:
        return _render(show_refusal(form, exc), connect_form=form)
    except HubError as exc:
        form.form_errors.append(_("The hub did not accept the connection: %(why)s", why=exc))
        return _render(422, connect_form=form)
    flash(
        _(
            "Connected to %(url)s as %(community)s. Sync now to send your first profiles.",
            url=connection.url,
            community=connection.community,
        ),
        "success",
    )
    return redirect(url_for("hub.index"), 303)


@bp.post("/sync")
@login_required
def sync_now() -> Response | tuple[str, int]:
    """Start a sync in the background; with no hub configured, say so at once."""
    require_role(Role.COORDINATOR)
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400, description=_("The form expired; reload the page and try again."))
    if not run.status()["configured"]:
        flash(str(NOT_CONFIGURED), "error")
        return _render(409)
    factory = configured_client_factory()

    def work(progress: jobs.Progress) -> dict[str, Any]:
        return _describe(run.run_sync(client_factory=factory, ignore_backoff=True))

    jobs.sweep()
    token = jobs.new_token()
    jobs.start(token, _owner(), work)
    session[_SYNC_JOB] = token
    return redirect(url_for("hub.index"), 303)


@bp.get("/sync/<token>")
@login_required
def sync_progress(token: str) -> str:
    """The sync's status fragment htmx polls until the run has ended."""
    state = jobs.read_state(token, _owner())
    if state is None:
        abort(404)
    return render_template("hub/_sync.html", sync_token=token, sync_state=state)


@bp.post("/dead-letters/<int(max=2147483647):seq>/requeue")
@login_required
def requeue(seq: int) -> Response | tuple[str, int]:
    require_role(Role.COORDINATOR)
    if not ActionForm().validate_on_submit():
        abort(400, description=_("The form expired; reload the page and try again."))
    try:
        deadletters.requeue(seq, actor=actor_label())
    except DomainError as exc:
        flash(exc.message, "error")
        return _render(exc.status)
    flash(_("Change %(seq)s is queued again; the next sync sends it.", seq=seq), "success")
    return redirect(url_for("hub.index"), 303)


@bp.post("/demand")
@login_required
def demand_upload() -> Response | tuple[str, int]:
    """Replace the local demand table with a CSV (the API's format), all rows or none."""
    require_role(Role.COORDINATOR)
    form = DemandForm()
    if not form.validate_on_submit():
        return _render(422, demand_form=form)
    upload = form.file.data
    with upload.stream:
        content = upload.read()
    try:
        summary = demand.upload(content, actor=actor_label())
    except DomainError as exc:
        return _render(exc.status, demand_form=form, demand_failed=exc)
    flash(
        _(
            "Demand table uploaded: %(n)s occupations.",
            n=format_decimal(summary["occupations"]),
        ),
        "success",
    )
    return redirect(url_for("hub.index"), 303)

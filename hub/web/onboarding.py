"""Becoming a Connector Community: the public application form and national staff's review.

Public, without login (posts rate-limited, CSRF-checked): the form, its thank-you page,
the single-use link to correct an application, and the single-use link that shows a new
community's client secret once. Staff: the applications by state, one application with
its comments, and the actions its state and the reader's role allow (coordinators
comment, ask for changes, decline and tick the checklist; admins approve, as approving
creates an OAuth2 client). A new link's URL is shown once, on the answer to the post that
made it (never cached, stored nowhere but as its token's digest), to pass on to the
applicant: the hub sends no email.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext
from flask_login import login_required
from flask_wtf.csrf import CSRFError
from werkzeug.wrappers import Response

from hub.auth.models import Role
from hub.errors import InvalidInput
from hub.onboarding import services
from hub.onboarding.models import (
    PARTNER_KINDS,
    STATUS_LABELS,
    TRANSITIONS,
    Application,
    ApplicationStatus,
    CommentKind,
    LinkPurpose,
)
from hub.onboarding.services import IssuedLink, LinkDead
from hub.web.access import can, current_staff, role_required, staff_actor
from hub.web.labels import ROLE_NEEDED, country_name, translated
from hub.web.onboarding_forms import (
    ApplicationForm,
    ApproveForm,
    ChangesForm,
    CommentForm,
    DeclineForm,
    _TextForm,
)
from shared.text import N_
from shared.web.forms import StaffForm
from shared.web.limits import Rule, rate_limited

bp = Blueprint("onboarding", __name__)
bp.add_app_template_filter(country_name)

ID = "int(max=2147483647)"
APPLY_RULE = Rule("apply_per_address", "RATELIMIT_APPLY")  # posts only: reading is free
LINK_RULE = Rule(
    "onboarding_link_per_address", "RATELIMIT_ONBOARDING_LINK", methods=("GET", "POST")
)

#: Shown when the form's CSRF token is missing or stale: the applicant keeps what they typed.
EXPIRED = N_(
    "This form was open for a long time, or your browser did not keep our cookie, so it "
    "could not be sent. Your answers are still here: please check them and send again."
)


@bp.app_context_processor
def _labels() -> dict[str, Any]:
    # The words in the reader's language (the context is made afresh for every page).
    return {
        "PARTNER_KINDS": translated(PARTNER_KINDS),
        "STATUS_LABELS": translated(STATUS_LABELS),
        "ApplicationStatus": ApplicationStatus,
    }


def _no_store(body: str, status: int = 200) -> Response:
    response = make_response(body, status)
    response.headers["Cache-Control"] = "no-store"
    return response


# The public form ------------------------------------------------------------------------


def _render_apply(form: ApplicationForm, status: int = 200, token: str | None = None) -> Response:
    changes = None
    if token is not None:
        application = services.open_link(token, LinkPurpose.EDIT).application
        asked = [c for c in application.comments if c.kind is CommentKind.CHANGES]
        changes = asked[-1] if asked else None
    page = render_template("onboarding/apply.html", form=form, token=token, changes=changes)
    # The edit page's URL is its token: keep neither in a cache.
    return _no_store(page, status) if token else make_response(page, status)


@bp.route("/apply", methods=["GET", "POST"])
@rate_limited(APPLY_RULE)
def apply() -> Response:
    """The "Become a Connector Community" form, checked by ``ApplicationSchema``."""
    form = ApplicationForm()
    if request.method == "GET":
        return _render_apply(ApplicationForm(formdata=None))
    if not form.validate_on_submit():  # CSRF only: the schema checks the values
        return _render_apply(form, 400)
    if form.is_bot():
        return _thank()  # a bot learns nothing, and nothing is stored
    try:
        services.submit(form.payload())
    except InvalidInput as error:
        form.add_errors(error.extra["errors"])
        return _render_apply(form, 422)
    return _thank()


@bp.route("/apply/edit/<token>", methods=["GET", "POST"])
@rate_limited(APPLY_RULE, LINK_RULE)
def edit(token: str) -> Response:
    """Correct an application staff asked changes of, through the link they passed on."""
    try:
        link = services.open_link(token, LinkPurpose.EDIT)
    except LinkDead as dead:
        return _dead(dead)
    if request.method == "GET":
        return _render_apply(ApplicationForm.of(link.application), token=token)
    form = ApplicationForm()
    if not form.validate_on_submit():
        return _render_apply(form, 400, token)
    try:
        services.resubmit(token, form.payload())
    except InvalidInput as error:
        form.add_errors(error.extra["errors"])
        return _render_apply(form, 422, token)
    except LinkDead as dead:
        return _dead(dead)
    return _thank()


@bp.errorhandler(CSRFError)
def _expired(error: CSRFError) -> Response:
    if request.endpoint not in ("onboarding.apply", "onboarding.edit"):
        page = render_template("error.html", status=400, name=error.name, message=error.description)
        return make_response(page, 400)
    form = ApplicationForm()  # the posted values, and a fresh token to send them again
    form.form_errors.append(gettext(EXPIRED))
    return _render_apply(form, 400, (request.view_args or {}).get("token"))


@bp.get("/apply/thanks")
def thanks() -> str:
    return render_template("onboarding/thanks.html")


def _thank() -> Response:
    # 303: reloading the thank-you page must not post the form again.
    return redirect(url_for("onboarding.thanks"), code=303)


def _dead(dead: LinkDead) -> Response:
    return _no_store(
        render_template("onboarding/dead_link.html", message=gettext(dead.message)), 410
    )


# The credentials link -------------------------------------------------------------------


@bp.get("/credentials/<token>")
@rate_limited(LINK_RULE)
def credentials(token: str) -> Response:
    """Say what the link does; the secret appears only after the button (a POST).

    A link preview or mail scanner that fetches the page spends nothing.
    """
    try:
        link = services.open_link(token, LinkPurpose.CREDENTIALS)
    except LinkDead as dead:
        return _dead(dead)
    page = render_template(
        "onboarding/credentials.html", application=link.application, creds=None, token=token
    )
    return _no_store(page)


@bp.post("/credentials/<token>")
@rate_limited(LINK_RULE)
def reveal(token: str) -> Response:
    """Spend the link and show the client secret, once; the answer is never cached."""
    if not StaffForm().validate_on_submit():
        abort(400, description=gettext("The page was open too long: open the link again."))
    try:
        creds = services.hand_over(token)
    except LinkDead as dead:
        return _dead(dead)
    application = services.application_for_community(creds.community.id)
    page = render_template(
        "onboarding/credentials.html",
        application=application,
        creds=creds,
        token=None,
        hub_url=url_for("web.login", _external=True).removesuffix("/login"),
    )
    return _no_store(page)


# Staff pages ----------------------------------------------------------------------------


@bp.get("/onboarding")
@login_required
def index() -> str:
    """Applications by state (``status``), the longest waiting first."""
    chosen = request.args.get("status", "")
    status = ApplicationStatus(chosen) if chosen in {s.value for s in ApplicationStatus} else None
    return render_template(
        "onboarding/index.html",
        applications=services.list_applications(status),
        counts=services.count_by_status(),
        status=status,
    )


def _render_detail(application: Application, status: int = 200, **forms: Any) -> Response:
    defaults = {
        "comment_form": CommentForm(formdata=None),
        "changes_form": ChangesForm(formdata=None),
        "decline_form": DeclineForm(formdata=None),
        "approve_form": ApproveForm(
            formdata=None, slug=_slug(application.city), name=application.city
        ),
    }
    items = services.checklist(application) if application.community is not None else []
    page = render_template(
        "onboarding/detail.html",
        application=application,
        allowed=TRANSITIONS[application.status],
        checklist=items,
        live=bool(items) and services.is_live(items),
        **{**defaults, **forms},
    )
    return make_response(page, status)


def _slug(city: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", city.lower()).strip("-")[:40]


@bp.get(f"/onboarding/<{ID}:application_id>")
@login_required
def detail(application_id: int) -> Response:
    """One application: what it says, its comments, its checklist and the allowed actions."""
    return _render_detail(services.get_application(application_id))


def _text_action(
    application_id: int, form: _TextForm, form_name: str
) -> tuple[Application, str] | Response:
    """Check the CSRF token; the text itself is the service's to check."""
    application = services.get_application(application_id)  # 404 before the form
    if not form.validate_on_submit():
        return _render_detail(application, 400, **{form_name: form})
    return application, form.body.data or ""


@bp.post(f"/onboarding/<{ID}:application_id>/comments")
@login_required
@role_required(Role.COORDINATOR)
def comment(application_id: int) -> Response:
    form = CommentForm()
    checked = _text_action(application_id, form, "comment_form")
    if isinstance(checked, Response):
        return checked
    application, body = checked
    try:
        services.add_comment(application_id, body, staff_id=current_staff().id, actor=staff_actor())
    except InvalidInput as error:
        form.add_errors(error.extra["errors"])
        return _render_detail(application, 422, comment_form=form)
    flash(gettext("Comment added."), "success")
    return redirect(url_for("onboarding.detail", application_id=application_id), code=303)


def _days(setting: str) -> dt.timedelta:
    return dt.timedelta(days=current_app.config[setting])


def _show_link(issued: IssuedLink) -> Response:
    """The new link, shown once: only its token's digest is kept, so it cannot be shown again."""
    endpoint = "onboarding.edit" if issued.purpose is LinkPurpose.EDIT else "onboarding.credentials"
    page = render_template(
        "onboarding/link.html",
        application=issued.application,
        purpose=issued.purpose,
        url=url_for(endpoint, token=issued.token, _external=True),
        expires_at=issued.expires_at,
    )
    return _no_store(page)


@bp.post(f"/onboarding/<{ID}:application_id>/changes")
@login_required
@role_required(Role.COORDINATOR)
def request_changes(application_id: int) -> Response:
    form = ChangesForm()
    checked = _text_action(application_id, form, "changes_form")
    if isinstance(checked, Response):
        return checked
    application, body = checked
    try:
        issued = services.request_changes(
            application_id,
            body,
            staff_id=current_staff().id,
            actor=staff_actor(),
            valid_for=_days("ONBOARDING_EDIT_LINK_DAYS"),
        )
    except InvalidInput as error:
        form.add_errors(error.extra["errors"])
        return _render_detail(application, 422, changes_form=form)
    return _show_link(issued)


@bp.post(f"/onboarding/<{ID}:application_id>/decline")
@login_required
@role_required(Role.COORDINATOR)
def decline(application_id: int) -> Response:
    form = DeclineForm()
    checked = _text_action(application_id, form, "decline_form")
    if isinstance(checked, Response):
        return checked
    application, body = checked
    try:
        services.decline(application_id, body, staff_id=current_staff().id, actor=staff_actor())
    except InvalidInput as error:
        form.add_errors(error.extra["errors"])
        return _render_detail(application, 422, decline_form=form)
    flash(
        gettext(
            "Declined the application of %(organisation)s.", organisation=application.organisation
        ),
        "success",
    )
    return redirect(url_for("onboarding.detail", application_id=application_id), code=303)


@bp.post(f"/onboarding/<{ID}:application_id>/approve")
@login_required
@role_required(Role.ADMIN)
def approve(application_id: int) -> Response:
    """Register the community and its client (the CLI's service); show the credentials link."""
    application = services.get_application(application_id)
    form = ApproveForm()
    if not form.validate_on_submit():
        return _render_detail(application, 400, approve_form=form)
    try:
        issued = services.approve(
            application_id,
            slug=form.slug.data or "",
            name=form.name.data or "",
            actor=staff_actor(),
            valid_for=_days("ONBOARDING_CREDENTIALS_LINK_DAYS"),
        )
    except InvalidInput as error:
        form.add_errors(error.extra["errors"])
        return _render_detail(application, 422, approve_form=form)
    return _show_link(issued)


@bp.post(f"/onboarding/<{ID}:application_id>/links/<any(edit, credentials):purpose>")
@login_required
@role_required(Role.COORDINATOR)
def new_link(application_id: int, purpose: str) -> Response:
    """A fresh link when the last one expired or got lost (credentials: admins only)."""
    chosen = LinkPurpose(purpose)
    if chosen is LinkPurpose.CREDENTIALS and not can(Role.ADMIN):
        abort(403, description=gettext(ROLE_NEEDED[Role.ADMIN.value]))
    application = services.get_application(application_id)
    if not StaffForm().validate_on_submit():
        return _render_detail(application, 400)
    setting = (
        "ONBOARDING_EDIT_LINK_DAYS"
        if chosen is LinkPurpose.EDIT
        else "ONBOARDING_CREDENTIALS_LINK_DAYS"
    )
    issued = services.new_link(
        application_id, chosen, actor=staff_actor(), valid_for=_days(setting)
    )
    return _show_link(issued)


@bp.post(f"/onboarding/<{ID}:application_id>/checklist")
@login_required
@role_required(Role.COORDINATOR)
def tick(application_id: int) -> Response:
    """Tick or untick one of the checklist items staff keep."""
    application = services.get_application(application_id)
    if not StaffForm().validate_on_submit():
        return _render_detail(application, 400)
    item = request.form.get("item", "")
    done = request.form.get("done") == "1"
    services.tick(application_id, item, done, actor=staff_actor())
    label = gettext(services.STAFF_ITEMS[item][0])
    if done:
        flash(gettext("“%(item)s” ticked.", item=label), "success")
    else:
        flash(gettext("“%(item)s” unticked.", item=label), "success")
    target = request.form.get("back") == "community" and application.community
    if target:
        return redirect(url_for("web.community", slug=target.slug), code=303)
    return redirect(url_for("onboarding.detail", application_id=application_id), code=303)

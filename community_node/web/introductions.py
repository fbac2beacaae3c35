"""Cross-city introductions in the browser: our requests, the inbox, one introduction.

Thin pages over ``community_node.introductions.services``, the service the API calls:
the request form loads the API's ``IntroRequestSchema``, the list reads its
``IntroListArgsSchema``, and which buttons a page shows comes from
``services.allowed_actions``, the rule the service itself enforces. Whatever talks to the
hub can fail (no hub configured, the hub down or refusing): the page then says so with the
error's own status (409, 503 …), never a 500. The other node's contact card is shown only
once the introduction is accepted and the card arrived (sealed, opened here).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import login_required
from marshmallow import ValidationError
from werkzeug.wrappers import Response
from wtforms import HiddenField

from community_node.auth.models import Role
from community_node.database import utcnow
from community_node.errors import DomainError
from community_node.introductions import services
from community_node.introductions.models import CrossCityIntro, IntroDirection, IntroStatus
from community_node.introductions.schemas import IntroListArgsSchema, IntroRequestSchema
from community_node.matching import adapters
from community_node.participants import services as participants
from community_node.participants.models import Connectee, ProfileStatus
from community_node.security import actor_label, require_role
from community_node.sync.connection import HubNotConfigured, get_connection
from community_node.web.hub import NOT_CONFIGURED
from community_node.web.queries import person_name
from shared.fields import Id
from shared.taxonomy.skills import skill_label
from shared.web.forms import StaffForm

bp = Blueprint("intros", __name__, url_prefix="/introductions")

ID = "int(max=2147483647)"
PER_PAGE = 25
#: The two lists of the page, by the direction the API filters on.
TABS = {
    IntroDirection.INCOMING: _l("Inbox"),
    IntroDirection.OUTGOING: _l("Our requests"),
}
STATUS_LABELS = {
    IntroStatus.REQUESTED: _l("Waiting for an answer"),
    IntroStatus.ACCEPTED: _l("Accepted"),
    IntroStatus.DECLINED: _l("Declined"),
    IntroStatus.WITHDRAWN: _l("Withdrawn"),
    IntroStatus.EXPIRED: _l("Expired"),
}
END_REASONS = {
    "declined": _l("the connector declined"),
    "withdrawn": _l("the requesting community withdrew it"),
    "expired": _l("nobody answered in time"),
    "profile_removed": _l("the connector is no longer listed"),
    "consent_withdrawn": _l("the connectee withdrew their consent"),
    "erased": _l("a participant's data was erased"),
}
ACTION_DONE = {
    "accept": _l(
        "Accepted on the connector's behalf: their contact card is on its way to %(city)s."
    ),
    "decline": _l("Declined on the connector's behalf; %(city)s is told."),
    "withdraw": _l("Withdrew the request to %(city)s."),
}


class ActionForm(StaffForm):
    """A button that posts: only the CSRF token."""


class IntroRequestForm(StaffForm):
    """The API's request body as a posted form (other pages post here too)."""

    connectee_id = HiddenField()
    directory_profile_id = HiddenField()

    def body(self) -> dict[str, Any]:
        """What the API's schema loads: the posted fields, an empty one left out."""
        return {
            name: field.data
            for name, field in (
                ("connectee_id", self.connectee_id),
                ("directory_profile_id", self.directory_profile_id),
            )
            if field.data not in (None, "")
        }


@bp.app_template_filter("community_name")
def community_name(slug: str | None) -> str:
    """Name a community: ours by its configured name, another by its slug made readable.

    The hub tells a node only the other community's slug ("st-louis"), so that is shown
    as words ("St Louis") rather than as a code.
    """
    if not slug:
        return "another community"
    connection = get_connection()
    if connection is not None and connection.community == slug:
        return str(current_app.config.get("COMMUNITY_NAME") or slug)
    return " ".join(word.capitalize() for word in slug.replace("_", "-").split("-") if word)


bp.add_app_template_filter(skill_label)


def _age(moment: dt.datetime | None, now: dt.datetime) -> int | None:
    return None if moment is None else max(0, (now - moment).days)


def _list_args() -> dict[str, Any]:
    """The list's filters through the API's schema; a bad one is flashed and dropped."""
    raw = {
        k: v for k, v in request.args.items() if v.strip() and k in ("direction", "status", "page")
    }
    raw.setdefault("direction", IntroDirection.INCOMING.value)
    schema = IntroListArgsSchema()
    for name, messages in schema.validate(raw).items():
        flash(f"{name.replace('_', ' ').capitalize()}: {' '.join(map(str, messages))}", "error")
        raw.pop(name, None)
    raw.setdefault("direction", IntroDirection.INCOMING.value)
    args: dict[str, Any] = schema.load({**raw, "per_page": PER_PAGE, "sort": "-requested_at"})
    return args


def _waiting(direction: IntroDirection) -> int:
    args = {"direction": direction, "status": IntroStatus.REQUESTED}
    return services.list_intros({**args, "sort": "id", "page": 1, "per_page": 1}).total


def _render_index(status: int = 200) -> tuple[str, int]:
    args = _list_args()
    page = services.list_intros(args)
    direction: IntroDirection = args["direction"]
    kept: dict[str, Any] = {"direction": direction.value}
    if args.get("status") is not None:
        kept["status"] = args["status"].value
    return (
        render_template(
            "introductions/index.html",
            page=page,
            direction=direction,
            chosen_status=args.get("status"),
            tabs={d: (label, _waiting(d)) for d, label in TABS.items()},
            statuses=STATUS_LABELS,
            now=utcnow(),
            age=_age,
            action=ActionForm(),
            prev_url=url_for("intros.index", **kept, page=page.page - 1) if page.page > 1 else None,
            next_url=url_for("intros.index", **kept, page=page.page + 1)
            if page.page < page.pages
            else None,
        ),
        status,
    )


@bp.get("")
@login_required
def index() -> tuple[str, int]:
    return _render_index()


def _sync_message(report: dict[str, int]) -> str:
    parts = [
        ngettext(
            "%(num)s introduction updated", "%(num)s introductions updated", report["changed"]
        ),
        _("%(num)s new in the inbox", num=report["new_incoming"]),
        ngettext(
            "%(num)s contact card received",
            "%(num)s contact cards received",
            report["cards_received"],
        ),
    ]
    if report["withdrawn"]:
        parts.append(_("%(num)s withdrawn (consent withdrawn)", num=report["withdrawn"]))
    return str(_("Refreshed from the hub: %(changes)s.", changes=", ".join(parts)))


def _hub_problem(exc: DomainError) -> str:
    if isinstance(exc, HubNotConfigured):
        return str(NOT_CONFIGURED)
    if exc.status == 503:
        return str(
            _(
                "%(problem)s Nothing was lost: try again later, or see the hub connection page.",
                problem=exc.message,
            )
        )
    return exc.message


@bp.post("/sync")
@login_required
def sync() -> Response | tuple[str, int]:
    """Pull the hub's introductions feed now and exchange contact cards."""
    require_role(Role.COORDINATOR)
    if not ActionForm().validate_on_submit():
        abort(400, description=_("The form expired; reload the page and try again."))
    back = request.form.get("direction", "")
    try:
        report = services.sync()
    except DomainError as exc:
        flash(_hub_problem(exc), "error")
        return _render_index(exc.status)
    flash(_sync_message(report), "success")
    kept: dict[str, Any] = {"direction": back} if back in set(IntroDirection) else {}
    return redirect(url_for("intros.index", **kept), 303)


# Requesting an introduction --------------------------------------------------------------


def _candidates(q: str) -> list[Connectee]:
    """Approved connectees whose name, email or skills hold ``q`` (the API's list search)."""
    args: dict[str, Any] = {
        "status": ProfileStatus.APPROVED,
        "sort": "last_name",
        "page": 1,
        "per_page": PER_PAGE,
    }
    if q:
        args["q"] = q[:100]
    return list(participants.list_persons(participants.CONNECTEES, args).items)


def _render_new(
    connectee: Connectee | None, status: int = 200, errors: list[str] | None = None
) -> tuple[str, int]:
    """The request page: pick a connectee, then a connector the hub's directory suggests."""
    context: dict[str, Any] = {"connectee": connectee, "errors": errors or [], "hits": []}
    if connectee is None:
        q = request.args.get("q", "").strip()
        context.update(q=q, candidates=_candidates(q))
    else:
        context["consent"] = adapters.cross_city_consent(connectee.id)
        context["earlier"] = services.list_intros(
            {
                "connectee_id": connectee.id,
                "direction": IntroDirection.OUTGOING,
                "sort": "-requested_at",
                "page": 1,
                "per_page": 10,
            }
        ).items
        try:
            pitch = adapters.pitch_of(connectee)
            context["pitch"] = pitch
            context["hits"] = services.search_hub(pitch)
        except DomainError as exc:
            context["problem"] = _hub_problem(exc)
            status = status if status != 200 else exc.status
    return render_template("introductions/new.html", **context), status


@bp.get("/new")
@login_required
def new() -> tuple[str, int]:
    raw = request.args.get("connectee_id", "").strip()
    if not raw:
        return _render_new(None)
    try:
        connectee_id = int(Id().deserialize(raw))
    except ValidationError:
        abort(404)
    return _render_new(participants.get_person(participants.CONNECTEES, connectee_id))


def _connectee_or_none(raw: Any) -> Connectee | None:
    try:
        return participants.get_person(participants.CONNECTEES, int(raw))
    except (TypeError, ValueError, OverflowError, DomainError):
        return None


@bp.post("/request")
@login_required
def request_intro() -> Response | tuple[str, int]:
    """Ask the hub for an introduction (``POST /api/v1/introductions`` as a form)."""
    require_role(Role.COORDINATOR)
    form = IntroRequestForm()
    if not form.validate_on_submit():
        abort(400, description=_("The form expired; reload the page and try again."))
    body = form.body()
    try:
        data = IntroRequestSchema().load(body)
        intro = services.request(
            data["connectee_id"], data["directory_profile_id"], actor=actor_label()
        )
    except ValidationError as err:
        messages = [
            f"{_FIELD_NAMES.get(name, name)}: {' '.join(map(str, problems))}"
            for name, problems in err.messages_dict.items()
        ]
        return _render_new(_connectee_or_none(body.get("connectee_id")), 422, messages)
    except DomainError as exc:
        details = exc.extra.get("errors") or {}
        messages = [
            f"{_FIELD_NAMES.get(name, name)}: {' '.join(map(str, problems))}"
            for name, problems in details.items()
        ] or [_hub_problem(exc)]
        return _render_new(_connectee_or_none(body.get("connectee_id")), exc.status, messages)
    flash(
        _(
            "Requested an introduction for %(name)s to a connector in %(city)s. "
            "Their coordinator answers through the hub.",
            name=intro_person(intro),
            city=community_name(intro.other_community),
        ),
        "success",
    )
    return redirect(url_for("intros.detail", intro_id=intro.id), 303)


_FIELD_NAMES = {"connectee_id": _l("Connectee"), "directory_profile_id": _l("Connector")}


# One introduction -----------------------------------------------------------------------


def intro_person(intro: CrossCityIntro) -> str:
    """Our participant's name: the connectee we asked for, or the connector asked."""
    if intro.direction is IntroDirection.OUTGOING:
        return person_name("connectee", intro.connectee_id)
    return person_name("connector", intro.connector_id)


def _render_detail(
    intro: CrossCityIntro, status: int = 200, form: ActionForm | None = None
) -> tuple[str, int]:
    # The card is personal data of the other city's participant: only once accepted.
    card = intro.their_card if intro.status is IntroStatus.ACCEPTED else None
    return (
        render_template(
            "introductions/detail.html",
            intro=intro,
            person=intro_person(intro),
            allowed=services.allowed_actions(intro),
            card=card,
            statuses=STATUS_LABELS,
            end_reasons=END_REASONS,
            age=_age(intro.requested_at, utcnow()),
            form=form or ActionForm(),
        ),
        status,
    )


@bp.get(f"/<{ID}:intro_id>")
@login_required
def detail(intro_id: int) -> tuple[str, int]:
    return _render_detail(services.get_intro(intro_id))


@bp.post(f"/<{ID}:intro_id>/<any(accept, decline, withdraw):action>")
@login_required
def act(intro_id: int, action: str) -> Response | tuple[str, int]:
    """Accept or decline an incoming request, or withdraw our own (the API's services)."""
    require_role(Role.COORDINATOR)
    intro = services.get_intro(intro_id)  # 404 before anything else
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400, description=_("The form expired; reload the page and try again."))
    try:
        if action == "withdraw":
            intro = services.withdraw(intro_id, actor=actor_label())
        else:
            intro = services.decide(intro_id, action, actor=actor_label())
    except DomainError as exc:
        form.form_errors.append(_hub_problem(exc))
        return _render_detail(services.get_intro(intro_id), exc.status, form)
    flash(str(ACTION_DONE[action]) % {"city": community_name(intro.other_community)}, "success")
    return redirect(url_for("intros.detail", intro_id=intro.id), 303)

"""Coordinator pages for matching and matches: suggestions, batch proposals, a match's life.

Thin views over the services the API calls: ``matching.services`` (suggestions, batch
proposals), ``matches.services`` (a match, its transitions, meetings and referrals) and
``outcomes.services`` (follow-ups). Each posted form is loaded by the API's own schema
(blank inputs left out, so the schema's defaults and "required" messages apply); its
messages come back beside the inputs with 422 and what was typed kept, and a service's
refusal (a ``DomainError``: 409, 404, 503 …) is shown above the form with its status.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask import (
    Blueprint,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import LazyString, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _lp
from flask_login import login_required
from marshmallow import Schema, ValidationError
from sqlalchemy import select
from werkzeug.wrappers import Response

from community_node.auth.models import Role
from community_node.auth.services import list_users
from community_node.database import utcnow
from community_node.errors import DomainError, NotFound
from community_node.extensions import db
from community_node.introductions import services as introductions
from community_node.matches import services as matches
from community_node.matches.lifecycle import (
    MEETING_STATUSES,
    REFERRAL_STATUSES,
    REFERRALS_NEEDED,
    allowed_next,
)
from community_node.matches.models import Match, MatchStatus, MeetingMode, ReferralResult
from community_node.matches.schemas import (
    MatchListArgsSchema,
    MatchSchema,
    MeetingSchema,
    MeetingUpdateSchema,
    ReferralSchema,
    ReferralUpdateSchema,
    TransitionSchema,
)
from community_node.matching import services as matching
from community_node.matching.models import BatchStatus, MatchProposalBatch
from community_node.matching.schemas import AcceptSchema, ProposeSchema, SuggestionArgsSchema
from community_node.outcomes import services as outcomes
from community_node.outcomes.models import MILESTONES, FollowUpOutcome, OutcomeCategory
from community_node.outcomes.schemas import OutcomeSchema
from community_node.pagination import Page
from community_node.participants import services as participants
from community_node.participants.models import Connectee, Connector, ProfileStatus
from community_node.security import actor_label, current_staff, require_role
from community_node.signup import choices
from community_node.signup.schemas import OccupationChoice, PlainMessages
from community_node.web import jobs, queries
from community_node.web.people_forms import field_messages, messages_of, picker_text

matching_bp = Blueprint("matching_ui", __name__, url_prefix="/matching")
matches_bp = Blueprint("matches_ui", __name__, url_prefix="/matches")

PER_PAGE = 50

# Words for the codes the models hold ----------------------------------------------------

STATUS_LABELS: dict[MatchStatus, LazyString] = {
    MatchStatus.PROPOSED: _lp("match status", "Proposed"),
    MatchStatus.INTRODUCED: _lp("match status", "Introduced"),
    MatchStatus.MEETING_SCHEDULED: _lp("match status", "Meeting scheduled"),
    MatchStatus.MET: _lp("match status", "Met"),
    MatchStatus.REFERRALS_PENDING: _lp("match status", "Referrals pending"),
    MatchStatus.REFERRED: _lp("match status", "Referred"),
    MatchStatus.CLOSED: _lp("match status", "Closed"),
    MatchStatus.DECLINED: _lp("match status", "Declined"),
    MatchStatus.EXPIRED: _lp("match status", "Expired"),
    MatchStatus.NO_SHOW: _lp("match status", "No-show"),
    MatchStatus.CANCELLED: _lp("match status", "Cancelled"),
}

#: The button that moves a match to each status. Scheduling a meeting has its own form
#: (the service refuses the bare transition), so it has no button.
ACTIONS: dict[MatchStatus, LazyString] = {
    MatchStatus.INTRODUCED: _l("Mark introduced"),
    MatchStatus.MET: _l("Mark met"),
    MatchStatus.NO_SHOW: _l("Mark no-show"),
    MatchStatus.REFERRALS_PENDING: _l("Mark referrals pending"),
    MatchStatus.REFERRED: _l("Mark referred"),
    MatchStatus.CLOSED: _l("Close the match"),
    MatchStatus.DECLINED: _l("Mark declined"),
    MatchStatus.EXPIRED: _l("Mark expired"),
    MatchStatus.CANCELLED: _l("Cancel the match"),
}

MODES: tuple[tuple[str, LazyString], ...] = (
    (MeetingMode.IN_PERSON.value, _l("In person")),
    (MeetingMode.VIDEO.value, _l("Video call")),
    (MeetingMode.PHONE.value, _l("Phone call")),
)

RESULTS: tuple[tuple[str, LazyString], ...] = (
    (ReferralResult.PENDING.value, _l("Not known yet")),
    (ReferralResult.MET.value, _l("They met")),
    (ReferralResult.INTERVIEW.value, _l("Job interview")),
    (ReferralResult.HIRED.value, _lp("referral result", "Hired")),
    (ReferralResult.NO_RESPONSE.value, _l("No response")),
)

CATEGORIES: tuple[tuple[str, LazyString], ...] = (
    (OutcomeCategory.EMPLOYED_IN_FIELD.value, _l("Employed in their field")),
    (OutcomeCategory.EMPLOYED_RELATED_FIELD.value, _l("Employed in a related field")),
    (OutcomeCategory.EMPLOYED_OUTSIDE_FIELD.value, _l("Employed outside their field")),
    (
        OutcomeCategory.EDUCATION_OR_CREDENTIALING.value,
        _l("In education or credential recognition"),
    ),
    (OutcomeCategory.VOLUNTEERING_OR_INTERNSHIP.value, _l("Volunteering or internship")),
    (OutcomeCategory.STILL_SEARCHING.value, _l("Still searching")),
    (OutcomeCategory.LEFT_COMMUNITY.value, _l("Left the community")),
    (OutcomeCategory.UNKNOWN.value, _l("Unknown")),
)

#: What the suggestions page says about other cities, per ``cross_city_status``.
CROSS_CITY_NOTES = {
    "not_needed": _l("Local connectors fit well enough, so other cities were not searched."),
    "no_consent": _l(
        "%(name)s has not consented to cross-city introductions, so other cities "
        "were not searched. Record that consent on their page to search them."
    ),
    "no_hub": _l("This node is not connected to the hub, so other cities cannot be searched."),
    "no_target_occupation": _l(
        "%(name)s has no occupation wanted here recorded; other cities are searched by occupation."
    ),
}


def status_label(status: MatchStatus | str) -> str:
    """Say a match status in words ("meeting_scheduled" → "Meeting scheduled")."""
    return str(STATUS_LABELS.get(MatchStatus(status), status))


def _label(options: Sequence[tuple[str, LazyString]], value: Any) -> str:
    key = getattr(value, "value", value)
    return str(dict(options).get(key, str(key).replace("_", " ")))


def mode_label(mode: Any) -> str:
    return _label(MODES, mode)


def result_label(result: Any) -> str:
    return _label(RESULTS, result)


def category_label(category: Any) -> str:
    return _label(CATEGORIES, category)


for _blueprint in (matching_bp, matches_bp):
    for _show in (status_label, mode_label, result_label, category_label):
        _blueprint.add_app_template_filter(_show)


def _cross_city_note(status: str, name: str) -> str:
    if status.startswith("unavailable"):
        why = status.partition(":")[2].strip()
        return str(
            _("The hub could not be reached, so other cities were not searched (%(why)s).", why=why)
        )
    note = CROSS_CITY_NOTES.get(status)
    return (
        str(note) % {"name": name} if note is not None else ("" if status == "searched" else status)
    )


# Reading posted forms -------------------------------------------------------------------


def form_body(
    schema: Schema, form: Mapping[str, str], *, checkboxes: Iterable[str] = ()
) -> dict[str, Any]:
    """The API's input from a posted form: a blank input is left out (null where the field
    takes null), so the schema's defaults and its "required" messages apply; an unticked
    box (which browsers do not send) is false."""
    ticked = set(checkboxes)
    body: dict[str, Any] = {}
    for name, spec in schema.load_fields.items():
        if name in ticked:
            body[name] = name in form
        elif name not in form:
            continue
        elif text := form[name].strip():
            body[name] = text
        elif spec.allow_none:
            body[name] = None
    return body


def _refusal(error: DomainError) -> dict[str, list[str]]:
    """A service's refusal as form messages: beside a field it names, else above the form."""
    errors = error.extra.get("errors") or {error.extra.get("field") or "form": [error.message]}
    return field_messages(errors)


class MeetingForm(PlainMessages, MeetingSchema):
    """A meeting as scheduled on the match page; date and time come as two inputs."""


class MeetingUpdateForm(PlainMessages, MeetingUpdateSchema):
    pass


class ReferralForm(PlainMessages, ReferralSchema):
    pass


class ReferralUpdateForm(PlainMessages, ReferralUpdateSchema):
    pass


class TransitionForm(PlainMessages, TransitionSchema):
    pass


class OutcomeForm(PlainMessages, OutcomeSchema):
    """A follow-up as recorded on the match page: the occupation from the picker's list."""

    occupation = OccupationChoice(allow_none=True)


@dataclass(frozen=True)
class FormState:
    """One form of a page: its name (the inputs' id prefix), the values shown, the errors."""

    name: str
    values: Mapping[str, str]
    errors: Mapping[str, list[str]] = field(default_factory=dict)

    def id(self, input_name: str) -> str:
        return f"{self.name}-{input_name}"

    def value(self, input_name: str) -> str:
        return self.values.get(input_name, "")

    def ticked(self, input_name: str, option: str) -> bool:
        getlist = getattr(self.values, "getlist", None)
        chosen = getlist(input_name) if getlist else [self.values.get(input_name)]
        return option in chosen


@dataclass(frozen=True)
class Posted:
    """The form a refused POST sent, to show again with its messages."""

    form: str
    values: Mapping[str, str]
    errors: Mapping[str, list[str]]


def _state(posted: Posted | None, name: str, defaults: Mapping[str, str]) -> FormState:
    if posted is not None and posted.form == name:
        return FormState(name, posted.values, posted.errors)
    return FormState(name, defaults)


def _names(model: type[Connectee] | type[Connector], ids: Iterable[int]) -> dict[int, str]:
    """Full names of many people in one query, for lists (one look-up per row is slow)."""
    wanted = set(ids)
    if not wanted:
        return {}
    rows: Iterable[Connectee | Connector] = db.session.scalars(
        select(model).where(model.id.in_(wanted))
    )
    return {person.id: person.full_name for person in rows}


def _actors() -> Callable[[str | None], str]:
    """Name who did something ("staff:3" → "Cora Coordinator"); tick is "automatically"."""
    names = {f"staff:{user.id}": user.name for user in list_users()}

    def name(actor: str | None) -> str:
        if not actor:
            return ""
        if actor.startswith("system:"):
            return "automatically"
        return names.get(actor, "another staff member" if actor.startswith("staff:") else actor)

    return name


def _page_of(items: Sequence[Any], page: int) -> Page:
    last = max(1, -(-len(items) // PER_PAGE))
    page = min(max(1, page), last)
    start = (page - 1) * PER_PAGE
    return Page(
        items=items[start : start + PER_PAGE], total=len(items), page=page, per_page=PER_PAGE
    )


def _page_number() -> int:
    return max(1, min(request.args.get("page", 1, type=int) or 1, 1_000_000))


# Matching: who waits, batch proposals ---------------------------------------------------


def _render_matching(status: int = 200, error: str | None = None) -> tuple[str, int]:
    now = utcnow()
    waiting = [
        queries.Waiting(c, max(0, (now.date() - c.created_at.date()).days))
        for c in matching.waiting_connectees()
    ]
    waiting.sort(key=lambda w: (-w.days, w.connectee.id))
    page = _page_of(waiting, _page_number())
    drafts = db.session.scalars(
        select(MatchProposalBatch)
        .where(MatchProposalBatch.status == BatchStatus.DRAFT)
        .order_by(MatchProposalBatch.id.desc())
        .limit(5)
    ).all()
    return (
        render_template(
            "matching/index.html",
            page=page,
            drafts=drafts,
            error=error,
            prev_url=url_for("matching_ui.index", page=page.page - 1) if page.page > 1 else None,
            next_url=url_for("matching_ui.index", page=page.page + 1)
            if page.page < page.pages
            else None,
        ),
        status,
    )


@matching_bp.get("")
@login_required
def index() -> tuple[str, int]:
    """Eligible connectees waiting for a match, longest first; batch proposals."""
    return _render_matching()


@matching_bp.post("/proposals")
@login_required
def propose_all() -> Response | tuple[str, int]:
    """Build proposals for every waiting connectee in the background (thousands take a
    while); a draft, reviewed before anything is made."""
    require_role(Role.COORDINATOR)
    try:
        data = ProposeSchema().load(form_body(ProposeSchema(), request.form))
        matching.weights()  # a misconfiguration shows now, not in the background
    except ValidationError as err:
        return _render_matching(422, " ".join(sum(messages_of(err).values(), [])))
    except DomainError as err:
        return _render_matching(err.status, err.message)
    actor = actor_label()

    def work(progress: jobs.Progress) -> dict[str, Any]:
        batch = matching.propose(data.get("connectee_ids"), actor=actor)
        proposed = sum(1 for row in batch.rows if row.connector_id is not None)
        return {"batch_id": batch.id, "rows": len(batch.rows), "proposed": proposed}

    jobs.sweep()
    token = jobs.new_token()
    jobs.start(token, _owner(), work)
    return redirect(url_for("matching_ui.job", token=token), 303)


def _owner() -> int:
    user = current_staff()
    assert user is not None  # login_required ran first
    return user.id


def _job_state(token: str) -> dict[str, Any]:
    state = jobs.read_state(token, _owner())
    if state is None:
        abort(404)
    return state


def _proposals_ready(state: Mapping[str, Any]) -> str:
    """Say the proposals are ready (once, on the page that shows them); return its URL."""
    result = state["result"]
    flash(
        _(
            "Proposals ready for review: a connector for %(proposed)s of %(rows)s waiting "
            "connectees. Nothing is sent until you confirm.",
            proposed=result["proposed"],
            rows=result["rows"],
        ),
        "success",
    )
    return url_for("matching_ui.batch", batch_id=result["batch_id"])


@matching_bp.get("/proposals/jobs/<token>")
@login_required
def job(token: str) -> Response | str:
    """Proposals being built: the progress, then (done) the proposals to review."""
    state = _job_state(token)
    if state["status"] == "done":
        return redirect(_proposals_ready(state), 303)
    return render_template("matching/job.html", state=state, token=token)


@matching_bp.get("/proposals/jobs/<token>/progress")
@login_required
def job_progress(token: str) -> Response:
    """The fragment htmx polls; once the proposals are ready it sends the browser to them."""
    state = _job_state(token)
    response = make_response(render_template("matching/_job.html", state=state, token=token))
    if state["status"] == "done":
        response.headers["HX-Redirect"] = _proposals_ready(state)
    return response


def _render_batch(
    batch_id: int, status: int = 200, errors: Sequence[str] = (), ticked: set[int] | None = None
) -> tuple[str, int]:
    batch = matching.get_batch(batch_id)
    connectees = _names(Connectee, (row.connectee_id for row in batch.rows))
    connectors = _names(Connector, (row.connector_id for row in batch.rows if row.connector_id))
    if ticked is None:
        ticked = {row.id for row in batch.rows if row.connector_id is not None}
    return (
        render_template(
            "matching/batch.html",
            batch=batch,
            connectees=connectees,
            connectors=connectors,
            ticked=ticked,
            errors=list(errors),
            who=_actors(),
        ),
        status,
    )


@matching_bp.get("/proposals/<int:batch_id>")
@login_required
def batch(batch_id: int) -> tuple[str, int]:
    """A batch of proposals: tick the ones to make before confirming; the result after."""
    return _render_batch(batch_id)


@matching_bp.post("/proposals/<int:batch_id>/accept")
@login_required
def accept(batch_id: int) -> Response | tuple[str, int]:
    """Make matches of the ticked rows (the service's batch accept); the rest are skipped."""
    require_role(Role.COORDINATOR)
    matching.get_batch(batch_id)  # 404 before reading the form
    rows = request.form.getlist("rows")
    ticked = {int(r) for r in rows if r.isdigit()}
    try:
        data = AcceptSchema().load({"rows": rows})
        done = matching.accept(batch_id, data["rows"], actor=actor_label())
    except ValidationError as err:
        return _render_batch(batch_id, 422, sum(messages_of(err).values(), []), ticked)
    except DomainError as err:
        db.session.rollback()
        return _render_batch(batch_id, err.status, sum(_refusal(err).values(), []), ticked)
    made = [row for row in done.rows if row.status.value == "accepted"]
    failed = [row for row in done.rows if row.status.value == "failed"]
    message = ngettext("Made %(num)s match.", "Made %(num)s matches.", len(made))
    if failed:
        message = _(
            "%(made)s %(failed)s could not be made; see why below.",
            made=message,
            failed=len(failed),
        )
    flash(message, "success" if not failed else "error")
    return redirect(url_for("matching_ui.batch", batch_id=batch_id), 303)


# Matching: one connectee's suggestions --------------------------------------------------


def _render_suggestions(
    connectee_id: int, status: int = 200, posted: Posted | None = None
) -> tuple[str, int]:
    connectee = participants.get_person(participants.CONNECTEES, connectee_id)
    raw = {k: v for k, v in request.args.items() if k == "k" and v.strip()}
    if SuggestionArgsSchema().validate(raw):
        flash(_("Show between 1 and 50 suggestions; showing 10."), "error")
        raw = {}
    k = SuggestionArgsSchema().load(raw)["k"]
    problem: str | None = None
    try:
        found = matching.suggestions(connectee.id, k, ask_hub=introductions.search_hub)
    except DomainError as err:
        db.session.rollback()
        found = {"local": [], "cross_city": [], "cross_city_status": "", "threshold": None}
        problem = err.message
        status = err.status if status == 200 else status
    open_matches = list(queries.matches_for(participants.CONNECTEES, connectee.id))
    return (
        render_template(
            "matching/suggestions.html",
            connectee=connectee,
            found=found,
            problem=problem,
            cross_note=_cross_city_note(found["cross_city_status"], connectee.first_name),
            matches=open_matches,
            approved=connectee.status is ProfileStatus.APPROVED,
            posted=posted,
        ),
        status,
    )


@matching_bp.get("/<int:connectee_id>")
@login_required
def suggestions(connectee_id: int) -> tuple[str, int]:
    """A connectee's suggested connectors with scores and reasons: local and other cities."""
    return _render_suggestions(connectee_id)


@matching_bp.post("/<int:connectee_id>/propose")
@login_required
def propose(connectee_id: int) -> Response | tuple[str, int]:
    """Propose one local connector to the connectee (the API's ``POST /matches``)."""
    require_role(Role.COORDINATOR)
    connectee = participants.get_person(participants.CONNECTEES, connectee_id)
    body = {**form_body(MatchSchema(), request.form), "connectee_id": connectee.id}
    try:
        data = MatchSchema().load(body)
        match = matches.create_match(data, actor=actor_label())
    except ValidationError as err:
        posted = Posted(request.form.get("connector_id", ""), request.form, messages_of(err))
        return _render_suggestions(connectee_id, 422, posted)
    except DomainError as err:
        db.session.rollback()
        posted = Posted(request.form.get("connector_id", ""), request.form, _refusal(err))
        return _render_suggestions(connectee_id, err.status, posted)
    connector = participants.get_person(participants.CONNECTORS, match.connector_id)
    flash(
        _(
            "Proposed %(connector)s to %(connectee)s.",
            connector=connector.full_name,
            connectee=connectee.full_name,
        ),
        "success",
    )
    return redirect(url_for("matches_ui.detail", match_id=match.id), 303)


# Matches: the list ----------------------------------------------------------------------

#: Columns the list can be sorted by: (label, sort key).
SORT_COLUMNS = [
    (_l("Status"), "status"),
    (_l("Proposed"), "proposed_at"),
    (_l("Last change"), "status_changed_at"),
    (_l("Score"), "score"),
]
DEFAULT_SORT = "-proposed_at"


def _list_args() -> dict[str, Any]:
    """The list's filters through the API's schema; a bad one is flashed and dropped."""
    raw = {
        k: v
        for k, v in request.args.items()
        if v.strip() and k in ("status", "open", "sort", "page")
    }
    raw.setdefault("sort", DEFAULT_SORT)
    schema = MatchListArgsSchema()
    for name, problems in schema.validate(raw).items():
        text = " ".join(problems) if isinstance(problems, list) else str(problems)
        flash(f"{name}: {text}", "error")
        raw.pop(name, None)
    args: dict[str, Any] = schema.load({**raw, "per_page": PER_PAGE})
    if args["sort"].lstrip("-") not in {key for _, key in SORT_COLUMNS} | {"id"}:
        flash(
            _("Sort by one of: %(keys)s.", keys=", ".join(key for label, key in SORT_COLUMNS)),
            "error",
        )
        args["sort"] = DEFAULT_SORT
    return args


@matches_bp.get("")
@login_required
def index_matches() -> str:
    """Every match, filtered by status, sorted and paged (the API's list service)."""
    args = _list_args()
    page = matches.list_matches(args)
    current = {k: v for k, v in request.args.items() if k in ("status", "open") and v}
    sort = args["sort"]

    def link(**changes: Any) -> str:
        return url_for("matches_ui.index_matches", **{**current, **changes})

    sort_links = {
        key: {
            "label": label,
            "url": link(sort=f"-{key}" if sort == key else key),
            "direction": "asc" if sort == key else "desc" if sort == f"-{key}" else None,
        }
        for label, key in SORT_COLUMNS
    }
    keep = {"sort": sort} if sort != DEFAULT_SORT else {}
    return render_template(
        "matches/index.html",
        page=page,
        args=request.args,
        statuses=list(STATUS_LABELS.items()),
        sort_links=sort_links,
        connectees=_names(Connectee, (m.connectee_id for m in page.items)),
        connectors=_names(Connector, (m.connector_id for m in page.items)),
        prev_url=link(**keep, page=page.page - 1) if page.page > 1 else None,
        next_url=link(**keep, page=page.page + 1) if page.page < page.pages else None,
    )


# Matches: one match ---------------------------------------------------------------------


@dataclass(frozen=True)
class Event:
    """One line of a match's timeline: when it happened (a moment or a day) and when it was
    recorded, which orders events of one day."""

    at: dt.datetime | dt.date
    recorded: dt.datetime
    text: str
    by: str = ""
    note: str | None = None

    @property
    def key(self) -> tuple[dt.date, dt.datetime]:
        day = self.at.date() if isinstance(self.at, dt.datetime) else self.at
        recorded = self.recorded
        return day, recorded if recorded.tzinfo else recorded.replace(tzinfo=dt.UTC)


@dataclass(frozen=True)
class Milestone:
    """A follow-up at 3, 6 or 12 months: recorded, due, or not yet due."""

    months: int
    due_on: dt.date | None
    outcome: FollowUpOutcome | None
    today: dt.date

    @property
    def due(self) -> bool:
        return self.outcome is None and self.due_on is not None and self.due_on <= self.today


def _timeline(match: Match, recorded: Sequence[FollowUpOutcome]) -> list[Event]:
    who = _actors()
    events = [
        Event(
            t.at,
            t.at,
            _("Proposed")
            if t.from_status is None
            else f"{status_label(t.from_status)} → {status_label(t.to_status)}",
            who(t.by),
            t.note,
        )
        for t in match.transitions
    ]
    for meeting in match.meetings:
        when = meeting.scheduled_for.strftime("%Y-%m-%d %H:%M")
        events.append(
            Event(
                meeting.created_at,
                meeting.created_at,
                _(
                    "Meeting set for %(when)s UTC, %(mode)s, %(minutes)s minutes",
                    when=when,
                    mode=mode_label(meeting.mode).lower(),
                    minutes=meeting.duration_minutes,
                ),
            )
        )
    for referral in match.referrals:
        events.append(
            Event(
                referral.referred_on,
                referral.created_at,
                _(
                    "Referral to %(name)s (%(organisation)s, %(sector)s), "
                    "tier %(tier)s: %(result)s",
                    name=referral.contact_name,
                    organisation=referral.organisation,
                    sector=referral.sector,
                    tier=referral.tier,
                    result=result_label(referral.result),
                ),
            )
        )
    for outcome in recorded:
        if outcome.match_id == match.id:
            events.append(
                Event(
                    outcome.recorded_on,
                    outcome.created_at,
                    _(
                        "%(months)s-month follow-up: %(situation)s",
                        months=outcome.milestone_months,
                        situation=category_label(outcome.category),
                    ),
                    who(outcome.recorded_by),
                )
            )
    return sorted(events, key=lambda e: e.key)


def _milestones(connectee_id: int, recorded: Sequence[FollowUpOutcome]) -> list[Milestone]:
    first = outcomes.first_meeting(connectee_id)
    met_on = first.first_met_on if first is not None else None
    by_months = {o.milestone_months: o for o in recorded}
    today = utcnow().date()
    return [
        Milestone(
            months,
            outcomes.due_on(met_on, months) if met_on is not None else None,
            by_months.get(months),
            today,
        )
        for months in MILESTONES
    ]


def _render_match(match_id: int, posted: Posted | None = None, status: int = 200) -> Any:
    match = matches.get_match(match_id)
    connectee = participants.get_person(participants.CONNECTEES, match.connectee_id)
    connector = participants.get_person(participants.CONNECTORS, match.connector_id)
    recorded = outcomes.list_outcomes(
        {"connectee_id": match.connectee_id, "sort": "milestone_months", "page": 1, "per_page": 10}
    ).items
    milestones = _milestones(match.connectee_id, recorded)
    next_due = next((m.months for m in milestones if m.due), None)
    open_months = [m.months for m in milestones if m.outcome is None]
    first_tier = sum(1 for r in match.referrals if r.tier == 1)
    transitions = [
        (s, ACTIONS[MatchStatus(s)])
        for s in allowed_next(match.status)
        if MatchStatus(s) in ACTIONS
    ]
    forms = {
        "transition": _state(posted, "transition", {}),
        "meeting": _state(posted, "meeting", {"duration_minutes": "30", "mode": "in_person"}),
        "referral": _state(posted, "referral", {"tier": "1", "result": "pending"}),
        "outcome": _state(
            posted,
            "outcome",
            {"milestone_months": str(next_due or (open_months or [3])[0])},
        ),
    }
    for meeting in match.meetings:
        held = "" if meeting.held is None else ("true" if meeting.held else "false")
        defaults = {"held": held, "notes": meeting.notes or ""}
        for box in ("confirmed_by_connectee", "confirmed_by_connector"):
            if getattr(meeting, box):
                defaults[box] = "yes"
        forms[f"meeting-{meeting.id}"] = _state(posted, f"meeting-{meeting.id}", defaults)
    for referral in match.referrals:
        name = f"referral-{referral.id}"
        forms[name] = _state(posted, name, {"result": referral.result.value})
    return (
        render_template(
            "matches/detail.html",
            match=match,
            connectee=connectee,
            connector=connector,
            timeline=_timeline(match, recorded),
            transitions=transitions,
            can_schedule=match.status in MEETING_STATUSES,
            can_refer=match.status in REFERRAL_STATUSES,
            first_tier=first_tier,
            needed=REFERRALS_NEEDED,
            milestones=milestones,
            open_months=open_months,
            month_options=[
                (
                    str(m.months),
                    _("%(num)s months (due now)", num=m.months)
                    if m.due
                    else _("%(num)s months", num=m.months),
                )
                for m in milestones
                if m.outcome is None
            ],
            forms=forms,
            posted=posted,
            modes=MODES,
            results=RESULTS,
            categories=CATEGORIES,
            occupations=choices.occupations(),
            picker_text=picker_text,
        ),
        status,
    )


@matches_bp.get("/<int:match_id>")
@login_required
def detail(match_id: int) -> Any:
    """A match's timeline, the moves its status allows, meetings, referrals, follow-ups."""
    return _render_match(match_id)


def _post(
    match_id: int,
    form_name: str,
    schema: Schema,
    body: dict[str, Any],
    call: Callable[[dict[str, Any]], Any],
    success: str,
    anchor: str,
) -> Any:
    """Load a match page's form with the API's schema, call the service, redirect (303)."""
    try:
        data = schema.load(body)
        call(data)
    except ValidationError as err:
        db.session.rollback()
        return _render_match(match_id, Posted(form_name, request.form, messages_of(err)), 422)
    except DomainError as err:
        db.session.rollback()
        if isinstance(err, NotFound):  # an unknown meeting or referral: 404, as in the API
            raise
        return _render_match(match_id, Posted(form_name, request.form, _refusal(err)), err.status)
    flash(success, "success")
    return redirect(url_for("matches_ui.detail", match_id=match_id, _anchor=anchor), 303)


def _writable(match_id: int) -> Match:
    """Refuse a viewer (403), then an unknown match (404), before reading the form."""
    require_role(Role.COORDINATOR)
    return matches.get_match(match_id)


@matches_bp.post("/<int:match_id>/transitions")
@login_required
def transition(match_id: int) -> Any:
    """Move the match on; the service refuses a move its status does not allow (409)."""
    _writable(match_id)
    schema = TransitionForm()

    def move(data: dict[str, Any]) -> None:
        matches.transition(
            match_id,
            data["to"],
            actor=actor_label(),
            note=data.get("note"),
            offer_next=matching.offer_next,
        )

    to = request.form.get("to", "")
    done = (
        _("Match marked %(status)s.", status=status_label(to).lower())
        if to in set(MatchStatus)
        else _("Saved.")
    )
    return _post(match_id, "transition", schema, form_body(schema, request.form), move, done, "")


@matches_bp.post("/<int:match_id>/meetings")
@login_required
def schedule_meeting(match_id: int) -> Any:
    """Schedule a meeting (date, time in UTC, mode); an introduced match moves on."""
    _writable(match_id)
    schema = MeetingForm()
    body = form_body(schema, request.form)
    day, time = request.form.get("date", "").strip(), request.form.get("time", "").strip()
    if day and time:
        body["scheduled_for"] = f"{day}T{time}+00:00"

    def schedule(data: dict[str, Any]) -> None:
        matches.schedule_meeting(match_id, data, actor=actor_label())

    return _post(match_id, "meeting", schema, body, schedule, _("Meeting scheduled."), "meetings")


@matches_bp.post("/<int:match_id>/meetings/<int:meeting_id>")
@login_required
def update_meeting(match_id: int, meeting_id: int) -> Any:
    """Record whether the meeting was held, who confirmed it, and notes; held moves it to met."""
    _writable(match_id)
    schema = MeetingUpdateForm()
    body = form_body(
        schema, request.form, checkboxes=("confirmed_by_connectee", "confirmed_by_connector")
    )

    def update(data: dict[str, Any]) -> None:
        matches.update_meeting(match_id, meeting_id, data, actor=actor_label())

    name = f"meeting-{meeting_id}"
    return _post(match_id, name, schema, body, update, _("Meeting updated."), "meetings")


@matches_bp.post("/<int:match_id>/referrals")
@login_required
def add_referral(match_id: int) -> Any:
    """Record one of the connector's referrals; the first moves a met match on."""
    _writable(match_id)
    schema = ReferralForm()

    def add(data: dict[str, Any]) -> None:
        matches.add_referral(match_id, data, actor=actor_label())

    body = form_body(schema, request.form)
    return _post(match_id, "referral", schema, body, add, _("Referral recorded."), "referrals")


@matches_bp.post("/<int:match_id>/referrals/<int:referral_id>")
@login_required
def update_referral(match_id: int, referral_id: int) -> Any:
    """Record what came of a referral."""
    _writable(match_id)
    schema = ReferralUpdateForm()

    def update(data: dict[str, Any]) -> None:
        matches.update_referral(match_id, referral_id, data, actor=actor_label())

    name = f"referral-{referral_id}"
    body = form_body(schema, request.form)
    return _post(match_id, name, schema, body, update, _("Referral updated."), "referrals")


@matches_bp.post("/<int:match_id>/outcomes")
@login_required
def record_outcome(match_id: int) -> Any:
    """Record the connectee's follow-up at 3, 6 or 12 months (the API's outcome schema)."""
    match = _writable(match_id)
    schema = OutcomeForm()
    body = {
        **form_body(schema, request.form),
        "connectee_id": match.connectee_id,
        "match_id": match.id,
    }

    def record(data: dict[str, Any]) -> None:
        outcomes.create_outcome(data, actor=actor_label())

    return _post(match_id, "outcome", schema, body, record, _("Follow-up recorded."), "follow-ups")

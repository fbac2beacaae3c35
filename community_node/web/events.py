"""Staff pages of events: list, create, invite, the door list on a phone, introductions.

The check-in page is built for a phone at the door (375 px): a search box that filters
the list as one types (htmx), and one large button per person; each check-in swaps only
that person's row. Without JavaScript the search is a GET form and the button a POST.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, cast
from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from marshmallow import ValidationError
from sqlalchemy import select
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from community_node.auth.models import Role
from community_node.errors import Conflict, InvalidInput
from community_node.events import services
from community_node.events.models import Attendance, Event, EventKind
from community_node.events.schemas import EventListArgsSchema, EventSchema, IntroductionSchema
from community_node.extensions import db
from community_node.matches.models import Match
from community_node.matches.schemas import ReferralSchema
from community_node.participants.models import Connectee, Connector, ProfileStatus
from community_node.reports import services as reports
from community_node.security import actor_label, require_role
from community_node.signup.schemas import PlainMessages, form_errors
from community_node.web.matching import form_body

bp = Blueprint("events_ui", __name__, url_prefix="/events")

ID = "int(max=2147483647)"
#: People listed at once on the invite page.
INVITE_PAGE = 50

KIND_LABELS: dict[str, Any] = {
    EventKind.NETWORKING: _l("Networking event"),
    EventKind.JOB_FAIR: _l("Job fair"),
}
STATUS_LABELS: dict[str, Any] = {
    Attendance.INVITED: _l("Invited"),
    Attendance.REGISTERED: _l("Registered"),
    Attendance.CHECKED_IN: _l("Checked in"),
}
LABELS: dict[str, Any] = {
    "name": _l("Name"),
    "kind": _l("Kind"),
    "starts_at": _l("Starts"),
    "ends_at": _l("Ends"),
    "location": _l("Place"),
    "description": _l("Description"),
    "registration_open": _l("Registration open on the public page"),
    "capacity": _l("Places"),
    "connectee_id": _l("Connectee"),
    "connector_id": _l("Connector"),
    "note": _l("Note"),
    "match_id": _l("Match"),
    "contact_name": _l("Introduced to"),
    "organisation": _l("Organisation"),
    "sector": _l("Sector"),
}


class EventForm(PlainMessages, EventSchema):
    pass


class IntroductionForm(PlainMessages, IntroductionSchema):
    pass


class EventReferralForm(PlainMessages, ReferralSchema):
    pass


def _zone() -> ZoneInfo:
    return ZoneInfo(str(current_app.config.get("BABEL_DEFAULT_TIMEZONE") or "UTC"))


def _aware(text: str) -> str:
    """A datetime-local value, read in the node's time zone, as an ISO time with offset."""
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return text  # the schema names the problem
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=_zone())
    return moment.isoformat()


def _local(moment: dt.datetime) -> str:
    return moment.astimezone(_zone()).strftime("%Y-%m-%dT%H:%M")


def _event_body(form: MultiDict[str, str]) -> dict[str, Any]:
    body = form_body(EventForm(), form, checkboxes=("registration_open",))
    for key in ("starts_at", "ends_at"):
        if isinstance(body.get(key), str):
            body[key] = _aware(body[key])
    return body


def _messages(error: ValidationError) -> dict[str, list[str]]:
    messages = error.messages if isinstance(error.messages, Mapping) else {"": error.messages}
    return {("form" if k in ("_schema", "") else k): v for k, v in form_errors(messages).items()}


def _refusal(error: Conflict | InvalidInput) -> dict[str, list[str]]:
    return dict(error.extra.get("errors") or {error.extra.get("field") or "form": [error.message]})


# List, create, change -----------------------------------------------------------------------


@bp.get("")
@login_required
def index() -> str:
    raw = {k: v for k, v in request.args.items() if v.strip()}
    schema = EventListArgsSchema()
    for name in schema.validate(raw):
        raw.pop(name, None)
    page = services.list_events(schema.load(raw))
    return render_template(
        "events/index.html", page=page, kind_labels=KIND_LABELS, query=raw, zone=_zone()
    )


def _render_form(
    values: MultiDict[str, str], errors: Mapping[str, list[str]], event: Event | None
) -> str:
    return render_template(
        "events/form.html",
        event=event,
        values=values,
        errors=errors,
        labels=LABELS,
        kinds=list(KIND_LABELS.items()),
        zone=str(_zone()),
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new() -> tuple[str, int] | Response:
    require_role(Role.COORDINATOR)
    if request.method == "GET":
        return _render_form(MultiDict({"registration_open": "yes"}), {}, None), 200
    return _save(None)


@bp.route(f"/<{ID}:event_id>/edit", methods=["GET", "POST"])
@login_required
def edit(event_id: int) -> tuple[str, int] | Response:
    require_role(Role.COORDINATOR)
    event = services.get_event(event_id)
    if request.method == "GET":
        values = MultiDict(
            {
                "name": event.name,
                "kind": event.kind.value,
                "starts_at": _local(event.starts_at),
                "ends_at": _local(event.ends_at),
                "location": event.location,
                "description": event.description or "",
                "capacity": "" if event.capacity is None else str(event.capacity),
            }
        )
        if event.registration_open:
            values["registration_open"] = "yes"
        return _render_form(values, {}, event), 200
    return _save(event)


def _save(event: Event | None) -> tuple[str, int] | Response:
    try:
        data = EventForm(partial=event is not None).load(_event_body(request.form))
        if event is None:
            saved = services.create_event(data, actor=actor_label())
        else:
            saved = services.update_event(event.id, data, actor=actor_label())
    except ValidationError as error:
        return _render_form(request.form, _messages(error), event), 422
    except (Conflict, InvalidInput) as error:
        return _render_form(request.form, _refusal(error), event), 422
    flash(_("Saved %(name)s.", name=saved.name), "success")
    return redirect(url_for("events_ui.detail", event_id=saved.id), code=303)


# One event ----------------------------------------------------------------------------------


def _render_detail(
    event: Event,
    values: MultiDict[str, str] | None = None,
    errors: Mapping[str, list[str]] | None = None,
    status: int = 200,
) -> tuple[str, int]:
    guests = services.guests(event.id)
    checked_in = [g for g in guests if g.attendee.status == Attendance.CHECKED_IN]
    made, referrals = services.made_at(event.id)
    open_matches = services.open_matches_of_checked_in(event.id)
    names = _names([*made, *open_matches])
    row = next((r for r in reports.by_event() if r.event_id == event.id), None)
    page = render_template(
        "events/detail.html",
        event=event,
        kind_labels=KIND_LABELS,
        status_labels=STATUS_LABELS,
        guests=guests,
        connectee_options=[(str(g.person_id), g.name) for g in checked_in if g.kind == "connectee"],
        connector_options=[(str(g.person_id), g.name) for g in checked_in if g.kind == "connector"],
        match_options=[(str(m.id), names.get(m.id, "")) for m in open_matches],
        made=[(m, names.get(m.id, "")) for m in made],
        referrals=referrals,
        report=row,
        public_url=services.public_url(event),
        values=values or MultiDict(),
        errors=errors or {},
        labels=LABELS,
        zone=_zone(),
    )
    return page, status


def _names(matches: list[Match]) -> dict[int, str]:
    """Each match as "connectee · connector", for the event's lists and selects."""
    result = {}
    for match in matches:
        connectee = db.session.get(Connectee, match.connectee_id)
        connector = db.session.get(Connector, match.connector_id)
        if connectee is not None and connector is not None:
            result[match.id] = f"{connectee.full_name} · {connector.full_name}"
    return result


@bp.get(f"/<{ID}:event_id>")
@login_required
def detail(event_id: int) -> tuple[str, int]:
    return _render_detail(services.get_event(event_id))


@bp.get(f"/<{ID}:event_id>/event.ics")
@login_required
def calendar(event_id: int) -> Response:
    event = services.get_event(event_id)
    return Response(
        services.calendar_file(event),
        mimetype="text/calendar",
        headers={"Content-Disposition": f'attachment; filename="event-{event.id}.ics"'},
    )


@bp.post(f"/<{ID}:event_id>/introductions")
@login_required
def introduce(event_id: int) -> tuple[str, int] | Response:
    require_role(Role.COORDINATOR)
    event = services.get_event(event_id)
    try:
        data = IntroductionForm().load(form_body(IntroductionForm(), request.form))
        services.introduce(event.id, data, actor=actor_label())
    except ValidationError as error:
        return _render_detail(event, request.form, _messages(error), 422)
    except (Conflict, InvalidInput) as error:
        return _render_detail(event, request.form, _refusal(error), 422)
    flash(_("Introduction recorded as a match."), "success")
    return redirect(url_for("events_ui.detail", event_id=event.id, _anchor="made"), code=303)


@bp.post(f"/<{ID}:event_id>/referrals")
@login_required
def referral(event_id: int) -> tuple[str, int] | Response:
    require_role(Role.COORDINATOR)
    event = services.get_event(event_id)
    match_id = request.form.get("match_id", "")
    if not match_id.isdigit():
        return _render_detail(event, request.form, {"match_id": [_("Choose a match.")]}, 422)
    try:
        data = EventReferralForm().load(form_body(EventReferralForm(), request.form))
        services.add_referral(event.id, int(match_id), data, actor=actor_label())
    except ValidationError as error:
        return _render_detail(event, request.form, _messages(error), 422)
    except (Conflict, InvalidInput) as error:
        return _render_detail(event, request.form, _refusal(error), 422)
    flash(_("Referral recorded."), "success")
    return redirect(url_for("events_ui.detail", event_id=event.id, _anchor="made"), code=303)


# Inviting -----------------------------------------------------------------------------------


@bp.route(f"/<{ID}:event_id>/invite", methods=["GET", "POST"])
@login_required
def invite(event_id: int) -> tuple[str, int] | Response:
    require_role(Role.COORDINATOR)
    event = services.get_event(event_id)
    if request.method == "POST":
        ids: dict[str, list[int]] = {"connectee": [], "connector": []}
        for value in request.form.getlist("person"):
            kind, _sep, number = value.partition(":")
            if kind in ids and number.isdigit():
                ids[kind].append(int(number))
        if not ids["connectee"] and not ids["connector"]:
            flash(_("Tick at least one person to invite."), "error")
        else:
            try:
                invited = services.invite(
                    event.id, ids["connectee"], ids["connector"], actor=actor_label()
                )
            except InvalidInput as error:
                flash(" ".join(t for texts in _refusal(error).values() for t in texts), "error")
            else:
                flash(
                    _(
                        "Invited %(n)s people; each gets a message with the calendar file.",
                        n=len(invited),
                    ),
                    "success",
                )
                return redirect(url_for("events_ui.detail", event_id=event.id), code=303)
    q = request.args.get("q", "").strip()[:100]
    listed = {(g.kind, g.person_id) for g in services.guests(event.id)}
    people = []
    sides: tuple[tuple[str, type[Connectee] | type[Connector]], ...] = (
        ("connectee", Connectee),
        ("connector", Connector),
    )
    for kind, model in sides:
        stmt = select(model).where(model.status == ProfileStatus.APPROVED)
        if q:
            stmt = stmt.where(model.search_text.contains(q.casefold()))
        for person in db.session.scalars(
            stmt.order_by(model.last_name, model.id).limit(INVITE_PAGE)
        ):
            who = cast(Connectee | Connector, person)
            people.append((kind, who, (kind, who.id) in listed))
    return render_template("events/invite.html", event=event, people=people, q=q), 200


# The door -----------------------------------------------------------------------------------


@bp.get(f"/<{ID}:event_id>/check-in")
@login_required
def door(event_id: int) -> str:
    event = services.get_event(event_id)
    q = request.args.get("q", "").strip()[:100]
    guests = services.guests(event.id, q)
    template = "events/_door_list.html" if request.headers.get("HX-Request") else "events/door.html"
    return render_template(
        template,
        event=event,
        guests=guests,
        q=q,
        status_labels=STATUS_LABELS,
        arrived=_arrived(event.id),
    )


def _arrived(event_id: int) -> int:
    return sum(1 for g in services.guests(event_id) if g.attendee.status == Attendance.CHECKED_IN)


@bp.post(f"/<{ID}:event_id>/check-in/<{ID}:attendee_id>")
@login_required
def check_in(event_id: int, attendee_id: int) -> str | Response:
    require_role(Role.COORDINATOR)
    attendee = services.check_in(event_id, attendee_id, actor=actor_label())
    if request.headers.get("HX-Request"):
        (guest,) = [g for g in services.guests(event_id) if g.attendee.id == attendee.id]
        return render_template(
            "events/_checked_in.html",
            event=services.get_event(event_id),
            guest=guest,
            status_labels=STATUS_LABELS,
            arrived=_arrived(event_id),
        )
    return redirect(
        url_for("events_ui.door", event_id=event_id, q=request.form.get("q", "")), code=303
    )

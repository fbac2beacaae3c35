"""Staff pages: login, Today, lists and detail pages of connectees and connectors."""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any

from flask import (
    Blueprint,
    flash,
    get_template_attribute,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from markupsafe import Markup
from marshmallow import ValidationError
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from community_node.auth.models import Role
from community_node.auth.services import accounts, list_users
from community_node.errors import Conflict, InvalidInput
from community_node.events import services as events
from community_node.pagination import Page, PageArgsSchema
from community_node.participants import services as participants
from community_node.participants.schemas import (
    ConnecteeListArgsSchema,
    ConnectorListArgsSchema,
)
from community_node.recruitment import services as recruitment
from community_node.security import actor_label, current_staff, require_role
from community_node.selfservice import services as selfservice
from community_node.signup.choices import languages
from community_node.web import filters, people_forms, person, queries
from shared.names import canonical_language
from shared.web.login import add_login_views

bp = Blueprint("web", __name__)
filters.register_filters(bp)
bp.add_app_template_global(queries.person_name)

#: Ids beyond PostgreSQL's INTEGER are no record; the route answers 404 instead of failing.
ID = "int(max=2147483647)"

# Shared with the hub: one login (limited, logged) and logout for every service.
add_login_views(bp, accounts, home="web.dashboard")


@bp.app_context_processor
def _roles() -> dict[str, bool]:
    """Tell every template what the caller may do, so it shows only the buttons that work."""
    user = current_staff()
    return {
        "can_write": user is not None and user.role.allows(Role.COORDINATOR),
        "is_admin": user is not None and user.role.allows(Role.ADMIN),
    }


@bp.get("/")
@login_required
def dashboard() -> str:
    """Today: what needs a coordinator now, each row linking to where it is handled."""
    count, rows = selfservice.erasure_requests(queries.TODAY_ROWS)
    return render_template(
        "dashboard.html", today=queries.today(), erasures=queries.Section(count, rows)
    )


#: Columns a list page can be sorted by: (label, sort key) per kind of person.
SORT_COLUMNS: dict[str, list[tuple[LazyString, str]]] = {
    "connectees": [
        (_l("Name"), "last_name"),
        (_l("Occupation"), "target_occupation"),
        (_l("Status"), "status"),
        (_l("Intake"), "intake_date"),
    ],
    "connectors": [
        (_l("Name"), "last_name"),
        (_l("Occupation"), "occupation"),
        (_l("Status"), "status"),
        (_l("Capacity"), "capacity"),
    ],
}


def _list_args(schema: type[PageArgsSchema], kind: participants.PersonKind[Any]) -> dict[str, Any]:
    """Parse list filters from the query string, dropping empty and invalid ones."""
    raw = {k: v for k, v in request.args.items() if v != ""}
    errors = schema().validate(raw)
    for field, messages in errors.items():
        text = " ".join(messages) if isinstance(messages, list) else str(messages)
        flash(f"{field}: {text}", "error")
        raw.pop(field, None)
    loaded: dict[str, Any] = schema().load(raw)
    if loaded["sort"].lstrip("-") not in kind.sortable:
        flash(_("sort: Sort by one of: %(keys)s.", keys=", ".join(sorted(kind.sortable))), "error")
        loaded["sort"] = "id"
    return loaded


def _query_url(endpoint: str, base: Mapping[str, str], **changes: Any) -> str:
    """Build a link to ``endpoint`` keeping the current filters, with some changed."""
    params: dict[str, Any] = {k: v for k, v in base.items() if v != ""}
    params.update({k: str(v) for k, v in changes.items()})
    return url_for(endpoint, **params)


@functools.lru_cache(maxsize=256)
def _language_option_tags(options: Sequence[tuple[str, str]], chosen: str | None) -> Markup:
    """The language filter's ~200 ``<option>`` tags, built once per locale and choice.

    Rendered by Jinja they were a third of a list page's time (an escape per value).
    """
    return Markup("\n").join(
        Markup('<option value="{}"{}>{}</option>').format(
            code, Markup(" selected") if code == chosen else "", name
        )
        for code, name in options
    )


def _chosen_language() -> str | None:
    """The language filter's choice, as the options write it (a link from before ISO 639-3,
    ``?language=uk``, shows Ukrainian chosen)."""
    chosen = request.args.get("language")
    return (canonical_language(chosen) or chosen) if chosen else chosen


_PERSON_ENDPOINTS = {"connectees": "web.connectee", "connectors": "web.connector"}


def _person_url_prefix(endpoint: str) -> str:
    """A person page's address up to its id: each row appends its own id.

    ``url_for`` on each of a page's 50 rows cost ~0.6 ms; the address differs only by
    the id at its end.
    """
    url = url_for(endpoint, person_id=1)
    if not url.endswith("/1"):  # pragma: no cover - the routes end with the id
        raise RuntimeError(f"{endpoint} does not end with its id: {url}")
    return url[:-1]


def _render_list(kind_name: str, page: Page, sort: str) -> str:
    endpoint = f"web.{kind_name}"
    current = {k: v for k, v in request.args.items() if k not in ("page", "sort")}
    sort_links = [
        {
            "label": label,
            "key": key,
            "url": _query_url(endpoint, current, sort=f"-{key}" if sort == key else key),
            "direction": "asc" if sort == key else "desc" if sort == f"-{key}" else None,
        }
        for label, key in SORT_COLUMNS[kind_name]
    ]
    keep = {**current, "sort": sort} if sort != "id" else current
    return render_template(
        "people.html",
        kind=kind_name,
        page=page,
        person_url_prefix=_person_url_prefix(_PERSON_ENDPOINTS[kind_name]),
        say=filters.status_words(),
        language_name_of=filters.language_names(),
        args=request.args,
        sort_links={link["key"]: link for link in sort_links},
        language_option_tags=_language_option_tags(languages(), _chosen_language()),
        prev_url=_query_url(endpoint, keep, page=page.page - 1) if page.page > 1 else None,
        next_url=_query_url(endpoint, keep, page=page.page + 1) if page.page < page.pages else None,
    )


#: The columns people.html shows of each row (and the languages, loaded apart): the list
#: loads these only, not the forty a person has (the skills' JSON among them).
LIST_COLUMNS: dict[str, tuple[str, ...]] = {
    "connectees": ("first_name", "last_name", "email", "target_occupation", "status",
                   "intake_date"),
    "connectors": ("first_name", "last_name", "email", "occupation", "status", "capacity",
                   "capacity_period"),
}  # fmt: skip


@bp.get("/connectees")
@login_required
def connectees() -> str:
    args = _list_args(ConnecteeListArgsSchema, participants.CONNECTEES)
    page = participants.list_persons(participants.CONNECTEES, args, only=LIST_COLUMNS["connectees"])
    return _render_list("connectees", page, args["sort"])


@bp.get("/connectors")
@login_required
def connectors() -> str:
    args = _list_args(ConnectorListArgsSchema, participants.CONNECTORS)
    page = participants.list_persons(participants.CONNECTORS, args, only=LIST_COLUMNS["connectors"])
    return _render_list("connectors", page, args["sort"])


@bp.get(f"/connectees/<{ID}:person_id>")
@login_required
def connectee(person_id: int) -> tuple[str, int]:
    return person.render_person(participants.CONNECTEES, person_id)


@bp.get(f"/connectors/<{ID}:person_id>")
@login_required
def connector(person_id: int) -> tuple[str, int]:
    return person.render_person(participants.CONNECTORS, person_id)


# Adding and changing people ---------------------------------------------------------------

_KINDS = "<any(connectees, connectors):plural>"


@bp.route(f"/{_KINDS}/new", methods=["GET", "POST"])
@login_required
def person_new(plural: str) -> tuple[str, int] | Response:
    """Add a connectee or connector with every field the API takes, checked by its schema."""
    require_role(Role.COORDINATOR)
    form = people_forms.FORMS[plural]
    if request.method == "GET":
        return _render_form(form, MultiDict(form.initial), {}, None), 200
    return _post_form(form, None)


@bp.route(f"/{_KINDS}/<{ID}:person_id>/edit", methods=["GET", "POST"])
@login_required
def person_edit(plural: str, person_id: int) -> tuple[str, int] | Response:
    """Change any field of a connectee or connector, checked as the API's PATCH checks it."""
    require_role(Role.COORDINATOR)
    form = people_forms.FORMS[plural]
    person = participants.get_person(form.kind, person_id)  # 404 before reading the form
    if request.method == "GET":
        return _render_form(form, people_forms.values_of(form, person), {}, person), 200
    return _post_form(form, person)


def _post_form(form: people_forms.PersonForm, person: Any) -> tuple[str, int] | Response:
    """Save a posted form, or re-render it changed by the button pressed (nothing stored)."""
    values = _apply_action(request.form, request.form.get("action", "save"))
    if values is not None:
        return _render_form(form, values, {}, person), 200
    try:
        data = form.load(request.form, partial=person is not None)
    except ValidationError as error:
        return _render_form(form, request.form, people_forms.messages_of(error), person), 422
    actor = actor_label()
    try:
        if person is None:
            saved = participants.create_person(form.kind, data, actor=actor)
        else:
            saved = participants.update_person(form.kind, person.id, data, actor=actor)
    except (Conflict, InvalidInput) as error:
        errors = error.extra.get("errors") or {error.extra.get("field") or "form": [error.message]}
        return _render_form(form, request.form, people_forms.field_messages(errors), person), 422
    if person is None:
        flash(_("Added %(name)s.", name=saved.full_name), "success")
    else:
        flash(_("Saved %(name)s.", name=saved.full_name), "success")
    return redirect(url_for(f"web.{form.kind.name}", person_id=saved.id), code=303)


def _apply_action(posted: MultiDict[str, str], action: str) -> MultiDict[str, str] | None:
    """Return the form's values changed by a non-saving button, or None to save."""
    language_rows = people_forms.rows(posted)
    if action == "add_language":
        return people_forms.with_rows(posted, [*language_rows, ("", "")])
    if action.startswith("remove_language:"):
        index = action.removeprefix("remove_language:")
        keep = [row for n, row in enumerate(language_rows, 1) if str(n) != index]
        return people_forms.with_rows(posted, keep or [("", "")])
    if action.startswith("pick:"):
        _pick, name, code = (action.split(":", 2) + ["", ""])[:3]
        values = people_forms.with_rows(posted, language_rows)
        if name in people_forms.OCCUPATION_FIELDS:
            values[name] = people_forms.picker_text(code)
        return values
    if action == "use_skills":
        values = people_forms.with_rows(posted, language_rows)
        values["skills"] = people_forms.with_suggested_skills(posted.get("skills", ""))
        return values
    return None


def _render_form(
    form: people_forms.PersonForm,
    values: MultiDict[str, str],
    errors: Mapping[str, list[str]],
    person: Any,
) -> str:
    language_rows = people_forms.rows(values) or [("", "")]
    values = people_forms.with_rows(values, language_rows)
    return render_template(
        "people/form.html",
        plural=form.plural,
        kind=form.kind.name,
        person=person,
        values=values,
        errors=people_forms.in_form_order(errors),
        labels=people_forms.LABELS,
        label_of=people_forms.label_of,
        options={
            **people_forms.OPTIONS,
            "referral_partner_id": tuple(recruitment.partner_options()),
            "referral_event_id": tuple(events.event_options()),
        },
        coordinators=[(str(user.id), user.name) for user in list_users() if user.active],
        language_rows=range(1, len(language_rows) + 1),
        max_languages=people_forms.MAX_LANGUAGES,
        occupation_hint=people_forms.occupation_hint,
        skill_hints=people_forms.skill_hints(values.get("skills", "")),
    )


@bp.get("/people/occupations")
@login_required
def occupation_suggestions() -> str:
    """The occupation picker's suggestions for what is typed in one of its inputs (htmx)."""
    name = request.args.get("field", "")
    if name not in people_forms.OCCUPATION_FIELDS:
        name = people_forms.OCCUPATION_FIELDS[0]
    typed = request.args.get(name, "")[:200]
    show = get_template_attribute("people/_hints.html", "occupation")
    return str(show(name, people_forms.occupation_hint(typed), typed))


@bp.get("/people/skills")
@login_required
def skill_suggestions() -> str:
    """What the skills vocabulary makes of each skill typed (htmx)."""
    show = get_template_attribute("people/_hints.html", "skills")
    return str(show(people_forms.skill_hints(request.args.get("skills", "")[:20000])))

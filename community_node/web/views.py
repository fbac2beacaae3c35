"""Staff pages: login, Today, lists and detail pages of connectees and connectors."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required
from werkzeug.wrappers import Response

from community_node.auth.models import Role
from community_node.auth.services import accounts
from community_node.pagination import Page, PageArgsSchema
from community_node.participants import services as participants
from community_node.participants.schemas import (
    ConnecteeListArgsSchema,
    ConnecteeSchema,
    ConnectorListArgsSchema,
    ConnectorSchema,
)
from community_node.security import actor_label, current_staff, require_role
from community_node.signup.choices import languages
from community_node.web import filters, queries
from community_node.web.forms import ConnecteeEditForm
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
    return render_template("dashboard.html", today=queries.today())


#: Columns a list page can be sorted by: (label, sort key) per kind of person.
SORT_COLUMNS: dict[str, list[tuple[str, str]]] = {
    "connectees": [
        ("Name", "last_name"),
        ("Occupation", "target_occupation"),
        ("Status", "status"),
        ("Intake", "intake_date"),
    ],
    "connectors": [
        ("Name", "last_name"),
        ("Occupation", "occupation"),
        ("Status", "status"),
        ("Capacity", "capacity"),
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
        flash(f"sort: Sort by one of: {', '.join(sorted(kind.sortable))}.", "error")
        loaded["sort"] = "id"
    return loaded


def _query_url(endpoint: str, base: Mapping[str, str], **changes: Any) -> str:
    """Build a link to ``endpoint`` keeping the current filters, with some changed."""
    params: dict[str, Any] = {k: v for k, v in base.items() if v != ""}
    params.update({k: str(v) for k, v in changes.items()})
    return url_for(endpoint, **params)


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
        args=request.args,
        sort_links={link["key"]: link for link in sort_links},
        language_options=languages(),
        prev_url=_query_url(endpoint, keep, page=page.page - 1) if page.page > 1 else None,
        next_url=_query_url(endpoint, keep, page=page.page + 1) if page.page < page.pages else None,
    )


@bp.get("/connectees")
@login_required
def connectees() -> str:
    args = _list_args(ConnecteeListArgsSchema, participants.CONNECTEES)
    page = participants.list_persons(participants.CONNECTEES, args)
    return _render_list("connectees", page, args["sort"])


@bp.get("/connectors")
@login_required
def connectors() -> str:
    args = _list_args(ConnectorListArgsSchema, participants.CONNECTORS)
    page = participants.list_persons(participants.CONNECTORS, args)
    return _render_list("connectors", page, args["sort"])


#: Fields the detail page shows elsewhere (the heading, the languages table) or not at all:
#: internal ones (ids, the coordinator's account id) mean nothing to the reader.
_NOT_IN_FIELD_LIST = frozenset(
    {
        "id",
        "first_name",
        "last_name",
        "status",
        "languages",
        "notes",
        "coordinator_id",
        "created_at",
        "updated_at",
    }
)
_OCCUPATION_FIELDS = frozenset({"current_occupation", "target_occupation", "occupation"})
_COUNTRY_FIELDS = frozenset({"country_of_origin", "education_country"})


def _display(name: str, value: Any) -> str:
    """Format one dumped field for reading: names, not codes."""
    if value is None or value == []:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(str(v).replace("_", " ") for v in value)
    if name in _OCCUPATION_FIELDS:
        return filters.occupation_label(value)
    if name in _COUNTRY_FIELDS:
        return filters.country_name(value)
    return str(value).replace("_", " ") if name not in ("email", "phone") else str(value)


def _field_rows(schema: ConnecteeSchema | ConnectorSchema, person: Any) -> list[tuple[str, str]]:
    dumped = schema.dump(person)
    return [
        (name.replace("_", " ").capitalize(), _display(name, dumped.get(name)))
        for name in schema.fields
        if name not in _NOT_IN_FIELD_LIST
    ]


def _can_edit() -> bool:
    user = current_staff()
    return user is not None and user.role.allows(Role.COORDINATOR)


def _render_detail(
    kind: participants.PersonKind[Any],
    person_id: int,
    form: ConnecteeEditForm | None = None,
    status: int = 200,
) -> tuple[str, int]:
    person = participants.get_person(kind, person_id)
    schema: ConnecteeSchema | ConnectorSchema = (
        ConnecteeSchema() if kind is participants.CONNECTEES else ConnectorSchema()
    )
    if form is None and kind is participants.CONNECTEES and _can_edit():
        form = ConnecteeEditForm(obj=person)
    page = render_template(
        "person.html",
        kind=f"{kind.name}s",
        person=person,
        fields=_field_rows(schema, person),
        consents=queries.consents_for(kind, person_id),
        matches=queries.matches_for(kind, person_id),
        form=form if _can_edit() else None,
    )
    return page, status


@bp.route(f"/connectees/<{ID}:person_id>", methods=["GET", "POST"])
@login_required
def connectee(person_id: int) -> tuple[str, int] | Response:
    if request.method == "GET":
        return _render_detail(participants.CONNECTEES, person_id)
    require_role(Role.COORDINATOR)
    participants.get_person(participants.CONNECTEES, person_id)  # 404 before validating
    form = ConnecteeEditForm()
    if not form.validate_on_submit():
        return _render_detail(participants.CONNECTEES, person_id, form, 422)
    participants.update_person(
        participants.CONNECTEES, person_id, form.changes(), actor=actor_label()
    )
    flash("Saved.", "success")
    return redirect(url_for("web.connectee", person_id=person_id))


@bp.get(f"/connectors/<{ID}:person_id>")
@login_required
def connector(person_id: int) -> tuple[str, int]:
    return _render_detail(participants.CONNECTORS, person_id)

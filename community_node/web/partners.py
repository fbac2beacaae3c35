"""Staff pages of partner organisations: list, add, change, contacts and recruiting needs."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from marshmallow import ValidationError
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from community_node.auth.models import Role
from community_node.errors import Conflict, InvalidInput
from community_node.extensions import db
from community_node.participants.models import Connectee, Connector
from community_node.recruitment import services
from community_node.recruitment.models import HIRING_KINDS, Partner, PartnerKind
from community_node.recruitment.schemas import (
    PartnerListArgsSchema,
    PartnerSchema,
    RecruitingNeedSchema,
)
from community_node.security import actor_label, require_role
from community_node.signup import choices
from community_node.signup.schemas import OccupationChoice, PlainMessages, form_errors
from community_node.web.matching import form_body
from community_node.web.people_forms import picker_text

bp = Blueprint("partners_ui", __name__, url_prefix="/partners")

ID = "int(max=2147483647)"
_CONTACT = re.compile(r"^contact_(name|role|email|phone)_(\d{1,2})$")
CONTACT_FIELDS = ("name", "role", "email", "phone")

KIND_LABELS: dict[str, Any] = {
    PartnerKind.CHAMBER_OF_COMMERCE: _l("Chamber of commerce"),
    PartnerKind.EMPLOYER: _l("Employer"),
    PartnerKind.LANGUAGE_PROVIDER: _l("English-language provider"),
    PartnerKind.RESETTLEMENT_AGENCY: _l("Resettlement agency"),
    PartnerKind.UNIVERSITY: _l("University or college"),
    PartnerKind.WORKFORCE_BOARD: _l("Workforce board"),
    PartnerKind.OTHER: _l("Other"),
}

LABELS: dict[str, Any] = {
    "name": _l("Name"),
    "kind": _l("Kind"),
    "website": _l("Website"),
    "notes": _l("Notes"),
    "active": _l("Active partner"),
    "soc_code": _l("Occupation"),
    "positions": _l("Positions"),
    "starts_on": _l("From"),
    "ends_on": _l("Until"),
}


def _contact_numbers(form: Mapping[str, str]) -> list[int]:
    return sorted({int(m[2]) for key in form if (m := _CONTACT.match(key)) and 0 < int(m[2]) <= 50})


class PartnerForm(PlainMessages, PartnerSchema):
    """A partner as the staff form posts it: contacts come as numbered rows."""

    @classmethod
    def body(cls, form: MultiDict[str, str]) -> dict[str, Any]:
        body = form_body(cls(), form, checkboxes=("active",))
        body.pop("contacts", None)
        contacts = []
        for n in _contact_numbers(form):
            row = {f: form.get(f"contact_{f}_{n}", "").strip() for f in CONTACT_FIELDS}
            if any(row.values()):
                contacts.append({k: (v or None) for k, v in row.items()} | {"name": row["name"]})
        body["contacts"] = contacts
        return body


class NeedForm(PlainMessages, RecruitingNeedSchema):
    soc_code = OccupationChoice(required=True)


def _messages(error: ValidationError) -> dict[str, list[str]]:
    messages = error.messages if isinstance(error.messages, Mapping) else {"": error.messages}
    errors: dict[str, list[str]] = {}
    for name, value in messages.items():
        if name == "contacts" and isinstance(value, Mapping):
            for index, row in value.items():
                if isinstance(index, int) and isinstance(row, Mapping):
                    for part, texts in row.items():
                        errors[f"contact_{part}_{index + 1}"] = list(texts)
        else:
            errors.update(form_errors({("form" if name in ("_schema", "") else name): value}))
    return errors


def _values_of(partner: Partner) -> MultiDict[str, str]:
    values: MultiDict[str, str] = MultiDict(
        {
            "name": partner.name,
            "kind": partner.kind.value,
            "website": partner.website or "",
            "notes": partner.notes or "",
        }
    )
    if partner.active:
        values["active"] = "yes"
    for n, contact in enumerate(partner.contacts, start=1):
        for f in CONTACT_FIELDS:
            values[f"contact_{f}_{n}"] = getattr(contact, f) or ""
    return values


def _render_form(
    values: MultiDict[str, str], errors: Mapping[str, list[str]], partner: Partner | None
) -> str:
    rows = len(_contact_numbers(values)) + 1
    labels = dict(LABELS)
    for n in range(1, rows + 1):
        labels |= {
            f"contact_name_{n}": _("Name of contact %(n)s", n=n),
            f"contact_role_{n}": _("Role of contact %(n)s", n=n),
            f"contact_email_{n}": _("Email of contact %(n)s", n=n),
            f"contact_phone_{n}": _("Phone of contact %(n)s", n=n),
        }
    return render_template(
        "partners/form.html",
        partner=partner,
        values=values,
        errors=errors,
        labels=labels,
        kinds=list(KIND_LABELS.items()),
        contact_rows=range(1, rows + 1),
    )


@bp.get("")
@login_required
def index() -> str:
    raw = {k: v for k, v in request.args.items() if v.strip()}
    schema = PartnerListArgsSchema()
    for name in schema.validate(raw):
        raw.pop(name, None)
    args = schema.load(raw)
    if args["sort"] == "id":
        args["sort"] = "name"
    page = services.list_partners(args)
    referred = dict(
        db.session.execute(
            select(Connectee.referral_partner_id, func.count())
            .where(Connectee.referral_partner_id.in_([p.id for p in page.items]))
            .group_by(Connectee.referral_partner_id)
        ).all()
    )
    return render_template(
        "partners/index.html",
        page=page,
        kinds=list(KIND_LABELS.items()),
        kind_labels=KIND_LABELS,
        referred=referred,
        query={k: v for k, v in raw.items() if k in ("kind", "q")},
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new() -> tuple[str, int] | Response:
    require_role(Role.COORDINATOR)
    if request.method == "GET":
        return _render_form(MultiDict({"active": "yes"}), {}, None), 200
    return _save(None)


@bp.route(f"/<{ID}:partner_id>/edit", methods=["GET", "POST"])
@login_required
def edit(partner_id: int) -> tuple[str, int] | Response:
    require_role(Role.COORDINATOR)
    partner = services.get_partner(partner_id)
    if request.method == "GET":
        return _render_form(_values_of(partner), {}, partner), 200
    return _save(partner)


def _save(partner: Partner | None) -> tuple[str, int] | Response:
    if request.form.get("action") == "add_contact":
        values = MultiDict(request.form)
        n = len(_contact_numbers(values)) + 1
        values[f"contact_name_{n}"] = ""
        return _render_form(values, {}, partner), 200
    try:
        data = PartnerForm(partial=partner is not None).load(PartnerForm.body(request.form))
    except ValidationError as error:
        return _render_form(request.form, _messages(error), partner), 422
    try:
        if partner is None:
            saved = services.create_partner(data, actor=actor_label())
        else:
            saved = services.update_partner(partner.id, data, actor=actor_label())
    except (Conflict, InvalidInput) as error:
        errors = error.extra.get("errors") or {error.extra.get("field") or "form": [error.message]}
        return _render_form(request.form, errors, partner), 422
    flash(_("Saved %(name)s.", name=saved.name), "success")
    return redirect(url_for("partners_ui.detail", partner_id=saved.id), code=303)


def _render_detail(
    partner: Partner,
    values: MultiDict[str, str] | None = None,
    errors: Mapping[str, list[str]] | None = None,
    status: int = 200,
) -> tuple[str, int]:
    people = {
        kind: db.session.scalars(
            select(model)
            .where(model.referral_partner_id == partner.id)
            .order_by(model.created_at.desc())
            .limit(20)
        ).all()
        for kind, model in (("connectee", Connectee), ("connector", Connector))
    }
    page = render_template(
        "partners/detail.html",
        partner=partner,
        kind_labels=KIND_LABELS,
        hiring=partner.kind in HIRING_KINDS,
        people=people,
        values=values or MultiDict(),
        errors=errors or {},
        labels=LABELS,
        occupation=picker_text,
        occupation_titles=choices.occupations,
    )
    return page, status


@bp.get(f"/<{ID}:partner_id>")
@login_required
def detail(partner_id: int) -> tuple[str, int]:
    return _render_detail(services.get_partner(partner_id))


@bp.post(f"/<{ID}:partner_id>/needs")
@login_required
def add_need(partner_id: int) -> tuple[str, int] | Response:
    require_role(Role.COORDINATOR)
    partner = services.get_partner(partner_id)
    try:
        data = NeedForm().load(form_body(NeedForm(), request.form))
        services.add_need(partner.id, data, actor=actor_label())
    except ValidationError as error:
        return _render_detail(partner, request.form, _messages(error), 422)
    except (Conflict, InvalidInput) as error:
        errors = error.extra.get("errors") or {"form": [error.message]}
        return _render_detail(partner, request.form, errors, 422)
    flash(_("Recruiting need recorded."), "success")
    return redirect(url_for("partners_ui.detail", partner_id=partner.id), code=303)


@bp.post(f"/<{ID}:partner_id>/needs/<{ID}:need_id>/delete")
@login_required
def delete_need(partner_id: int, need_id: int) -> Response:
    require_role(Role.COORDINATOR)
    services.delete_need(partner_id, need_id, actor=actor_label())
    flash(_("Recruiting need removed."), "success")
    return redirect(url_for("partners_ui.detail", partner_id=partner_id), code=303)

"""Staff accounts and the audit log: the admin pages the hub and every node both have.

Each service binds :func:`add_admin_views` to its own ``admin`` blueprint with its own
accounts (:class:`~shared.web.staff.StaffAccounts`), audit log
(:class:`~shared.web.audit.AuditLog`), role check and actor, and keeps its own pages
(a node's API tokens and eligibility rules) beside these. The templates extend the
service's ``base.html`` and include its ``admin/_tabs.html`` menu.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar, cast

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required as _untyped_login_required
from marshmallow import ValidationError, fields, validate, validates_schema
from werkzeug.wrappers import Response
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice

from shared.protocol.common import BaseSchema
from shared.web.audit import AuditEventMixin, AuditLog
from shared.web.errors import DomainError
from shared.web.forms import ConfirmForm, StaffForm, form_text, load_into, show_refusal
from shared.web.staff import MIN_PASSWORD_LENGTH, Role, StaffAccounts, StaffUserMixin

__all__ = [
    "AdminBinding",
    "AuditArgsSchema",
    "RoleChangeSchema",
    "StaffUserCreateSchema",
    "add_admin_views",
]

ID = "int(max=2147483647)"
NO_NUL = validate.Regexp(r"^[^\x00]*$", error="Remove the NUL character (\\0).")
#: How the staff pages name each role.
ROLE_NAMES = {
    Role.VIEWER: _l("Viewer"),
    Role.COORDINATOR: _l("Coordinator"),
    Role.ADMIN: _l("Admin"),
}
ROLE_CHOICES = [SelectChoice(r.value, ROLE_NAMES.get(r, r.value.capitalize())) for r in Role]
AUDIT_PER_PAGE_MAX = 200


# What the pages (and a node's API) accept -----------------------------------------------


class StaffUserCreateSchema(BaseSchema):
    email = fields.Email(required=True, validate=[validate.Length(max=254), NO_NUL])
    name = fields.String(required=True, validate=[validate.Length(min=1, max=200), NO_NUL])
    role = fields.Enum(Role, by_value=True, required=True)
    password = fields.String(
        required=True,
        load_only=True,
        validate=[validate.Length(min=MIN_PASSWORD_LENGTH, max=1000), NO_NUL],
    )


class RoleChangeSchema(BaseSchema):
    role = fields.Enum(Role, by_value=True, required=True)


class AuditArgsSchema(BaseSchema):
    """The audit log's filters; ``since`` and ``until`` are days, both included."""

    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    per_page = fields.Integer(
        load_default=50, validate=validate.Range(min=1, max=AUDIT_PER_PAGE_MAX)
    )
    actor = fields.String(validate=validate.Length(max=80))
    action = fields.String(validate=validate.Length(max=80))
    entity_type = fields.String(validate=validate.Length(max=40))
    since = fields.Date()
    until = fields.Date()

    @validates_schema
    def _ordered(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            raise ValidationError("Pick an end date on or after the start date.", "until")


# Forms: rendering and CSRF only; the schemas above and the services validate. ------------


class StaffCreateForm(StaffForm):
    email = EmailField(_l("Email"))
    name = StringField(_l("Name"))
    # The schema checks the choice (one source of validation), with its own message.
    role = SelectField(
        _l("Role"), choices=ROLE_CHOICES, default=Role.COORDINATOR.value, validate_choice=False
    )
    password = PasswordField(
        _l("Password"),
        description=_l("At least %(num)s characters; share it privately.", num=MIN_PASSWORD_LENGTH),
    )


class RoleForm(StaffForm):
    role = SelectField(_l("Role"), choices=ROLE_CHOICES, validate_choice=False)


# The views --------------------------------------------------------------------------------

P = ParamSpec("P")
R = TypeVar("R")


def login_required(view: Callable[P, R]) -> Callable[P, R]:
    """Flask-Login's ``login_required``, typed (Flask-Login ships it untyped)."""
    return cast(Callable[P, R], _untyped_login_required(view))


@dataclass(frozen=True)
class AdminBinding:
    """What one service gives the shared admin pages."""

    accounts: StaffAccounts[Any]
    audit: AuditLog[Any]
    #: Refuse (403) unless the logged-in staff member is an admin.
    require_admin: Callable[[], None]
    #: The logged-in staff member as the audit log names them (``staff:<id>``).
    actor: Callable[[], str]
    #: The logged-in staff member, to mark "you" in the list.
    current: Callable[[], StaffUserMixin | None]


def add_admin_views(bp: Blueprint, binding: AdminBinding) -> None:
    """Add the staff accounts pages and the audit log to a service's ``admin`` blueprint."""
    accounts, audit = binding.accounts, binding.audit

    def render_staff(form: StaffCreateForm | None = None, status: int = 200) -> tuple[str, int]:
        users = accounts.list_users()
        page = render_template(
            "shared_web/admin/staff.html",
            users=users,
            form=form or StaffCreateForm(),
            role_forms={u.id: RoleForm(prefix=f"user-{u.id}", role=u.role.value) for u in users},
            me=binding.current(),
        )
        return page, status

    @bp.route("/staff", methods=["GET", "POST"])
    @login_required
    def staff() -> tuple[str, int] | Response:
        binding.require_admin()
        if request.method == "GET":
            return render_staff()
        form = StaffCreateForm()
        if not form.validate_on_submit():
            return render_staff(form, 400)
        data = {
            "email": form_text(form, "email"),
            "name": form_text(form, "name"),
            "role": form.role.data,
            "password": form.password.data or "",
        }
        loaded = load_into(StaffUserCreateSchema(), form, data)
        if loaded is None:
            return render_staff(form, 422)
        try:
            user = accounts.create(
                loaded["email"],
                loaded["name"],
                loaded["role"],
                loaded["password"],
                actor=binding.actor(),
            )
        except DomainError as exc:
            return render_staff(form, show_refusal(form, exc))
        flash(
            _(
                "Created the %(role)s account for %(email)s.",
                role=str(ROLE_NAMES[user.role]).lower(),
                email=user.email,
            ),
            "success",
        )
        return redirect(url_for(f"{bp.name}.staff"), 303)

    @bp.post(f"/staff/<{ID}:user_id>/role")
    @login_required
    def change_role(user_id: int) -> tuple[str, int] | Response:
        binding.require_admin()
        user = accounts.get(user_id)
        form = RoleForm(prefix=f"user-{user.id}")
        loaded = load_into(RoleChangeSchema(), form, {"role": form.role.data})
        if not form.validate_on_submit() or loaded is None:
            flash(_("Pick one of the roles for %(email)s.", email=user.email), "error")
            return render_staff(status=422)
        try:
            accounts.change_role(user.id, loaded["role"], actor=binding.actor())
        except DomainError as exc:
            flash(exc.message, "error")
            return render_staff(status=exc.status)
        flash(
            _(
                "%(email)s is now %(role)s.",
                email=user.email,
                role=str(ROLE_NAMES[loaded["role"]]).lower(),
            ),
            "success",
        )
        return redirect(url_for(f"{bp.name}.staff"), 303)

    @bp.post(f"/staff/<{ID}:user_id>/deactivate")
    @login_required
    def deactivate(user_id: int) -> tuple[str, int] | Response:
        binding.require_admin()
        user = accounts.get(user_id)
        if not ConfirmForm().validate_on_submit():
            return render_staff(status=400)
        try:
            accounts.deactivate(user.id, actor=binding.actor())
        except DomainError as exc:
            flash(exc.message, "error")
            return render_staff(status=exc.status)
        flash(_("Deactivated %(email)s: they can no longer log in.", email=user.email), "success")
        return redirect(url_for(f"{bp.name}.staff"), 303)

    @bp.get("/audit")
    @login_required
    def audit_log() -> str:
        binding.require_admin()
        raw = {k: v for k, v in request.args.items() if v.strip() != ""}
        schema = AuditArgsSchema()
        errors = schema.validate(raw)
        for name, messages in errors.items():
            label = name.replace("_", " ").capitalize()
            flash(f"{label}: {' '.join(map(str, messages))}", "error")
            raw.pop(name, None)
        args = schema.load(raw)
        page = audit.list_events(args, args["page"], args["per_page"])
        kept: dict[str, Any] = {k: v for k, v in raw.items() if k != "page"}
        endpoint = f"{bp.name}.audit_log"
        return render_template(
            "shared_web/admin/audit.html",
            page=page,
            args=raw,
            choices=audit.distinct_values(),
            actors=_actor_names(accounts, page.items),
            prev_url=url_for(endpoint, **kept, page=page.page - 1) if page.page > 1 else None,
            next_url=url_for(endpoint, **kept, page=page.page + 1)
            if page.page < page.pages
            else None,
        )


def _actor_names(accounts: StaffAccounts[Any], events: Sequence[AuditEventMixin]) -> dict[str, str]:
    """Staff names for ``staff:<id>`` actors (staff are not the people the log protects)."""
    names = {f"staff:{u.id}": u.name for u in accounts.list_users()}
    return {e.actor: names[e.actor] for e in events if e.actor in names}

"""Admin pages: staff accounts and roles, API tokens, the audit log, the eligibility rules.

Everything here is for admins, except the tokens page: a coordinator manages their own
personal tokens there (to script against the API or to authorize on /api/docs), while an
admin sees and revokes everyone's.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from flask import Blueprint, flash, make_response, redirect, render_template, request, url_for
from flask_login import login_required
from marshmallow import Schema, ValidationError
from werkzeug.exceptions import Forbidden as ForbiddenHTTP
from werkzeug.wrappers import Response
from wtforms import EmailField, IntegerField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from community_node.audit import services as audit
from community_node.auth import services as auth
from community_node.auth.models import ApiToken, Role, StaffUser
from community_node.auth.schemas import (
    AuditArgsSchema,
    RoleChangeSchema,
    StaffUserCreateSchema,
    TokenCreateSchema,
)
from community_node.database import utcnow
from community_node.eligibility.rules import (
    AUTHORIZATION_LABELS,
    ConnecteeRules,
    ConnectorRules,
    RuleSet,
)
from community_node.eligibility.services import RulesUnavailable, active_rules
from community_node.errors import DomainError, InvalidInput
from community_node.security import actor_label, current_staff, require_role
from shared.web.forms import StaffForm
from shared.web.staff import MIN_PASSWORD_LENGTH

bp = Blueprint("admin", __name__, url_prefix="/admin")

ID = "int(max=2147483647)"
ROLE_CHOICES = [SelectChoice(r.value, r.value.capitalize()) for r in Role]


# Forms: rendering and CSRF only; the schemas above and the services validate. ------------


class StaffCreateForm(StaffForm):
    email = EmailField("Email")
    name = StringField("Name")
    # The schema checks the choice (one source of validation), with its own message.
    role = SelectField(
        "Role", choices=ROLE_CHOICES, default=Role.COORDINATOR.value, validate_choice=False
    )
    password = PasswordField(
        "Password", description=f"At least {MIN_PASSWORD_LENGTH} characters; share it privately."
    )


class RoleForm(StaffForm):
    role = SelectField("Role", choices=ROLE_CHOICES, validate_choice=False)


class ConfirmForm(StaffForm):
    """A button that posts: only the CSRF token travels."""


class TokenCreateForm(StaffForm):
    name = StringField("What it is for", description="For example: API docs, monthly export.")
    expires_in_days = IntegerField(
        "Expires after (days)",
        validators=[Optional()],
        description="Leave empty for a token that does not expire.",
    )


def _load(schema: Schema, form: StaffForm, data: dict[str, Any]) -> dict[str, Any] | None:
    """Load form data with the schema; on errors put them beside the fields and return None."""
    try:
        loaded: dict[str, Any] = schema.load(data)
    except ValidationError as err:
        form.add_errors(err.messages_dict)
        return None
    return loaded


def _text(form: StaffForm, name: str) -> str:
    return str(form[name].data or "").strip()


def _refused(form: StaffForm, exc: DomainError) -> int:
    """Show a service's refusal on the form; return the status to answer with."""
    if isinstance(exc, InvalidInput):
        form.add_errors(exc.extra.get("errors", {}))
    else:
        form.form_errors.append(exc.message)
    return exc.status


# The admin's index -----------------------------------------------------------------------


@bp.get("")
@login_required
def index() -> str:
    require_role(Role.ADMIN)
    return render_template(
        "admin/index.html",
        staff=auth.list_users(),
        tokens=[t for t in auth.list_tokens() if _token_state(t) == "active"],
    )


# Staff accounts --------------------------------------------------------------------------


def _render_staff(form: StaffCreateForm | None = None, status: int = 200) -> tuple[str, int]:
    users = auth.list_users()
    page = render_template(
        "admin/staff.html",
        users=users,
        form=form or StaffCreateForm(),
        role_forms={u.id: RoleForm(prefix=f"user-{u.id}", role=u.role.value) for u in users},
        me=current_staff(),
    )
    return page, status


@bp.route("/staff", methods=["GET", "POST"])
@login_required
def staff() -> tuple[str, int] | Response:
    require_role(Role.ADMIN)
    if request.method == "GET":
        return _render_staff()
    form = StaffCreateForm()
    if not form.validate_on_submit():
        return _render_staff(form, 400)
    data = {
        "email": _text(form, "email"),
        "name": _text(form, "name"),
        "role": form.role.data,
        "password": form.password.data or "",
    }
    loaded = _load(StaffUserCreateSchema(), form, data)
    if loaded is None:
        return _render_staff(form, 422)
    try:
        user = auth.create_user(
            loaded["email"], loaded["name"], loaded["role"], loaded["password"], actor=actor_label()
        )
    except DomainError as exc:
        return _render_staff(form, _refused(form, exc))
    flash(f"Created the {user.role.value} account for {user.email}.", "success")
    return redirect(url_for("admin.staff"), 303)


@bp.post(f"/staff/<{ID}:user_id>/role")
@login_required
def change_role(user_id: int) -> tuple[str, int] | Response:
    require_role(Role.ADMIN)
    user = auth.get_user(user_id)
    form = RoleForm(prefix=f"user-{user.id}")
    loaded = _load(RoleChangeSchema(), form, {"role": form.role.data})
    if not form.validate_on_submit() or loaded is None:
        flash(f"Pick one of the roles for {user.email}.", "error")
        return _render_staff(status=422)
    try:
        auth.change_role(user.id, loaded["role"], actor=actor_label())
    except DomainError as exc:
        flash(exc.message, "error")
        return _render_staff(status=exc.status)
    flash(f"{user.email} is now {loaded['role'].value}.", "success")
    return redirect(url_for("admin.staff"), 303)


@bp.post(f"/staff/<{ID}:user_id>/deactivate")
@login_required
def deactivate(user_id: int) -> tuple[str, int] | Response:
    require_role(Role.ADMIN)
    user = auth.get_user(user_id)
    if not ConfirmForm().validate_on_submit():
        return _render_staff(status=400)
    try:
        auth.deactivate_user(user.id, actor=actor_label())
    except DomainError as exc:
        flash(exc.message, "error")
        return _render_staff(status=exc.status)
    flash(f"Deactivated {user.email}: they can no longer log in or use their tokens.", "success")
    return redirect(url_for("admin.staff"), 303)


# API tokens ------------------------------------------------------------------------------


def _token_state(token: ApiToken) -> str:
    if token.revoked_at is not None:
        return "revoked"
    if token.expires_at is not None and token.expires_at <= utcnow():
        return "expired"
    return "active"


def _me() -> StaffUser:
    user = current_staff()
    assert user is not None  # login_required ran first
    return user


def _render_tokens(
    form: TokenCreateForm | None = None, status: int = 200, secret: str | None = None
) -> tuple[str, int]:
    me = _me()
    everyone = me.role.allows(Role.ADMIN)
    tokens = auth.list_tokens(None if everyone else me)
    page = render_template(
        "admin/tokens.html",
        tokens=[(t, _token_state(t)) for t in tokens],
        everyone=everyone,
        form=form or TokenCreateForm(),
        secret=secret,
    )
    return page, status


@bp.route("/tokens", methods=["GET", "POST"])
@login_required
def tokens() -> tuple[str, int] | Response:
    require_role(Role.COORDINATOR)
    if request.method == "GET":
        return _render_tokens()
    form = TokenCreateForm()
    if not form.validate_on_submit():
        return _render_tokens(form, 422 if form.errors.keys() - {"csrf_token"} else 400)
    data = {"name": _text(form, "name"), "expires_in_days": form.expires_in_days.data}
    loaded = _load(TokenCreateSchema(), form, data)
    if loaded is None:
        return _render_tokens(form, 422)
    issued = auth.create_token(
        _me(), loaded["name"], actor=actor_label(), expires_in_days=loaded["expires_in_days"]
    )
    # No redirect here: the secret is answered once, in this response, and never stored,
    # so it must not travel through a redirect's cookie or URL. Nothing may cache it.
    page, status = _render_tokens(TokenCreateForm(formdata=None), 201, issued.secret)
    response = make_response(page, status)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post(f"/tokens/<{ID}:token_id>/revoke")
@login_required
def revoke(token_id: int) -> tuple[str, int] | Response:
    require_role(Role.COORDINATOR)
    token = auth.get_token(token_id)
    me = _me()
    if token.user_id != me.id and not me.role.allows(Role.ADMIN):
        raise ForbiddenHTTP("Only an admin can revoke another person's token.")
    if not ConfirmForm().validate_on_submit():
        return _render_tokens(status=400)
    auth.revoke_token(token.id, actor=actor_label())
    flash(f"Revoked the token “{token.name}”: it no longer opens the API.", "success")
    return redirect(url_for("admin.tokens"), 303)


# The audit log ---------------------------------------------------------------------------


@bp.get("/audit")
@login_required
def audit_log() -> str:
    require_role(Role.ADMIN)
    raw = {k: v for k, v in request.args.items() if v.strip() != ""}
    schema = AuditArgsSchema()
    errors = schema.validate(raw)
    for name, messages in errors.items():
        flash(f"{name.replace('_', ' ').capitalize()}: {' '.join(map(str, messages))}", "error")
        raw.pop(name, None)
    args = schema.load(raw)
    page = audit.list_events(args, args["page"], args["per_page"])
    kept: dict[str, Any] = {k: v for k, v in raw.items() if k != "page"}
    return render_template(
        "admin/audit.html",
        page=page,
        args=raw,
        choices=audit.distinct_values(),
        actors=_actor_names(page.items),
        prev_url=url_for("admin.audit_log", **kept, page=page.page - 1) if page.page > 1 else None,
        next_url=url_for("admin.audit_log", **kept, page=page.page + 1)
        if page.page < page.pages
        else None,
    )


def _actor_names(events: Sequence[Any]) -> dict[str, str]:
    """Staff names for ``staff:<id>`` actors (staff are not the people the log protects)."""
    names = {f"staff:{u.id}": u.name for u in auth.list_users()}
    return {e.actor: names[e.actor] for e in events if e.actor in names}


# The eligibility rules -------------------------------------------------------------------


@dataclass(frozen=True)
class Criterion:
    name: str
    requires: str


def _label(value: Any) -> str:
    text = value.value if isinstance(value, enum.Enum) else str(value)
    return text.replace("_", " ")


def _connectee_criteria(rules: ConnecteeRules) -> list[Criterion]:
    """Each criterion the rules switch on, in the order evaluation checks them."""
    out: list[Criterion] = []
    if rules.min_education_level is not None:
        out.append(
            Criterion("Education", f"At least {_label(rules.min_education_level)} education.")
        )
    if rules.require_resume:
        out.append(Criterion("Résumé", "A résumé on file."))
    if rules.min_english_level is not None:
        evidence = ", ".join(_label(e) for e in rules.accepted_english_evidence)
        also = f"; without a level, English by {evidence} is accepted" if evidence else ""
        out.append(Criterion("English", f"At least level {rules.min_english_level.value}{also}."))
    accepted = "; ".join(AUTHORIZATION_LABELS[a] for a in rules.accepted_work_authorizations)
    out.append(
        Criterion(
            "Work authorization",
            f"One of: {accepted or 'none'}. A pending application waits until it is decided.",
        )
    )
    if rules.min_days_authorization_valid is not None:
        out.append(
            Criterion(
                "Authorization still valid",
                f"At least {rules.min_days_authorization_valid} days before it expires.",
            )
        )
    if rules.require_intent_to_stay:
        out.append(Criterion("Intent to stay", "Intends to stay in the community."))
    if rules.min_years_experience is not None:
        out.append(
            Criterion("Experience", f"At least {rules.min_years_experience} years of experience.")
        )
    if rules.require_target_occupation:
        out.append(Criterion("Target occupation", "A target occupation recorded."))
    return out


def _connector_criteria(rules: ConnectorRules) -> list[Criterion]:
    out: list[Criterion] = []
    if rules.min_years_in_field is not None:
        out.append(Criterion("Years in the field", f"At least {rules.min_years_in_field} years."))
    if rules.require_local_network:
        out.append(Criterion("Local network", "A local professional network."))
    if rules.min_years_local is not None:
        out.append(Criterion("Years in the community", f"At least {rules.min_years_local} years."))
    return out


def _switched_off(rules: ConnecteeRules | ConnectorRules) -> list[str]:
    """Criteria the file switches off (``false``), so nobody wonders whether they apply."""
    names = {
        "min_education_level": "Education",
        "min_english_level": "English",
        "min_days_authorization_valid": "Authorization still valid",
        "min_years_experience": "Experience",
        "require_resume": "Résumé",
        "require_intent_to_stay": "Intent to stay",
        "require_target_occupation": "Target occupation",
        "min_years_in_field": "Years in the field",
        "require_local_network": "Local network",
        "min_years_local": "Years in the community",
    }
    return [names[k] for k, v in asdict(rules).items() if k in names and v in (None, False)]


@bp.get("/rules")
@login_required
def rules() -> tuple[str, int]:
    require_role(Role.ADMIN)
    try:
        loaded: RuleSet = active_rules()
    except RulesUnavailable as exc:
        return render_template("admin/rules.html", rules=None, problem=exc.message), exc.status
    page = render_template(
        "admin/rules.html",
        rules=loaded,
        connectee=_connectee_criteria(loaded.connectee),
        connectee_off=_switched_off(loaded.connectee),
        connector=_connector_criteria(loaded.connector),
        connector_off=_switched_off(loaded.connector),
    )
    return page, 200

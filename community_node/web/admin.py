"""Admin pages: staff accounts and roles, API tokens, the audit log, the eligibility rules.

Staff accounts and the audit log are the pages the hub has too (``shared.web.admin``).
Everything here is for admins, except the tokens page: a coordinator manages their own
personal tokens there (to script against the API or to authorize on /api/docs), while an
admin sees and revokes everyone's.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from flask import Blueprint, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from werkzeug.exceptions import Forbidden as ForbiddenHTTP
from werkzeug.wrappers import Response
from wtforms import IntegerField, StringField
from wtforms.validators import Optional

from community_node.audit import services as audit
from community_node.auth import services as auth
from community_node.auth.models import ApiToken, Role, StaffUser
from community_node.auth.schemas import TokenCreateSchema
from community_node.database import utcnow
from community_node.eligibility.rules import (
    AUTHORIZATION_LABELS,
    EDUCATION_WORDS,
    EVIDENCE_WORDS,
    ConnecteeRules,
    ConnectorRules,
    RuleSet,
)
from community_node.eligibility.services import RulesUnavailable, active_rules
from community_node.security import actor_label, current_staff, require_role
from shared.web.admin import AdminBinding, add_admin_views
from shared.web.forms import ConfirmForm, StaffForm, form_text, load_into
from shared.web.i18n import reader_words

bp = Blueprint("admin", __name__, url_prefix="/admin")

# Staff accounts and the audit log: the same pages as the hub's.
add_admin_views(
    bp,
    AdminBinding(
        accounts=auth.accounts,
        audit=audit.audit_log,
        require_admin=lambda: require_role(Role.ADMIN),
        actor=actor_label,
        current=current_staff,
    ),
)

ID = "int(max=2147483647)"


# Forms: rendering and CSRF only; the schemas and the services validate. -----------------


class TokenCreateForm(StaffForm):
    name = StringField(
        _l("What it is for"), description=_l("For example: API docs, monthly export.")
    )
    expires_in_days = IntegerField(
        _l("Expires after (days)"),
        validators=[Optional()],
        description=_l("Leave empty for a token that does not expire."),
    )


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
    data = {"name": form_text(form, "name"), "expires_in_days": form.expires_in_days.data}
    loaded = load_into(TokenCreateSchema(), form, data)
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
        raise ForbiddenHTTP(_("Only an admin can revoke another person's token."))
    if not ConfirmForm().validate_on_submit():
        return _render_tokens(status=400)
    auth.revoke_token(token.id, actor=actor_label())
    flash(
        _("Revoked the token “%(name)s”: it no longer opens the API.", name=token.name), "success"
    )
    return redirect(url_for("admin.tokens"), 303)


# The eligibility rules -------------------------------------------------------------------


@dataclass(frozen=True)
class Criterion:
    name: str
    requires: str


def _connectee_criteria(rules: ConnecteeRules) -> list[Criterion]:
    """Each criterion the rules switch on, in the order evaluation checks them."""
    out: list[Criterion] = []
    if rules.min_education_level is not None:
        out.append(
            Criterion(
                _("Education"),
                _(
                    "At least %(level)s education.",
                    level=_(EDUCATION_WORDS[rules.min_education_level]),
                ),
            )
        )
    if rules.require_resume:
        out.append(Criterion(_("Résumé"), _("A résumé on file.")))
    if rules.min_english_level is not None:
        evidence = ", ".join(_(EVIDENCE_WORDS[e]) for e in rules.accepted_english_evidence)
        level = rules.min_english_level.value
        requires = (
            _(
                "At least level %(level)s; without a level, English by %(evidence)s is accepted.",
                level=level,
                evidence=evidence,
            )
            if evidence
            else _("At least level %(level)s.", level=level)
        )
        out.append(Criterion(_("English"), requires))
    accepted = reader_words().join(
        [_(AUTHORIZATION_LABELS[a]) for a in rules.accepted_work_authorizations]
    )
    out.append(
        Criterion(
            _("Work authorization"),
            _(
                "One of: %(accepted)s. A pending application waits until it is decided.",
                accepted=accepted or _("none"),
            ),
        )
    )
    if rules.min_days_authorization_valid is not None:
        out.append(
            Criterion(
                _("Authorization still valid"),
                _(
                    "At least %(days)s days before it expires.",
                    days=rules.min_days_authorization_valid,
                ),
            )
        )
    if rules.require_intent_to_stay:
        out.append(Criterion(_("Intent to stay"), _("Intends to stay in the community.")))
    if rules.min_years_experience is not None:
        out.append(
            Criterion(
                _("Experience"),
                _("At least %(years)s years of experience.", years=rules.min_years_experience),
            )
        )
    if rules.require_target_occupation:
        out.append(Criterion(_("Target occupation"), _("A target occupation recorded.")))
    return out


def _connector_criteria(rules: ConnectorRules) -> list[Criterion]:
    out: list[Criterion] = []
    if rules.min_years_in_field is not None:
        out.append(
            Criterion(
                _("Years in the field"),
                _("At least %(years)s years.", years=rules.min_years_in_field),
            )
        )
    if rules.require_local_network:
        out.append(Criterion(_("Local network"), _("A local professional network.")))
    if rules.min_years_local is not None:
        out.append(
            Criterion(
                _("Years in the community"),
                _("At least %(years)s years.", years=rules.min_years_local),
            )
        )
    return out


def _switched_off(rules: ConnecteeRules | ConnectorRules) -> list[str]:
    """Criteria the file switches off (``false``), so nobody wonders whether they apply."""
    names = {
        "min_education_level": _("Education"),
        "min_english_level": _("English"),
        "min_days_authorization_valid": _("Authorization still valid"),
        "min_years_experience": _("Experience"),
        "require_resume": _("Résumé"),
        "require_intent_to_stay": _("Intent to stay"),
        "require_target_occupation": _("Target occupation"),
        "min_years_in_field": _("Years in the field"),
        "require_local_network": _("Local network"),
        "min_years_local": _("Years in the community"),
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

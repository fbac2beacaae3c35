"""A person's page and what a coordinator does there: consents, eligibility, archive, erase.

Each action loads what was posted with the API's own schema and calls the service the API
calls (``POST /consents``, ``POST /consents/<id>/withdraw``, ``POST /eligibility/evaluate``,
``POST /eligibility/override``, ``PATCH`` of the status, ``DELETE`` of the person), so a
rule holds the same in the browser as over HTTP. A refused form is shown again on the
person's page, field by field, with the status the API would answer.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _lp
from flask_login import login_required
from sqlalchemy import func, select
from werkzeug.wrappers import Response
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from community_node.auth.models import Role
from community_node.eligibility import services as eligibility
from community_node.eligibility.models import EligibilityDecision, Outcome
from community_node.eligibility.schemas import OverrideSchema
from community_node.errors import DomainError
from community_node.events import services as events
from community_node.extensions import db
from community_node.participants import cvs
from community_node.participants import services as participants
from community_node.participants.models import Connector, ConsentPurpose, ProfileStatus
from community_node.participants.schemas import (
    ConnecteeSchema,
    ConnectorSchema,
    ConsentSchema,
    WithdrawSchema,
)
from community_node.recruitment import services as recruitment
from community_node.security import actor_label, require_role
from community_node.web import filters, queries
from community_node.web.people_forms import OPTIONS
from shared.names import LANGUAGES
from shared.web.downloads import file_download
from shared.web.forms import ConfirmForm, StaffForm, form_text, load_into, no_nul, show_refusal

bp = Blueprint("person", __name__)

ID = "int(max=2147483647)"
KINDS = "<any(connectees, connectors):plural>"

#: What each consent lets the program do, in the words the sign-up forms use.
PURPOSES = {
    ConsentPurpose.LOCAL_PROCESSING: _l("Keep and use their details in this program"),
    ConsentPurpose.DIRECTORY_LISTING: _l("List them, nameless, in the network directory"),
    ConsentPurpose.CROSS_CITY_INTRODUCTIONS: _l("Introductions to people in other cities"),
}
METHODS = {
    "form": _l("Form"),
    "verbal": _l("Said out loud"),
    "paper": _l("Paper"),
    "email": _l("Email"),
}
OUTCOMES = {
    Outcome.ELIGIBLE: _lp("eligibility outcome", "Eligible"),
    Outcome.WAITLISTED: _l("Waitlisted"),
    Outcome.INELIGIBLE: _l("Not eligible"),
}


class ConsentForm(StaffForm):
    """Record a consent the person gave (on paper, by email, out loud or on a form)."""

    # The choices are the form's; the API's schema is what refuses a wrong one.
    purpose = SelectField(
        _l("What they agreed to"),
        validate_choice=False,
        choices=[SelectChoice(p.value, t) for p, t in PURPOSES.items()],
    )
    policy_version = StringField(
        _l("Privacy notice version"), description=_l("The version of the notice they were shown.")
    )
    method = SelectField(
        _l("How they agreed"),
        validate_choice=False,
        choices=[SelectChoice(m, t) for m, t in METHODS.items()],
    )
    granted_on = DateField(
        _l("Date they agreed"),
        validators=[Optional()],
        description=_l("Leave empty for today."),
    )


class WithdrawForm(StaffForm):
    note = TextAreaField(
        _l("Note (optional)"),
        description=_l("For example how they told you."),
        validators=[no_nul],
    )


class OverrideForm(StaffForm):
    """A coordinator's eligibility decision in place of the rules' verdict."""

    outcome = SelectField(
        _l("Decision"),
        validate_choice=False,
        choices=[SelectChoice(o.value, t) for o, t in OUTCOMES.items()],
    )
    reason = TextAreaField(
        _l("Reason"),
        description=_l("Required: the person's record keeps it, and the audit log names you."),
        validators=[no_nul],
    )


class EraseForm(StaffForm):
    confirm_name = StringField(
        _l("Type their full name to confirm"),
        description=_l("Erasing cannot be undone."),
        validators=[no_nul],
    )


def _kind(plural: str) -> participants.PersonKind[Any]:
    return participants.CONNECTEES if plural == "connectees" else participants.CONNECTORS


# The page ---------------------------------------------------------------------------------

#: Fields the page shows elsewhere (the heading, the languages table) or not at all:
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


#: The profile's fields as the page names them (the English is the field's own name).
FIELD_LABELS = {
    "email": _l("Email"),
    "phone": _l("Phone"),
    "skills": _l("Skills"),
    "availability": _l("Availability"),
    "preferred_language": _l("Preferred language"),
    "referral_source": _l("Referral source"),
    "referral_partner_id": _l("Referral partner id"),
    "referral_event_id": _l("Referral event id"),
    "invited_by_id": _l("Invited by id"),
    "country_of_origin": _l("Country of origin"),
    "status_category": _l("Status category"),
    "work_authorization": _l("Work authorization"),
    "work_authorization_expires": _l("Work authorization expires"),
    "intends_to_stay": _l("Intends to stay"),
    "education_level": _l("Education level"),
    "education_field": _l("Education field"),
    "education_country": _l("Education country"),
    "credential_recognition": _l("Credential recognition"),
    "current_occupation": _l("Current occupation"),
    "target_occupation": _l("Target occupation"),
    "years_experience": _l("Years experience"),
    "english_evidence": _l("English evidence"),
    "resume_on_file": _l("Resume on file"),
    "intake_date": _l("Intake date"),
    "job_ready": _l("Job ready"),
    "employer": _l("Employer"),
    "job_title": _l("Job title"),
    "occupation": _l("Occupation"),
    "years_in_field": _l("Years in field"),
    "years_local": _l("Years local"),
    "has_local_network": _l("Has local network"),
    "capacity": _l("Capacity"),
    "capacity_period": _l("Capacity period"),
    "available": _l("Available"),
    "unavailable_until": _l("Unavailable until"),
    "remote_ok": _l("Remote ok"),
    "cross_city_ok": _l("Cross city ok"),
    "screening_status": _l("Screening status"),
}


def _display(name: str, value: Any) -> str:
    """Format one dumped field for reading: names, not codes."""
    if value is None or value == []:
        return "—"
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    # A stored choice reads as the form that recorded it offers it, in the reader's language.
    labels = {code: str(label) for code, label in OPTIONS.get(name, ())}
    if isinstance(value, list):
        return ", ".join(labels.get(str(v)) or str(v).replace("_", " ") for v in value)
    if name in _OCCUPATION_FIELDS:
        return filters.occupation_label(value)
    if name in _COUNTRY_FIELDS:
        return filters.country_name(value)
    if str(value) in labels:
        return labels[str(value)]
    if name == "preferred_language" and value in LANGUAGES:
        return LANGUAGES[value].name
    if name == "referral_partner_id":
        return recruitment.get_partner(value).name
    if name == "referral_event_id":
        return events.get_event(value).name
    if name == "invited_by_id":
        return queries.person_name("connector", value)
    return str(value).replace("_", " ") if name not in ("email", "phone") else str(value)


def _field_rows(kind: participants.PersonKind[Any], person: Any) -> list[tuple[str, str]]:
    schema = ConnecteeSchema() if kind is participants.CONNECTEES else ConnectorSchema()
    dumped = schema.dump(person)
    return [
        (
            str(FIELD_LABELS.get(name, name.replace("_", " ").capitalize())),
            _display(name, dumped.get(name)),
        )
        for name in schema.fields
        if name not in _NOT_IN_FIELD_LIST
    ]


def _decisions(kind: participants.PersonKind[Any], person_id: int) -> list[EligibilityDecision]:
    args = {f"{kind.name}_id": person_id, "sort": "-id", "page": 1, "per_page": 50}
    return list(eligibility.list_decisions(args).items)


def _consent_form() -> ConsentForm:
    form = ConsentForm(formdata=None, prefix="consent")
    form.policy_version.data = current_app.config["CONSENT_POLICY_VERSION"]
    return form


def _invitation(kind: participants.PersonKind[Any], person: Any) -> dict[str, Any] | None:
    """An approved connector's invitation link and how many signed up through it."""
    if kind is not participants.CONNECTORS or person.status != ProfileStatus.APPROVED:
        return None
    invited = db.session.scalar(
        select(func.count()).select_from(Connector).where(Connector.invited_by_id == person.id)
    )
    return {"url": recruitment.invitation_url(person.id), "invited": invited or 0}


def render_person(
    kind: participants.PersonKind[Any], person_id: int, status: int = 200, **forms: StaffForm
) -> tuple[str, int]:
    """The person's page, with any refused form shown again in place of a blank one."""
    person = participants.get_person(kind, person_id)
    decisions = _decisions(kind, person_id)
    blank: dict[str, StaffForm] = {
        "consent_form": _consent_form(),
        "withdraw_form": WithdrawForm(formdata=None, prefix="withdraw"),
        "override_form": OverrideForm(formdata=None, prefix="override"),
        "confirm_form": ConfirmForm(formdata=None),
    }
    return (
        render_template(
            "person.html",
            kind=f"{kind.name}s",
            person=person,
            erased=participants.is_erased(person),
            decidable=person.status in eligibility.DECIDABLE,
            fields=_field_rows(kind, person),
            consents=queries.consents_for(kind, person_id),
            matches=queries.matches_for(kind, person_id),
            decision=decisions[0] if decisions and decisions[0].current else None,
            decisions=decisions,
            purposes=PURPOSES,
            outcomes=OUTCOMES,
            methods=METHODS,
            invitation=_invitation(kind, person),
            cv=cvs.find_cv(person.id) if kind is participants.CONNECTEES else None,
            **{**blank, **forms},
        ),
        status,
    )


def _back(kind: participants.PersonKind[Any], person_id: int, message: str) -> Response:
    flash(message, "success")
    return redirect(url_for(f"web.{kind.name}", person_id=person_id), code=303)


# The CV ------------------------------------------------------------------------------------


@bp.get(f"/connectees/<{ID}:person_id>/cv")
@login_required
def cv_download(person_id: int) -> Response:
    """The connectee's CV as a download (never shown inline); the audit log names who."""
    cv, data = cvs.cv_file(person_id, actor=actor_label())
    return file_download(cv, data)


# Consents ---------------------------------------------------------------------------------


@bp.post(f"/{KINDS}/<{ID}:person_id>/consents")
@login_required
def consent_add(plural: str, person_id: int) -> tuple[str, int] | Response:
    """Record a consent, loaded by the schema ``POST /consents`` loads."""
    require_role(Role.COORDINATOR)
    kind = _kind(plural)
    participants.get_person(kind, person_id)  # 404 before reading the form
    form = ConsentForm(prefix="consent")
    if not form.validate_on_submit():
        return render_person(kind, person_id, 422, consent_form=form)
    data: dict[str, Any] = {
        f"{kind.name}_id": person_id,
        "purpose": form.purpose.data,
        "policy_version": form_text(form, "policy_version"),
        "method": form.method.data,
    }
    if form.granted_on.data is not None:
        # Noon UTC: the same calendar day in every community's time zone.
        noon = dt.datetime.combine(form.granted_on.data, dt.time(12), dt.UTC)
        data["granted_at"] = noon.isoformat()
    loaded = load_into(ConsentSchema(), form, data)
    if loaded is None:
        return render_person(kind, person_id, 422, consent_form=form)
    try:
        consent = participants.grant_consent(loaded, actor=actor_label())
    except DomainError as exc:
        return render_person(kind, person_id, show_refusal(form, exc), consent_form=form)
    return _back(
        kind,
        person_id,
        _("Recorded consent: %(purpose)s.", purpose=str(PURPOSES[consent.purpose]).lower()),
    )


@bp.post(f"/{KINDS}/<{ID}:person_id>/consents/<{ID}:consent_id>/withdraw")
@login_required
def consent_withdraw(plural: str, person_id: int, consent_id: int) -> tuple[str, int] | Response:
    """Withdraw a consent; what crossed to other cities under it is erased there too."""
    require_role(Role.COORDINATOR)
    kind = _kind(plural)
    participants.get_person(kind, person_id)
    if not any(c.id == consent_id for c in queries.consents_for(kind, person_id)):
        return render_person(kind, person_id, 404)
    form = WithdrawForm(prefix="withdraw")
    if not form.validate_on_submit():
        return render_person(kind, person_id, 422, withdraw_form=form)
    note = form_text(form, "note")
    loaded = load_into(WithdrawSchema(), form, {"note": note} if note else {})
    if loaded is None:
        return render_person(kind, person_id, 422, withdraw_form=form)
    try:
        consent = participants.withdraw_consent(
            consent_id, actor=actor_label(), note=loaded.get("note")
        )
    except DomainError as exc:
        return render_person(kind, person_id, show_refusal(form, exc), withdraw_form=form)
    return _back(
        kind,
        person_id,
        _("Withdrawn: %(purpose)s.", purpose=str(PURPOSES[consent.purpose]).lower()),
    )


# Eligibility ------------------------------------------------------------------------------


@bp.post(f"/{KINDS}/<{ID}:person_id>/eligibility/evaluate")
@login_required
def evaluate(plural: str, person_id: int) -> tuple[str, int] | Response:
    """Check the person against the community's rules now, as ``POST /eligibility/evaluate``."""
    require_role(Role.COORDINATOR)
    kind = _kind(plural)
    participants.get_person(kind, person_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        return render_person(kind, person_id, 422, confirm_form=form)
    try:
        decision = eligibility.evaluate_person(kind, person_id, actor=actor_label())
    except DomainError as exc:
        return render_person(kind, person_id, show_refusal(form, exc), confirm_form=form)
    return _back(
        kind,
        person_id,
        _("Checked against the rules: %(outcome)s.", outcome=OUTCOMES[decision.outcome]),
    )


@bp.post(f"/{KINDS}/<{ID}:person_id>/eligibility/override")
@login_required
def override(plural: str, person_id: int) -> tuple[str, int] | Response:
    """Decide in place of the rules, with a reason (the override schema requires one)."""
    require_role(Role.COORDINATOR)
    kind = _kind(plural)
    participants.get_person(kind, person_id)
    form = OverrideForm(prefix="override")
    if not form.validate_on_submit():
        return render_person(kind, person_id, 422, override_form=form)
    data = {
        f"{kind.name}_id": person_id,
        "outcome": form.outcome.data,
        "reason": form_text(form, "reason"),
    }
    loaded = load_into(OverrideSchema(), form, data)
    if loaded is None:
        return render_person(kind, person_id, 422, override_form=form)
    try:
        decision = eligibility.override(
            kind, person_id, loaded["outcome"], loaded["reason"], actor=actor_label()
        )
    except DomainError as exc:
        return render_person(kind, person_id, show_refusal(form, exc), override_form=form)
    return _back(kind, person_id, _("Decided: %(outcome)s.", outcome=OUTCOMES[decision.outcome]))


# Archive, restore, erase ------------------------------------------------------------------


def _set_status(
    plural: str, person_id: int, status: ProfileStatus, done: LazyString
) -> tuple[str, int] | Response:
    """Change the status as ``PATCH`` does, loaded by the same schema."""
    require_role(Role.COORDINATOR)
    kind = _kind(plural)
    person = participants.get_person(kind, person_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        return render_person(kind, person_id, 422, confirm_form=form)
    if participants.is_erased(person):
        form.form_errors.append(_("An erased record can be neither archived nor restored."))
        return render_person(kind, person_id, 409, confirm_form=form)
    schema = ConnecteeSchema if kind is participants.CONNECTEES else ConnectorSchema
    loaded = schema(partial=True).load({"status": status.value})
    try:
        participants.update_person(kind, person_id, loaded, actor=actor_label())
    except DomainError as exc:
        return render_person(kind, person_id, show_refusal(form, exc), confirm_form=form)
    return _back(kind, person_id, str(done) % {"name": person.full_name})


@bp.post(f"/{KINDS}/<{ID}:person_id>/archive")
@login_required
def archive(plural: str, person_id: int) -> tuple[str, int] | Response:
    """Set a person aside: no longer matched or listed; their record stays."""
    return _set_status(
        plural, person_id, ProfileStatus.DEACTIVATED, _l("Archived %(name)s: no longer matched.")
    )


@bp.post(f"/{KINDS}/<{ID}:person_id>/restore")
@login_required
def restore(plural: str, person_id: int) -> tuple[str, int] | Response:
    """Bring an archived person back to the review queue, to be checked again."""
    return _set_status(
        plural,
        person_id,
        ProfileStatus.SUBMITTED,
        _l("Restored %(name)s: back in the review queue."),
    )


@bp.route(f"/{KINDS}/<{ID}:person_id>/erase", methods=["GET", "POST"])
@login_required
def erase(plural: str, person_id: int) -> tuple[str, int] | Response:
    """Erase a person's personal data here, at the hub and in other cities, after a check."""
    require_role(Role.COORDINATOR)
    kind = _kind(plural)
    person = participants.get_person(kind, person_id)
    if participants.is_erased(person):
        flash(_("This record is already erased."), "info")
        return redirect(url_for(f"web.{kind.name}", person_id=person_id), code=303)
    form = EraseForm()
    status = 200
    if form.is_submitted():
        status = 422
        if form.validate() and _same_name(form_text(form, "confirm_name"), person.full_name):
            try:
                participants.erase_person(kind, person_id, actor=actor_label())
            except DomainError as exc:
                status = show_refusal(form, exc)
            else:
                message = (
                    _("Erased connectee #%(id)s: no personal data is left.", id=person_id)
                    if kind is participants.CONNECTEES
                    else _("Erased connector #%(id)s: no personal data is left.", id=person_id)
                )
                flash(message, "success")
                return redirect(url_for(f"web.{kind.name}s"), code=303)
        elif not form.errors:
            form.confirm_name.errors = [_("Type the full name exactly as shown above.")]
    return render_template("people/erase.html", kind=kind.name, person=person, form=form), status


def _same_name(typed: str, name: str) -> bool:
    return " ".join(typed.split()).casefold() == " ".join(name.split()).casefold()

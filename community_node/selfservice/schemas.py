"""The participants' forms as marshmallow schemas, read from a posted form.

Each reuses the API's own schema where one exists (referrals, people), so a participant's
answer obeys every rule a coordinator's API call obeys.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, fields, pre_load, validate, validates_schema
from werkzeug.datastructures import MultiDict

from community_node.matches.schemas import ReferralSchema
from community_node.participants.schemas import ConnecteeSchema, ConnectorSchema
from community_node.selfservice.models import WageBand
from community_node.signup.schemas import PlainMessages
from shared.taxonomy import Level, default_taxonomy
from shared.text import contains_nul
from shared.web.i18n import LANGUAGES

#: Rows of the "my three introductions" form.
REFERRAL_ROWS = 3
REFERRAL_FIELDS = ("contact_name", "organisation", "sector")


def _from_form(form: Mapping[str, Any] | MultiDict[str, str], names: Any) -> dict[str, Any]:
    """The posted fields ``names`` names, stripped; blanks count as missing."""
    if isinstance(form, MultiDict) and contains_nul(dict(form.lists())):
        raise ValidationError(str(_l("The form contains a NUL character.")))
    data: dict[str, Any] = {}
    for name in names:
        value = form.get(name, "")
        if isinstance(value, str) and (text := value.strip()):
            data[name] = text
    return data


def sector_choices() -> list[tuple[str, str]]:
    """The SOC major groups, as (two-digit code, title): the survey's sectors."""
    return [
        (occ.code[:2], occ.title)
        for occ in default_taxonomy()
        if occ.level is Level.MAJOR and not occ.code.startswith("55")  # military
    ]


class _ReferralRow(PlainMessages, ReferralSchema):
    class Meta:
        fields = REFERRAL_FIELDS


class ReferralsForm:
    """Up to three rows of (contact, organisation, sector); blank rows are skipped."""

    def __init__(self, needed: int) -> None:
        self.needed = needed

    def load(self, form: MultiDict[str, str]) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        errors: dict[str, list[str]] = {}
        for n in range(1, self.needed + 1):
            names = [f"{name}_{n}" for name in REFERRAL_FIELDS]
            filled = _from_form(form, names)
            if not filled:
                continue
            try:
                rows.append(
                    _ReferralRow().load({k.rsplit("_", 1)[0]: v for k, v in filled.items()})
                )
            except ValidationError as error:
                for name, texts in error.messages_dict.items():
                    errors[f"{name}_{n}"] = list(texts)
        if not rows and not errors:
            errors["contact_name_1"] = [str(_l("Fill in at least one introduction."))]
        if errors:
            raise ValidationError(errors)
        return rows


YES_NO = {"yes": True, "no": False}


class SurveySchema(PlainMessages):
    """The follow-up survey: employed? in the field? sector? wage band? how useful?"""

    employed = fields.Boolean(
        required=True, error_messages={"required": _l("Tell us whether you have a job.")}
    )
    in_field = fields.String(validate=validate.OneOf(["same", "related", "other"]))
    sector = fields.String(validate=validate.OneOf([code for code, _ in sector_choices()]))
    wage_band = fields.Enum(WageBand, by_value=True)
    doing = fields.String(
        validate=validate.OneOf(["searching", "studying", "volunteering", "left"])
    )
    attributed = fields.Boolean(allow_none=True)
    usefulness = fields.Integer(validate=validate.Range(min=1, max=4))

    @pre_load
    def _read_form(self, form: Any, **kwargs: Any) -> dict[str, Any]:
        data = _from_form(form, self.load_fields)
        if data.get("attributed") == "unsure":
            data["attributed"] = None
        return data

    @validates_schema
    def _one_branch(self, data: Mapping[str, Any], **kwargs: Any) -> None:
        if data.get("employed") and "in_field" not in data:
            raise ValidationError(str(_l("Tell us whether the job is in your field.")), "in_field")
        if data.get("employed") is False and "doing" not in data:
            raise ValidationError(str(_l("Tell us what you are doing now.")), "doing")


class ConnectorOwnSchema(PlainMessages, ConnectorSchema):
    """What a connector may change on their own page."""

    capacity = fields.Integer(
        required=True, validate=validate.Range(min=1, max=5, error=_l("Choose from 1 to 5."))
    )

    class Meta:
        fields = ("capacity", "capacity_period", "availability", "remote_ok")

    @pre_load
    def _read_form(self, form: Any, **kwargs: Any) -> dict[str, Any]:
        data = _from_form(form, ("capacity", "capacity_period"))
        data["availability"] = form.getlist("availability")
        data["remote_ok"] = form.get("remote_ok") == "yes"
        return data


class PauseSchema(PlainMessages):
    """ "Pause me until": a date, or nothing to take proposals again now."""

    until = fields.Date(allow_none=True, load_default=None)

    @pre_load
    def _read_form(self, form: Any, **kwargs: Any) -> dict[str, Any]:
        return _from_form(form, ("until",))


class NotNowSchema(PlainMessages):
    until = fields.Date(
        required=True, error_messages={"required": _l("Choose the day to ask you again.")}
    )

    @pre_load
    def _read_form(self, form: Any, **kwargs: Any) -> dict[str, Any]:
        return _from_form(form, ("until",))


class DeclineSchema(PlainMessages):
    reason = fields.String(validate=validate.Length(max=500))

    @pre_load
    def _read_form(self, form: Any, **kwargs: Any) -> dict[str, Any]:
        return _from_form(form, ("reason",))


class ContactSchema(PlainMessages, ConnecteeSchema):
    """The contact details a connectee may correct on their own page."""

    class Meta:
        fields = ("email", "phone")

    @pre_load
    def _read_form(self, form: Any, **kwargs: Any) -> dict[str, Any]:
        data = _from_form(form, ("email",))
        data["phone"] = form.get("phone", "").strip() or None
        return data


class ConnectorContactSchema(PlainMessages, ConnectorSchema):
    """The contact details a connector may correct on their own page."""

    class Meta:
        fields = ("email", "phone")

    @pre_load
    def _read_form(self, form: Any, **kwargs: Any) -> dict[str, Any]:
        data = _from_form(form, ("email",))
        data["phone"] = form.get("phone", "").strip() or None
        return data


class PreferencesSchema(PlainMessages):
    """Message preferences: reminders or not, and the language messages are written in."""

    reminders_opt_out = fields.Boolean(required=True)
    preferred_language = fields.String(allow_none=True, validate=validate.OneOf(list(LANGUAGES)))

    @pre_load
    def _read_form(self, form: Any, **kwargs: Any) -> dict[str, Any]:
        data = _from_form(form, ("preferred_language",))
        data.setdefault("preferred_language", None)
        # The box says "send me reminders": unticked, it is not sent at all.
        data["reminders_opt_out"] = form.get("reminders") != "yes"
        return data


def form_errors(error: ValidationError) -> dict[str, list[str]]:
    """Key the messages by input name, as the page's fields are named."""
    messages = error.messages
    if isinstance(messages, list):
        return {"form": [str(m) for m in messages]}
    return {
        name: [str(t) for t in (texts if isinstance(texts, list) else [texts])]
        for name, texts in messages.items()
    }

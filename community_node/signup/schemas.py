"""The sign-up forms as marshmallow schemas: the API's person schemas, read from a posted form.

Each form schema derives from ``ConnecteeSchema`` or ``ConnectorSchema``, keeps only the
fields the public may set and adds the consent check boxes, so every rule a staff
member's API call obeys holds for a public sign-up too. Loading a form yields an
``Application``: the person's data as the participants services take it, and the
purposes consented to.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext
from marshmallow import ValidationError, fields, post_load, pre_load, validate
from werkzeug.datastructures import MultiDict

from community_node.fields import OccupationCode
from community_node.participants.models import ConsentPurpose
from community_node.participants.schemas import ConnecteeSchema, ConnectorSchema, LanguageSchema
from shared.protocol.common import BaseSchema
from shared.taxonomy import default_taxonomy
from shared.taxonomy.skills import split_skill_list
from shared.text import N_, contains_nul

#: The field people never see; a form that arrives with it filled was sent by a bot.
HONEYPOT = "website"
#: Rows of (language, level) selects on each form.
LANGUAGE_ROWS = 3
#: Check boxes named ``consent_<purpose>`` record a consent for that purpose.
CONSENT_PREFIX = "consent_"

LOCAL_PROCESSING_REQUIRED = N_(
    "We can only review your application if you agree that we keep and use it."
)

# Messages for people, instead of marshmallow's, which are written for API clients.
_FORM_MESSAGES: dict[type[fields.Field[Any]], dict[str, str]] = {
    fields.Field: {
        "required": N_("Please fill this in."),
        "null": N_("Please fill this in."),
    },
    fields.Integer: {"invalid": N_("Enter a whole number.")},
    fields.Date: {"invalid": N_("Enter a date as year-month-day, such as 2027-06-30.")},
    fields.Enum: {"unknown": N_("Choose one of the options.")},
    fields.Email: {"invalid": N_("Enter an email address, such as name@example.org.")},
}

_LEADING_CODE = re.compile(r"(\d{2}-?\d{4})(?:\s|$)")


@dataclass(frozen=True)
class Application:
    """A valid sign-up: the person's fields (as the API schema loads them) and consents."""

    person: dict[str, Any]
    consents: frozenset[ConsentPurpose]


def picked_code(text: str) -> str | None:
    """Return the SOC code a picker value names: a code, "15-1252 Software Developers",
    or an exact title (O*NET's too); None when it names none."""
    match = _LEADING_CODE.match(text)
    if match is not None:
        return match[1]
    occupation = default_taxonomy().titled(text)
    return None if occupation is None else occupation.code


class OccupationChoice(OccupationCode):
    """The occupation picker's value: a SOC code, a picker option or an exact title."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        if not isinstance(value, str):
            raise self.make_error("invalid")
        code = picked_code(value.strip())
        if code is None:
            raise ValidationError(_no_such_occupation(value))
        return super()._deserialize(code, attr, data, **kwargs)


def _no_such_occupation(text: str) -> str:
    message: str = gettext(
        "Choose an occupation from the list, or type its SOC code such as 15-1252."
    )
    best = default_taxonomy().suggest(text, limit=1)
    if best:
        message += " " + str(
            gettext("Did you mean %(code)s %(title)s?", code=best[0].code, title=best[0].title)
        )
    return message


class LanguageRows(fields.List[Any]):
    """Rows of (language, level) selects: blank rows are skipped, errors keep the row's index."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> list[Any]:
        if not isinstance(value, list):
            raise self.make_error("invalid")
        loaded: list[dict[str, Any]] = []
        errors: dict[int, Any] = {}
        for index, row in enumerate(value):
            filled = {key: text for key, text in row.items() if text}
            if not filled:
                continue
            if "language" not in filled:
                errors[index] = {"language": [N_("Choose the language.")]}
            elif "level" not in filled:
                errors[index] = {"level": [N_("Choose how well you speak it.")]}
            else:
                try:
                    loaded.append(self.inner.deserialize(filled, **kwargs))
                except ValidationError as error:
                    errors[index] = error.messages
        if errors:
            raise ValidationError(errors, valid_data=loaded)
        return loaded


def _by_mro(kind: type, messages: Callable[[type], Mapping[str, str]]) -> dict[str, str]:
    """Merge a field class's messages from its bases down, as marshmallow merges defaults."""
    merged: dict[str, str] = {}
    for cls in reversed(kind.__mro__):
        merged.update(messages(cls))
    return merged


class PlainMessages(BaseSchema):
    """Say marshmallow's messages in words for people filling in a form, not API clients."""

    def on_bind_field(self, field_name: str, field_obj: fields.Field[Any]) -> None:
        """Swap marshmallow's messages for plain ones, keeping those a field sets itself."""
        kind = type(field_obj)
        defaults = _by_mro(kind, lambda cls: getattr(cls, "default_error_messages", {}))
        # A copy: the field shares its messages with the API schema's declared field.
        messages = dict(field_obj.error_messages)
        for key, text in _by_mro(kind, lambda cls: _FORM_MESSAGES.get(cls, {})).items():
            if messages.get(key) == defaults.get(key):
                messages[key] = text
        field_obj.error_messages = messages


class _SignUpSchema(PlainMessages):
    """What both forms add to their API schema: consents, language rows, reading a form."""

    languages: fields.List[Any] = LanguageRows(
        fields.Nested(LanguageSchema),
        required=True,
        validate=validate.Length(min=1, error=N_("Add at least one language you speak.")),
        error_messages={"required": N_("Add at least one language you speak.")},
    )
    consent_local_processing = fields.Boolean(
        required=True,
        validate=validate.Equal(True, error=LOCAL_PROCESSING_REQUIRED),
        error_messages={"required": LOCAL_PROCESSING_REQUIRED},
    )
    consent_cross_city_introductions = fields.Boolean(load_default=False)

    @pre_load
    def _read_form(self, form: MultiDict[str, str], **kwargs: Any) -> dict[str, Any]:
        """Turn the posted form into the API's input: blanks are missing, lists are lists."""
        if contains_nul(dict(form.lists())):
            raise ValidationError(N_("The form contains a NUL character."))
        data: dict[str, Any] = {}
        for name, field in self.load_fields.items():
            if name == "languages":
                data[name] = [
                    {"language": form.get(f"language_{n}", ""), "level": form.get(f"level_{n}", "")}
                    for n in range(1, LANGUAGE_ROWS + 1)
                ]
            elif name == "skills":
                data[name] = split_skill_list(form.get(name, ""))
            elif isinstance(field, fields.List):
                data[name] = form.getlist(name)
            elif text := form.get(name, "").strip():
                data[name] = text
        return data

    @post_load
    def _application(self, data: dict[str, Any], **kwargs: Any) -> Application:
        consents = {
            ConsentPurpose(name.removeprefix(CONSENT_PREFIX))
            for name, given in data.items()
            if name.startswith(CONSENT_PREFIX) and given
        }
        person = {k: v for k, v in data.items() if not k.startswith(CONSENT_PREFIX)}
        return Application(person=person, consents=frozenset(consents))


#: Fields both forms have, from the API schema and from ``_SignUpSchema``; each form's
#: ``Meta.fields`` lists what the public may set, so a new API field stays staff-only.
_CONTACT = ("first_name", "last_name", "email", "phone")
_SHARED = (
    "preferred_language",  # the page's language, from a hidden field
    "languages",
    "skills",
    "availability",
    "consent_local_processing",
    "consent_cross_city_introductions",
)


class ConnecteeSignUpSchema(_SignUpSchema, ConnecteeSchema):
    """The newcomer's application form."""

    current_occupation = OccupationChoice(allow_none=True)
    target_occupation = OccupationChoice(allow_none=True)

    class Meta:
        fields = (
            *_CONTACT,
            "country_of_origin",
            "referral_source",
            "referral_partner_id",
            "status_category",
            "work_authorization",
            "work_authorization_expires",
            "intends_to_stay",
            "education_level",
            "education_field",
            "education_country",
            "current_occupation",
            "target_occupation",
            "years_experience",
            *_SHARED,
        )


class ConnectorSignUpSchema(_SignUpSchema, ConnectorSchema):
    """The volunteer professional's form."""

    occupation = OccupationChoice(allow_none=True)
    capacity = fields.Integer(
        load_default=1, validate=validate.Range(min=1, max=5, error=N_("Choose from 1 to 5."))
    )
    consent_directory_listing = fields.Boolean(load_default=False)

    class Meta:
        fields = (
            *_CONTACT,
            "referral_source",
            "referral_partner_id",
            "employer",
            "job_title",
            "occupation",
            "years_in_field",
            "years_local",
            "capacity",
            "capacity_period",
            "remote_ok",
            "cross_city_ok",
            "consent_directory_listing",
            *_SHARED,
        )


def form_errors(messages: Mapping[str, Any]) -> dict[str, list[str]]:
    """Key marshmallow's messages by the form's input names (``language_2``, ``level_2`` …)."""
    errors: dict[str, list[str]] = {}
    for name, value in messages.items():
        if name == "languages" and isinstance(value, dict):
            for index, row in value.items():
                for part, texts in row.items():
                    errors.setdefault(f"{part}_{index + 1}", []).extend(_texts(texts))
        else:
            errors.setdefault(name, []).extend(_texts(value))
    return errors


def _texts(value: Any) -> list[str]:
    """Flatten nested messages (a list item's, say) into plain sentences, in the reader's
    language where the catalogs have them."""
    if isinstance(value, str):
        return [gettext(value)]
    if isinstance(value, Mapping):
        return [text for nested in value.values() for text in _texts(nested)]
    return [text for nested in value for text in _texts(nested)]

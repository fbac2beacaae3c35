"""The staff forms that add and change connectees and connectors.

Each form is the API's own schema (``ConnecteeSchema``, ``ConnectorSchema``) read from a
posted HTML form, as the public sign-up forms read theirs: every rule an API client obeys
holds here, and the loaded data goes to the same ``participants`` services. What differs
from the API is only how values arrive: a blank input clears a field, an unticked box is
"no", languages come as numbered rows, skills as lines, occupations as picker text.

Besides saving, a form can be posted to change itself without storing anything (add or
remove a language row, pick a suggested occupation, use the suggested skill names), so
every part of it works without JavaScript; htmx only fetches suggestions as people type.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, fields, pre_load, validate
from werkzeug.datastructures import MultiDict

from community_node.participants import services as participants
from community_node.participants.models import (
    CredentialRecognition,
    EnglishEvidence,
    ProfileStatus,
    ReferralSource,
    ScreeningStatus,
    WorkAuthorization,
)
from community_node.participants.schemas import ConnecteeSchema, ConnectorSchema, LanguageSchema
from community_node.signup import choices
from community_node.signup.schemas import (
    LanguageRows,
    OccupationChoice,
    PlainMessages,
    form_errors,
    picked_code,
)
from shared.names import LANGUAGES
from shared.taxonomy import default_skills, default_taxonomy
from shared.taxonomy.skills import split_skill_list
from shared.text import contains_nul

#: The API takes at most this many languages per person; the form offers as many rows.
MAX_LANGUAGES = 20
#: How many occupations the picker suggests at once.
SUGGESTIONS = 6
#: A skill at least this close to a vocabulary label is offered as "did you mean".
SKILL_HINT_CUTOFF = 70.0

OCCUPATION_FIELDS = ("current_occupation", "target_occupation", "occupation")
_ROW = re.compile(r"^(language|level)_(\d{1,2})$")

Option = choices.Option


#: The words of the enums the public forms never ask about.
_WORDS: dict[str, Any] = {
    "draft": _l("Draft"),
    "submitted": _l("Submitted"),
    "approved": _l("Approved"),
    "rejected": _l("Rejected"),
    "waitlisted": _l("Waitlisted"),
    "deactivated": _l("Deactivated"),
    "not_started": _l("Not started"),
    "in_progress": _l("In progress"),
    "recognized": _l("Recognized"),
    "not_required": _l("Not required"),
    "pending": _l("Pending"),
    "screened": _l("Screened"),
    "failed": _l("Failed"),
}


def _worded(members: Iterable[enum.StrEnum]) -> tuple[Option, ...]:
    """Options for an enum the public forms never ask about: its values, in words."""
    return tuple(
        (m.value, _WORDS.get(m.value, m.value.replace("_", " ").capitalize())) for m in members
    )


def _staff_worded(labels: Mapping[Any, str], overrides: Mapping[Any, str]) -> tuple[Option, ...]:
    """The public form's wording, with the first-person phrases said about the person."""
    return choices.labelled({**labels, **overrides})


#: Each field's label on the staff forms, in the forms' order.
LABELS: dict[str, Any] = {
    "first_name": _l("First name"),
    "last_name": _l("Last name"),
    "email": _l("Email"),
    "phone": _l("Phone"),
    "status": _l("Status"),
    "country_of_origin": _l("Country of origin"),
    "referral_source": _l("Heard of the program through"),
    "referral_partner_id": _l("Partner who referred them"),
    "referral_event_id": _l("Event they came through"),
    "status_category": _l("Immigration status"),
    "work_authorization": _l("Permission to work"),
    "work_authorization_expires": _l("Permission to work ends"),
    "intends_to_stay": _l("Plans to stay in the area"),
    "education_level": _l("Highest education completed"),
    "education_field": _l("Field of study"),
    "education_country": _l("Country of study"),
    "credential_recognition": _l("Credential recognition"),
    "current_occupation": _l("Occupation trained or worked in"),
    "target_occupation": _l("Occupation wanted here"),
    "years_experience": _l("Years of experience"),
    "english_evidence": _l("English level established by"),
    "resume_on_file": _l("Résumé on file"),
    "intake_date": _l("Intake date"),
    "coordinator_id": _l("Coordinator"),
    "job_ready": _l("Job-ready"),
    "employer": _l("Employer"),
    "job_title": _l("Job title"),
    "occupation": _l("Occupation"),
    "years_in_field": _l("Years in the field"),
    "years_local": _l("Years working in this area"),
    "has_local_network": _l("Has a local professional network"),
    "capacity": _l("Newcomers they can meet"),
    "capacity_period": _l("Per"),
    "available": _l("Available for new matches"),
    "unavailable_until": _l("Paused until"),
    "remote_ok": _l("Meets by video"),
    "cross_city_ok": _l("Meets newcomers from other cities"),
    "screening_status": _l("Screening"),
    "languages": _l("Languages"),
    "skills": _l("Skills"),
    "availability": _l("When they can meet"),
    "preferred_language": _l("Language for pages and messages"),
    "notes": _l("Notes"),
}

#: Options of each select, as (value, label) pairs; the schema checks the values.
OPTIONS: dict[str, tuple[Option, ...]] = {
    "status": _worded(ProfileStatus),
    "country_of_origin": choices.countries(),
    "education_country": choices.countries(),
    "referral_source": _staff_worded(
        choices.REFERRAL_SOURCES,
        {
            ReferralSource.SELF: _l("Found the program themselves"),
            ReferralSource.CONNECTOR_INVITATION: _l("A connector's invitation"),
        },
    ),
    "status_category": choices.labelled(choices.STATUS_CATEGORIES),
    "work_authorization": _staff_worded(
        choices.WORK_AUTHORIZATIONS,
        {WorkAuthorization.PENDING: _l("Applied, waiting for a decision")},
    ),
    "intends_to_stay": (("yes", _l("Yes")), ("no", _l("No"))),
    "education_level": choices.labelled(choices.EDUCATION_LEVELS),
    "credential_recognition": _worded(CredentialRecognition),
    "english_evidence": (
        (EnglishEvidence.INFORMAL.value, _l("Informal assessment")),
        (EnglishEvidence.TEST.value, _l("A language test")),
        (EnglishEvidence.DEGREE.value, _l("A degree taught in English")),
    ),
    "capacity_period": choices.labelled(choices.CAPACITY_PERIODS),
    "screening_status": _worded(ScreeningStatus),
    "availability": choices.AVAILABILITY,
    "language": choices.languages(),
    "level": choices.labelled(choices.LANGUAGE_LEVELS),
    "preferred_language": tuple((lang.code, lang.name) for lang in LANGUAGES.values()),
}


class _StaffPersonForm(PlainMessages):
    """What both staff forms add to their API schema: reading a posted form."""

    languages: fields.List[Any] = LanguageRows(
        fields.Nested(LanguageSchema), validate=validate.Length(max=MAX_LANGUAGES)
    )

    @pre_load
    def _read_form(self, form: MultiDict[str, str], **kwargs: Any) -> dict[str, Any]:
        """Turn the posted form into the API's input: a blank clears, unticked is false."""
        if contains_nul(dict(form.lists())):
            raise ValidationError("The form contains a NUL character.")
        data: dict[str, Any] = {}
        for name, field in self.load_fields.items():
            if name == "languages":
                data[name] = [{"language": lang, "level": level} for lang, level in rows(form)]
            elif name == "skills":
                data[name] = split_skill_list(form.get(name, ""))
            elif isinstance(field, fields.List):
                data[name] = form.getlist(name)
            elif isinstance(field, fields.Boolean) and not field.allow_none:
                data[name] = name in form  # a check box: browsers send nothing when unticked
            elif text := form.get(name, "").strip():
                data[name] = text
            elif field.allow_none or field.required:
                # Required and blank reads as null: "Please fill this in.", on edit too.
                data[name] = None
        return data


class ConnecteeForm(_StaffPersonForm, ConnecteeSchema):
    """A connectee as a coordinator adds or changes one."""

    class Meta:
        # Set by the invitation link only: the form shows it, never posts it.
        exclude = ("invited_by_id",)

    current_occupation = OccupationChoice(allow_none=True)
    target_occupation = OccupationChoice(allow_none=True)


class ConnectorForm(_StaffPersonForm, ConnectorSchema):
    """A connector as a coordinator adds or changes one."""

    class Meta:
        exclude = ("invited_by_id",)

    occupation = OccupationChoice(allow_none=True)


@dataclass(frozen=True)
class PersonForm:
    """What differs between the two kinds of person, so one view and template serve both."""

    kind: participants.PersonKind[Any]
    plural: str
    schema: type[ConnecteeForm] | type[ConnectorForm]
    #: Values a new person's form starts with, as the browser would post them.
    initial: Mapping[str, str]

    def load(self, form: MultiDict[str, str], *, partial: bool) -> dict[str, Any]:
        """Validate a posted form with the API's rules; raise ValidationError."""
        loaded: dict[str, Any] = self.schema(partial=partial).load(form)
        return loaded


FORMS: dict[str, PersonForm] = {
    "connectees": PersonForm(
        participants.CONNECTEES, "connectees", ConnecteeForm, {"status": "approved"}
    ),
    "connectors": PersonForm(
        participants.CONNECTORS,
        "connectors",
        ConnectorForm,
        {
            "status": "approved",
            "capacity": "1",
            "capacity_period": "quarter",
            "available": "yes",
            "has_local_network": "yes",
            "screening_status": "pending",
        },
    ),
}


# Language rows ----------------------------------------------------------------------------


def rows(form: Mapping[str, str]) -> list[tuple[str, str]]:
    """Return the posted (language, level) rows in order, blank ones included."""
    numbers = sorted(
        {int(m[2]) for key in form if (m := _ROW.match(key)) and 0 < int(m[2]) <= MAX_LANGUAGES}
    )
    return [(form.get(f"language_{n}", ""), form.get(f"level_{n}", "")) for n in numbers]


def with_rows(
    form: MultiDict[str, str], language_rows: Sequence[tuple[str, str]]
) -> MultiDict[str, str]:
    """Return the form's values with its language rows replaced and numbered from 1."""
    values: MultiDict[str, str] = MultiDict(
        [(key, value) for key, value in form.items(multi=True) if not _ROW.match(key)]
    )
    for n, (language, level) in enumerate(language_rows[:MAX_LANGUAGES], start=1):
        values.add(f"language_{n}", language)
        values.add(f"level_{n}", level)
    return values


# Turning a stored person into form values --------------------------------------------------


def picker_text(code: str | None) -> str:
    """Show an occupation code in its picker as "29-1141 Registered Nurses"."""
    if not code:
        return ""
    return f"{code} {default_taxonomy().get(code).title}" if code in default_taxonomy() else code


def values_of(form: PersonForm, person: Any) -> MultiDict[str, str]:
    """Return a stored person as the browser would post its form, so an edit starts there."""
    dumped = form.schema().dump(person)
    values: MultiDict[str, str] = MultiDict()
    for name, field in form.schema().load_fields.items():
        value = dumped.get(name)
        if name in ("languages", "skills", "availability"):
            continue
        if value is None:
            continue
        if isinstance(field, fields.Boolean):
            if field.allow_none:
                values.add(name, "yes" if value else "no")
            elif value:
                values.add(name, "yes")
        elif name in OCCUPATION_FIELDS:
            values.add(name, picker_text(value))
        else:
            values.add(name, str(value))
    values.add("skills", "\n".join(dumped.get("skills") or []))
    for slot in dumped.get("availability") or []:
        values.add("availability", slot)
    language_rows = [(lang["language"], lang["level"]) for lang in dumped.get("languages") or []]
    return with_rows(values, language_rows or [("", "")])


# Errors -----------------------------------------------------------------------------------


def field_messages(messages: Mapping[str, Any]) -> dict[str, list[str]]:
    """Key a schema's or service's messages by the form's input names (``level_2`` …)."""
    return {
        ("form" if name in ("_schema", "") else name): texts
        for name, texts in form_errors(messages).items()
    }


def messages_of(error: ValidationError) -> dict[str, list[str]]:
    """Key a refused form's messages by its input names."""
    messages = error.messages if isinstance(error.messages, Mapping) else {"": error.messages}
    return field_messages(messages)


def in_form_order(errors: Mapping[str, list[str]]) -> dict[str, list[str]]:
    """Order messages as the form asks its questions, language rows in the languages' place."""

    def position(name: str) -> tuple[int, int]:
        if (m := _ROW.match(name)) is not None:
            return list(LABELS).index("languages"), int(m[2])
        return (list(LABELS).index(name) if name in LABELS else -1), 0

    return {name: list(errors[name]) for name in sorted(errors, key=position)}


def label_of(name: str) -> str:
    """Name an input for the error summary: "Language 2", "Level in language 2", "Email"."""
    if (m := _ROW.match(name)) is not None:
        if m[1] == "language":
            return str(_l("Language %(n)s", n=m[2]))
        return str(_l("Level in language %(n)s", n=m[2]))
    return str(LABELS.get(name, name.replace("_", " ").capitalize()))


# Suggestions ------------------------------------------------------------------------------


@dataclass(frozen=True)
class OccupationHint:
    """What the occupation picker says under its input about what was typed."""

    #: The code the text names already, if it names one.
    code: str | None
    #: Occupations to pick from: title words or code prefixes, else the closest titles.
    options: list[tuple[str, str]]


def occupation_hint(text: str) -> OccupationHint:
    """Tell what a picker's text names, and which occupations it could mean."""
    text = text.strip()
    if not text:
        return OccupationHint(None, [])
    code = picked_code(text)
    if code is not None and code in default_taxonomy():
        return OccupationHint(code, [])
    found = default_taxonomy().suggest(text, limit=SUGGESTIONS)
    return OccupationHint(None, [(occ.code, occ.title) for occ in found])


@dataclass(frozen=True)
class SkillHint:
    """One typed skill and what the skills vocabulary makes of it."""

    typed: str
    #: The vocabulary's name for it when it is recognised (typos forgiven).
    recognised: str | None = None
    #: A less certain guess, offered as "did you mean".
    guess: str | None = None

    @property
    def better(self) -> str | None:
        """The name to offer instead of what was typed, if one differs from it."""
        name = self.recognised or self.guess
        return name if name and name.casefold() != self.typed.casefold() else None


def skill_hints(text: str) -> list[SkillHint]:
    """Say, for each skill typed, which vocabulary skill it is or might be."""
    vocabulary = default_skills()
    hints: list[SkillHint] = []
    for typed in split_skill_list(text)[:100]:
        match = vocabulary.normalize(typed)
        if match is not None:
            hints.append(SkillHint(typed, recognised=match.label))
            continue
        guess = vocabulary.normalize(typed, cutoff=SKILL_HINT_CUTOFF)
        hints.append(SkillHint(typed, guess=guess.label if guess else None))
    return hints


def with_suggested_skills(text: str) -> str:
    """Replace each typed skill by the vocabulary's name for it, where there is one."""
    return "\n".join(hint.better or hint.typed for hint in skill_hints(text))

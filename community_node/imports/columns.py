"""The spreadsheet columns of each import, derived from the API schemas so the rules match."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from marshmallow import Schema, fields, validate

from community_node.errors import NotFound
from community_node.fields import CountryCode, LanguageCode, OccupationCode
from community_node.participants.models import LanguageLevel
from community_node.participants.schemas import ConnecteeSchema, ConnectorSchema
from community_node.participants.services import CONNECTEES, CONNECTORS, PersonKind

#: Cells of list columns are split on these (a semicolon, or a line break inside a cell).
LIST_SEPARATOR = re.compile(r"\s*[;\n]\s*")

#: Columns an export from the node writes that an import reads past (so an edited export
#: can be imported again); matching is by email, never by id.
IGNORED_COLUMNS = frozenset({"id", "created_at", "updated_at"})

#: Header spellings people use for the same column.
ALIASES = {
    "e_mail": "email",
    "email_address": "email",
    "given_name": "first_name",
    "firstname": "first_name",
    "family_name": "last_name",
    "surname": "last_name",
    "lastname": "last_name",
    "phone_number": "phone",
    "telephone": "phone",
}

REQUIRED = ("first_name", "last_name", "email")

_LEVELS = {level.value.casefold(): level.value for level in LanguageLevel}


class CellError(ValueError):
    """A cell that cannot even be turned into the schema's input."""


def split_list(cell: str) -> list[str]:
    """Split a list cell such as ``a; b; c`` into its non-blank items."""
    return [item for item in LIST_SEPARATOR.split(cell.strip()) if item]


def _token(cell: str) -> str:
    # Enum values are snake_case; accept "Permanent resident" and "permanent-resident" too.
    return re.sub(r"[\s\-]+", "_", cell.strip()).casefold()


def _language(item: str) -> dict[str, str]:
    code, sep, level = item.partition(":")
    if not sep or not code.strip() or not level.strip():
        shown = item if len(item) <= 40 else item[:40] + "…"  # never echo a whole cell
        raise CellError(f'Write each language as code:level, e.g. eng:B2; not "{shown}".')
    level = level.strip()
    return {"language": code.strip(), "level": _LEVELS.get(level.casefold(), level)}


@dataclass(frozen=True)
class Column:
    """One spreadsheet column: a schema field and how a cell becomes its input."""

    name: str
    field: fields.Field[Any]

    @property
    def required(self) -> bool:
        return self.name in REQUIRED

    @property
    def is_list(self) -> bool:
        return isinstance(self.field, fields.List)

    def parse(self, cell: str) -> Any:
        """Turn a non-blank cell into what the schema loads."""
        field = self.field
        if isinstance(field, fields.List):
            items = split_list(cell)
            if isinstance(field.inner, fields.Nested):
                return [_language(item) for item in items]
            if isinstance(_choices(field.inner), list):
                return [_token(item) for item in items]
            return items
        if isinstance(field, fields.Enum | fields.Boolean):
            return _token(cell)
        return cell

    def describe(self) -> str:
        """Say in a line what the column accepts (for the template and the docs)."""
        return _describe(self.name, self.field)


def _choices(field: fields.Field[Any]) -> list[str] | None:
    for validator in field.validators:
        if isinstance(validator, validate.OneOf):
            return [str(choice) for choice in validator.choices]
    return None


def _length(field: fields.Field[Any]) -> int | None:
    for validator in field.validators:
        if isinstance(validator, validate.Length) and validator.max is not None:
            return validator.max
    return None


def _describe(name: str, field: fields.Field[Any]) -> str:
    if isinstance(field, fields.List):
        if isinstance(field.inner, fields.Nested):
            levels = ", ".join(level.value for level in LanguageLevel)
            return (
                "language:level pairs separated by ';', "
                f"e.g. eng:B2; ara:native; prs:C1 (levels {levels})"
            )
        choices = _choices(field.inner)
        if choices:
            return "any of " + ", ".join(choices) + ", separated by ';'"
        return "a list separated by ';', e.g. patient care; triage"
    if isinstance(field, fields.Enum):
        return "one of " + ", ".join(str(m.value) for m in field.enum)
    if isinstance(field, fields.Boolean):
        return "yes or no"
    if isinstance(field, fields.Date):
        return "a date written YYYY-MM-DD (or a date cell in .xlsx)"
    if isinstance(field, OccupationCode):
        return "a SOC 2018 occupation code, e.g. 29-1141"
    if isinstance(field, CountryCode):
        return "a two-letter ISO 3166 country code, e.g. SY"
    if isinstance(field, LanguageCode):
        return "an ISO 639 language code, e.g. ara (or ar)"
    if isinstance(field, fields.Email):
        return "an email address; an existing person with this email is updated"
    if isinstance(field, fields.Integer):
        if name == "coordinator_id":
            return "the id of a staff user"
        for validator in field.validators:
            if isinstance(validator, validate.Range):
                return f"a whole number from {validator.min} to {validator.max}"
        return "a whole number"
    limit = _length(field)
    return f"text, up to {limit} characters" if limit else "text"


@dataclass(frozen=True)
class ImportSpec:
    """What one kind of import reads and where it writes."""

    plural: str
    kind: PersonKind[Any]
    schema: type[Schema]
    columns: tuple[Column, ...]
    example: Mapping[str, str]

    @property
    def by_name(self) -> dict[str, Column]:
        return {column.name: column for column in self.columns}

    def new_schema(self) -> Schema:
        """Build the loading schema, with messages that speak spreadsheet."""
        schema = self.schema()
        for field in schema.fields.values():
            # A new dict: a schema's fields are shallow copies sharing the declared field's
            # messages, so changing them in place would change the API's messages too.
            if isinstance(field, fields.Date):
                field.error_messages = {
                    **field.error_messages,
                    "invalid": "Not a valid date; write it as YYYY-MM-DD.",
                }
            elif isinstance(field, fields.Boolean):
                field.error_messages = {**field.error_messages, "invalid": "Write yes or no."}
        return schema


def _columns(schema: type[Schema]) -> tuple[Column, ...]:
    loadable = {name: field for name, field in schema().fields.items() if not field.dump_only}
    order = [*REQUIRED, *(name for name in loadable if name not in REQUIRED)]
    return tuple(Column(name, loadable[name]) for name in order)


_EXAMPLES: dict[str, dict[str, str]] = {
    "connectees": {
        "first_name": "Amira",
        "last_name": "Haddad",
        "email": "amira.haddad@example.org",
        "phone": "902 555 0100",
        "skills": "patient care; triage",
        "availability": "weekday_mornings; weekends",
        "languages": "ar:native; en:B2",
        "country_of_origin": "SY",
        "referral_source": "resettlement_agency",
        "status_category": "permanent_resident",
        "work_authorization": "permanent_resident",
        "intends_to_stay": "yes",
        "education_level": "bachelor",
        "education_field": "Nursing",
        "education_country": "SY",
        "credential_recognition": "in_progress",
        "current_occupation": "29-1141",
        "target_occupation": "29-1141",
        "years_experience": "7",
        "english_evidence": "informal",
        "resume_on_file": "yes",
        "intake_date": "2025-01-15",
        "job_ready": "no",
    },
    "connectors": {
        "first_name": "Daniel",
        "last_name": "MacLeod",
        "email": "daniel.macleod@example.org",
        "phone": "902 555 0199",
        "skills": "nursing leadership; hiring",
        "availability": "weekday_afternoons",
        "languages": "en:native; fr:B1",
        "employer": "Harbour Health",
        "job_title": "Nurse Manager",
        "occupation": "11-9111",
        "years_in_field": "12",
        "years_local": "10",
        "has_local_network": "yes",
        "capacity": "2",
        "capacity_period": "quarter",
        "available": "yes",
        "remote_ok": "yes",
        "cross_city_ok": "no",
    },
}


@cache
def _specs() -> dict[str, ImportSpec]:
    specs: list[tuple[str, PersonKind[Any], type[Schema]]] = [
        ("connectees", CONNECTEES, ConnecteeSchema),
        ("connectors", CONNECTORS, ConnectorSchema),
    ]
    return {
        plural: ImportSpec(plural, kind, schema, _columns(schema), _EXAMPLES[plural])
        for plural, kind, schema in specs
    }


KINDS: tuple[str, ...] = ("connectees", "connectors")


def import_spec(plural: str) -> ImportSpec:
    """Return the import of ``connectees`` or ``connectors``."""
    spec = _specs().get(plural)
    if spec is None:
        raise NotFound(f"Nothing to import as {plural!r}; use one of {', '.join(KINDS)}.")
    return spec


def normalize_header(text: str) -> str:
    """Reduce a header to a column name: case, spaces, hyphens and underscores don't matter."""
    name = unicodedata.normalize("NFKC", text).replace("\ufeff", "").strip().casefold()
    name = re.sub(r"[\s\-_]+", "_", name).strip("_")
    return ALIASES.get(name, name)


def column_letter(index: int) -> str:
    """Name a zero-based column position the way spreadsheets do: A, B, …, Z, AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def template_rows(spec: ImportSpec) -> tuple[list[str], list[str]]:
    """Return the template's header and its example row."""
    header = [column.name for column in spec.columns]
    return header, [spec.example.get(name, "") for name in header]


def describe_columns(spec: ImportSpec) -> Sequence[tuple[str, bool, str]]:
    """List (column, required, what it accepts) for the template's help sheet."""
    return [(c.name, c.required, c.describe()) for c in spec.columns]

"""Constants and building blocks every wire schema shares."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, ClassVar

from marshmallow import RAISE, Schema, ValidationError, fields, pre_load

from shared.taxonomy import MalformedCode, default_taxonomy, normalize_code
from shared.text import NUL

#: A reporting period: a calendar quarter such as ``2026-Q3``.
PERIOD_PATTERN = r"^\d{4}-Q[1-4]\Z"
PERIOD_RE = re.compile(PERIOD_PATTERN)

#: A node's pseudonymous connector ref: 32 lowercase hex characters (keyed HMAC).
REF_PATTERN = r"^[0-9a-f]{32}\Z"
REF_RE = re.compile(REF_PATTERN)

#: The most items one profile batch may carry. A batch pays a fixed cost (a request, its
#: token check, the Idempotency-Key record, an audit row, a commit) whatever its size: at
#: 100 items that cost was most of a push (docs/benchmarks.md). 500 items are 150-250 KB.
MAX_BATCH_ITEMS = 500

OCCUPATION_LEVELS: tuple[str, ...] = ("detailed", "broad", "minor", "major")
EXPERIENCE_BANDS: tuple[str, ...] = ("0-4", "5-9", "10-19", "20+")
LANGUAGE_LEVELS: tuple[str, ...] = ("A1", "A2", "B1", "B2", "C1", "C2", "native")
AVAILABILITY_SLOTS: tuple[str, ...] = (
    "weekday_mornings",
    "weekday_afternoons",
    "weekday_evenings",
    "weekends",
)
#: A skill travels as an identifier (lowercase, no spaces), never as free text.
SKILL_PATTERN = r"^[a-z0-9][a-z0-9+#._-]{0,59}\Z"

#: Aggregate outcome metrics a node reports per period and SOC major group.
METRICS: tuple[str, ...] = (
    "enrolled",
    "eligible",
    "matched",
    "met",
    "referred",
    "employed_in_field",
    "employed_related_field",
    "employed_outside_field",
)
EMPLOYED_METRICS: tuple[str, ...] = tuple(m for m in METRICS if m.startswith("employed_"))

#: SOC major-group prefixes ("11" … "53") as the shipped taxonomy lists them.
SOC_MAJOR_GROUPS: tuple[str, ...] = tuple(o.major for o in default_taxonomy().major_groups())
#: Outcome cells are per major group, "unknown" (no occupation) or "all" (the node's total).
MAJOR_GROUPS: tuple[str, ...] = (*SOC_MAJOR_GROUPS, "unknown", "all")

#: Categories of shared resources ("toolkit" is kept: resources published before
#: "training" existed still carry it).
RESOURCE_KINDS: tuple[str, ...] = ("guide", "faq", "webinar", "template", "training", "toolkit")
AUDIENCES: tuple[str, ...] = ("staff", "connectors", "connectees", "all")


#: What a string holding a NUL character is told, field by field.
NUL_MESSAGE = "Must not contain a NUL character."


class BaseSchema(Schema):
    """The root of every schema of both services: no string may hold a NUL character.

    PostgreSQL stores no text (nor jsonb string) with a NUL, so one that got past the
    schema failed later as a 500 (e.g. when the hub stored an Idempotency-Key record).
    The check runs before any field's own, on keys as well as values, so a field type
    that forgets it (a Dict, a List of str, a custom field) cannot let one through.
    """

    #: Fields whose items are each loaded later through their own schema (a batch's
    #: items, a feed page's): a NUL rejects that one item there, not the whole envelope.
    nul_checked_per_item: ClassVar[frozenset[str]] = frozenset()

    @pre_load(pass_collection=True)
    def _refuse_nul(self, data: Any, **kwargs: Any) -> Any:
        if isinstance(data, Mapping) and self.nul_checked_per_item:
            data_seen = {k: v for k, v in data.items() if k not in self.nul_checked_per_item}
        else:
            data_seen = data
        errors = _nul_errors(data_seen)
        if errors:
            raise ValidationError(errors)
        return data


def _nul_errors(value: Any) -> Any:
    """Return the error tree of the NULs in ``value``'s strings and keys, or ``None``."""
    if isinstance(value, str):
        return [NUL_MESSAGE] if NUL in value else None
    if isinstance(value, Mapping):
        errors: dict[Any, Any] = {}
        for key, item in value.items():
            if isinstance(key, str) and NUL in key:
                # The error names the key without its NUL: an answer that echoed it
                # would fail to be stored (an idempotency record) just the same.
                errors[key.replace(NUL, "\\u0000")] = [NUL_MESSAGE]
            elif (found := _nul_errors(item)) is not None:
                errors[key] = found
        return errors or None
    if isinstance(value, list | tuple):
        found_items = {i: found for i, item in enumerate(value) if (found := _nul_errors(item))}
        return found_items or None
    return None


class StrictSchema(BaseSchema):
    """A schema that rejects unknown fields (marshmallow's default, stated on purpose)."""

    class Meta:
        unknown = RAISE


class StrictInteger(fields.Integer):
    """An integer that must arrive as a JSON number: no strings, floats or booleans."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(strict=True, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        if isinstance(value, bool):
            raise self.make_error("invalid")
        result: int = super()._deserialize(value, attr, data, **kwargs)
        return result


class StrictBoolean(fields.Boolean):
    """A boolean that must arrive as JSON ``true`` or ``false``."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        # 1 == True in Python, so the truthy/falsy sets alone would let 1 and 0 through.
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value


class SocCode(fields.String):
    """A SOC 2018 code in dashed form (``29-1141``, ``29-1000`` …) that the taxonomy lists."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        code: str = super()._deserialize(value, attr, data, **kwargs)
        try:
            normalized = normalize_code(code)
        except MalformedCode as exc:
            raise ValidationError("Not a SOC code; use the dashed form, e.g. 15-1252.") from exc
        if normalized != code or normalized not in default_taxonomy():
            raise ValidationError(f"Unknown SOC 2018 code {code!r}.")
        return code


class Dispatch(fields.Field):  # type: ignore[type-arg]
    """One of two schemas, chosen by the presence of ``"deleted"`` (tombstone or record)."""

    def __init__(self, record: type[Schema], tombstone: type[Schema], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.record = record
        self.tombstone = tombstone

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        if value is None:
            return None
        deleted = bool(value.get("deleted")) if isinstance(value, Mapping) else False
        return (self.tombstone() if deleted else self.record()).dump(value)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if not isinstance(value, Mapping):
            raise ValidationError("Expected an object.")
        # The key's presence decides, so {"deleted": false, …} fails as a tombstone.
        return (self.tombstone() if "deleted" in value else self.record()).load(value)


class FeedPageSchema(StrictSchema):
    """The envelope of any change feed's page (resources, introductions).

    The items stay as sent: each feed's item schema (``ResourceChangesSchema``,
    ``IntroFeedSchema``) says what they hold, and the reader loads them one by one.
    """

    nul_checked_per_item = frozenset({"items"})

    items = fields.List(fields.Dict(keys=fields.String()), required=True)
    next = StrictInteger(required=True)
    more = StrictBoolean(required=True)

"""Profiles node → hub: full-state upserts and tombstones in batches, and snapshots."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from marshmallow import ValidationError, fields, validate, validates

from shared.names import canonical_language
from shared.protocol.common import (
    AVAILABILITY_SLOTS,
    EXPERIENCE_BANDS,
    LANGUAGE_LEVELS,
    MAX_BATCH_ITEMS,
    OCCUPATION_LEVELS,
    REF_PATTERN,
    REF_RE,
    SKILL_PATTERN,
    SocCode,
    StrictBoolean,
    StrictInteger,
    StrictSchema,
)

#: Statuses of one batch item, in the order the docs explain them.
ITEM_STATUSES: tuple[str, ...] = ("created", "updated", "deleted", "stale", "rejected")

_ref = fields.String(required=True, validate=validate.Regexp(REF_PATTERN, error="Not a ref."))
_version = StrictInteger(required=True, validate=validate.Range(min=1, max=2**63 - 1))


_WIRE_CODE = re.compile(r"[a-z]{2,3}")


class WireLanguage(fields.String):
    """A spoken language on the wire, sent as its ISO 639-3 code (``ara``, ``fas``, ``prs``).

    Any ISO 639 code is read as that one code (``shared.names.canonical_language``): a node
    of an earlier release sends ISO 639-1 codes (``ar`` arrives as ``ara``). A code no
    standard defines passes unchanged, as it always has: the receiving side keeps what it
    cannot name rather than refuse a whole profile for it."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        code = str(super()._deserialize(value, attr, data, **kwargs))
        if not _WIRE_CODE.fullmatch(code):
            return code  # not lowercase ISO 639 letters: left for the validator to refuse
        return canonical_language(code) or code


class WireLanguageLevel(fields.String):
    """A spoken language with an optional level in a query string (``ara:B2``, ``prs``), its
    code read as :class:`WireLanguage` reads one (``ar:B2`` arrives as ``ara:B2``)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = str(super()._deserialize(value, attr, data, **kwargs))
        code, colon, level = text.partition(":")
        if not _WIRE_CODE.fullmatch(code):
            return text
        return (canonical_language(code) or code) + colon + level


class LanguageSchema(StrictSchema):
    """One spoken language and its CEFR level (or native)."""

    language = WireLanguage(
        required=True,
        validate=validate.Regexp(r"^[a-z]{2,3}$", error="Use an ISO 639 code."),
        metadata={
            "description": "ISO 639-3 code (ara, fas, prs); an ISO 639-1 code from an "
            "earlier node is read as it (ar → ara).",
            "example": "ara",
        },
    )
    level = fields.String(required=True, validate=validate.OneOf(LANGUAGE_LEVELS))


class ProfileSchema(StrictSchema):
    """A connector's anonymized directory profile: allow-listed fields only."""

    ref = fields.String(required=True, validate=validate.Regexp(REF_PATTERN, error="Not a ref."))
    version = StrictInteger(required=True, validate=validate.Range(min=1, max=2**63 - 1))
    occupation = SocCode(required=True)
    occupation_level = fields.String(required=True, validate=validate.OneOf(OCCUPATION_LEVELS))
    experience_band = fields.String(
        required=True, allow_none=True, validate=validate.OneOf(EXPERIENCE_BANDS)
    )
    languages = fields.List(
        fields.Nested(LanguageSchema), required=True, validate=validate.Length(max=20)
    )
    skills = fields.List(
        fields.String(validate=validate.Regexp(SKILL_PATTERN, error="Not a skill id.")),
        load_default=list,
        validate=validate.Length(max=50),
    )
    availability = fields.List(
        fields.String(validate=validate.OneOf(AVAILABILITY_SLOTS)),
        required=True,
        validate=validate.Length(max=len(AVAILABILITY_SLOTS)),
    )
    remote_ok = StrictBoolean(required=True)
    cross_city_ok = StrictBoolean(required=True)
    accepting = StrictBoolean(required=True)

    @validates("languages")
    def _one_level_per_language(self, value: list[dict[str, Any]], **kwargs: Any) -> None:
        codes = [lang.get("language") for lang in value]
        if len(codes) != len(set(codes)):
            raise ValidationError("Give each language once.")


class JsonTrue(fields.Field[bool]):
    """Exactly JSON ``true`` (marshmallow's Boolean would also take 1, "yes" or "on")."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if value is not True:
            raise ValidationError("A tombstone has deleted: true.")
        return True


class TombstoneSchema(StrictSchema):
    """A profile the node no longer lists (consent withdrawn, connector deleted)."""

    ref = fields.String(required=True, validate=validate.Regexp(REF_PATTERN, error="Not a ref."))
    version = StrictInteger(required=True, validate=validate.Range(min=1, max=2**63 - 1))
    deleted = JsonTrue(required=True)


class ProfileBatchSchema(StrictSchema):
    """The batch envelope; load each item with :func:`load_items` to judge it alone."""

    nul_checked_per_item = frozenset({"items"})

    items = fields.List(
        fields.Raw(),
        required=True,
        validate=validate.Length(min=1, max=MAX_BATCH_ITEMS),
    )


@dataclass(frozen=True)
class ItemError:
    """One batch item that failed validation, with the ref and version it claimed."""

    ref: str | None
    version: int | None
    errors: dict[str, Any] = field(default_factory=dict)


# Schemas are stateless during load; building one per item (deep-copying its fields) was
# half the hub's time per batch.
_PROFILE = ProfileSchema()
_TOMBSTONE = TombstoneSchema()


def load_item(item: Any) -> dict[str, Any] | ItemError:
    """Validate one batch item as a Profile or, when it has ``deleted``, a Tombstone."""
    if not isinstance(item, Mapping):
        return ItemError(None, None, {"_schema": ["Expected an object."]})
    schema = _TOMBSTONE if "deleted" in item else _PROFILE
    try:
        loaded: dict[str, Any] = schema.load(item)
    except ValidationError as exc:
        ref = item.get("ref")
        version = item.get("version")
        return ItemError(
            ref if isinstance(ref, str) and len(ref) <= 64 else None,
            version if isinstance(version, int) and not isinstance(version, bool) else None,
            _messages(exc),
        )
    return loaded


def _messages(exc: ValidationError) -> dict[str, Any]:
    messages = exc.messages
    return dict(messages) if isinstance(messages, dict) else {"_schema": list(messages)}


def load_items(items: Sequence[Any]) -> list[dict[str, Any] | ItemError]:
    """Validate every item on its own, so one bad item does not sink the batch."""
    return [load_item(item) for item in items]


class ItemResultSchema(StrictSchema):
    """What the hub did with one batch item."""

    ref = fields.String(required=True, allow_none=True)
    version = fields.Integer(required=True, allow_none=True)
    status = fields.String(required=True, validate=validate.OneOf(ITEM_STATUSES))
    errors = fields.Dict(keys=fields.String())


class BatchResultSchema(StrictSchema):
    """Per-item results, in the order of the batch."""

    results = fields.List(fields.Nested(ItemResultSchema), required=True)


_BATCH_RESULT = BatchResultSchema()
_PLAIN_RESULT_KEYS = frozenset({"ref", "version", "status"})
_PLAIN_STATUSES = frozenset(ITEM_STATUSES) - {"rejected"}


def _plain_result(result: Any) -> bool:
    """An item's result as the hub answers it when it applied the item (no errors)."""
    return (
        type(result) is dict
        and result.keys() == _PLAIN_RESULT_KEYS
        and type(result["ref"]) is str
        and REF_RE.fullmatch(result["ref"]) is not None
        and type(result["version"]) is int
        and result["status"] in _PLAIN_STATUSES
    )


def load_batch_result(data: Any) -> dict[str, Any]:
    """Load a batch's answer as BatchResultSchema does; raise its ValidationError.

    An answer whose every result is plainly valid (a ref, an integer version, a status
    other than ``rejected``, nothing else) is taken as it is: the schema cost the node
    7.5 ms per 500 results, about a quarter of its CPU in a push. Anything else, and any
    error's wording, is the schema's. tests/shared/protocol/test_batch_result.py checks
    that both load the same.
    """
    if type(data) is dict and data.keys() == {"results"} and type(data["results"]) is list:
        results = data["results"]
        if all(_plain_result(result) for result in results):
            return {"results": [dict(result) for result in results]}
    loaded: dict[str, Any] = _BATCH_RESULT.load(data)
    return loaded


class SnapshotSchema(StrictSchema):
    """Every ref the node lists now; the hub tombstones the rest below ``version``."""

    refs = fields.List(_ref, required=True, validate=validate.Length(max=200_000))
    version = _version

    @validates("refs")
    def _unique(self, value: list[str], **kwargs: Any) -> None:
        if len(value) != len(set(value)):
            raise ValidationError("Give each ref once.")


class SnapshotResultSchema(StrictSchema):
    """How many live profiles the snapshot kept and how many it tombstoned."""

    kept = fields.Integer(required=True)
    tombstoned = fields.Integer(required=True)

"""Cross-city introductions: directory search, requests, the inbox feed and sealed cards.

A pitch is anonymized: a target occupation, an experience band, languages and skill ids,
never free text. ``consent_ref`` is node A's pseudonym for the connectee's
cross-city consent record; the hub never learns who the connectee is.
"""

from __future__ import annotations

import enum
from typing import Any

from marshmallow import fields, validate

from shared.fields import Id
from shared.protocol.common import (
    EXPERIENCE_BANDS,
    REF_PATTERN,
    SKILL_PATTERN,
    SocCode,
    StrictSchema,
)
from shared.protocol.directory import DirectoryEntrySchema
from shared.protocol.profiles import LanguageSchema, WireLanguage, WireLanguageLevel


class IntroStatus(enum.StrEnum):
    """States of an introduction: requested → accepted | declined | withdrawn | expired.

    The one definition: the hub and the node both store these values in their
    ``introstatus`` columns and send them on the wire.
    """

    REQUESTED = "requested"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"


INTRO_STATUSES: tuple[str, ...] = tuple(status.value for status in IntroStatus)
#: Why an introduction ended without either node deciding it.
INTRO_END_REASONS: tuple[str, ...] = (
    "declined",
    "withdrawn",
    "expired",
    "profile_removed",
    "consent_withdrawn",
    "erased",
)
#: Which side of an introduction asked the hub to erase it.
ERASING_SIDES: tuple[str, ...] = ("requester", "connector")
#: Why a node asks for erasure: the person was erased, or withdrew cross-city consent.
ERASE_REASONS: tuple[str, ...] = ("erasure", "consent_withdrawn")
#: A sealed contact card is small: a name, an email, a phone, a city (base64 of a box).
MAX_SEALED_CHARS = 4096
#: Base64 of 32 raw bytes.
PUBLIC_KEY_PATTERN = r"^[A-Za-z0-9+/]{43}=\Z"
_BASE64 = r"^[A-Za-z0-9+/]+={0,2}$"


def _skills() -> fields.List[Any]:
    return fields.List(
        fields.String(validate=validate.Regexp(SKILL_PATTERN, error="Not a skill id.")),
        load_default=list,
        validate=validate.Length(max=50),
    )


class PitchSchema(StrictSchema):
    """The connectee as node B's staff see it before the connector agrees: no identity."""

    target_occupation = SocCode(required=True)
    experience_band = fields.String(
        required=True, allow_none=True, validate=validate.OneOf(EXPERIENCE_BANDS)
    )
    languages = fields.List(
        fields.Nested(LanguageSchema), required=True, validate=validate.Length(min=1, max=20)
    )
    skills = _skills()


class IntroRequestSchema(StrictSchema):
    """Node A asks for an introduction to a listed connector (the directory ``id``)."""

    profile_id = Id(strict=True, required=True)
    pitch = fields.Nested(PitchSchema, required=True)
    consent_ref = fields.String(
        required=True, validate=validate.Regexp(REF_PATTERN, error="Not a ref.")
    )


class SealedCardSchema(StrictSchema):
    """A contact card sealed to the other node's public key, as base64."""

    sealed = fields.String(
        required=True,
        validate=[
            validate.Length(min=1, max=MAX_SEALED_CHARS),
            validate.Regexp(_BASE64, error="Not base64."),
        ],
    )


class PublicKeySchema(StrictSchema):
    """A node's X25519 public key for sealed contact cards (base64 of 32 bytes)."""

    public_key = fields.String(
        required=True,
        validate=validate.Regexp(PUBLIC_KEY_PATTERN, error="Not a base64 32-byte key."),
    )


class PublicKeyResultSchema(StrictSchema):
    community = fields.String(required=True)
    public_key = fields.String(required=True)


class IntroductionSchema(StrictSchema):
    """One introduction as one of its two sides sees it.

    ``direction`` is ``outgoing`` for the requesting node and ``incoming`` for the
    connector's node. ``connector_ref`` (the connector node's own ref for its connector)
    is shown only to the connector's node; ``consent_ref`` only to the requester.
    ``peer_public_key`` appears once accepted; ``peer_card`` once the other node sent it.
    """

    id = Id(required=True)
    seq = fields.Integer(required=True)
    direction = fields.String(required=True, validate=validate.OneOf(("outgoing", "incoming")))
    status = fields.String(required=True, validate=validate.OneOf(INTRO_STATUSES))
    end_reason = fields.String(allow_none=True, validate=validate.OneOf(INTRO_END_REASONS))
    from_community = fields.String(required=True)
    to_community = fields.String(required=True)
    profile_id = Id(required=True)
    connector_ref = fields.String(allow_none=True)
    consent_ref = fields.String(allow_none=True)
    pitch = fields.Nested(PitchSchema, required=True, allow_none=True)
    requested_at = fields.AwareDateTime(required=True)
    decided_at = fields.AwareDateTime(allow_none=True)
    expires_at = fields.AwareDateTime(allow_none=True)
    allowed = fields.List(fields.String(), required=True)
    card_sent = fields.Boolean(required=True)
    peer_public_key = fields.String(allow_none=True)
    peer_card = fields.String(allow_none=True)
    # Sent only once a side asked for erasure: then the pitch (null) and cards are gone.
    erased_at = fields.AwareDateTime(allow_none=True, load_default=None)
    erased_by = fields.String(
        allow_none=True, load_default=None, validate=validate.OneOf(ERASING_SIDES)
    )


class EraseRequestSchema(StrictSchema):
    """Either side asks the hub to delete what it holds of an introduction's person."""

    reason = fields.String(load_default="erasure", validate=validate.OneOf(ERASE_REASONS))


class IntroFeedSchema(StrictSchema):
    """One page of the caller's introductions changed after ``since``, in ``seq`` order."""

    items = fields.List(fields.Nested(IntroductionSchema), required=True)
    next = fields.Integer(required=True)
    more = fields.Boolean(required=True)


class DirectorySearchArgsSchema(StrictSchema):
    """Filters on the directory, and the anonymized seeker the results are ranked for."""

    # The seeker: what the connectee is looking for (anonymized, like a pitch).
    target_occupation = SocCode(required=True)
    experience_band = fields.String(validate=validate.OneOf(EXPERIENCE_BANDS))
    seeker_language = fields.List(
        WireLanguageLevel(
            validate=validate.Regexp(
                r"^[a-z]{2,3}(:(A1|A2|B1|B2|C1|C2|native))?$",
                error="Use an ISO 639 code, optionally with a level: ara:B2.",
            )
        ),
        load_default=list,
        validate=validate.Length(max=20),
    )
    seeker_skill = _skills()
    # Filters on the listed profiles.
    occupation = SocCode()
    related = fields.String(validate=validate.OneOf(("major", "minor", "broad")))
    skill = _skills()
    language = fields.List(
        WireLanguage(validate=validate.Regexp(r"^[a-z]{2,3}$")),
        load_default=list,
        validate=validate.Length(max=20),
    )
    remote_ok = fields.Boolean()
    community = fields.String(validate=validate.Length(max=40))
    include_own = fields.Boolean(load_default=False)
    # Query strings carry text, so these are the lenient integer and boolean fields.
    k = fields.Integer(load_default=10, validate=validate.Range(min=1, max=50))


class SearchHitSchema(StrictSchema):
    """A listed connector, its score for the seeker and why."""

    profile = fields.Nested(DirectoryEntrySchema, required=True)
    score = fields.Float(required=True)
    contributions = fields.Dict(keys=fields.String(), values=fields.Float(), required=True)
    reasons = fields.List(fields.String(), required=True)


class DirectorySearchSchema(StrictSchema):
    items = fields.List(fields.Nested(SearchHitSchema), required=True)
    candidates = fields.Integer(
        required=True, metadata={"description": "Profiles that passed the filters."}
    )

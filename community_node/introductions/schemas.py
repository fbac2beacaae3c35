"""Schemas of /api/v1/introductions: cross-city introductions as node staff see them."""

from __future__ import annotations

from marshmallow import fields

from community_node.introductions.models import IntroDirection, IntroStatus
from community_node.pagination import PageArgsSchema, page_schema
from shared.fields import Id
from shared.protocol.common import BaseSchema


class IntroRequestSchema(BaseSchema):
    connectee_id = Id(required=True)
    directory_profile_id = Id(
        required=True,
        metadata={"description": "The hub directory id of the connector (from suggestions)."},
    )


class IntroListArgsSchema(PageArgsSchema):
    direction = fields.Enum(IntroDirection, by_value=True)
    status = fields.Enum(IntroStatus, by_value=True)
    connectee_id = Id()
    connector_id = Id()


class IntroSchema(BaseSchema):
    id = Id()
    hub_id = Id(allow_none=True)
    direction = fields.Enum(IntroDirection, by_value=True)
    status = fields.Enum(IntroStatus, by_value=True)
    end_reason = fields.String(allow_none=True)
    other_community = fields.String(allow_none=True)
    directory_profile_id = Id(allow_none=True)
    connectee_id = Id(allow_none=True)
    connector_id = Id(allow_none=True)
    pitch = fields.Dict(metadata={"description": "The anonymized pitch the hub carried."})
    requested_at = fields.AwareDateTime()
    decided_at = fields.AwareDateTime(allow_none=True)
    expires_at = fields.AwareDateTime(allow_none=True)
    card_sent = fields.Boolean()
    their_card = fields.Dict(
        allow_none=True,
        metadata={"description": "The other node's contact card, decrypted (staff only)."},
    )
    erase_requested_at = fields.AwareDateTime(
        allow_none=True,
        metadata={"description": "When this node's participant was erased or withdrew consent."},
    )
    erase_reason = fields.String(allow_none=True)
    hub_erased_at = fields.AwareDateTime(
        allow_none=True,
        metadata={"description": "When the hub deleted the pitch and cards (either side asked)."},
    )


IntroPageSchema = page_schema(IntroSchema)


class IntroSyncSchema(BaseSchema):
    changed = fields.Integer()
    new_incoming = fields.Integer()
    cards_received = fields.Integer()
    withdrawn = fields.Integer()
    erased = fields.Integer(metadata={"description": "Erasures the hub confirmed."})
    erased_by_peer = fields.Integer(
        metadata={"description": "Erasures the other side asked for, applied here."}
    )


class DisclosureArgsSchema(BaseSchema):
    connectee_id = Id()
    connector_id = Id()


class SentSchema(BaseSchema):
    what = fields.String(metadata={"description": "pitch or card"})
    fields_ = fields.List(
        fields.String(),
        data_key="fields",
        attribute="fields",
        metadata={"description": "The names of the fields sent (never their values)."},
    )
    at = fields.String(allow_none=True, metadata={"description": "When (ISO 8601)."})


class DisclosureSchema(BaseSchema):
    introduction_id = Id()
    hub_id = Id(allow_none=True)
    direction = fields.Enum(IntroDirection, by_value=True)
    community = fields.String(
        allow_none=True, metadata={"description": "The community the data went to."}
    )
    status = fields.Enum(IntroStatus, by_value=True)
    requested_at = fields.AwareDateTime()
    sent = fields.List(fields.Nested(SentSchema))
    erase_requested_at = fields.AwareDateTime(allow_none=True)
    erase_reason = fields.String(allow_none=True)
    hub_erased_at = fields.AwareDateTime(allow_none=True)


class DisclosuresSchema(BaseSchema):
    items = fields.List(fields.Nested(DisclosureSchema))

"""The wire shapes of the node's sync status, dead letters and shared resources."""

from __future__ import annotations

from marshmallow import fields, validate

from community_node.pagination import PageArgsSchema, page_schema
from community_node.sync.models import OutboxKind, OutboxStatus
from shared.fields import Id
from shared.protocol import AUDIENCES, RESOURCE_KINDS
from shared.protocol.common import BaseSchema


class SyncStatusSchema(BaseSchema):
    configured = fields.Boolean(required=True)
    hub_url = fields.String(allow_none=True)
    community = fields.String(allow_none=True)
    connected_at = fields.AwareDateTime(allow_none=True)
    last_success_at = fields.AwareDateTime(allow_none=True)
    last_attempt_at = fields.AwareDateTime(allow_none=True)
    last_error = fields.String(allow_none=True)
    consecutive_failures = fields.Integer()
    backoff_until = fields.AwareDateTime(
        allow_none=True, metadata={"description": "No sync runs before this time."}
    )
    pending = fields.Integer(metadata={"description": "Outbox items waiting to be sent."})
    dead = fields.Integer(metadata={"description": "Items the hub refused (dead letters)."})
    sent = fields.Integer()
    resource_cursor = fields.Integer()
    resources = fields.Integer(metadata={"description": "Shared resources held locally."})


class HubConnectSchema(BaseSchema):
    """The credentials a node connects to the hub with (from the hub's one-time link)."""

    url = fields.String(
        required=True,
        validate=validate.Length(min=1, max=500),
        metadata={"description": "The hub's base URL, e.g. https://hub.example.org"},
    )
    client_id = fields.String(required=True, validate=validate.Length(min=1, max=200))
    client_secret = fields.String(
        required=True, load_only=True, validate=validate.Length(min=1, max=500)
    )


class OutboxItemSchema(BaseSchema):
    """An outbox item; its payload is already anonymized, so it is safe to show."""

    seq = fields.Integer(dump_only=True)
    kind = fields.Enum(OutboxKind, by_value=True, dump_only=True)
    key = fields.String(dump_only=True)
    payload = fields.Dict(dump_only=True)
    status = fields.Enum(OutboxStatus, by_value=True, dump_only=True)
    attempts = fields.Integer(dump_only=True)
    last_error = fields.String(dump_only=True, allow_none=True)
    created_at = fields.AwareDateTime(dump_only=True)
    sent_at = fields.AwareDateTime(dump_only=True, allow_none=True)


OutboxItemPageSchema = page_schema(OutboxItemSchema)


class DeadLetterArgsSchema(PageArgsSchema):
    kind = fields.Enum(OutboxKind, by_value=True)


class ResourceSchema(BaseSchema):
    """A shared resource published by national staff, as held in the node's copy."""

    id = Id(dump_only=True)
    seq = fields.Integer(dump_only=True)
    kind = fields.String(dump_only=True)
    title = fields.String(dump_only=True)
    summary = fields.String(dump_only=True)
    body = fields.String(dump_only=True, allow_none=True)
    url = fields.String(dump_only=True, allow_none=True)
    tags = fields.List(fields.String(), dump_only=True)
    language = fields.String(dump_only=True)
    translations = fields.List(fields.Dict(), dump_only=True)
    audience = fields.String(dump_only=True)
    version = fields.Integer(dump_only=True)
    file_name = fields.String(dump_only=True, allow_none=True)
    file_media_type = fields.String(dump_only=True, allow_none=True)
    file_size = fields.Integer(dump_only=True, allow_none=True)
    published_at = fields.AwareDateTime(dump_only=True, allow_none=True)


ResourcePageSchema = page_schema(ResourceSchema)


class ResourceListArgsSchema(PageArgsSchema):
    q = fields.String(
        validate=validate.Length(max=200),
        metadata={"description": "Words, all of which a title, summary or tag holds."},
    )
    kind = fields.String(validate=validate.OneOf(RESOURCE_KINDS))
    language = fields.String(validate=validate.Regexp(r"^[a-z]{2,3}$"))
    audience = fields.String(validate=validate.OneOf(AUDIENCES))

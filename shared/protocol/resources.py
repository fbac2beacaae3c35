"""Shared resources hub → node: the change feed of guides, FAQs, webinars …"""

from __future__ import annotations

from marshmallow import fields, validate

from shared.fields import Id
from shared.protocol.common import AUDIENCES, RESOURCE_KINDS, Dispatch, StrictSchema

#: The most items one page of the change feed carries.
MAX_FEED_ITEMS = 200


class ResourceSchema(StrictSchema):
    """A published resource: a body (Markdown) or a link."""

    id = Id(required=True)
    seq = fields.Integer(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(RESOURCE_KINDS))
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    summary = fields.String(required=True, validate=validate.Length(max=2000))
    body = fields.String(required=True, allow_none=True)
    url = fields.Url(required=True, allow_none=True, schemes={"http", "https"})
    tags = fields.List(fields.String(validate=validate.Length(min=1, max=40)), required=True)
    language = fields.String(required=True, validate=validate.Regexp(r"^[a-z]{2,3}$"))
    audience = fields.String(required=True, validate=validate.OneOf(AUDIENCES))
    published_at = fields.AwareDateTime(required=True)


class ResourceTombstoneSchema(StrictSchema):
    """A resource the hub unpublished: drop the local copy."""

    id = Id(required=True)
    seq = fields.Integer(required=True)
    deleted = fields.Boolean(required=True, validate=validate.Equal(True))


class ResourceChangesSchema(StrictSchema):
    """One page of the feed: changes after ``since`` in ``seq`` order."""

    items = fields.List(
        Dispatch(ResourceSchema, ResourceTombstoneSchema),
        required=True,
        validate=validate.Length(max=MAX_FEED_ITEMS),
    )
    next = fields.Integer(
        required=True, metadata={"description": "The cursor to pass as since next time."}
    )
    more = fields.Boolean(required=True, metadata={"description": "Ask again at once."})

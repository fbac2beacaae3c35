"""Shared resources hub → node: the change feed of guides, FAQs, webinars …"""

from __future__ import annotations

from marshmallow import fields, validate

from shared.fields import Id
from shared.protocol.common import AUDIENCES, RESOURCE_KINDS, Dispatch, StrictSchema

#: The most items one page of the change feed carries.
MAX_FEED_ITEMS = 200


#: The most translations one resource carries, and the largest file it may hold.
MAX_TRANSLATIONS = 20
MAX_RESOURCE_FILE_BYTES = 20 * 1024 * 1024
_LANGUAGE = validate.Regexp(r"^[a-z]{2,3}$", error="Use an ISO 639 language code.")
_SHA256 = validate.Regexp(r"^[0-9a-f]{64}$", error="A SHA-256 digest in hex.")


class ResourceTranslationSchema(StrictSchema):
    """The title and summary in one more language (the body, link or file stay as they are)."""

    language = fields.String(required=True, validate=_LANGUAGE)
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    summary = fields.String(required=True, validate=validate.Length(max=2000))


class ResourceFileSchema(StrictSchema):
    """A file a resource offers: nodes fetch its bytes from ``/resources/<id>/file``."""

    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    media_type = fields.String(required=True, validate=validate.Length(min=1, max=100))
    size = fields.Integer(
        required=True, validate=validate.Range(min=1, max=MAX_RESOURCE_FILE_BYTES)
    )
    sha256 = fields.String(required=True, validate=_SHA256)


class ResourceSchema(StrictSchema):
    """A published resource: a body (Markdown), a link or a file; ``version`` counts its edits."""

    id = Id(required=True)
    seq = fields.Integer(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(RESOURCE_KINDS))
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    summary = fields.String(required=True, validate=validate.Length(max=2000))
    body = fields.String(required=True, allow_none=True)
    url = fields.Url(required=True, allow_none=True, schemes={"http", "https"})
    file = fields.Nested(ResourceFileSchema, required=True, allow_none=True)
    tags = fields.List(fields.String(validate=validate.Length(min=1, max=40)), required=True)
    language = fields.String(required=True, validate=_LANGUAGE)
    translations = fields.List(
        fields.Nested(ResourceTranslationSchema),
        required=True,
        validate=validate.Length(max=MAX_TRANSLATIONS),
    )
    audience = fields.String(required=True, validate=validate.OneOf(AUDIENCES))
    version = fields.Integer(required=True, validate=validate.Range(min=1))
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

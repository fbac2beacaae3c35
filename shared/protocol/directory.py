"""The hub directory as nodes read it: anonymized profiles of other communities."""

from __future__ import annotations

from marshmallow import fields

from shared.fields import Id
from shared.protocol.common import StrictSchema
from shared.protocol.profiles import LanguageSchema


class DirectoryEntrySchema(StrictSchema):
    """One listed connector; ``id`` is the hub's handle (the node's ref never leaves it)."""

    id = Id(required=True)
    community = fields.String(required=True, metadata={"description": "The node's slug."})
    occupation = fields.String(required=True)
    occupation_level = fields.String(required=True)
    occupation_title = fields.String(required=True)
    experience_band = fields.String(required=True, allow_none=True)
    languages = fields.List(fields.Nested(LanguageSchema), required=True)
    skills = fields.List(fields.String(), required=True)
    availability = fields.List(fields.String(), required=True)
    remote_ok = fields.Boolean(required=True)
    cross_city_ok = fields.Boolean(required=True)
    accepting = fields.Boolean(required=True)
    updated_at = fields.AwareDateTime(required=True)


class DirectoryPageSchema(StrictSchema):
    """One page of the directory."""

    items = fields.List(fields.Nested(DirectoryEntrySchema), required=True)
    total = fields.Integer(required=True)
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    pages = fields.Integer(required=True)

"""The directory's query arguments: the API and the staff pages read them alike."""

from __future__ import annotations

from marshmallow import fields, validate

from shared.protocol import SocCode
from shared.protocol.common import BaseSchema
from shared.protocol.profiles import WireLanguage
from shared.taxonomy import Level


class DirectoryArgsSchema(BaseSchema):
    """The directory list's filters and page; ``include_own`` matters to a community only."""

    occupation = SocCode(metadata={"description": "A SOC code, e.g. 29-1141."})
    related = fields.String(
        validate=validate.OneOf([level.value for level in Level if level is not Level.AGGREGATE]),
        metadata={
            "description": "Also match codes sharing the occupation's prefix at "
            "this level (major, minor, broad)."
        },
    )
    # Either form: an ISO 639-1 code (as older nodes and bookmarks have it) or 639-3.
    language = WireLanguage(validate=validate.Regexp(r"^[a-z]{2,3}$"))
    remote_ok = fields.Boolean()
    cross_city_ok = fields.Boolean()
    accepting = fields.Boolean()
    community = fields.String(validate=validate.Length(max=40))
    include_own = fields.Boolean(load_default=False)
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))

"""The public roll-up's query arguments, shared by the API and the staff dashboard."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from shared.protocol import PERIOD_PATTERN

#: The groupings the public roll-up can be read at; the services check their argument too.
ROLLUP_LEVELS = ("community", "major_group", "community_major_group", "national")


class RollupArgsSchema(Schema):
    period = fields.String(validate=validate.Regexp(PERIOD_PATTERN), load_default=None)
    by = fields.String(validate=validate.OneOf(ROLLUP_LEVELS), load_default="community")

"""The public roll-up's query arguments, shared by the API and the staff dashboard."""

from __future__ import annotations

from marshmallow import fields, validate

from hub.outcomes.models import ROLLUP_LEVELS
from shared.protocol import PERIOD_PATTERN
from shared.protocol.common import BaseSchema


class RollupArgsSchema(BaseSchema):
    period = fields.String(validate=validate.Regexp(PERIOD_PATTERN), load_default=None)
    by = fields.String(validate=validate.OneOf(ROLLUP_LEVELS), load_default="community")

"""The wire shapes of follow-up outcomes."""

from __future__ import annotations

from marshmallow import fields, validate

from community_node.fields import OccupationCode
from community_node.outcomes.models import MILESTONES, OutcomeCategory
from community_node.pagination import PageArgsSchema, page_schema
from shared.fields import Id
from shared.protocol.common import BaseSchema

_milestone = fields.Integer(
    validate=validate.OneOf(MILESTONES),
    metadata={"description": "Months after the first meeting: 3, 6 or 12."},
)


class _OutcomeFieldsSchema(BaseSchema):
    """Fields a coordinator may set, on creation and on correction."""

    milestone_months = _milestone
    category = fields.Enum(OutcomeCategory, by_value=True)
    occupation = OccupationCode(
        allow_none=True,
        metadata={"description": "The job's SOC code; only for the employed categories."},
    )
    attributed_to_program = fields.Boolean(
        allow_none=True,
        metadata={"description": "Whether the connectee credits the program; null if not asked."},
    )
    recorded_on = fields.Date(
        metadata={"description": "When the follow-up took place; defaults to today."}
    )
    notes = fields.String(allow_none=True, validate=validate.Length(max=5000))
    match_id = Id(
        allow_none=True,
        metadata={"description": "The match it follows; defaults to the first met match."},
    )


class OutcomeSchema(_OutcomeFieldsSchema):
    """A follow-up outcome as read and recorded through the API."""

    id = Id(dump_only=True)
    connectee_id = Id(required=True)
    milestone_months = fields.Integer(
        required=True,
        validate=validate.OneOf(MILESTONES),
        metadata={"description": "Months after the first meeting: 3, 6 or 12."},
    )
    category = fields.Enum(OutcomeCategory, by_value=True, required=True)
    recorded_by = fields.String(dump_only=True)
    created_at = fields.AwareDateTime(dump_only=True)


class OutcomeUpdateSchema(_OutcomeFieldsSchema):
    """A correction of a recorded outcome; the connectee cannot change."""


class OutcomeListArgsSchema(PageArgsSchema):
    connectee_id = Id()
    milestone_months = _milestone
    category = fields.Enum(OutcomeCategory, by_value=True)
    attributed_to_program = fields.Boolean()


OutcomePageSchema = page_schema(OutcomeSchema)

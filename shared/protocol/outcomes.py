"""Outcomes node → hub (one community's aggregate cells per period) and the public roll-up."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, validate, validates, validates_schema

from shared.protocol.common import (
    MAJOR_GROUPS,
    METRICS,
    PERIOD_PATTERN,
    StrictBoolean,
    StrictInteger,
    StrictSchema,
)

#: The smallest unsuppressed value a node may send (it suppresses 1 … SMALL_CELL - 1).
SMALL_CELL = 5

period_field = fields.String(
    required=True, validate=validate.Regexp(PERIOD_PATTERN, error="Use a quarter like 2026-Q3.")
)


class OutcomeCellSchema(StrictSchema):
    """One aggregate count: a metric for a major group, or a suppression marker."""

    major_group = fields.String(required=True, validate=validate.OneOf(MAJOR_GROUPS))
    metric = fields.String(required=True, validate=validate.OneOf(METRICS))
    value = StrictInteger(required=True, allow_none=True, validate=validate.Range(min=0))
    suppressed = StrictBoolean(required=True)

    @validates_schema
    def _suppression(self, data: dict[str, Any], **kwargs: Any) -> None:
        value, suppressed = data.get("value"), data.get("suppressed")
        if suppressed and value is not None:
            raise ValidationError("A suppressed cell has value null.", "value")
        if not suppressed and value is None:
            raise ValidationError("Only a suppressed cell may have value null.", "value")
        if value is not None and 0 < value < SMALL_CELL:
            raise ValidationError(f"Values 1 to {SMALL_CELL - 1} must be sent suppressed.", "value")


class OutcomeSetSchema(StrictSchema):
    """The whole set of one community's cells for one period (it replaces the last one)."""

    cells = fields.List(
        fields.Nested(OutcomeCellSchema),
        required=True,
        validate=validate.Length(max=len(MAJOR_GROUPS) * len(METRICS)),
    )

    @validates("cells")
    def _one_cell_each(self, value: list[dict[str, Any]], **kwargs: Any) -> None:
        keys = [(c.get("major_group"), c.get("metric")) for c in value]
        if len(keys) != len(set(keys)):
            raise ValidationError("Give each (major_group, metric) cell once.")


class OutcomeSetResultSchema(OutcomeSetSchema):
    """A stored set, as the hub holds it."""

    period = period_field


class RollupRowSchema(StrictSchema):
    """One roll-up line after the hub's public thresholds.

    A metric is null when it is suppressed (listed in ``suppressed``) or not reported.
    """

    period = period_field
    community = fields.String(required=True, allow_none=True)
    major_group = fields.String(required=True)
    enrolled = fields.Integer(required=True, allow_none=True)
    eligible = fields.Integer(required=True, allow_none=True)
    matched = fields.Integer(required=True, allow_none=True)
    met = fields.Integer(required=True, allow_none=True)
    referred = fields.Integer(required=True, allow_none=True)
    employed_in_field = fields.Integer(required=True, allow_none=True)
    employed_related_field = fields.Integer(required=True, allow_none=True)
    employed_outside_field = fields.Integer(required=True, allow_none=True)
    employed = fields.Integer(
        required=True, allow_none=True, metadata={"description": "All three employed_* summed."}
    )
    placement_rate = fields.Float(
        required=True, allow_none=True, metadata={"description": "employed / met, published."}
    )
    suppressed = fields.List(fields.String(), required=True)


class RollupSchema(StrictSchema):
    """The public roll-up of outcomes at one level of detail."""

    by = fields.String(required=True)
    period = fields.String(required=True, allow_none=True)
    suppress_below = fields.Integer(required=True)
    round_to = fields.Integer(required=True)
    rows = fields.List(fields.Nested(RollupRowSchema), required=True)

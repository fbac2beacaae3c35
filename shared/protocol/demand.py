"""Demand node → hub: a community's local labour-demand signal per SOC major group.

The node derives each signal from its demand table (OEWS figures for its metro, or a table
it uploaded): the mean of its occupations' signals in the group, in [0, 1], two decimals.
It is an aggregate of public statistics, never of people; the hub shows it beside the
roll-up so national staff see where the demand for each occupation group is.
"""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, validate, validates

from shared.protocol.common import SOC_MAJOR_GROUPS, StrictSchema

#: Decimals a signal carries: enough to rank, too few to fingerprint a custom table.
SIGNAL_DECIMALS = 2


class StrictFloat(fields.Float):
    """A JSON number only: no ``"0.5"`` strings, no booleans."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


class DemandSignalSchema(StrictSchema):
    """The demand signal of one SOC major group."""

    major_group = fields.String(required=True, validate=validate.OneOf(SOC_MAJOR_GROUPS))
    signal = StrictFloat(required=True, validate=validate.Range(min=0, max=1))

    @validates("signal")
    def _two_decimals(self, value: float, **kwargs: Any) -> None:
        if round(value, SIGNAL_DECIMALS) != value:
            raise ValidationError(f"Round the signal to {SIGNAL_DECIMALS} decimals.")


class DemandSetSchema(StrictSchema):
    """A community's whole set of signals (it replaces the last one)."""

    signals = fields.List(
        fields.Nested(DemandSignalSchema),
        required=True,
        validate=validate.Length(max=len(SOC_MAJOR_GROUPS)),
    )

    @validates("signals")
    def _one_each(self, value: list[dict[str, Any]], **kwargs: Any) -> None:
        groups = [s.get("major_group") for s in value]
        if len(groups) != len(set(groups)):
            raise ValidationError("Give each major_group once.")


class DemandRowSchema(StrictSchema):
    """One community's signal for one major group, as the hub publishes it."""

    community = fields.String(required=True)
    major_group = fields.String(required=True)
    major_group_title = fields.String(required=True)
    signal = fields.Float(required=True)
    updated_at = fields.AwareDateTime(required=True)


class DemandTableSchema(StrictSchema):
    """The public demand table: every active community's signals."""

    rows = fields.List(fields.Nested(DemandRowSchema), required=True)


def round_signal(value: float) -> float:
    """Round a signal for the wire, clamped to [0, 1]."""
    return round(min(1.0, max(0.0, value)), SIGNAL_DECIMALS)

"""The wire shapes of matches, their transitions, meetings, referrals and capacity."""

from __future__ import annotations

from marshmallow import fields, validate

from community_node.fields import TrimmedString
from community_node.matches.lifecycle import allowed_next
from community_node.matches.models import MatchStatus, MeetingMode, ReferralResult
from community_node.pagination import PageArgsSchema, page_schema
from community_node.participants.models import CapacityPeriod
from shared.fields import Id
from shared.protocol.common import BaseSchema

#: The longest meeting note a coordinator may keep (characters).
MEETING_NOTES_MAX = 2000


class TransitionSchema(BaseSchema):
    """One status change; POST only sends ``to`` and ``note``."""

    id = Id(dump_only=True)
    match_id = Id(dump_only=True)
    from_status = fields.Enum(MatchStatus, by_value=True, dump_only=True, allow_none=True)
    to = fields.Enum(MatchStatus, by_value=True, required=True, load_only=True)
    to_status = fields.Enum(MatchStatus, by_value=True, dump_only=True)
    at = fields.AwareDateTime(dump_only=True)
    by = fields.String(dump_only=True)
    note = fields.String(allow_none=True, validate=validate.Length(max=2000))


class MeetingSchema(BaseSchema):
    id = Id(dump_only=True)
    match_id = Id(dump_only=True)
    scheduled_for = fields.AwareDateTime(required=True)
    duration_minutes = fields.Integer(load_default=30, validate=validate.Range(min=5, max=480))
    mode = fields.Enum(MeetingMode, by_value=True, required=True)
    confirmed_by_connectee = fields.Boolean(dump_only=True)
    confirmed_by_connector = fields.Boolean(dump_only=True)
    held = fields.Boolean(dump_only=True, allow_none=True)
    notes = TrimmedString(allow_none=True, validate=validate.Length(max=MEETING_NOTES_MAX))
    created_at = fields.AwareDateTime(dump_only=True)


class MeetingUpdateSchema(BaseSchema):
    """What happens after scheduling: confirmations, whether it took place, notes."""

    held = fields.Boolean(allow_none=True)
    confirmed_by_connectee = fields.Boolean()
    confirmed_by_connector = fields.Boolean()
    notes = TrimmedString(allow_none=True, validate=validate.Length(max=MEETING_NOTES_MAX))


class ReferralSchema(BaseSchema):
    """An introduction the connector made; ``contact_name`` stays on this node."""

    id = Id(dump_only=True)
    match_id = Id(dump_only=True)
    contact_name = TrimmedString(required=True, validate=validate.Length(min=1, max=200))
    organisation = TrimmedString(required=True, validate=validate.Length(min=1, max=200))
    sector = TrimmedString(required=True, validate=validate.Length(min=1, max=100))
    referred_on = fields.Date(metadata={"description": "Defaults to today."})
    tier = fields.Integer(
        load_default=1,
        validate=validate.OneOf([1, 2], error="Tier is 1 (the connector's) or 2 (theirs)."),
    )
    result = fields.Enum(ReferralResult, by_value=True, load_default=ReferralResult.PENDING)
    event_id = Id(allow_none=True, metadata={"description": "The event where it was made."})
    created_at = fields.AwareDateTime(dump_only=True)


class ReferralUpdateSchema(BaseSchema):
    result = fields.Enum(ReferralResult, by_value=True, required=True)


class MatchSchema(BaseSchema):
    """A match as listed and exported; POST sends the pair, an optional score and note."""

    id = Id(dump_only=True)
    connectee_id = Id(required=True)
    connector_id = Id(required=True)
    status = fields.Enum(MatchStatus, by_value=True, dump_only=True)
    score = fields.Float(allow_none=True, validate=validate.Range(min=0, max=100))
    note = fields.String(
        load_only=True,
        allow_none=True,
        validate=validate.Length(max=2000),
        metadata={"description": "Kept on the initial transition."},
    )
    event_id = Id(
        allow_none=True,
        metadata={"description": "The event where the pair was introduced; starts introduced."},
    )
    proposed_at = fields.AwareDateTime(dump_only=True)
    status_changed_at = fields.AwareDateTime(dump_only=True)
    expires_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    first_met_on = fields.Date(dump_only=True, allow_none=True)
    exit_reason = fields.String(dump_only=True, allow_none=True)
    created_by = fields.String(dump_only=True)


class MatchDetailSchema(MatchSchema):
    """One match with its history, meetings, referrals and the statuses it may move to."""

    allowed_transitions = fields.Function(
        lambda match: allowed_next(match.status),
        metadata={"type": "array", "items": {"type": "string"}},
    )
    transitions = fields.List(fields.Nested(TransitionSchema), dump_only=True)
    meetings = fields.List(fields.Nested(MeetingSchema), dump_only=True)
    referrals = fields.List(fields.Nested(ReferralSchema), dump_only=True)


class MatchListArgsSchema(PageArgsSchema):
    status = fields.Enum(MatchStatus, by_value=True)
    connectee_id = Id()
    connector_id = Id()
    open = fields.Boolean(metadata={"description": "Only matches that have not ended (or ended)."})


MatchPageSchema = page_schema(MatchSchema)


class CapacitySchema(BaseSchema):
    connector_id = Id()
    capacity = fields.Integer()
    period = fields.Enum(CapacityPeriod, by_value=True)
    period_start = fields.AwareDateTime()
    period_end = fields.AwareDateTime()
    used = fields.Integer()
    left = fields.Integer()

"""The wire shapes of events, their attendees and what happens there."""

from __future__ import annotations

import datetime as dt
from typing import Any

from marshmallow import ValidationError, fields, validate, validates_schema

from community_node.events.models import Attendance, EventKind
from community_node.fields import Id, TrimmedString
from community_node.pagination import PageArgsSchema, page_schema
from shared.protocol.common import BaseSchema

#: The longest an event may last.
MAX_LENGTH = dt.timedelta(days=3)


class EventSchema(BaseSchema):
    """A networking event or job fair."""

    id = Id(dump_only=True)
    name = TrimmedString(required=True, validate=validate.Length(min=1, max=200))
    kind = fields.Enum(EventKind, by_value=True, required=True)
    starts_at = fields.AwareDateTime(required=True)
    ends_at = fields.AwareDateTime(required=True)
    location = TrimmedString(required=True, validate=validate.Length(min=1, max=300))
    description = fields.String(allow_none=True, validate=validate.Length(max=5000))
    registration_open = fields.Boolean()
    capacity = fields.Integer(allow_none=True, validate=validate.Range(min=1, max=100_000))
    public_key = fields.String(
        dump_only=True, metadata={"description": "Names the event in its public page's address."}
    )
    created_by = fields.String(dump_only=True)
    created_at = fields.AwareDateTime(dump_only=True)

    @validates_schema
    def _times(self, data: dict[str, Any], **kwargs: Any) -> None:
        start, end = data.get("starts_at"), data.get("ends_at")
        if isinstance(start, dt.datetime) and isinstance(end, dt.datetime):
            if end <= start:
                raise ValidationError("Must be after the start.", field_name="ends_at")
            if end - start > MAX_LENGTH:
                raise ValidationError("An event lasts at most three days.", field_name="ends_at")


class EventListArgsSchema(PageArgsSchema):
    kind = fields.Enum(EventKind, by_value=True)
    upcoming = fields.Boolean(metadata={"description": "Only events that have not ended."})


EventPageSchema = page_schema(EventSchema)


class InviteSchema(BaseSchema):
    """Whom to invite; each gets a message with the event's calendar file."""

    connectee_ids = fields.List(Id(), load_default=list, validate=validate.Length(max=1000))
    connector_ids = fields.List(Id(), load_default=list, validate=validate.Length(max=1000))

    @validates_schema
    def _someone(self, data: dict[str, Any], **kwargs: Any) -> None:
        if not data.get("connectee_ids") and not data.get("connector_ids"):
            raise ValidationError("Choose at least one person to invite.", field_name="_schema")


class AttendeeSchema(BaseSchema):
    """One person on an event's list and how far they got: invited, registered, checked in."""

    id = Id(dump_only=True)
    event_id = Id(dump_only=True)
    connectee_id = Id(dump_only=True, allow_none=True)
    connector_id = Id(dump_only=True, allow_none=True)
    status = fields.Enum(Attendance, by_value=True, dump_only=True)
    invited_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    registered_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    checked_in_at = fields.AwareDateTime(dump_only=True, allow_none=True)


class AttendeeListArgsSchema(BaseSchema):
    q = fields.String(
        validate=validate.Length(max=100), metadata={"description": "Words of the name."}
    )


class IntroductionSchema(BaseSchema):
    """A connectee and a connector introduced at the event: a match that starts introduced."""

    connectee_id = Id(required=True)
    connector_id = Id(required=True)
    note = TrimmedString(allow_none=True, validate=validate.Length(max=2000))

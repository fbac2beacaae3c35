"""The wire shapes of partners, their contacts and recruiting needs, and invitation links."""

from __future__ import annotations

import datetime as dt
from typing import Any

from marshmallow import ValidationError, fields, validate, validates_schema

from community_node.fields import Id, OccupationCode, TrimmedString
from community_node.pagination import PageArgsSchema, page_schema
from community_node.participants.schemas import PHONE_MESSAGE, PHONE_PATTERN
from community_node.recruitment.models import PartnerKind
from shared.protocol.common import BaseSchema

#: The longest period a recruiting need may cover.
MAX_NEED_DAYS = 731


class PartnerContactSchema(BaseSchema):
    """A person at the partner; personal data, so it never leaves the node."""

    id = Id(dump_only=True)
    name = TrimmedString(required=True, validate=validate.Length(min=1, max=200))
    role = TrimmedString(allow_none=True, validate=validate.Length(max=200))
    email = fields.Email(allow_none=True, validate=validate.Length(max=254))
    phone = TrimmedString(
        allow_none=True,
        validate=[validate.Length(max=40), validate.Regexp(PHONE_PATTERN, error=PHONE_MESSAGE)],
    )


class RecruitingNeedSchema(BaseSchema):
    """How many people in one occupation a partner wants to hire, and when."""

    id = Id(dump_only=True)
    partner_id = Id(dump_only=True)
    soc_code = OccupationCode(required=True, metadata={"description": "SOC 2018, e.g. 13-2011."})
    positions = fields.Integer(required=True, validate=validate.Range(min=1, max=10_000))
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)
    notes = TrimmedString(allow_none=True, validate=validate.Length(max=2000))
    created_at = fields.AwareDateTime(dump_only=True)

    @validates_schema
    def _period(self, data: dict[str, Any], **kwargs: Any) -> None:
        start, end = data.get("starts_on"), data.get("ends_on")
        if isinstance(start, dt.date) and isinstance(end, dt.date):
            if end < start:
                raise ValidationError("Must not be before the start.", field_name="ends_on")
            if (end - start).days > MAX_NEED_DAYS:
                raise ValidationError("A need covers at most two years.", field_name="ends_on")


class PartnerSchema(BaseSchema):
    """A partner organisation; ``contacts`` replaces the whole list when sent."""

    id = Id(dump_only=True)
    name = TrimmedString(required=True, validate=validate.Length(min=1, max=200))
    kind = fields.Enum(PartnerKind, by_value=True, required=True)
    website = fields.URL(allow_none=True, validate=validate.Length(max=300))
    notes = fields.String(allow_none=True, validate=validate.Length(max=5000))
    active = fields.Boolean()
    contacts = fields.List(fields.Nested(PartnerContactSchema), validate=validate.Length(max=50))
    needs = fields.List(fields.Nested(RecruitingNeedSchema), dump_only=True)
    created_at = fields.AwareDateTime(dump_only=True)
    updated_at = fields.AwareDateTime(dump_only=True)


class PartnerListArgsSchema(PageArgsSchema):
    kind = fields.Enum(PartnerKind, by_value=True)
    active = fields.Boolean()
    q = fields.String(validate=validate.Length(min=1, max=100))


PartnerPageSchema = page_schema(PartnerSchema)


class InvitationSchema(BaseSchema):
    """A connector's personal invitation link to the connector sign-up form."""

    connector_id = Id()
    token = fields.String(metadata={"description": "Signed with the node's secret key."})
    url = fields.String(metadata={"description": "The sign-up form with the token."})

"""What the admin pages accept for staff accounts, tokens and the audit log's filters."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, validate, validates_schema

from community_node.auth.models import Role
from community_node.pagination import PageArgsSchema
from shared.protocol.common import BaseSchema
from shared.web.staff import MIN_PASSWORD_LENGTH

_NO_NUL = validate.Regexp(r"^[^\x00]*$", error="Remove the NUL character (\\0).")


class StaffUserCreateSchema(BaseSchema):
    email = fields.Email(required=True, validate=[validate.Length(max=254), _NO_NUL])
    name = fields.String(required=True, validate=[validate.Length(min=1, max=200), _NO_NUL])
    role = fields.Enum(Role, by_value=True, required=True)
    password = fields.String(
        required=True,
        load_only=True,
        validate=[validate.Length(min=MIN_PASSWORD_LENGTH, max=1000), _NO_NUL],
    )


class RoleChangeSchema(BaseSchema):
    role = fields.Enum(Role, by_value=True, required=True)


class TokenCreateSchema(BaseSchema):
    name = fields.String(required=True, validate=[validate.Length(min=1, max=200), _NO_NUL])
    expires_in_days = fields.Integer(
        load_default=None, allow_none=True, validate=validate.Range(min=1, max=3650)
    )


class AuditArgsSchema(PageArgsSchema):
    """The audit log's filters; ``since`` and ``until`` are days, both included."""

    actor = fields.String(validate=validate.Length(max=80))
    action = fields.String(validate=validate.Length(max=80))
    entity_type = fields.String(validate=validate.Length(max=40))
    since = fields.Date()
    until = fields.Date()

    @validates_schema
    def _ordered(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            raise ValidationError("Pick an end date on or after the start date.", "until")

"""What the tokens page accepts (staff accounts and the audit log: ``shared.web.admin``)."""

from __future__ import annotations

from marshmallow import fields, validate

from shared.protocol.common import BaseSchema

_NO_NUL = validate.Regexp(r"^[^\x00]*$", error="Remove the NUL character (\\0).")


class TokenCreateSchema(BaseSchema):
    name = fields.String(required=True, validate=[validate.Length(min=1, max=200), _NO_NUL])
    expires_in_days = fields.Integer(
        load_default=None, allow_none=True, validate=validate.Range(min=1, max=3650)
    )

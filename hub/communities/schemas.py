"""Wire shapes of the communities feature."""

from __future__ import annotations

from marshmallow import fields

from shared.protocol.common import BaseSchema


class WhoAmISchema(BaseSchema):
    """The community an access token belongs to, and what the token allows."""

    community = fields.String(required=True, metadata={"description": "The community's slug."})
    name = fields.String(required=True)
    status = fields.String(
        required=True, metadata={"description": "active, silenced (read-only) or suspended."}
    )
    scopes = fields.List(fields.String(), required=True)

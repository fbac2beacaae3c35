"""What staff give to publish a resource, checked the same way from the CLI and the web UI."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, validates_schema

from shared.protocol import ResourceSchema


class ResourceDraftSchema(ResourceSchema):
    """A resource to publish: the feed's own schema less what the hub assigns."""

    class Meta(ResourceSchema.Meta):
        exclude = ("id", "seq", "published_at")

    @validates_schema
    def _body_or_url(self, data: dict[str, Any], **kwargs: Any) -> None:
        # Nodes show either the Markdown body or the link; a resource with both is ambiguous.
        if (data.get("body") is None) == (data.get("url") is None):
            raise ValidationError("Give a body or a url, not both.", "body")

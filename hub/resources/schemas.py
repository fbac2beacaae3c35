"""What staff give to publish a resource, checked the same way from the CLI and the web UI.

Messages speak the words of the form (a text, a link, a file), since staff read them
beside its fields; those marked ``N_`` the form shows in the reader's language.
"""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, validate, validates_schema

from shared.names import written_languages
from shared.protocol import AUDIENCES, RESOURCE_KINDS, ResourceSchema
from shared.protocol.resources import MAX_TRANSLATIONS, ResourceTranslationSchema
from shared.text import N_

#: The fields a resource's content may be given in.
CONTENT_FIELDS = ("body", "url", "file_name")
#: What a draft giving more than one content is told, by the fields it gives (one whole
#: sentence each, so each can be translated).
MORE_THAN_ONE = {
    ("body", "url"): N_("Give only one of a text, a link or a file (this has a text and a link)."),
    ("body", "file_name"): N_(
        "Give only one of a text, a link or a file (this has a text and a file)."
    ),
    ("url", "file_name"): N_(
        "Give only one of a text, a link or a file (this has a link and a file)."
    ),
    ("body", "url", "file_name"): N_(
        "Give only one of a text, a link or a file (this has a text and a link and a file)."
    ),
}


class ResourceDraftSchema(ResourceSchema):
    """A resource to publish: the feed's own schema less what the hub assigns.

    The file's bytes travel beside the draft (checked by ``hub.resources.files``);
    ``file_name`` says that one was given, so one rule decides text, link or file.
    """

    class Meta(ResourceSchema.Meta):
        exclude = ("id", "seq", "published_at", "version", "file")

    kind = fields.String(
        required=True,
        validate=validate.OneOf(
            RESOURCE_KINDS, error=N_("Choose one of the categories in the list.")
        ),
    )
    language = fields.String(
        required=True,
        validate=validate.OneOf(
            [code for code, _ in written_languages()], error=N_("Choose a language from the list.")
        ),
    )
    audience = fields.String(
        required=True,
        validate=validate.OneOf(
            AUDIENCES, error=N_("Choose who the resource is for from the list.")
        ),
    )
    file_name = fields.String(load_default=None, allow_none=True, load_only=True)
    translations = fields.List(
        fields.Nested(ResourceTranslationSchema),
        load_default=list,
        validate=validate.Length(max=MAX_TRANSLATIONS),
    )

    @validates_schema
    def _one_content(self, data: dict[str, Any], **kwargs: Any) -> None:
        # Nodes show the text, the link or the file; a resource with two is ambiguous.
        given = [name for name in CONTENT_FIELDS if data.get(name) is not None]
        if not given:
            raise ValidationError(N_("Write a text, give a link or upload a file."), "body")
        if len(given) > 1:
            raise ValidationError(MORE_THAN_ONE[tuple(given)], given[-1])

    @validates_schema
    def _distinct_languages(self, data: dict[str, Any], **kwargs: Any) -> None:
        seen = {data.get("language")}
        for item in data.get("translations") or []:
            if item["language"] in seen:
                raise ValidationError(
                    f"The title and summary in “{item['language']}” are given twice.",
                    "translations",
                )
            seen.add(item["language"])

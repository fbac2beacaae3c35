"""The resource library's forms: rendering, CSRF and shaping values for the service.

The values are checked by ``ResourceDraftSchema`` (the CLI's check too) and the file by
``hub.resources.files``; this module only reads the form and puts errors beside fields.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import Form, FormField, SelectField, StringField, TextAreaField, URLField
from wtforms.fields import FieldList
from wtforms.fields.choices import SelectChoice

from hub.resources.files import ACCEPTED_TEXT
from hub.web.labels import messages as in_reader_language
from hub.web.labels import reader_locale
from shared.names import AUDIENCE_LABELS, RESOURCE_CATEGORIES, written_languages
from shared.protocol.resources import MAX_RESOURCE_FILE_BYTES
from shared.web.forms import StaffForm

#: Blank rows offered for titles and summaries in more languages.
TRANSLATION_ROWS = 3


def _choices(options: Iterable[tuple[str, str]]) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in options]


def language_choices(blank: str | None = None, locale: str = "en") -> list[SelectChoice]:
    options = [(code, f"{name} ({code})") for code, name in written_languages(locale)]
    return _choices([("", blank), *options] if blank is not None else options)


class TranslationForm(Form):  # type: ignore[misc]  # WTForms is untyped
    """The title and summary in one more language (no CSRF: it is part of the form)."""

    language = SelectField(_l("Language"), choices=language_choices("—"), validate_choice=False)
    title = StringField(_l("Title"))
    summary = TextAreaField(_l("Summary"))


class ResourceForm(StaffForm):
    """A guide, FAQ, webinar … to publish, or a new version of one."""

    kind = SelectField(
        _l("Category"), choices=_choices(RESOURCE_CATEGORIES.items()), validate_choice=False
    )
    title = StringField(_l("Title"))
    summary = TextAreaField(
        _l("Summary"), description=_l("One or two sentences: what it is, for whom.")
    )
    language = SelectField(
        _l("Language"), choices=language_choices(), default="en", validate_choice=False
    )
    audience = SelectField(
        _l("Audience"),
        choices=_choices(AUDIENCE_LABELS.items()),
        default="staff",
        validate_choice=False,
    )
    body = TextAreaField(_l("Text (Markdown)"), description=_l("Write the resource here, or …"))
    url = URLField(_l("Link"), description=_l("… give a link to it (https://…), or …"))
    file = FileField(
        _l("File"),
        description=_l(
            "… upload it: %(types)s, at most %(size)s MB.",
            types=ACCEPTED_TEXT,
            size=MAX_RESOURCE_FILE_BYTES // (1024 * 1024),
        ),
    )
    tags = StringField(_l("Tags"), description=_l("Comma-separated, e.g. licensing, nursing."))
    translations = FieldList(FormField(TranslationForm), min_entries=TRANSLATION_ROWS)
    note = StringField(_l("What changed"), description=_l("Shown in the version history."))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The words of the choices in the reader's language (known only per request).
        locale = reader_locale()
        self.language.choices = language_choices(locale=locale)
        self.kind.choices = _choices((k, gettext(v)) for k, v in RESOURCE_CATEGORIES.items())
        self.audience.choices = _choices((k, gettext(v)) for k, v in AUDIENCE_LABELS.items())
        # Each row's fields are named apart, so a screen reader (and a test) tells them apart.
        for number, entry in enumerate(self.translations.entries, start=1):
            row = entry.form
            row.language.choices = language_choices("—", locale)
            row.language.label.text = gettext("Extra language %(number)s", number=number)
            row.title.label.text = gettext("Title in extra language %(number)s", number=number)
            row.summary.label.text = gettext("Summary in extra language %(number)s", number=number)

    def draft(self) -> dict[str, Any]:
        """Return the values as the service takes them; blank text, link or rows are none."""
        tags = (self.tags.data or "").split(",")
        return {
            "kind": self.kind.data,
            "title": (self.title.data or "").strip(),
            "summary": (self.summary.data or "").strip(),
            "body": (self.body.data or "").strip() or None,
            "url": (self.url.data or "").strip() or None,
            "tags": [tag.strip() for tag in tags if tag.strip()],
            "language": self.language.data or "",
            "audience": self.audience.data,
            "translations": self.translation_rows(),
        }

    def translation_rows(self) -> list[dict[str, str]]:
        rows = []
        for entry in self.translations.entries:
            row = {k: (entry.form[k].data or "").strip() for k in ("language", "title", "summary")}
            if any(row.values()):
                rows.append(row)
        return rows

    def add_errors(self, messages: Mapping[str, Any]) -> None:
        """Put each row's messages beside its own fields, the rest as the form's own."""
        messages = dict(in_reader_language(dict(messages)))
        nested = messages.pop("translations", None)
        if nested is not None:
            self._translation_errors(nested)
        if "file_name" in messages:
            messages["file"] = messages.pop("file_name")
        super().add_errors(messages)

    def _translation_errors(self, nested: Any) -> None:
        if not isinstance(nested, Mapping):  # a message about all rows
            self.translations.errors = list(nested)
            return
        filled = [
            e
            for e in self.translations.entries
            if any((e.form[k].data or "").strip() for k in ("language", "title", "summary"))
        ]
        for index, problems in nested.items():
            if (
                not isinstance(index, int)
                or index >= len(filled)
                or not isinstance(problems, Mapping)
            ):
                self.form_errors.extend(str(p) for p in problems)
                continue
            for name, texts in problems.items():
                field = filled[index].form._fields.get(name)
                if field is not None:
                    field.errors = [*field.errors, *texts]

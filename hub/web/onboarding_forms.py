"""The onboarding pages' forms: rendering, CSRF and shaping values for the schema.

The values are checked by ``ApplicationSchema`` and ``CommentSchema`` (through the
onboarding services); this module only reads the forms and puts errors beside fields.
Every input is text, so what was typed comes back as typed when the schema refuses it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import get_locale, gettext
from flask_babel import lazy_gettext as _l
from wtforms import EmailField, Form, FormField, SelectField, StringField, TextAreaField
from wtforms.fields import FieldList
from wtforms.fields.choices import SelectChoice

from hub.onboarding.models import PARTNER_KINDS, Application
from hub.onboarding.schemas import MAX_EXPECTED
from hub.web.labels import messages as _translated
from shared.names import countries
from shared.web.forms import StaffForm

#: Rows offered for partners (blank rows are skipped).
PARTNER_ROWS = 5
#: The field people never see; a form that arrives with it filled was sent by a bot.
HONEYPOT = "website"

_NUMBER = {"type": "number", "min": 1, "max": MAX_EXPECTED, "inputmode": "numeric"}


def _partner_kinds() -> list[SelectChoice]:
    return [SelectChoice(kind, _l(label)) for kind, label in PARTNER_KINDS.items()]


class PartnerRow(Form):  # type: ignore[misc]  # WTForms is untyped
    """One partner: its kind and name (no CSRF: it is part of the form)."""

    kind = SelectField(
        _l("Kind"),
        choices=[SelectChoice("", "—"), *_partner_kinds()],
        validate_choice=False,
    )
    name = StringField(_l("Name"))


class ApplicationForm(StaffForm):
    """The public "Become a Connector Community" form, and the applicant's edit of it."""

    organisation = StringField(
        _l("Organisation"), description=_l("The organisation that will run the program.")
    )
    city = StringField(_l("City"))
    region = StringField(_l("Province or state"), description=_l("Optional."))
    country = SelectField(_l("Country"), validate_choice=False)
    contact_name = StringField(_l("Contact person"))
    contact_email = EmailField(_l("Contact email"))
    contact_phone = StringField(_l("Contact phone"), description=_l("Optional."))
    partners = FieldList(FormField(PartnerRow), min_entries=PARTNER_ROWS)
    expected_connectees = StringField(
        _l("Expected connectees in the first year"),
        description=_l("Newcomers you expect to connect."),
        render_kw=_NUMBER,
    )
    expected_connectors = StringField(
        _l("Expected connectors in the first year"),
        description=_l("Local professionals you expect to recruit."),
        render_kw=_NUMBER,
    )
    planned_launch = StringField(
        _l("Planned launch"),
        description=_l("Year-month-day, such as 2027-06-30."),
        render_kw={"type": "date"},
    )
    website = StringField(_l("Leave this field empty"))

    #: Fields in the order the form asks them (the error summary follows it).
    ORDER = (
        "organisation",
        "city",
        "region",
        "country",
        "contact_name",
        "contact_email",
        "contact_phone",
        "partners",
        "expected_connectees",
        "expected_connectors",
        "planned_launch",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Countries named in the reader's language (the locale is known only per request).
        locale = get_locale()
        self.country.choices = [
            SelectChoice("", gettext("Choose…")),
            *(SelectChoice(c, n) for c, n in countries(str(locale) if locale else "en")),
        ]
        # Each row's fields are named apart, so a screen reader (and a test) tells them apart.
        for number, entry in enumerate(self.partners.entries, start=1):
            entry.form.kind.label.text = gettext("Partner %(number)s: kind", number=number)
            entry.form.name.label.text = gettext("Partner %(number)s: name", number=number)

    @classmethod
    def of(cls, application: Application) -> ApplicationForm:
        """The form filled in with an application's values, to correct them."""
        form = cls(
            formdata=None,
            **{name: getattr(application, name) for name in cls.ORDER if name != "partners"},
        )
        for entry, partner in zip(form.partners.entries, application.partners, strict=False):
            entry.form.kind.data, entry.form.name.data = partner["kind"], partner["name"]
        for partner in application.partners[len(form.partners.entries) :]:
            form.partners.append_entry(partner)
        form.planned_launch.data = application.planned_launch.isoformat()
        return form

    def is_bot(self) -> bool:
        return bool((self.website.data or "").strip())

    def payload(self) -> dict[str, Any]:
        """The values as typed, for ``ApplicationSchema``; blank partner rows left out."""
        values: dict[str, Any] = {
            name: self[name].data or "" for name in self.ORDER if name != "partners"
        }
        values["partners"] = self.partner_rows()
        return values

    def partner_rows(self) -> list[dict[str, str]]:
        rows = []
        for entry in self.partners.entries:
            row = {k: (entry.form[k].data or "").strip() for k in ("kind", "name")}
            if any(row.values()):
                rows.append(row)
        return rows

    def add_errors(self, messages: Mapping[str, Any]) -> None:
        """Put each partner row's messages beside its own fields, the rest beside theirs,
        in the reader's language where the catalogs have them."""
        messages = dict(_translated(dict(messages)))
        nested = messages.pop("partners", None)
        if isinstance(nested, Mapping):
            filled = [
                e
                for e in self.partners.entries
                if any((e.form[k].data or "").strip() for k in ("kind", "name"))
            ]
            for index, problems in nested.items():
                if isinstance(index, int) and index < len(filled) and isinstance(problems, Mapping):
                    for name, texts in problems.items():
                        field = filled[index].form._fields.get(name)
                        if field is not None:
                            field.errors = [*field.errors, *texts]
                            continue
                        self.form_errors.extend(texts)
                else:
                    self.form_errors.extend(str(p) for p in problems)
        elif nested is not None:
            self.partners.errors = list(nested)
        super().add_errors(messages)

    def error_summary(self) -> list[tuple[str, str, str]]:
        """(field id, label, messages) for every field with errors, in the form's order."""
        found = []
        for name in self.ORDER:
            field = self[name]
            if name == "partners":
                for entry in field.entries:
                    for sub in entry.form:
                        if sub.errors:
                            found.append((sub.id, sub.label.text, " ".join(sub.errors)))
                if isinstance(field.errors, list) and field.errors:
                    found.append((field.id, gettext("Partners"), " ".join(map(str, field.errors))))
            elif field.errors:
                found.append((field.id, field.label.text, " ".join(field.errors)))
        return found


class _TextForm(StaffForm):
    """One text box, checked by ``CommentSchema`` (its label says what it is for).

    Each kind has its own prefix: the page holds several of them, and their fields need
    ids (and names) of their own.
    """

    PREFIX = ""
    body = TextAreaField(_l("Comment"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", self.PREFIX)
        super().__init__(*args, **kwargs)

    def add_errors(self, messages: Mapping[str, Any]) -> None:
        """The schema's messages beside the text box, in the reader's language."""
        super().add_errors(_translated(dict(messages)))


class CommentForm(_TextForm):
    PREFIX = "comment"
    body = TextAreaField(_l("Comment"), description=_l("Only national staff read comments."))


class ChangesForm(_TextForm):
    PREFIX = "changes"
    body = TextAreaField(
        _l("What should the applicant change?"),
        description=_l("The applicant reads this on the page where they correct the application."),
    )


class DeclineForm(_TextForm):
    PREFIX = "decline"
    body = TextAreaField(
        _l("Reason for declining"),
        description=_l("Kept with the application; national staff read it."),
    )


class ApproveForm(StaffForm):
    """The community to register: its short id and name (the CLI's --slug and --name)."""

    slug = StringField(
        _l("Community id (slug)"),
        description=_l("2-40 lowercase letters, digits and hyphens, e.g. halifax."),
    )
    name = StringField(_l("Community name"), description=_l("As the network's pages will show it."))

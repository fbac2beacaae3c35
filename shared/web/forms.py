"""Form pieces both services' staff pages use (Flask-WTF adds the CSRF token)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_wtf import FlaskForm
from marshmallow import Schema
from marshmallow import ValidationError as SchemaError
from wtforms import EmailField, Field, PasswordField
from wtforms.validators import DataRequired, Length, ValidationError

from shared.web.errors import DomainError, InvalidInput


def no_nul(form: FlaskForm, field: Field) -> None:
    """Refuse NUL characters: PostgreSQL stores no text holding them (it would be a 500)."""
    if isinstance(field.data, str) and "\x00" in field.data:
        raise ValidationError("Remove the NUL character (\\0) from this field.")


class StaffForm(FlaskForm):  # type: ignore[misc]  # Flask-WTF is untyped
    """A staff page's form that can show a service's field messages beside its fields."""

    def add_errors(self, messages: Mapping[str, Any]) -> None:
        """Show a schema's messages beside the fields they are about; others above them."""
        for name, problems in messages.items():
            if isinstance(problems, Mapping):  # per list item, e.g. {0: ["Too long."]}
                problems = [str(p) for item in problems.values() for p in item]
            field = self._fields.get(name)
            if field is None:
                self.form_errors.extend(problems)
            else:
                field.errors = [*field.errors, *problems]


class LoginForm(StaffForm):
    # No wtforms Email() check: it needs the email_validator package, and a malformed
    # address simply matches no account.
    email = EmailField("Email", validators=[DataRequired(), Length(max=254), no_nul])
    password = PasswordField("Password", validators=[DataRequired(), no_nul])


class ConfirmForm(StaffForm):
    """A button that posts: only the CSRF token travels."""


def load_into(schema: Schema, form: StaffForm, data: dict[str, Any]) -> dict[str, Any] | None:
    """Load form data with the API's schema; on errors put them beside the fields, give None."""
    try:
        loaded: dict[str, Any] = schema.load(data)
    except SchemaError as err:
        form.add_errors(err.messages_dict)
        return None
    return loaded


def show_refusal(form: StaffForm, exc: DomainError) -> int:
    """Show a service's refusal on the form; return the status to answer with."""
    if isinstance(exc, InvalidInput):
        form.add_errors(exc.extra.get("errors", {}))
    else:
        form.form_errors.append(exc.message)
    return exc.status


def form_text(form: StaffForm, name: str) -> str:
    """A text field's value, stripped (an empty field is an empty string)."""
    return str(form[name].data or "").strip()

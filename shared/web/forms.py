"""Form pieces both services' staff pages use (Flask-WTF adds the CSRF token)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_wtf import FlaskForm
from wtforms import EmailField, Field, PasswordField
from wtforms.validators import DataRequired, Length, ValidationError


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

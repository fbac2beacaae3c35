"""Forms of the staff web UI (Flask-WTF adds the CSRF token)."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, Field, PasswordField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError


def no_nul(form: FlaskForm, field: Field) -> None:
    """Refuse NUL characters: PostgreSQL stores no text holding them (it would be a 500)."""
    if isinstance(field.data, str) and "\x00" in field.data:
        raise ValidationError("Remove the NUL character (\\0) from this field.")


class LoginForm(FlaskForm):  # type: ignore[misc]  # Flask-WTF is untyped
    # No wtforms Email() check: it needs the email_validator package, and a malformed
    # address simply matches no account.
    email = EmailField("Email", validators=[DataRequired(), Length(max=254), no_nul])
    password = PasswordField("Password", validators=[DataRequired(), no_nul])


class ConnecteeEditForm(FlaskForm):  # type: ignore[misc]  # Flask-WTF is untyped
    """The few connectee fields a coordinator keeps up to date by hand."""

    phone = StringField("Phone", validators=[Optional(), Length(max=40), no_nul])
    notes = TextAreaField("Notes", validators=[Optional(), Length(max=5000), no_nul])
    job_ready = BooleanField("Job-ready")

    def changes(self) -> dict[str, Any]:
        """Return the submitted values as service data; blank text clears the field."""
        phone = (self.phone.data or "").strip()
        notes = (self.notes.data or "").strip()
        return {
            "phone": phone or None,
            "notes": notes or None,
            "job_ready": bool(self.job_ready.data),
        }

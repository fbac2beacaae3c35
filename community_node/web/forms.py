"""Forms of the staff web UI (Flask-WTF adds the CSRF token)."""

from __future__ import annotations

from typing import Any

from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from shared.web.forms import LoginForm, StaffForm, no_nul

__all__ = ["ConnecteeEditForm", "LoginForm"]


class ConnecteeEditForm(StaffForm):
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

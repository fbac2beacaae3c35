"""Forms of the staff web UI (Flask-WTF adds the CSRF token)."""

from __future__ import annotations

from typing import Any

from wtforms import SelectField, StringField, TextAreaField, URLField
from wtforms.validators import DataRequired, Length

from hub.communities.models import CommunityStatus
from hub.communities.services import MAX_REASON_LENGTH
from shared.protocol import AUDIENCES, RESOURCE_KINDS
from shared.web.forms import LoginForm, StaffForm

__all__ = ["LoginForm", "ResourceForm", "StatusForm"]


class StatusForm(StaffForm):
    """Change a community's standing, saying why (the reason is kept in the audit log)."""

    status = SelectField("New status", choices=[s.value for s in CommunityStatus])
    reason = TextAreaField(
        "Reason",
        validators=[DataRequired(), Length(max=MAX_REASON_LENGTH)],
        description="Kept in the audit log: no names or other personal data.",
    )

    @classmethod
    def for_status(cls, current: CommunityStatus, **kwargs: Any) -> StatusForm:
        """A form offering only the statuses the community is not in already."""
        form = cls(**kwargs)
        form.status.choices = [s.value for s in CommunityStatus if s is not current]
        return form

    def chosen(self) -> CommunityStatus:
        return CommunityStatus(self.status.data)


class ResourceForm(StaffForm):
    """A guide, FAQ, webinar … to publish; the service's schema checks the values."""

    kind = SelectField("Kind", choices=list(RESOURCE_KINDS))
    title = StringField("Title")
    summary = TextAreaField("Summary")
    body = TextAreaField("Body (Markdown)", description="Give a body or a link, not both.")
    url = URLField("Link", description="https://… (instead of a body)")
    tags = StringField("Tags", description="Comma-separated, e.g. licensing, nursing.")
    language = StringField("Language", default="en", description="ISO 639 code, e.g. en, fr.")
    audience = SelectField("Audience", choices=list(AUDIENCES), default="staff")

    def draft(self) -> dict[str, Any]:
        """Return the values as the service takes them; a blank body or link is none."""
        tags = (self.tags.data or "").split(",")
        return {
            "kind": self.kind.data,
            "title": (self.title.data or "").strip(),
            "summary": (self.summary.data or "").strip(),
            "body": (self.body.data or "").strip() or None,
            "url": (self.url.data or "").strip() or None,
            "tags": [tag.strip() for tag in tags if tag.strip()],
            "language": (self.language.data or "").strip(),
            "audience": self.audience.data,
        }

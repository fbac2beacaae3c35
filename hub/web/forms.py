"""Forms of the staff web UI (Flask-WTF adds the CSRF token)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, TextAreaField
from wtforms.validators import DataRequired, Length

from hub.communities.models import CommunityStatus
from hub.communities.services import MAX_REASON_LENGTH
from hub.web.labels import COMMUNITY_STATUS, word
from shared.web.forms import LoginForm, StaffForm

__all__ = ["LoginForm", "StatusForm"]


class StatusForm(StaffForm):
    """Change a community's standing, saying why (the reason is kept in the audit log)."""

    status = SelectField(_l("New status"), choices=[s.value for s in CommunityStatus])
    reason = TextAreaField(
        _l("Reason"),
        validators=[DataRequired(), Length(max=MAX_REASON_LENGTH)],
        description=_l("Kept in the audit log: no names or other personal data."),
    )

    @classmethod
    def for_status(cls, current: CommunityStatus, **kwargs: Any) -> StatusForm:
        """A form offering only the statuses the community is not in already."""
        form = cls(**kwargs)
        # Each standing by its value, named in the reader's language.
        form.status.choices = [
            (s.value, word(COMMUNITY_STATUS, s)) for s in CommunityStatus if s is not current
        ]
        return form

    def chosen(self) -> CommunityStatus:
        return CommunityStatus(self.status.data)

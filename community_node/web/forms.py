"""Forms of the staff web UI (Flask-WTF adds the CSRF token).

The forms that add and change people are the API's schemas read from a posted form:
see ``community_node.web.people_forms``.
"""

from __future__ import annotations

from shared.web.forms import LoginForm

__all__ = ["LoginForm"]

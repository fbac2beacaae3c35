"""Who is using the staff pages, and what their role lets them change."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from flask import abort
from flask_babel import gettext
from flask_login import current_user

from hub.auth.models import Role, StaffUser
from hub.web.labels import ROLE_NEEDED

P = ParamSpec("P")
R = TypeVar("R")


def current_staff() -> StaffUser:
    """Return the logged-in staff member (every page but the login page has one)."""
    if not current_user.is_authenticated:
        abort(401)
    user: StaffUser = current_user._get_current_object()
    return user


def can(needed: Role) -> bool:
    """Tell whether the logged-in user's role includes ``needed`` (templates ask this)."""
    return bool(current_user.is_authenticated and current_user.role.allows(needed))


def staff_actor() -> str:
    """Name the logged-in user for audit events: ``staff:<id>`` (no personal data)."""
    return f"staff:{current_staff().id}"


def role_required(needed: Role) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Make a view answer 403 unless the user's role includes ``needed``."""

    def decorator(view: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(view)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            if not current_staff().role.allows(needed):
                abort(403, description=gettext(ROLE_NEEDED[needed.value]))
            return view(*args, **kwargs)

        return wrapper

    return decorator

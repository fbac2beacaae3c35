"""Who is calling: API tokens for scripts, sessions for the staff web UI, and roles."""

from __future__ import annotations

from flask import Blueprint, abort, g, request
from flask_babel import gettext
from flask_login import current_user

from community_node.auth.models import Role, StaffUser
from community_node.auth.services import load_active_user, user_for_token
from community_node.extensions import login_manager
from shared.web.security_log import security_event
from shared.web.staff import ROLE_NEEDED

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# The session's account while it is active (shared.web.staff, as on the hub).
login_manager.user_loader(load_active_user)


def current_staff() -> StaffUser | None:
    """Return the caller: the bearer token's user, else the logged-in session user."""
    user: StaffUser | None = g.get("staff_user")
    if user is not None:
        return user
    if current_user.is_authenticated:
        return current_user  # type: ignore[no-any-return]
    return None


def actor_label() -> str:
    """Name the caller for audit rows and transition logs: ``staff:<id>``."""
    user = current_staff()
    return f"staff:{user.id}" if user is not None else "anonymous"


def require_api_caller(blueprint: Blueprint, *, write_role: Role = Role.COORDINATOR) -> None:
    """Make every route of ``blueprint`` need a token; writes need ``write_role``."""

    @blueprint.before_request
    def _authenticate() -> None:
        header = request.headers.get("Authorization", "")
        scheme, _, secret = header.partition(" ")
        user = user_for_token(secret.strip()) if scheme.lower() == "bearer" else None
        if user is None:
            # Never the token itself: only whether one was sent.
            reason = "invalid_token" if scheme.lower() == "bearer" else "no_token"
            security_event("token_refused", reason, path=request.path)
            abort(401, description="Send a valid personal API token: Authorization: Bearer …")
        g.staff_user = user
        if request.method not in SAFE_METHODS and not user.role.allows(write_role):
            abort(403, description=f"The {user.role.value} role cannot change records.")


def require_role(needed: Role) -> None:
    """Abort with 403 unless the caller's role includes ``needed``."""
    user = current_staff()
    if user is None:
        abort(401)
    if not user.role.allows(needed):
        abort(403, description=gettext(ROLE_NEEDED[needed.value]))

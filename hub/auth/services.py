"""National staff accounts: creation, password checks and the web UI's login."""

from __future__ import annotations

from sqlalchemy import select

from hub.audit.services import record
from hub.auth.models import Role, StaffUser
from hub.database import utcnow
from hub.errors import Conflict, InvalidInput
from hub.extensions import db
from shared.staff import (
    MIN_PASSWORD_LENGTH,
    accepts_login,
    hash_password,
)


def create_user(email: str, name: str, role: Role, password: str, *, actor: str) -> StaffUser:
    """Create a national staff account with an argon2 password hash."""
    email = email.strip().lower()
    errors: dict[str, list[str]] = {}
    if "@" not in email:
        errors["email"] = ["Enter an email address."]
    if not name.strip():
        errors["name"] = ["Enter a name."]
    if len(password) < MIN_PASSWORD_LENGTH:
        errors["password"] = [f"Use at least {MIN_PASSWORD_LENGTH} characters."]
    if errors:
        raise InvalidInput(errors)
    if db.session.scalar(select(StaffUser.id).where(StaffUser.email == email)) is not None:
        raise Conflict(f"A staff account for {email} already exists.")
    user = StaffUser(
        email=email, name=name.strip(), role=role, password_hash=hash_password(password)
    )
    db.session.add(user)
    db.session.flush()
    record(actor, "staff_user.create", "staff_user", user.id, {"role": role.value})
    db.session.commit()
    return user


def authenticate(email: str, password: str) -> StaffUser | None:
    """Return the active user with these credentials, stamping the login time; then commit.

    An unknown email or an inactive account costs one argon2 check too, so the answer's
    timing does not tell which accounts exist.
    """
    user = db.session.scalar(select(StaffUser).where(StaffUser.email == email.strip().lower()))
    if user is None or not accepts_login(user, password):
        return None
    user.last_login_at = utcnow()
    db.session.commit()
    return user


def load_active_user(user_id: str) -> StaffUser | None:
    """Return the session's user, or None once the account is gone or deactivated."""
    if not user_id.isdigit():
        return None
    user = db.session.get(StaffUser, int(user_id))
    return user if user is not None and user.active else None

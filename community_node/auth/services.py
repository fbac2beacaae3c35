"""Staff accounts: creation, password checks, personal API tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import select

from community_node.audit.services import record
from community_node.auth.models import ApiToken, StaffUser
from community_node.database import utcnow
from community_node.errors import Conflict, InvalidInput, NotFound
from community_node.extensions import db
from shared.web.staff import StaffAccounts

#: Tokens look like ``cnn_<prefix>_<secret>``; the prefix finds the row, the digest proves it.
TOKEN_SCHEME = "cnn"

accounts = StaffAccounts(db, StaffUser, record=record, invalid=InvalidInput, conflict=Conflict)

#: Create an account: ``create_user(email, name, role, password, actor=...)``, then commit.
create_user = accounts.create
#: The active account with these credentials (login time stamped), or None.
authenticate = accounts.authenticate
#: Flask-Login's user loader: the session's account while it is active.
load_active_user = accounts.load_active


def get_user_by_email(email: str) -> StaffUser:
    user = accounts.find(email)
    if user is None:
        raise NotFound(f"No staff account for {email}.")
    return user


@dataclass(frozen=True)
class IssuedToken:
    """A token as created: ``secret`` is shown once and never stored."""

    token: ApiToken
    secret: str


def _digest(secret: str) -> str:
    # Tokens carry 256 random bits, so a fast hash is enough; argon2 would slow every request.
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(
    user: StaffUser, name: str, *, actor: str, expires_in_days: int | None = None
) -> IssuedToken:
    prefix = secrets.token_hex(4)
    secret = f"{TOKEN_SCHEME}_{prefix}_{secrets.token_urlsafe(32)}"
    expires_at = utcnow() + dt.timedelta(days=expires_in_days) if expires_in_days else None
    token = ApiToken(
        user=user, name=name, prefix=prefix, digest=_digest(secret), expires_at=expires_at
    )
    db.session.add(token)
    db.session.flush()
    record(actor, "api_token.create", "api_token", token.id, {"user_id": user.id})
    db.session.commit()
    return IssuedToken(token=token, secret=secret)


def user_for_token(secret: str) -> StaffUser | None:
    """Return the active user a presented token belongs to, or None."""
    parts = secret.split("_")
    if len(parts) < 3 or parts[0] != TOKEN_SCHEME:
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.digest == _digest(secret)))
    now = utcnow()
    if token is None or token.revoked_at is not None:
        return None
    if token.expires_at is not None and token.expires_at <= now:
        return None
    if not token.user.active:
        return None
    # Stamp use at most once a minute so reads do not turn into writes on every call.
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=1):
        token.last_used_at = now
        db.session.commit()
    return token.user


def revoke_token(token_id: int, *, actor: str) -> ApiToken:
    """Stop a token working from now on; revoking it again changes nothing."""
    token = get_token(token_id)
    if token.revoked_at is not None:
        return token
    token.revoked_at = utcnow()
    record(actor, "api_token.revoke", "api_token", token.id, {})
    db.session.commit()
    return token


# Managing accounts and tokens from the admin pages ------------------------------------


#: Every staff account, active ones first, then by name.
list_users = accounts.list_users
#: The account with this id, or 404.
get_user = accounts.get
#: Give an account another role (one active admin is always kept), audit it, and commit.
change_role = accounts.change_role
#: Close an account: its sessions end and its tokens stop working (both check ``active``).
deactivate_user = accounts.deactivate


def list_tokens(user: StaffUser | None = None) -> list[ApiToken]:
    """Tokens, newest first: one account's, or everyone's when ``user`` is None."""
    stmt = select(ApiToken).order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    if user is not None:
        stmt = stmt.where(ApiToken.user_id == user.id)
    return list(db.session.scalars(stmt))


def get_token(token_id: int) -> ApiToken:
    token = db.session.get(ApiToken, token_id)
    if token is None:
        raise NotFound(f"No API token {token_id}.")
    return token

"""Staff roles, password hashing and login rules, the same on the hub and on every node."""

from __future__ import annotations

import enum
import functools
import secrets
from typing import TYPE_CHECKING

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_PASSWORD_LENGTH = 10

_hasher = PasswordHasher()


class Role(enum.StrEnum):
    """What a staff member may do; each role includes the ones below it."""

    VIEWER = "viewer"
    COORDINATOR = "coordinator"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return [Role.VIEWER, Role.COORDINATOR, Role.ADMIN].index(self)

    def allows(self, needed: Role) -> bool:
        return self.rank >= needed.rank


class LoginUser:
    """Flask-Login's user protocol, spelled out for a staff model (its UserMixin is untyped).

    The model gives ``id`` and ``active``; an inactive account can neither log in nor keep
    a session. No Flask here: Flask-Login only reads these attributes.
    """

    if TYPE_CHECKING:  # the model's columns (not annotated at run time: no ORM sees them)
        id: int
        active: bool
        password_hash: str

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return str(self.id)


def hash_password(password: str) -> str:
    """Hash a password with argon2id."""
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> tuple[bool, str | None]:
    """Check a password; also return a fresh hash when the stored one uses old parameters."""
    try:
        _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False, None
    if _hasher.check_needs_rehash(password_hash):
        return True, _hasher.hash(password)
    return True, None


@functools.cache
def _decoy_hash() -> str:
    """A hash no password matches (made once per process)."""
    return _hasher.hash(secrets.token_urlsafe(32))


def spend_a_password_check(password: str) -> None:
    """Cost what checking a password costs, when there is no account to check it against.

    A login for an unknown or inactive email would otherwise answer faster than one with
    a wrong password, and the timing would tell which accounts exist.
    """
    verify_password(_decoy_hash(), password)


def accepts_login(user: LoginUser | None, password: str) -> bool:
    """Tell whether ``user`` is an active account whose password this is.

    No account, or an inactive one, costs one password check all the same. A hash made
    with old parameters is replaced on the user (the caller's commit stores it).
    """
    if user is None or not user.active:
        spend_a_password_check(password)
        return False
    ok, rehashed = verify_password(user.password_hash, password)
    if rehashed is not None:
        user.password_hash = rehashed
    return ok


def local_target(target: str, fallback: str) -> str:
    """Return ``target`` if it is a path on this site, else ``fallback``.

    Login pages follow ``next`` only within the site, so a link to one cannot send staff
    elsewhere once they log in. Browsers read a backslash as a slash and drop tabs and
    newlines (``/<tab>/host`` is ``//host``), so those are refused as well.
    """
    unsafe = "\\" in target or any(ord(c) < 32 for c in target)
    if not target.startswith("/") or target.startswith("//") or unsafe:
        return fallback
    return target

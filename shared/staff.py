"""Staff roles and password hashing, the same on the hub and on every node."""

from __future__ import annotations

import enum

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

"""Staff accounts, the same on the hub and on every node: roles, columns, passwords, login.

Each service declares only its own table (``class StaffUser(StaffUserMixin, Base)``, plus
whatever is its own, such as the node's API tokens) and binds :class:`StaffAccounts` to
it with its own error types, so its CLI and pages get one creation and one login rule.
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import secrets
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import String, func, select
from sqlalchemy.orm import Mapped, mapped_column

from shared.db import created_at, intpk, str200, utcnow
from shared.text import N_
from shared.web.errors import NotFound

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


#: What a page answers someone whose role falls short, by the role it needs (``Role``
#: values); both services' pages say it in the reader's language.
ROLE_NEEDED = {
    "admin": N_("This needs the admin role."),
    "coordinator": N_("This needs the coordinator role."),
    "viewer": N_("This needs the viewer role."),
}


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


class StaffUserMixin(LoginUser):
    """The columns of a staff account; each service maps them onto its own table."""

    __tablename__ = "staff_users"

    id: Mapped[intpk]
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str200]
    role: Mapped[Role]
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[created_at]
    last_login_at: Mapped[dt.datetime | None]

    if TYPE_CHECKING:  # the declarative base gives each table's class this constructor

        def __init__(self, **values: Any) -> None: ...


U = TypeVar("U", bound=StaffUserMixin)

#: Records an audit event: ``(actor, action, entity_type, entity_id, details)``.
Record = Callable[[str, str, str, int | None, Mapping[str, object]], object]


class StaffAccounts(Generic[U]):
    """Creating accounts and logging in, against one service's staff table.

    ``invalid`` and ``conflict`` are the service's own error types (422 with field
    messages, 409 with a message), so its error handlers and CLI answer as for any
    other refused write.
    """

    def __init__(
        self,
        db: SQLAlchemy,
        model: type[U],
        *,
        record: Record,
        invalid: Callable[[dict[str, list[str]]], Exception],
        conflict: Callable[[str], Exception],
    ) -> None:
        self._db = db
        self._model = model
        self._record = record
        self._invalid = invalid
        self._conflict = conflict

    def find(self, email: str) -> U | None:
        """Return the account with this email (any case, spaces around ignored), if any."""
        model = self._model
        return self._db.session.scalar(select(model).where(model.email == normal_email(email)))

    def create(self, email: str, name: str, role: Role, password: str, *, actor: str) -> U:
        """Create an account with an argon2 password hash, audit it, and commit."""
        email, name = normal_email(email), name.strip()
        errors: dict[str, list[str]] = {}
        if "@" not in email:
            errors["email"] = ["Enter an email address."]
        if not name:
            errors["name"] = ["Enter a name."]
        if len(password) < MIN_PASSWORD_LENGTH:
            errors["password"] = [f"Use at least {MIN_PASSWORD_LENGTH} characters."]
        if errors:
            raise self._invalid(errors)
        if self.find(email) is not None:
            raise self._conflict(f"A staff account for {email} already exists.")
        user = self._model(email=email, name=name, role=role, password_hash=hash_password(password))
        self._db.session.add(user)
        self._db.session.flush()
        self._record(actor, "staff_user.create", "staff_user", user.id, {"role": role.value})
        self._db.session.commit()
        return user

    def authenticate(self, email: str, password: str) -> U | None:
        """Return the active account with these credentials, stamping the login time.

        An unknown email or an inactive account costs one argon2 check too, so the
        answer's timing does not tell which accounts exist.
        """
        user = self.find(email)
        if user is None or not accepts_login(user, password):
            return None
        user.last_login_at = utcnow()
        self._db.session.commit()
        return user

    # Managing accounts from the admin pages (and the CLI) -------------------------------

    def list_users(self) -> list[U]:
        """Every staff account, active ones first, then by name."""
        model = self._model
        stmt = select(model).order_by(model.active.desc(), model.name, model.id)
        return list(self._db.session.scalars(stmt))

    def get(self, user_id: int) -> U:
        """Return the account with this id; a missing one is the service's 404."""
        user = self._db.session.get(self._model, user_id)
        if user is None:
            raise NotFound(f"No staff account {user_id}.")
        return user

    def _keep_an_admin(self, user: U) -> None:
        # Without one active admin nobody could manage accounts again except from the shell.
        if user.role is not Role.ADMIN or not user.active:
            return
        model = self._model
        others = self._db.session.scalar(
            select(func.count())
            .select_from(model)
            .where(model.role == Role.ADMIN, model.active.is_(True), model.id != user.id)
        )
        if not others:
            message = f"{user.email} is the last active admin; make another admin first."
            raise self._conflict(message)

    def change_role(self, user_id: int, role: Role, *, actor: str) -> U:
        """Give an account another role, audit it, and commit."""
        user = self.get(user_id)
        if user.role is role:
            return user
        if role is not Role.ADMIN:
            self._keep_an_admin(user)
        previous, user.role = user.role, role
        details = {"from": previous.value, "to": role.value}
        self._record(actor, "staff_user.role", "staff_user", user.id, details)
        self._db.session.commit()
        return user

    def deactivate(self, user_id: int, *, actor: str) -> U:
        """Close an account: its sessions end (and any token it holds stops working)."""
        user = self.get(user_id)
        if not user.active:
            return user
        self._keep_an_admin(user)
        user.active = False
        self._record(actor, "staff_user.deactivate", "staff_user", user.id, {})
        self._db.session.commit()
        return user

    def load_active(self, user_id: str) -> U | None:
        """Return the session's account, or None once it is gone or deactivated."""
        if not user_id.isdigit():
            return None
        user = self._db.session.get(self._model, int(user_id))
        return user if user is not None and user.active else None


def normal_email(email: str) -> str:
    """Return an email as accounts store it: lowercase, no spaces around."""
    return email.strip().lower()

"""Staff users and their API tokens."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from community_node.database import Base, created_at, intpk, str200
from shared.web.staff import Role, StaffUserMixin

# Role lives in shared (the hub and the nodes agree on it); re-exported for callers here.
__all__ = ["ApiToken", "Role", "StaffUser"]


class StaffUser(StaffUserMixin, Base):
    """A member of the program's staff who can log in."""

    tokens: Mapped[list[ApiToken]] = relationship(back_populates="user")


class ApiToken(Base):
    """A personal token for scripts; only its SHA-256 digest is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id"), index=True)
    name: Mapped[str200]
    prefix: Mapped[str] = mapped_column(String(16), index=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[created_at]
    expires_at: Mapped[dt.datetime | None]
    last_used_at: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]

    user: Mapped[StaffUser] = relationship(back_populates="tokens")

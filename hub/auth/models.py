"""National staff users and the keys that sign access tokens."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hub.database import Base, created_at, intpk
from shared.web.staff import Role, StaffUserMixin

# Role lives in shared (the hub and the nodes agree on it); re-exported for callers here.
__all__ = ["Role", "SigningKey", "StaffUser"]


class StaffUser(StaffUserMixin, Base):
    """A member of the national program's staff."""


class SigningKey(Base):
    """An RS256 key pair for access tokens; the newest unretired key signs.

    The private key lives in the database (not the instance folder) so every gunicorn
    worker and every host behind the load balancer signs with the same key; database
    backups must be protected accordingly.
    """

    __tablename__ = "signing_keys"

    id: Mapped[intpk]
    kid: Mapped[str] = mapped_column(String(64), unique=True)
    algorithm: Mapped[str] = mapped_column(String(16), default="RS256")
    private_pem: Mapped[str] = mapped_column(Text)
    created_at: Mapped[created_at]
    # A retired key no longer signs and leaves the JWKS once its tokens have expired.
    retired_at: Mapped[dt.datetime | None]

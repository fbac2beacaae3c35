"""Import every model module so the metadata (and Alembic) sees all tables."""

from hub.audit import models as audit
from hub.auth import models as auth
from hub.communities import models as communities

__all__ = ["audit", "auth", "communities"]

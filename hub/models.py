"""Import every model module so the metadata (and Alembic) sees all tables."""

from hub.audit import models as audit
from hub.auth import models as auth
from hub.auth.standing import install_triggers
from hub.communities import models as communities
from hub.database import Base
from hub.demand import models as demand
from hub.idempotency import models as idempotency
from hub.introductions import models as introductions
from hub.onboarding import models as onboarding
from hub.outcomes import models as outcomes
from hub.profiles import models as profiles
from hub.resources import models as resources

# The standing's triggers come with the tables they watch (the migrations add them too).
install_triggers(Base.metadata)

__all__ = [
    "audit",
    "auth",
    "communities",
    "demand",
    "idempotency",
    "introductions",
    "onboarding",
    "outcomes",
    "profiles",
    "resources",
]

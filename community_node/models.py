"""Import every model module so the metadata (and Alembic) sees all tables."""

from community_node.audit import models as audit
from community_node.auth import models as auth
from community_node.demand import models as demand
from community_node.eligibility import models as eligibility
from community_node.events import models as events
from community_node.introductions import models as introductions
from community_node.mail import models as mail
from community_node.matches import models as matches
from community_node.matching import models as matching
from community_node.outcomes import models as outcomes
from community_node.participants import models as participants
from community_node.recruitment import models as recruitment
from community_node.selfservice import models as selfservice
from community_node.sync import models as sync

__all__ = [
    "audit",
    "auth",
    "demand",
    "eligibility",
    "events",
    "introductions",
    "mail",
    "matches",
    "matching",
    "outcomes",
    "participants",
    "recruitment",
    "selfservice",
    "sync",
]

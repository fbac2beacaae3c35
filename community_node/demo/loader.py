"""Load the demo community once: staff logins, then the generated people and history."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import func, select

from community_node.audit.services import record
from community_node.auth.models import Role, StaffUser
from community_node.auth.services import create_token, create_user
from community_node.database import utcnow
from community_node.demo.generator import generate, insert_plan
from community_node.eligibility.services import active_rules
from community_node.extensions import db
from community_node.participants.models import Connectee

#: The one password in the repository: it only ever guards synthetic demo data.
DEMO_PASSWORD = "connector-demo"  # noqa: S105
#: (email, name, role) of the demo staff accounts; the admin comes first.
DEMO_STAFF: tuple[tuple[str, str, Role], ...] = (
    ("demo@example.org", "Demo Admin", Role.ADMIN),
    ("coordinator@example.org", "Casey Coordinator", Role.COORDINATOR),
)
ACTOR = "system:demo"


@dataclass(frozen=True)
class LoadResult:
    """What a load did; ``token`` is the new API token's secret, shown once."""

    created: bool
    counts: dict[str, int] = field(default_factory=dict)
    token: str | None = None


def ensure_staff() -> list[StaffUser]:
    """Return the demo staff accounts, creating the missing ones."""
    users = []
    for email, name, role in DEMO_STAFF:
        user = db.session.scalar(select(StaffUser).where(StaffUser.email == email))
        if user is None:
            user = create_user(email, name, role, DEMO_PASSWORD, actor=ACTOR)
        users.append(user)
    return users


def load_demo(
    *,
    connectees: int = 400,
    connectors: int = 250,
    seed: int = 7,
    today: dt.date | None = None,
    scenarios: Sequence[str] = (),
) -> LoadResult:
    """Fill an empty node with a demo community; a node that has connectees is left alone.

    ``scenarios`` add fixed records for the cross-city walk-through (``generator.SCENARIOS``).
    """
    admin, coordinator = ensure_staff()
    if db.session.scalar(select(func.count(Connectee.id))):
        return LoadResult(created=False)
    # Everything happens up to the end of yesterday, so no row is dated in the future.
    today = today or (utcnow() - dt.timedelta(days=1)).date()
    plan = generate(
        connectees=connectees,
        connectors=connectors,
        seed=seed,
        today=today,
        staff_ids=[coordinator.id, admin.id],
        staff_weights=[4, 1],
        rules=active_rules(),
        scenarios=scenarios,
    )
    insert_plan(plan)
    counts = plan.counts()
    details: dict[str, object] = {"seed": seed, **counts}
    if scenarios:
        details["scenarios"] = sorted(scenarios)
    record(ACTOR, "demo.load", "demo", None, details)
    db.session.commit()
    issued = create_token(admin, "demo", actor=ACTOR)
    return LoadResult(created=True, counts=counts, token=issued.secret)

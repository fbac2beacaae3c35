"""Read-only look-ups the staff pages need beyond the feature services.

Pages get plain rows, never ORM objects: a template cannot show a client secret's digest
that it was never handed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, func, select

from hub import kept
from hub.audit.models import AuditEvent
from hub.auth.models import StaffUser
from hub.communities.models import Community, CommunityStatus
from hub.communities.services import get_community, list_communities
from hub.extensions import db
from hub.introductions.models import Introduction, IntroStatus
from hub.profiles.models import Profile
from hub.security import community_actor
from shared.text import N_

#: How many standing changes a community's page lists, newest first.
HISTORY_LIMIT = 50
#: The days over which the pages count the profile items the hub refused.
REFUSED_DAYS = 7
#: The audit actions that tell a community's standing, and how the page names them.
_HISTORY_ACTIONS = {
    "community.create": N_("registered"),
    "community.set_status": N_("status changed"),
    "community.rotate_secret": N_("client secret rotated"),
    "community.public_key": N_("public key registered"),
}


#: Seconds a node's clock may be off before the pages warn: access tokens are checked
#: against the hub's clock, and a node's proposal deadlines against its own.
CLOCK_SKEW_WARNING = 60


@dataclass(frozen=True)
class CommunityRow:
    """One community as the staff pages show it."""

    slug: str
    name: str
    region: str | None
    country: str
    status: CommunityStatus
    has_public_key: bool
    listed_profiles: int
    newest_profile_update: dt.datetime | None
    #: When its node last pushed a sync (profiles, outcomes or demand).
    last_sync: dt.datetime | None
    #: Why it has its status (the reason given with the last change), if it was changed.
    status_reason: str | None = None
    #: Profile items the hub refused in the last REFUSED_DAYS days: the node's dead letters.
    refused_items: int = 0
    #: What the node said of itself on its last call: software version, clock skew.
    node_version: str | None = None
    clock_skew_seconds: int | None = None
    node_seen: dt.datetime | None = None

    @property
    def clock_off(self) -> bool:
        """Whether the node's clock is off by enough to matter (tokens, expiry times)."""
        return (
            self.clock_skew_seconds is not None
            and abs(self.clock_skew_seconds) >= CLOCK_SKEW_WARNING
        )


@dataclass(frozen=True)
class HistoryEntry:
    at: dt.datetime
    #: What happened, in English (the page shows it in the reader's language).
    what: str
    actor: str
    #: A status change's standings, before and after (the page names them).
    change: tuple[str, str] | None
    reason: str | None


@dataclass(frozen=True)
class CommunityDetail:
    row: CommunityRow
    client_id: str
    scopes: list[str]
    created_at: dt.datetime
    history: list[HistoryEntry]


def _profile_stats(
    communities: Sequence[Community],
) -> dict[int, tuple[int, dt.datetime | None]]:
    """Per community: profiles not tombstoned, and the newest change to any of its rows
    (kept by each worker until the community's profiles change: ``hub.kept``)."""

    def count(ids: list[int]) -> dict[int, tuple[int, dt.datetime | None]]:
        listed = func.sum(case((Profile.deleted.is_(False), 1), else_=0))
        stmt = (
            select(Profile.community_id, listed, func.max(Profile.updated_at))
            .where(Profile.community_id.in_(ids))
            .group_by(Profile.community_id)
        )
        return {cid: (int(n or 0), newest) for cid, n, newest in db.session.execute(stmt)}

    versions = [(c.id, c.profiles_version) for c in communities]
    return kept.per_community("listed", versions, count, (0, None))


def _status_reasons(ids: Sequence[int]) -> dict[int, str | None]:
    """Per community: the reason given with its latest status change (None: none given)."""
    newest = (
        select(func.max(AuditEvent.id))
        .where(
            AuditEvent.action == "community.set_status",
            AuditEvent.entity_type == "community",
            AuditEvent.entity_id.in_(ids),
        )
        .group_by(AuditEvent.entity_id)
    )
    events = db.session.execute(
        select(AuditEvent.entity_id, AuditEvent.details).where(AuditEvent.id.in_(newest))
    )
    return {entity_id: details.get("reason") for entity_id, details in events}


def _refused(communities: Sequence[Community]) -> dict[str, int]:
    """Per community slug: profile items refused by the batches of the last REFUSED_DAYS."""
    actors = {community_actor(c.slug): c.slug for c in communities}
    since = dt.datetime.now(dt.UTC) - dt.timedelta(days=REFUSED_DAYS)
    rejected = AuditEvent.details["rejected"].as_integer()
    stmt = (
        select(AuditEvent.actor, func.sum(rejected))
        .where(
            AuditEvent.actor.in_(list(actors)),
            AuditEvent.at >= since,
            AuditEvent.action == "profiles.batch",
        )
        .group_by(AuditEvent.actor)
    )
    return {actors[actor]: int(total or 0) for actor, total in db.session.execute(stmt)}


def _rows(communities: Sequence[Community]) -> list[CommunityRow]:
    stats = _profile_stats(communities)
    reasons = _status_reasons([c.id for c in communities])
    refused = _refused(communities)
    return [
        CommunityRow(
            slug=c.slug,
            name=c.name,
            region=c.region,
            country=c.country,
            status=c.status,
            has_public_key=bool(c.public_key),
            listed_profiles=stats.get(c.id, (0, None))[0],
            newest_profile_update=stats.get(c.id, (0, None))[1],
            last_sync=c.last_sync_at,
            status_reason=reasons.get(c.id),
            refused_items=refused.get(c.slug, 0),
            node_version=c.node_version,
            clock_skew_seconds=c.clock_skew_seconds,
            node_seen=c.node_seen_at,
        )
        for c in communities
    ]


def community_rows() -> list[CommunityRow]:
    """Every community, by slug, with its directory figures and last sync."""
    return _rows(list_communities())


def community_detail(slug: str) -> CommunityDetail:
    """One community's row, its client's public facts and its standing's history."""
    community = get_community(slug)
    return CommunityDetail(
        row=_rows([community])[0],
        client_id=community.client.client_id,
        scopes=community.client.scopes,
        created_at=community.created_at,
        history=standing_history(community.id),
    )


def standing_history(community_id: int) -> list[HistoryEntry]:
    """The community's registration, status changes, rotations and key, newest first."""
    events = db.session.scalars(
        select(AuditEvent)
        .where(
            AuditEvent.entity_type == "community",
            AuditEvent.entity_id == community_id,
            AuditEvent.action.in_(list(_HISTORY_ACTIONS)),
        )
        .order_by(AuditEvent.id.desc())
        .limit(HISTORY_LIMIT)
    ).all()
    names = _staff_names(event.actor for event in events)
    return [
        HistoryEntry(
            at=event.at,
            what=_HISTORY_ACTIONS[event.action],
            actor=names.get(event.actor, event.actor),
            change=_change(event.details),
            reason=event.details.get("reason"),
        )
        for event in events
    ]


def _change(details: dict[str, Any]) -> tuple[str, str] | None:
    if "from" in details and "to" in details:
        return str(details["from"]), str(details["to"])
    return None


def _staff_names(actors: Iterable[str]) -> dict[str, str]:
    """Map ``staff:<id>`` actors to the staff member's name, for reading."""
    ids = {
        int(actor.removeprefix("staff:"))
        for actor in actors
        if actor.startswith("staff:") and actor.removeprefix("staff:").isdigit()
    }
    if not ids:
        return {}
    rows = db.session.execute(select(StaffUser.id, StaffUser.name).where(StaffUser.id.in_(ids)))
    return {f"staff:{user_id}": name for user_id, name in rows}


def communities_by_status(rows: Iterable[CommunityRow]) -> dict[CommunityStatus, int]:
    """Count communities per status, every status listed (zero included)."""
    counts = dict.fromkeys(CommunityStatus, 0)
    for row in rows:
        counts[row.status] += 1
    return counts


def introductions_by_state() -> dict[IntroStatus, int]:
    """Count cross-city introductions per state, every state listed (zero included)."""
    counts = dict.fromkeys(IntroStatus, 0)
    stmt = select(Introduction.status, func.count()).group_by(Introduction.status)
    for status, count in db.session.execute(stmt):
        counts[status] = count
    return counts

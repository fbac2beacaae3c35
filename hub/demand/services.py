"""Store a community's demand signals, and list every community's for the public."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import delete, insert, select

from hub.audit.services import record
from hub.communities.models import Community, CommunityRef, CommunityStatus
from hub.communities.services import mark_synced
from hub.database import utcnow
from hub.demand.models import DemandSignal
from hub.extensions import db
from shared.taxonomy import default_taxonomy


def replace_signals(
    community: CommunityRef, signals: Sequence[Mapping[str, Any]], actor: str
) -> list[dict[str, Any]]:
    """Replace the community's whole set of signals; then commit."""
    db.session.execute(delete(DemandSignal).where(DemandSignal.community_id == community.id))
    now = utcnow()
    rows = [
        {
            "community_id": community.id,
            "major_group": s["major_group"],
            "signal": float(s["signal"]),
            "updated_at": now,
        }
        for s in signals
    ]
    if rows:
        db.session.execute(insert(DemandSignal), rows)
    mark_synced(community.id)
    record(actor, "demand.replace", "community", community.id, {"signals": len(rows)})
    db.session.commit()
    return signals_of(community)


def signals_of(community: CommunityRef) -> list[dict[str, Any]]:
    """Return the community's stored signals, by major group."""
    stmt = (
        select(DemandSignal)
        .where(DemandSignal.community_id == community.id)
        .order_by(DemandSignal.major_group)
    )
    return [{"major_group": s.major_group, "signal": s.signal} for s in db.session.scalars(stmt)]


def _title(major: str) -> str:
    for group in default_taxonomy().major_groups():
        if group.major == major:
            return group.title
    return major


def table(*, major_group: str | None = None, community: str | None = None) -> list[dict[str, Any]]:
    """Every active or silenced community's signals (a suspended one's are hidden)."""
    stmt = (
        select(DemandSignal, Community.slug)
        .join(Community, Community.id == DemandSignal.community_id)
        .where(Community.status != CommunityStatus.SUSPENDED)
        .order_by(Community.slug, DemandSignal.major_group)
    )
    if major_group is not None:
        stmt = stmt.where(DemandSignal.major_group == major_group)
    if community is not None:
        stmt = stmt.where(Community.slug == community)
    return [
        {
            "community": slug,
            "major_group": signal.major_group,
            "major_group_title": _title(signal.major_group),
            "signal": signal.signal,
            "updated_at": signal.updated_at,
        }
        for signal, slug in db.session.execute(stmt)
    ]

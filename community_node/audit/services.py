"""Writing the node's audit log. Callers pass ids and field names, never personal values."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from community_node.audit.models import AuditEvent
from community_node.extensions import db
from community_node.pagination import Page, paginate
from shared.web.audit import AuditLog

audit_log = AuditLog(db, AuditEvent)

#: Add an event to the current transaction: ``record(actor, action, entity_type, id, details)``.
record = audit_log.record


def list_events(filters: Mapping[str, Any], page: int, per_page: int) -> Page:
    """One page of events, newest first, narrowed by actor, action, entity type and dates.

    ``since`` and ``until`` are dates, both included; the rest match exactly.
    """
    stmt = select(AuditEvent)
    for key, column in (
        ("actor", AuditEvent.actor),
        ("action", AuditEvent.action),
        ("entity_type", AuditEvent.entity_type),
    ):
        if filters.get(key):
            stmt = stmt.where(column == filters[key])
    if filters.get("since"):
        stmt = stmt.where(AuditEvent.at >= _start_of(filters["since"]))
    if filters.get("until"):
        stmt = stmt.where(AuditEvent.at < _start_of(filters["until"] + dt.timedelta(days=1)))
    return paginate(stmt.order_by(AuditEvent.at.desc(), AuditEvent.id.desc()), page, per_page)


def distinct_values() -> dict[str, list[str]]:
    """The actions and entity types the log holds, for the filters' choices."""
    return {
        "action": list(
            db.session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action))
        ),
        "entity_type": list(
            db.session.scalars(
                select(AuditEvent.entity_type).distinct().order_by(AuditEvent.entity_type)
            )
        ),
    }


def _start_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)

"""Audit events. Rows are never updated or deleted (a trigger enforces it too)."""

from __future__ import annotations

from sqlalchemy import Index

from hub.database import Base
from shared.web.audit import AuditEventMixin, AuditLogIsAppendOnly

__all__ = ["AuditEvent", "AuditLogIsAppendOnly"]


class AuditEvent(AuditEventMixin, Base):
    """One write: the actor, the action, the record's type and id (no secrets in details)."""

    # The staff UI's "last sync" per community is max(at) of the community's own events:
    # one index seek per community, however long the log grows.
    __table_args__ = (Index("ix_audit_events_actor_at", "actor", "at"),)

"""Audit events. Rows are never updated or deleted (a trigger enforces it too)."""

from __future__ import annotations

from community_node.database import Base
from shared.web.audit import AuditEventMixin, AuditLogIsAppendOnly

__all__ = ["AuditEvent", "AuditLogIsAppendOnly"]


class AuditEvent(AuditEventMixin, Base):
    """One write: the actor, the action, the record's type and id (no personal data in details)."""

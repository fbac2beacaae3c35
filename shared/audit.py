"""The audit log's columns and its append-only guard, for each service's own table."""

from __future__ import annotations

from typing import Any

from sqlalchemy import String, event
from sqlalchemy.orm import Mapped, Session, mapped_column

from shared.db import JSONType, created_at, intpk


class AuditLogIsAppendOnly(RuntimeError):
    """Something tried to change or remove an audit event."""


class AuditEventColumns:
    """One write: actor, action, the record's type and id, details without personal data."""

    __tablename__ = "audit_events"

    id: Mapped[intpk]
    at: Mapped[created_at]
    actor: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(80), index=True)
    entity_type: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int | None]
    details: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)


@event.listens_for(Session, "before_flush")
def _refuse_audit_changes(session: Session, flush_context: Any, instances: Any) -> None:
    # The databases refuse it too (a trigger in each service's migrations).
    for obj in (*session.dirty, *session.deleted):
        if isinstance(obj, AuditEventColumns):
            raise AuditLogIsAppendOnly("audit events cannot be changed or deleted")

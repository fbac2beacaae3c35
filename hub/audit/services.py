"""Writing the audit log. Callers pass ids, slugs and statuses, never secrets."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hub.audit.models import AuditEvent
from hub.extensions import db


def record(
    actor: str,
    action: str,
    entity_type: str,
    entity_id: int | None,
    details: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """Add an audit event to the current transaction; the caller's commit keeps both."""
    event = AuditEvent(
        actor=actor,
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        details=dict(details or {}),
    )
    db.session.add(event)
    return event

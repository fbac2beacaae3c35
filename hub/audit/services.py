"""Writing the hub's audit log. Callers pass ids, slugs and statuses, never secrets."""

from __future__ import annotations

from hub.audit.models import AuditEvent
from hub.extensions import db
from shared.web.audit import AuditLog

audit_log = AuditLog(db, AuditEvent)

#: Add an event to the current transaction: ``record(actor, action, entity_type, id, details)``.
record = audit_log.record

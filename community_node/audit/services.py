"""Writing the node's audit log. Callers pass ids and field names, never personal values."""

from __future__ import annotations

from community_node.audit.models import AuditEvent
from community_node.extensions import db
from shared.web.audit import AuditLog

audit_log = AuditLog(db, AuditEvent)

#: Add an event to the current transaction: ``record(actor, action, entity_type, id, details)``.
record = audit_log.record


#: One page of events, newest first, narrowed by actor, action, entity type and dates.
list_events = audit_log.list_events
#: The actions and entity types the log holds, for the filters' choices.
distinct_values = audit_log.distinct_values

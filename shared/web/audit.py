"""The audit log, written once for both services: its columns, its guard, its writer.

Each service declares only its own table (``class AuditEvent(AuditEventMixin, Base)``,
so the table lives in that service's metadata and migrations) and binds an
:class:`AuditLog` to it. Rows are append-only: the ORM guard below refuses updates and
deletes, and a trigger in each service's migrations refuses them in the database too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import String, event, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from shared.db import JSONType, created_at, intpk
from shared.web.pagination import Page, paginate

__all__ = ["AuditEventMixin", "AuditLog", "AuditLogIsAppendOnly"]


class AuditLogIsAppendOnly(RuntimeError):
    """Something tried to change or remove an audit event."""


class AuditEventMixin:
    """One write: actor, action, the record's type and id, details without personal data."""

    __tablename__ = "audit_events"

    id: Mapped[intpk]
    at: Mapped[created_at]
    actor: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(80), index=True)
    entity_type: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int | None]
    details: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)

    if TYPE_CHECKING:  # the declarative base gives each table's class this constructor

        def __init__(self, **values: Any) -> None: ...


@event.listens_for(Session, "before_flush")
def _refuse_audit_changes(session: Session, flush_context: Any, instances: Any) -> None:
    # The databases refuse it too (a trigger in each service's migrations).
    for obj in (*session.dirty, *session.deleted):
        if isinstance(obj, AuditEventMixin):
            raise AuditLogIsAppendOnly("audit events cannot be changed or deleted")


E = TypeVar("E", bound=AuditEventMixin)


class AuditLog(Generic[E]):
    """Writes one service's audit table through that service's session."""

    def __init__(self, db: SQLAlchemy, model: type[E]) -> None:
        self._db = db
        self._model = model

    def record(
        self,
        actor: str,
        action: str,
        entity_type: str,
        entity_id: int | None,
        details: Mapping[str, Any] | None = None,
    ) -> E:
        """Add an audit event to the current transaction; the caller's commit keeps both."""
        event = self._model(
            actor=actor,
            action=action,
            entity_type=entity_type,
            entity_id=entity_id,
            details=dict(details or {}),
        )
        self._db.session.add(event)
        return event

    def list_events(self, filters: Mapping[str, Any], page: int, per_page: int) -> Page:
        """One page of events, newest first, narrowed by actor, action, entity type and dates.

        ``since`` and ``until`` are dates, both included; the rest match exactly.
        """
        model = self._model
        stmt = select(model)
        for key in ("actor", "action", "entity_type"):
            if filters.get(key):
                stmt = stmt.where(getattr(model, key) == filters[key])
        if filters.get("since"):
            stmt = stmt.where(model.at >= _start_of(filters["since"]))
        if filters.get("until"):
            stmt = stmt.where(model.at < _start_of(filters["until"] + dt.timedelta(days=1)))
        return paginate(self._db, stmt.order_by(model.at.desc(), model.id.desc()), page, per_page)

    def distinct_values(self) -> dict[str, list[str]]:
        """The actions and entity types the log holds, for the filters' choices."""
        model = self._model
        session = self._db.session
        return {
            key: list(session.scalars(select(column).distinct().order_by(column)))
            for key, column in (("action", model.action), ("entity_type", model.entity_type))
        }


def _start_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)

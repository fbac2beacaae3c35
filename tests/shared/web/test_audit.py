"""The audit log both services use: one writer, and rows the ORM refuses to change."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import select
from sqlalchemy.orm import DeclarativeBase

from shared.db import make_registry
from shared.web.audit import AuditEventMixin, AuditLog, AuditLogIsAppendOnly


class _Base(DeclarativeBase):
    registry = make_registry()


class _AuditEvent(AuditEventMixin, _Base):
    pass


@pytest.fixture
def db() -> Iterator[SQLAlchemy]:
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite://"
    db = SQLAlchemy(app, model_class=_Base)
    with app.app_context():
        _Base.metadata.create_all(db.engine)
        yield db
        db.session.remove()
        db.engine.dispose()


def test_record_joins_the_callers_transaction(db: SQLAlchemy) -> None:
    log = AuditLog(db, _AuditEvent)
    log.record("staff:1", "thing.delete", "thing", 7)
    db.session.rollback()  # the caller's write failed: its audit event goes with it
    assert db.session.scalars(select(_AuditEvent)).all() == []
    event = log.record("staff:1", "thing.create", "thing", 7, {"status": "new"})
    db.session.commit()
    stored = db.session.scalars(select(_AuditEvent)).one()
    assert stored is event
    assert (stored.actor, stored.action, stored.entity_type, stored.entity_id) == (
        "staff:1",
        "thing.create",
        "thing",
        7,
    )
    assert stored.details == {"status": "new"} and stored.at is not None


def test_events_can_be_neither_changed_nor_deleted(db: SQLAlchemy) -> None:
    event = AuditLog(db, _AuditEvent).record("cli", "thing.create", "thing", None)
    db.session.commit()
    event.actor = "someone else"
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.commit()
    db.session.rollback()
    db.session.delete(event)
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.commit()

"""Storing a sign-up when two arrive at once with the same email."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from community_node.audit.models import AuditEvent
from community_node.extensions import db
from community_node.participants import services as participants
from community_node.participants.models import Connectee, Consent
from community_node.signup.schemas import ConnecteeSignUpSchema
from community_node.signup.services import SignUpResult, sign_up
from tests.community_node.factories import ConnecteeFactory
from tests.community_node.signup.test_views import CONNECTEE


def test_the_later_of_two_racing_sign_ups_stores_nothing(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    application = ConnecteeSignUpSchema().load(MultiDict(CONNECTEE))
    # The other sign-up committed after this one looked the email up (twice) and found none.
    other = ConnecteeFactory(email="amira.haddad@example.org")
    real = participants.email_owner
    lookups: list[str] = []

    def late(kind: Any, email: str, exclude_id: int | None = None) -> int | None:
        lookups.append(email)
        return None if len(lookups) <= 2 else real(kind, email, exclude_id)

    monkeypatch.setattr(participants, "email_owner", late)
    result = sign_up(participants.CONNECTEES, application, policy_version="2026-01")
    assert result is SignUpResult.ALREADY_REGISTERED
    assert db.session.scalars(select(Connectee.id)).all() == [other.id]
    assert db.session.scalars(select(Consent)).all() == []
    [event] = db.session.scalars(select(AuditEvent)).all()
    assert (event.action, event.entity_id) == ("connectee.signup_repeated", other.id)

"""Staff accounts on the node: the shared StaffAccounts bound to the node's table."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

from community_node.audit.models import AuditEvent
from community_node.auth.models import Role
from community_node.auth.services import (
    authenticate,
    change_role,
    create_token,
    create_user,
    deactivate_user,
    list_tokens,
    load_active_user,
    revoke_token,
    user_for_token,
)
from community_node.errors import Conflict, InvalidInput
from community_node.extensions import db

PASSWORD = "correct horse battery"


def test_create_user_normalizes_the_email_and_audits_without_personal_data(app: Flask) -> None:
    user = create_user(" Ada@Example.ORG ", " Ada ", Role.COORDINATOR, PASSWORD, actor="cli")
    assert (user.email, user.name) == ("ada@example.org", "Ada")
    assert user.password_hash.startswith("$argon2id$")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.entity_id == user.id))
    assert event is not None
    assert (event.action, event.details) == ("staff_user.create", {"role": "coordinator"})


def test_create_user_refuses_bad_fields_and_a_taken_email(app: Flask) -> None:
    with pytest.raises(InvalidInput) as refused:
        create_user("not-an-email", " ", Role.VIEWER, "short", actor="cli")
    assert set(refused.value.extra["errors"]) == {"email", "name", "password"}
    create_user("ada@example.org", "Ada", Role.VIEWER, PASSWORD, actor="cli")
    with pytest.raises(Conflict):
        create_user("ADA@example.org", "Ada Again", Role.VIEWER, PASSWORD, actor="cli")


def test_authenticate_stamps_the_login_and_refuses_inactive_accounts(app: Flask) -> None:
    user = create_user("ada@example.org", "Ada", Role.VIEWER, PASSWORD, actor="cli")
    assert authenticate("ADA@example.org", "wrong password") is None
    assert user.last_login_at is None
    assert authenticate("ADA@example.org", PASSWORD) is user
    assert user.last_login_at is not None
    assert load_active_user(str(user.id)) is user
    user.active = False
    db.session.commit()
    assert authenticate("ada@example.org", PASSWORD) is None
    assert load_active_user(str(user.id)) is None
    assert load_active_user("1 OR 1=1") is None


# Managing accounts and tokens (the admin pages' services) --------------------------------


def test_change_role_and_deactivate_keep_one_active_admin(app: Flask) -> None:
    first = create_user("a@example.org", "A", Role.ADMIN, PASSWORD, actor="cli")
    with pytest.raises(Conflict):
        change_role(first.id, Role.COORDINATOR, actor="cli")
    with pytest.raises(Conflict):
        deactivate_user(first.id, actor="cli")
    second = create_user("b@example.org", "B", Role.VIEWER, PASSWORD, actor="cli")
    change_role(second.id, Role.ADMIN, actor="cli")
    assert change_role(first.id, Role.VIEWER, actor="cli").role is Role.VIEWER
    assert deactivate_user(first.id, actor="cli").active is False
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.entity_id.in_([first.id, second.id]))
    ).all()
    assert sorted(actions) == sorted(
        ["staff_user.create"] * 2 + ["staff_user.role"] * 2 + ["staff_user.deactivate"]
    )


def test_tokens_are_listed_per_account_and_revoked_once(app: Flask) -> None:
    ada = create_user("ada@example.org", "Ada", Role.COORDINATOR, PASSWORD, actor="cli")
    bo = create_user("bo@example.org", "Bo", Role.COORDINATOR, PASSWORD, actor="cli")
    mine = create_token(ada, "mine", actor="cli")
    theirs = create_token(bo, "theirs", actor="cli")
    assert [t.name for t in list_tokens(ada)] == ["mine"]
    assert {t.name for t in list_tokens()} == {"mine", "theirs"}

    revoked_at = revoke_token(mine.token.id, actor="cli").revoked_at
    assert revoke_token(mine.token.id, actor="cli").revoked_at == revoked_at  # idempotent
    assert user_for_token(mine.secret) is None
    assert user_for_token(theirs.secret) is bo
    revokes = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "api_token.revoke")
    ).all()
    assert len(revokes) == 1

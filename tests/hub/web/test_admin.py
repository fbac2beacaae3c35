"""The hub's admin pages: national staff accounts and roles, and the audit log."""

from __future__ import annotations

import re
from collections.abc import Callable

from flask.testing import FlaskClient
from sqlalchemy import select

from hub.audit.models import AuditEvent
from hub.audit.services import record
from hub.auth.models import Role, StaffUser
from hub.extensions import db
from tests.hub.web.conftest import PASSWORD, alerts, login


def staff_ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<tr data-id="(\d+)">', html)]


def test_only_admins_reach_the_admin_pages(
    admin: FlaskClient, coordinator: FlaskClient, viewer: FlaskClient
) -> None:
    assert admin.get("/admin").headers["Location"].endswith("/admin/staff")
    assert admin.get("/admin/staff").status_code == 200
    assert admin.get("/admin/audit").status_code == 200
    assert 'href="/admin/staff">Admin<' in admin.get("/").text
    for client in (coordinator, viewer):
        for path in ("/admin", "/admin/staff", "/admin/audit"):
            assert client.get(path).status_code == 403, path
        assert client.post("/admin/staff", data={}).status_code == 403
        assert ">Admin<" not in client.get("/").text


def test_logged_out_visitors_are_sent_to_the_login(hub_app: object) -> None:
    client = hub_app.test_client()  # type: ignore[attr-defined]
    response = client.get("/admin/staff")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_an_admin_creates_an_account_that_can_log_in(admin: FlaskClient, hub_app: object) -> None:
    form = {
        "name": "Nadia National",
        "email": "Nadia@Example.org",
        "role": "coordinator",
        "password": "a long enough passphrase",
    }
    response = admin.post("/admin/staff", data=form)
    assert response.status_code == 303
    page = admin.get("/admin/staff").text
    assert "Created the coordinator account for nadia@example.org." in alerts(page)
    user = db.session.scalar(select(StaffUser).where(StaffUser.email == "nadia@example.org"))
    assert user is not None and user.role is Role.COORDINATOR
    event = db.session.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "staff_user.create", AuditEvent.entity_id == user.id
        )
    )
    assert event is not None and event.actor.startswith("staff:")
    assert "Nadia" not in str(event.details) and "nadia" not in str(event.details)
    fresh = hub_app.test_client()  # type: ignore[attr-defined]
    assert login(fresh, "nadia@example.org", "a long enough passphrase").status_code == 303


def test_bad_accounts_are_refused_field_by_field(admin: FlaskClient) -> None:
    before = db.session.scalars(select(StaffUser)).all()
    response = admin.post(
        "/admin/staff",
        data={"name": "", "email": "not-an-email", "role": "emperor", "password": "short"},
    )
    assert response.status_code == 422
    html = response.text
    assert "Not a valid email address." in html
    assert "Must be one of: viewer, coordinator, admin." in html
    assert "Length must be between 10 and 1000." in html
    assert len(db.session.scalars(select(StaffUser)).all()) == len(before)
    duplicate = admin.post(
        "/admin/staff",
        data={
            "name": "Again",
            "email": "ana.admin@example.org",
            "role": "viewer",
            "password": PASSWORD,
        },
    )
    assert duplicate.status_code == 409
    assert "A staff account for ana.admin@example.org already exists." in duplicate.text


def test_roles_change_and_the_last_admin_stays(
    admin: FlaskClient, staff: Callable[[Role], StaffUser]
) -> None:
    viewer = staff(Role.VIEWER)
    me = staff(Role.ADMIN)
    response = admin.post(
        f"/admin/staff/{viewer.id}/role", data={f"user-{viewer.id}-role": "admin"}
    )
    assert response.status_code == 303
    db.session.expire_all()
    assert viewer.role is Role.ADMIN
    # Two admins now: demoting one is fine; demoting the last one is refused.
    assert (
        admin.post(
            f"/admin/staff/{viewer.id}/role", data={f"user-{viewer.id}-role": "viewer"}
        ).status_code
        == 303
    )
    refused = admin.post(f"/admin/staff/{me.id}/role", data={f"user-{me.id}-role": "viewer"})
    assert refused.status_code == 409
    assert "is the last active admin" in refused.text
    db.session.expire_all()
    assert me.role is Role.ADMIN
    bad = admin.post(f"/admin/staff/{viewer.id}/role", data={f"user-{viewer.id}-role": "king"})
    assert bad.status_code == 422
    assert admin.post("/admin/staff/99999999999/role", data={}).status_code == 404


def test_deactivated_staff_can_no_longer_log_in(
    admin: FlaskClient, staff: Callable[[Role], StaffUser], hub_app: object
) -> None:
    coordinator = staff(Role.COORDINATOR)
    assert admin.post(f"/admin/staff/{coordinator.id}/deactivate").status_code == 303
    db.session.expire_all()
    assert coordinator.active is False
    fresh = hub_app.test_client()  # type: ignore[attr-defined]
    assert login(fresh, coordinator.email).status_code != 303
    page = admin.get("/admin/staff").text
    assert "deactivated" in page


def test_the_audit_log_filters_by_action_actor_and_day(
    admin: FlaskClient, staff: Callable[[Role], StaffUser]
) -> None:
    record("cli", "community.create", "community", 7, {"slug": "halifax"})
    record("staff:1", "resource.publish", "resource", 3, {})
    db.session.commit()
    everything = admin.get("/admin/audit").text
    assert "community.create" in everything and "resource.publish" in everything
    only = admin.get("/admin/audit?action=community.create").text
    assert "community #7" in only and "resource #3" not in only
    by_actor = admin.get("/admin/audit?actor=cli").text
    assert "community #7" in by_actor and "resource #3" not in by_actor
    backwards = admin.get("/admin/audit?since=2026-05-02&until=2026-05-01")
    assert backwards.status_code == 200
    assert "Pick an end date on or after the start date." in backwards.text
    nothing = admin.get("/admin/audit?until=2001-01-01").text
    assert "No events match." in nothing

"""The admin pages: staff accounts, API tokens, the audit log and the eligibility rules."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from flask import Flask, g
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select

from community_node.audit.models import AuditEvent
from community_node.audit.services import record
from community_node.auth.models import ApiToken, Role, StaffUser
from community_node.auth.services import create_token, create_user, user_for_token
from community_node.extensions import db
from tests.community_node.factories import ConnecteeFactory

PASSWORD = "correct horse battery"
SECRET = re.compile(r"cnn_[0-9a-f]{8}_[A-Za-z0-9_-]{20,}")


def _client(app: Flask, role: Role, email: str | None = None) -> FlaskClient:
    user = create_user(
        email or f"{role.value}@example.org", role.value.title(), role, PASSWORD, actor="test"
    )
    client = app.test_client()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 303
    return client


@pytest.fixture
def admin_client(app: Flask) -> FlaskClient:
    return _client(app, Role.ADMIN)


@pytest.fixture
def coordinator_client(app: Flask) -> FlaskClient:
    return _client(app, Role.COORDINATOR)


@pytest.fixture
def viewer_client(app: Flask) -> FlaskClient:
    return _client(app, Role.VIEWER)


def _switch_clients() -> None:
    """Forget the last request's user before another client's request.

    The test app context stays pushed across requests, and Flask-Login caches the
    logged-in user on ``g``; without this the next client would act as the previous one.
    """
    g.pop("_login_user", None)


def _user(email: str) -> StaffUser:
    user = db.session.scalar(select(StaffUser).where(StaffUser.email == email))
    assert user is not None
    return user


ADMIN_ONLY_PAGES = ["/admin", "/admin/staff", "/admin/audit", "/admin/rules"]


# Roles ---------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ADMIN_ONLY_PAGES)
@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.VIEWER])
def test_coordinators_and_viewers_are_refused_the_admin_pages(
    app: Flask, role: Role, path: str
) -> None:
    client = _client(app, role)
    assert client.get(path).status_code == 403
    assert b'href="/admin"' not in client.get("/connectees").data


@pytest.mark.parametrize("path", ADMIN_ONLY_PAGES)
def test_admins_see_the_admin_pages(admin_client: FlaskClient, path: str) -> None:
    assert admin_client.get(path).status_code == 200


def test_anonymous_visitors_are_sent_to_log_in(client: FlaskClient) -> None:
    response = client.get("/admin/staff")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_admin_writes_posted_by_a_coordinator_are_refused(
    app: Flask, coordinator_client: FlaskClient
) -> None:
    other = create_user("x@example.org", "X", Role.VIEWER, PASSWORD, actor="test")
    new = {"email": "n@example.org", "name": "N", "role": "admin", "password": PASSWORD}
    assert coordinator_client.post("/admin/staff", data=new).status_code == 403
    assert (
        coordinator_client.post(
            f"/admin/staff/{other.id}/role", data={f"user-{other.id}-role": "admin"}
        )
    ).status_code == 403
    assert coordinator_client.post(f"/admin/staff/{other.id}/deactivate").status_code == 403
    db.session.expire_all()
    assert other.role is Role.VIEWER and other.active
    assert db.session.scalar(select(StaffUser).where(StaffUser.email == "n@example.org")) is None


def test_a_viewer_cannot_use_the_tokens_page(viewer_client: FlaskClient) -> None:
    assert viewer_client.get("/admin/tokens").status_code == 403
    assert viewer_client.post("/admin/tokens", data={"name": "x"}).status_code == 403
    assert db.session.scalars(select(ApiToken)).all() == []


# Staff accounts ------------------------------------------------------------------------


def test_an_admin_creates_an_account_that_can_log_in(app: Flask, admin_client: FlaskClient) -> None:
    response = admin_client.post(
        "/admin/staff",
        data={"email": " New@Example.org ", "name": "Nia", "role": "viewer", "password": PASSWORD},
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/admin/staff")
    user = _user("new@example.org")
    assert (user.name, user.role, user.active) == ("Nia", Role.VIEWER, True)
    page = admin_client.get("/admin/staff").get_data(as_text=True)
    assert "Created the viewer account for new@example.org." in page
    assert "new@example.org" in page
    fresh = app.test_client()
    login = {"email": "new@example.org", "password": PASSWORD}
    assert fresh.post("/login", data=login).status_code == 303


def test_account_errors_are_shown_field_by_field(admin_client: FlaskClient) -> None:
    response = admin_client.post(
        "/admin/staff",
        data={"email": "not-an-email", "name": "", "role": "owner", "password": "short"},
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="email-error"' in page
    assert 'id="name-error"' in page
    assert 'id="password-error"' in page
    assert 'id="role-error"' in page
    assert (
        db.session.scalars(select(StaffUser).where(StaffUser.email == "not-an-email")).all() == []
    )


def test_a_second_account_for_an_email_is_refused_on_the_form(admin_client: FlaskClient) -> None:
    data = {"email": "admin@example.org", "name": "Dup", "role": "viewer", "password": PASSWORD}
    response = admin_client.post("/admin/staff", data=data)
    assert response.status_code == 409
    assert "already exists" in response.get_data(as_text=True)


def test_an_admin_changes_a_role_and_the_audit_log_says_so(admin_client: FlaskClient) -> None:
    other = create_user("c@example.org", "Cy", Role.COORDINATOR, PASSWORD, actor="test")
    response = admin_client.post(
        f"/admin/staff/{other.id}/role", data={f"user-{other.id}-role": "viewer"}
    )
    assert response.status_code == 303
    db.session.expire_all()
    assert other.role is Role.VIEWER
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "staff_user.role")
    ).one()
    assert (event.entity_id, event.details) == (other.id, {"from": "coordinator", "to": "viewer"})


def test_an_unknown_role_is_refused(admin_client: FlaskClient) -> None:
    other = create_user("c@example.org", "Cy", Role.COORDINATOR, PASSWORD, actor="test")
    response = admin_client.post(
        f"/admin/staff/{other.id}/role", data={f"user-{other.id}-role": "root"}
    )
    assert response.status_code == 422
    db.session.expire_all()
    assert other.role is Role.COORDINATOR


def test_a_deactivated_account_loses_its_session_and_tokens(
    app: Flask, admin_client: FlaskClient
) -> None:
    victim_client = _client(app, Role.COORDINATOR, "gone@example.org")
    victim = _user("gone@example.org")
    secret = create_token(victim, "script", actor="test").secret
    assert victim_client.get("/connectees").status_code == 200
    _switch_clients()

    assert admin_client.post(f"/admin/staff/{victim.id}/deactivate").status_code == 303

    _switch_clients()
    assert victim_client.get("/connectees").status_code == 302  # back to the login page
    api = app.test_client().get("/api/v1/connectees", headers={"Authorization": f"Bearer {secret}"})
    assert api.status_code == 401
    _switch_clients()
    assert "deactivated" in admin_client.get("/admin/staff").get_data(as_text=True)


def test_the_last_admin_cannot_be_demoted_or_deactivated(admin_client: FlaskClient) -> None:
    me = _user("admin@example.org")
    demoted = admin_client.post(f"/admin/staff/{me.id}/role", data={f"user-{me.id}-role": "viewer"})
    assert demoted.status_code == 409
    assert "last active admin" in demoted.get_data(as_text=True)
    assert admin_client.post(f"/admin/staff/{me.id}/deactivate").status_code == 409
    db.session.expire_all()
    assert me.role is Role.ADMIN and me.active


def test_an_unknown_account_is_404(admin_client: FlaskClient) -> None:
    assert admin_client.post("/admin/staff/9999/deactivate").status_code == 404
    assert admin_client.post("/admin/staff/99999999999/deactivate").status_code == 404


# API tokens ----------------------------------------------------------------------------


def test_a_new_token_is_shown_once_then_never(coordinator_client: FlaskClient) -> None:
    response = coordinator_client.post("/admin/tokens", data={"name": "API docs"})
    assert response.status_code == 201
    assert response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    match = SECRET.search(page)
    assert match is not None
    secret = match.group(0)
    assert "Authorize" in page  # tells where to paste it
    token = db.session.scalars(select(ApiToken)).one()
    assert token.user.email == "coordinator@example.org" and token.name == "API docs"
    assert secret not in token.digest  # only the digest is kept

    again = coordinator_client.get("/admin/tokens").get_data(as_text=True)
    assert secret not in again
    assert SECRET.search(again) is None
    assert f"cnn_{token.prefix}_…" in again  # recognisable by its start only

    # The token works on the API, as Swagger UI's Authorize sends it.
    api = coordinator_client.get(
        "/api/v1/connectees", headers={"Authorization": f"Bearer {secret}"}
    )
    assert api.status_code == 200


def test_token_form_errors_are_field_by_field(coordinator_client: FlaskClient) -> None:
    response = coordinator_client.post("/admin/tokens", data={"name": "", "expires_in_days": "0"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="name-error"' in page and 'id="expires_in_days-error"' in page
    assert db.session.scalars(select(ApiToken)).all() == []


def test_a_token_can_expire(coordinator_client: FlaskClient) -> None:
    response = coordinator_client.post("/admin/tokens", data={"name": "t", "expires_in_days": "7"})
    assert response.status_code == 201
    token = db.session.scalars(select(ApiToken)).one()
    assert token.expires_at is not None
    assert dt.timedelta(days=6) < token.expires_at - token.created_at <= dt.timedelta(days=7)


def test_revoking_from_the_page_closes_the_api(coordinator_client: FlaskClient) -> None:
    page = coordinator_client.post("/admin/tokens", data={"name": "mine"}).get_data(as_text=True)
    match = SECRET.search(page)
    assert match is not None
    headers = {"Authorization": f"Bearer {match.group(0)}"}
    assert coordinator_client.get("/api/v1/connectees", headers=headers).status_code == 200
    token = db.session.scalars(select(ApiToken)).one()

    response = coordinator_client.post(f"/admin/tokens/{token.id}/revoke")

    assert response.status_code == 303
    assert coordinator_client.get("/api/v1/connectees", headers=headers).status_code == 401
    listing = coordinator_client.get("/admin/tokens").get_data(as_text=True)
    assert "revoked" in listing


def test_revoking_with_the_cli_closes_the_api(
    app: Flask, runner: FlaskCliRunner, coordinator: StaffUser
) -> None:
    issued = create_token(coordinator, "script", actor="test")
    headers = {"Authorization": f"Bearer {issued.secret}"}
    client = app.test_client()
    assert client.get("/api/v1/connectees", headers=headers).status_code == 200

    result = runner.invoke(args=["tokens", "revoke", "--id", str(issued.token.id)])

    assert result.exit_code == 0, result.output
    assert f"Revoked token {issued.token.id} (script) of {coordinator.email}." in result.output
    assert client.get("/api/v1/connectees", headers=headers).status_code == 401
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "api_token.revoke")
    ).one()
    assert (event.actor, event.entity_id) == ("cli", issued.token.id)


def test_the_cli_names_an_unknown_token(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["tokens", "revoke", "--id", "404"])
    assert result.exit_code == 1
    assert "No API token 404." in result.output


def test_a_coordinator_sees_and_revokes_only_their_own_tokens(
    app: Flask, coordinator_client: FlaskClient
) -> None:
    someone = create_user("s@example.org", "Sam", Role.COORDINATOR, PASSWORD, actor="test")
    theirs = create_token(someone, "their script", actor="test")
    page = coordinator_client.get("/admin/tokens").get_data(as_text=True)
    assert "their script" not in page

    response = coordinator_client.post(f"/admin/tokens/{theirs.token.id}/revoke")

    assert response.status_code == 403
    assert user_for_token(theirs.secret) is not None


def test_an_admin_sees_and_revokes_everyones_tokens(admin_client: FlaskClient) -> None:
    someone = create_user("s@example.org", "Sam", Role.COORDINATOR, PASSWORD, actor="test")
    theirs = create_token(someone, "their script", actor="test")
    page = admin_client.get("/admin/tokens").get_data(as_text=True)
    assert "their script" in page and "Sam" in page

    assert admin_client.post(f"/admin/tokens/{theirs.token.id}/revoke").status_code == 303
    assert user_for_token(theirs.secret) is None


# The audit log -------------------------------------------------------------------------


@pytest.fixture
def events(app: Flask) -> None:
    """Three events on three days by two actors."""
    days = [dt.datetime(2026, 3, d, 12, tzinfo=dt.UTC) for d in (1, 2, 3)]
    for at, (actor, action, kind, entity_id) in zip(
        days,
        [
            ("staff:7", "connectee.create", "connectee", 1),
            ("cli", "api_token.create", "api_token", 2),
            ("staff:7", "connectee.update", "connectee", 1),
        ],
        strict=True,
    ):
        record(actor, action, kind, entity_id, {"fields": ["phone"]}).at = at
    db.session.commit()


def _rows(client: FlaskClient, query: str) -> list[str]:
    page = client.get(f"/admin/audit?{query}").get_data(as_text=True)
    body = page.split('<table class="cards" id="events">', 1)[1].split("</table>", 1)[0]
    return re.findall(r"<td data-label=\"Action\">([^<]+)</td>", body)


@pytest.mark.usefixtures("events")
def test_the_audit_log_filters(admin_client: FlaskClient) -> None:
    assert _rows(admin_client, "actor=staff:7") == ["connectee.update", "connectee.create"]
    assert _rows(admin_client, "action=api_token.create") == ["api_token.create"]
    assert _rows(admin_client, "entity_type=connectee&since=2026-03-02") == ["connectee.update"]
    assert _rows(admin_client, "since=2026-03-01&until=2026-03-02&actor=staff:7") == [
        "connectee.create"
    ]
    assert _rows(admin_client, "until=2026-02-28") == []


@pytest.mark.usefixtures("events")
def test_the_audit_log_pages(admin_client: FlaskClient) -> None:
    first = admin_client.get("/admin/audit?actor=staff:7&per_page=1").get_data(as_text=True)
    assert "Page 1 of 2" in first
    assert 'rel="next"' in first and "per_page=1" in first
    assert _rows(admin_client, "actor=staff:7&per_page=1&page=2") == ["connectee.create"]


@pytest.mark.usefixtures("events")
def test_bad_audit_filters_are_named_and_dropped(admin_client: FlaskClient) -> None:
    response = admin_client.get("/admin/audit?since=yesterday&action=api_token.create")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Since: Not a valid date." in page
    assert _rows(admin_client, "since=yesterday&action=api_token.create") == ["api_token.create"]


def test_the_audit_log_shows_no_personal_values(app: Flask, admin_client: FlaskClient) -> None:
    person = ConnecteeFactory(first_name="Zubaida", email="zubaida@example.org", phone="+15550100")
    token_page = admin_client.post("/admin/tokens", data={"name": "x"}).get_data(as_text=True)
    match = SECRET.search(token_page)
    assert match is not None
    headers = {"Authorization": f"Bearer {match.group(0)}"}
    changed = admin_client.patch(
        f"/api/v1/connectees/{person.id}", json={"phone": "+15550199"}, headers=headers
    )
    assert changed.status_code == 200
    page = admin_client.get("/admin/audit").get_data(as_text=True)
    assert "connectee.update" in page and "phone" in page  # the field, not its value
    for value in ("Zubaida", "zubaida@example.org", "+15550100", "+15550199", match.group(0)):
        assert value not in page


# The eligibility rules -----------------------------------------------------------------


def test_the_rules_page_shows_the_packaged_rules(admin_client: FlaskClient) -> None:
    page = admin_client.get("/admin/rules").get_data(as_text=True)
    assert "default-2026-01+" in page
    assert "At least post secondary certificate education." in page
    assert "At least level B1; without a level, English by degree is accepted." in page
    assert "an H-1B visa" in page and "a student F-1 visa" not in page
    assert "At least 5 years." in page  # connectors' years in the field
    assert "Switched off: Authorization still valid, Experience." in page


def test_the_rules_page_shows_a_configured_file(
    app: Flask, admin_client: FlaskClient, tmp_path: Path
) -> None:
    path = tmp_path / "rules.toml"
    path.write_text(
        'version = "city-7"\ndescription = "Ours."\n'
        "[connectee]\nmin_years_experience = 3\nrequire_resume = false\n"
        "[connector]\nmin_years_in_field = false\nrequire_local_network = false\n"
    )
    app.config["ELIGIBILITY_RULES"] = str(path)
    page = admin_client.get("/admin/rules").get_data(as_text=True)
    assert "city-7+" in page and "Ours." in page
    assert "At least 3 years of experience." in page
    assert "Résumé" in page.split("Switched off:", 1)[1]
    assert "No criteria: everyone is eligible." in page


def test_a_broken_rules_file_is_named_not_a_500(
    app: Flask, admin_client: FlaskClient, tmp_path: Path
) -> None:
    path = tmp_path / "rules.toml"
    path.write_text('version = "x"\n[connectee]\nmin_english = "B1"\n')
    app.config["ELIGIBILITY_RULES"] = str(path)
    response = admin_client.get("/admin/rules")
    assert response.status_code == 503
    assert "connectee.min_english: unknown key" in response.get_data(as_text=True)

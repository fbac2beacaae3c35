"""The staff pages: login, the dashboard and its roll-up, error pages, CSRF, secrets."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from pathlib import Path
from secrets import token_urlsafe
from typing import Any

import pytest
from cryptography.fernet import Fernet
from flask import Flask
from flask.testing import FlaskClient

from hub.app import create_app
from hub.auth.models import Role, StaffUser
from hub.communities.models import CommunityStatus
from hub.communities.services import Credentials, add_community, rotate_secret, set_status
from hub.extensions import db
from hub.outcomes.models import ROLLUP_LEVELS
from hub.outcomes.services import replace_cells
from hub.web.views import LEVEL_LABELS
from tests.hub.conftest import hub_config
from tests.hub.federation.conftest import Api, profile, tombstone
from tests.hub.introductions.conftest import request_intro
from tests.hub.web.conftest import PASSWORD, alerts, csrf_token, login

PAGES = ("/", "/communities", "/communities/halifax", "/resources")


# Login ------------------------------------------------------------------------------


def test_pages_need_login(hub_client: FlaskClient, halifax: Credentials) -> None:
    for url in PAGES:
        response = hub_client.get(url)
        assert response.status_code == 302, url
        assert response.headers["Location"].startswith("/login?next="), url
    for url in ("/communities/halifax/status", "/resources", "/resources/1/unpublish"):
        response = hub_client.post(url, data={"status": "suspended", "reason": "x"})
        assert response.status_code == 302, url
        assert response.headers["Location"].startswith("/login")
    db.session.expire_all()
    assert halifax.community.status is CommunityStatus.ACTIVE


def test_login_page_is_open_and_labels_its_fields(hub_client: FlaskClient) -> None:
    html = hub_client.get("/login").text
    assert '<label for="email">Email</label>' in html and 'id="email"' in html
    assert '<label for="password">Password</label>' in html and 'id="password"' in html


def test_login_then_dashboard(hub_client: FlaskClient, staff: Callable[[Role], StaffUser]) -> None:
    response = login(hub_client, staff(Role.VIEWER).email)
    assert (response.status_code, response.headers["Location"]) == (303, "/")
    page = hub_client.get("/")
    assert page.status_code == 200
    assert "<h1>Dashboard</h1>" in page.text
    assert "Log out Viewer Person (viewer)" in page.text
    db.session.expire_all()
    assert staff(Role.VIEWER).last_login_at is not None


def test_wrong_password_unknown_email_and_inactive_get_one_message(
    hub_app: Flask, staff: Callable[[Role], StaffUser]
) -> None:
    staff(Role.VIEWER).active = False
    db.session.commit()
    attempts = [
        (staff(Role.ADMIN).email, "not the password"),
        ("nobody@example.org", PASSWORD),
        (staff(Role.VIEWER).email, PASSWORD),
    ]
    for email, password in attempts:
        client = hub_app.test_client()
        response = login(client, email, password)
        assert response.status_code == 200, email
        assert alerts(response.text) == ["Email or password is wrong."], email
        assert client.get("/").status_code == 302, email


def test_a_form_that_cannot_be_a_login_is_422(hub_client: FlaskClient) -> None:
    # The same answer as the nodes' (one shared view): the form with its field errors.
    response = login(hub_client, "", "")
    assert response.status_code == 422
    assert 'aria-invalid="true"' in response.text


def test_200_wrong_passwords_then_the_right_one_does_not_log_in(
    hub_client: FlaskClient, staff: Callable[[Role], StaffUser]
) -> None:
    email = staff(Role.ADMIN).email
    answers = [
        login(
            hub_client,
            email,
            f"guess {n}",
            environ_base={"REMOTE_ADDR": f"203.0.113.{n % 250 + 1}"},
        ).status_code
        for n in range(200)
    ]
    assert answers[:5] == [200] * 5 and set(answers[5:]) == {429}
    right = login(hub_client, email)
    assert right.status_code == 429
    assert 1 <= int(right.headers["Retry-After"]) <= 60
    assert "Staff login" in right.text  # the login page, saying how long to wait
    assert "Too many failed logins. Try again in" in right.text
    assert hub_client.get("/").status_code == 302


def test_failed_logins_leave_a_trail_in_hub_security(
    hub_client: FlaskClient,
    staff: Callable[[Role], StaffUser],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="hub.security")
    for _ in range(6):
        login(hub_client, staff(Role.ADMIN).email, "hunter2-secret")
    events = [r.security_event for r in caplog.records if r.name == "hub.security"]
    assert [(e["event"], e["reason"]) for e in events] == [
        *[("login_failed", "wrong_password")] * 5,
        ("rate_limited", "login_per_account"),
    ]
    assert {e["account"] for e in events} == {events[0]["account"]}
    assert events[0]["staff_id"] == staff(Role.ADMIN).id
    assert "@example.org" not in caplog.text and "hunter2" not in caplog.text


def test_a_deactivated_account_loses_its_session(
    admin: FlaskClient, staff: Callable[[Role], StaffUser]
) -> None:
    assert admin.get("/").status_code == 200
    staff(Role.ADMIN).active = False
    db.session.commit()
    assert admin.get("/").status_code == 302


@pytest.mark.parametrize(
    ("target", "expected"),
    # shared.web.login.local_target's own tests try every unsafe form.
    [("/resources?all=1", "/resources?all=1"), ("/\\evil.example", "/")],
)
def test_login_follows_only_local_next(
    hub_client: FlaskClient, staff: Callable[[Role], StaffUser], target: str, expected: str
) -> None:
    response = login(hub_client, staff(Role.ADMIN).email, query_string={"next": target})
    assert response.headers["Location"] == expected


def test_logout_is_a_post(admin: FlaskClient) -> None:
    assert admin.get("/logout").status_code == 405
    response = admin.post("/logout")
    assert (response.status_code, response.headers["Location"]) == (303, "/login")
    assert admin.get("/").status_code == 302


# Dashboard --------------------------------------------------------------------------


def count(html: str, name: str) -> int:
    found = re.search(rf'id="count-{name}">(\d+)<', html)
    assert found, name
    return int(found[1])


def test_dashboard_counts(
    viewer: FlaskClient,
    halifax_api: Api,
    stlouis_api: Api,
    listed_id: int,
    stlouis: Credentials,
) -> None:
    # St. Louis lists one connector (listed_id); Halifax one, and a tombstone.
    assert halifax_api.batch(profile(1), tombstone(2, 1)).status_code == 200
    assert request_intro(halifax_api, listed_id).status_code == 201
    set_status("stlouis", CommunityStatus.SILENCED, actor="test")
    add_community("winnipeg", "Winnipeg", region="MB", actor="test")
    set_status("winnipeg", CommunityStatus.SUSPENDED, actor="test")

    html = viewer.get("/").text
    assert count(html, "communities-active") == 1
    assert count(html, "communities-silenced") == 1
    assert count(html, "communities-suspended") == 1
    assert count(html, "listed-profiles") == 2
    assert count(html, "introductions-requested") == 1
    assert count(html, "introductions-accepted") == 0
    syncs = sync_rows(html)
    assert syncs["winnipeg"][1:] == ["never", "—"]
    assert syncs["halifax"][1].endswith("UTC") and syncs["halifax"][2].endswith("UTC")
    assert syncs["stlouis"][0] == "silenced"


def sync_rows(html: str) -> dict[str, list[str]]:
    """The dashboard's last-sync table: slug -> [status, last sync, newest profile update]."""
    table = html.split('id="syncs"', 1)[1].split("</table>", 1)[0]
    found: dict[str, list[str]] = {}
    for slug, row in re.findall(r'<tr data-slug="([^"]+)">(.*?)</tr>', table, re.S):
        cells = [strip_tags(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        found[slug] = cells
    return found


def strip_tags(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html).strip()


def cell(group: str, metric: str, value: int | None) -> dict[str, Any]:
    return {"major_group": group, "metric": metric, "value": value, "suppressed": value is None}


@pytest.fixture
def reported(halifax: Credentials, stlouis: Credentials) -> None:
    """Outcome cells two communities sent for 2026-Q3, one for 2026-Q2."""
    replace_cells(
        halifax.community,
        "2026-Q3",
        [
            cell("29", "enrolled", 23),
            cell("15", "enrolled", None),  # a node suppressed it (1-4)
            cell("29", "met", 7),
            cell("29", "employed_in_field", 12),
            cell("29", "employed_related_field", 0),
            cell("29", "employed_outside_field", 0),
        ],
        "test",
    )
    replace_cells(stlouis.community, "2026-Q3", [cell("29", "enrolled", 41)], "test")
    replace_cells(halifax.community, "2026-Q2", [cell("all", "enrolled", 1000)], "test")


def rollup_table(html: str) -> list[dict[str, str]]:
    """The dashboard's roll-up table as text cells by column name."""
    table = html.split('id="rollup"', 1)[1].split("</table>", 1)[0]
    head = re.findall(r'<th scope="col">([^<]+)</th>', table)
    rows = []
    for body in re.findall(r"<tr>(.*?)</tr>", table.split("<tbody>", 1)[1], re.S):
        cells = [strip_tags(c) for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", body, re.S)]
        rows.append(dict(zip(head, cells, strict=True)))
    return rows


def shown(row: dict[str, Any], column: str) -> str:
    """How the dashboard must show one figure of a public roll-up row."""
    if column in row["suppressed"]:
        return "withheld"
    if row[column] is None:
        return "—"
    if column == "placement_rate":
        return f"{row[column] * 100:.1f}%"
    return str(row[column])


@pytest.mark.parametrize("by", ROLLUP_LEVELS)
def test_dashboard_rollup_is_the_public_one(
    viewer: FlaskClient, hub_client: FlaskClient, reported: None, by: str
) -> None:
    html = viewer.get(f"/?by={by}&period=2026-Q3").text
    table = rollup_table(html)
    public = hub_client.get(f"/api/v1/rollup?by={by}&period=2026-Q3").get_json()["rows"]
    assert len(table) == len(public) > 0
    for shown_row, row in zip(table, public, strict=True):
        assert shown_row["Period"] == row["period"]
        for column, value in shown_row.items():
            name = column.lower().replace(" ", "_")
            if name in ("community", "major_group"):
                assert value == row[name]
            elif name != "period":
                assert value == shown(row, name), (by, column)


def test_dashboard_rollup_withholds_small_and_suppressed_cells(
    viewer: FlaskClient, hub_client: FlaskClient, reported: None
) -> None:
    html = viewer.get("/?by=community&period=2026-Q3").text
    halifax, stlouis = rollup_table(html)
    assert halifax["Community"] == "halifax"
    assert halifax["Enrolled"] == "withheld"  # 23 + a suppressed cell
    assert halifax["Met"] == "withheld"  # 7, below 10
    assert halifax["Employed in field"] == "10"  # 12, rounded to 5
    assert halifax["Employed"] == "10" and halifax["Placement rate"] == "—"
    assert halifax["Eligible"] == "—"  # not reported
    assert stlouis["Enrolled"] == "40"  # 41, rounded to 5
    for raw in ("23", "41", ">7<", "12"):
        assert raw not in html.split('id="rollup"', 1)[1].split("</table>", 1)[0]

    link = re.search(r'<a href="([^"]+)" id="rollup-csv"', html)
    assert link and link[1] == "/api/v1/rollup.csv?by=community&amp;period=2026-Q3"
    csv = hub_client.get(link[1].replace("&amp;", "&"))
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    assert "2026-Q3,halifax,all,x," in csv.text


def test_dashboard_defaults_to_national_totals_of_every_period(
    viewer: FlaskClient, reported: None
) -> None:
    html = viewer.get("/").text
    table = rollup_table(html)
    assert [(r["Period"], r["Enrolled"]) for r in table] == [
        ("2026-Q2", "1000"),
        ("2026-Q3", "withheld"),
    ]
    assert "Community" not in table[0]
    assert '<option value="2026-Q3">2026-Q3</option>' in html
    assert 'href="/api/v1/rollup.csv?by=national"' in html


def test_dashboard_reports_bad_rollup_arguments(viewer: FlaskClient, reported: None) -> None:
    response = viewer.get("/?by=city&period=2026-Q9&extra=1")
    assert response.status_code == 200
    assert alerts(response.text) == [
        "period: String does not match expected pattern.",
        "by: Must be one of: community, major_group, community_major_group, national.",
    ]
    assert [r["Period"] for r in rollup_table(response.text)] == ["2026-Q2", "2026-Q3"]


def test_every_rollup_level_has_its_label_columns() -> None:
    assert set(LEVEL_LABELS) == set(ROLLUP_LEVELS)


# Errors -----------------------------------------------------------------------------


def test_browser_errors_are_html_and_api_errors_stay_json(
    viewer: FlaskClient, hub_client: FlaskClient
) -> None:
    missing = viewer.get("/communities/nowhere")
    assert missing.status_code == 404 and missing.mimetype == "text/html"
    assert "<h1>404 · Not Found</h1>" in missing.text and "No community nowhere." in missing.text
    assert 'href="/communities"' in missing.text  # the page keeps the hub's navigation
    forbidden = viewer.post("/communities/nowhere/status")
    assert forbidden.status_code == 403 and "<h1>403 · Forbidden</h1>" in forbidden.text
    for url in ("/api/v1/nothing", "/oauth/nothing", "/api/v1/whoami"):
        answer = viewer.get(url, headers={"Accept": "text/html"})
        assert answer.mimetype == "application/json", url
        assert answer.get_json()["code"] in (401, 404), url


# CSRF -------------------------------------------------------------------------------


@pytest.mark.parametrize("hub_app_config", [{"WTF_CSRF_ENABLED": True}])
def test_forms_need_the_csrf_token_and_the_api_does_not(
    hub_app: Flask, staff: Callable[[Role], StaffUser], halifax: Credentials, halifax_api: Api
) -> None:
    client = hub_app.test_client()
    assert login(client, staff(Role.ADMIN).email).status_code == 400
    token = csrf_token(client.get("/login").text)
    response = login(client, staff(Role.ADMIN).email, extra={"csrf_token": token})
    assert response.status_code == 303

    change = {"status": "suspended", "reason": "Checking its data"}
    refused = client.post("/communities/halifax/status", data=change)
    assert refused.status_code == 400 and "CSRF" in refused.text
    assert client.post("/logout").status_code == 400
    token = csrf_token(client.get("/communities/halifax").text)
    # The API authenticates by token, never by cookie: no CSRF token there (halifax_api
    # also fetched its token from /oauth/token without one).
    assert halifax_api.put("/api/v1/outcomes/2026-Q3", json={"cells": []}).status_code == 200
    accepted = client.post("/communities/halifax/status", data={**change, "csrf_token": token})
    assert accepted.status_code == 303
    db.session.expire_all()
    assert halifax.community.status is CommunityStatus.SUSPENDED


# Secrets and configuration ----------------------------------------------------------


def test_no_page_shows_a_client_secret_or_its_digest(
    admin: FlaskClient, halifax: Credentials, stlouis: Credentials
) -> None:
    rotated = rotate_secret("stlouis", actor="test")
    secrets = {
        halifax.client_secret,
        stlouis.client_secret,
        rotated.client_secret,
        halifax.community.client.secret_digest,
        rotated.community.client.secret_digest,
    }
    answers = [admin.get(url) for url in (*PAGES, "/communities/stlouis", "/resources?all=1")]
    answers.append(admin.post("/communities/halifax/status", data={"status": "silenced"}))
    answers.append(admin.post("/resources", data={"title": "x"}))
    answers.append(
        admin.post(
            "/communities/stlouis/status",
            data={"status": "suspended", "reason": "audit"},
            follow_redirects=True,
        )
    )
    for answer in answers:
        assert answer.status_code in (200, 422), answer.request.path
        for secret in secrets:
            assert secret not in answer.text, answer.request.path
    assert halifax.client_id in admin.get("/communities/halifax").text  # the id is no secret


def test_session_cookie_is_secure_in_production(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/hub.sqlite"
    production = create_app(
        {
            "ENV": "production",
            "SECRET_KEY": token_urlsafe(48),
            "SQLALCHEMY_DATABASE_URI": url,
            "RATELIMIT_STORAGE_URI": "memory://",  # one process: no Redis needed here
            "KEY_ENCRYPTION_KEY": Fernet.generate_key().decode(),
        }
    )
    assert production.config["SESSION_COOKIE_SECURE"] is True
    assert production.config["SESSION_COOKIE_HTTPONLY"] is True
    assert production.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert create_app(hub_config(url)).config["SESSION_COOKIE_SECURE"] is False


def test_session_cookie_flags(hub_client: FlaskClient, staff: Callable[[Role], StaffUser]) -> None:
    response = login(hub_client, staff(Role.VIEWER).email)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_openapi_lists_only_the_api(hub_client: FlaskClient) -> None:
    spec = hub_client.get("/api/v1/openapi.json").get_json()
    assert all(path.startswith("/api/v1/") for path in spec["paths"])


def test_pages_use_the_vendored_assets(viewer: FlaskClient) -> None:
    html = viewer.get("/").text
    for asset in ("/vendor/pico/pico.min.css", "/vendor/htmx/htmx.min.js"):
        assert asset in html
        served = viewer.get(asset)
        assert served.status_code == 200
        served.close()

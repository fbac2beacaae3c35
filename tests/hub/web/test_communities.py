"""The communities pages: the list, a community's detail, and changing its status."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from hub.audit.models import AuditEvent
from hub.auth.models import Role, StaffUser
from hub.communities.models import CommunityStatus
from hub.communities.services import Credentials
from hub.extensions import db
from shared.crypto import generate_keypair
from tests.hub.conftest import bearer, request_token
from tests.hub.federation.conftest import Api, profile, tombstone
from tests.hub.web.conftest import alerts

SUSPEND = {"status": "suspended", "reason": "Checking its outcome figures"}


def status_events() -> list[AuditEvent]:
    stmt = select(AuditEvent).where(AuditEvent.action == "community.set_status")
    return list(db.session.scalars(stmt.order_by(AuditEvent.id)))


def assert_still_active(creds: Credentials) -> None:
    """The refused change left the community as it was, and the audit log without it."""
    db.session.expire_all()
    assert creds.community.status is CommunityStatus.ACTIVE
    assert status_events() == []


def table_rows(html: str, table: str) -> dict[str, list[str]]:
    """A table's rows by their ``data-slug``, as the text of each cell."""
    body = html.split(f'id="{table}"', 1)[1].split("</table>", 1)[0]
    found = {}
    for slug, row in re.findall(r'<tr data-slug="([^"]+)">(.*?)</tr>', body, re.S):
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        found[slug] = [re.sub(r"<[^>]+>", "", c).strip() for c in cells]
    return found


def test_list_shows_each_community(
    viewer: FlaskClient, halifax_api: Api, stlouis: Credentials
) -> None:
    assert halifax_api.batch(profile(1), profile(2), tombstone(3, 1)).status_code == 200
    key = {"public_key": generate_keypair().public}
    assert halifax_api.put("/api/v1/communities/me/public-key", json=key).status_code == 200

    rows = table_rows(viewer.get("/communities").text, "communities")
    assert list(rows) == ["halifax", "stlouis"]
    assert rows["halifax"][:7] == ["halifax", "Halifax", "NS", "CA", "active", "yes", "2"]
    assert rows["halifax"][7].endswith("UTC")
    assert rows["stlouis"] == ["stlouis", "St. Louis", "MO", "US", "active", "no", "0", "—"]


def test_detail_shows_the_community_and_its_history(
    admin: FlaskClient, halifax: Credentials
) -> None:
    html = admin.get("/communities/halifax").text
    assert '<h1>Halifax <small class="badge active" id="current-status">active</small></h1>' in html
    assert halifax.client_id in html
    assert "profiles:write" in html
    assert "registered" in html.split('id="history"', 1)[1]
    assert admin.get("/communities/nowhere").status_code == 404


def test_admin_suspends_with_a_reason_and_the_token_stops_working(
    admin: FlaskClient,
    hub_client: FlaskClient,
    halifax: Credentials,
    get_token: Callable[..., str],
    staff: Callable[[Role], StaffUser],
) -> None:
    token = get_token(halifax)
    assert hub_client.get("/api/v1/whoami", headers=bearer(token)).status_code == 200

    response = admin.post("/communities/halifax/status", data=SUSPEND)
    assert (response.status_code, response.headers["Location"]) == (303, "/communities/halifax")
    page = admin.get("/communities/halifax").text
    assert alerts(page) == ["Halifax is now suspended."]
    assert 'id="current-status">suspended</small>' in page
    history = page.split('id="history"', 1)[1]
    assert "active → suspended" in history and SUSPEND["reason"] in history
    assert "Admin Person" in history

    [event] = status_events()
    assert event.actor == f"staff:{staff(Role.ADMIN).id}"
    assert event.details == {"from": "active", "to": "suspended", "reason": SUSPEND["reason"]}

    refused = hub_client.get("/api/v1/whoami", headers=bearer(token))
    assert refused.status_code == 401 and refused.get_json()["error"] == "invalid_token"
    assert request_token(hub_client, halifax).status_code == 400

    admin.post("/communities/halifax/status", data={"status": "active", "reason": "Checked"})
    assert hub_client.get("/api/v1/whoami", headers=bearer(token)).status_code == 200


def test_silencing_stops_writes_only(
    admin: FlaskClient, hub_client: FlaskClient, halifax_api: Api
) -> None:
    data = {"status": "silenced", "reason": "Data under review"}
    assert admin.post("/communities/halifax/status", data=data).status_code == 303
    assert halifax_api.get("/api/v1/whoami").status_code == 200
    assert halifax_api.batch(profile(1)).get_json()["error"] == "community_silenced"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"status": "suspended"}, "This field is required."),
        ({"status": "suspended", "reason": "   "}, "This field is required."),
        ({"status": "suspended", "reason": "x" * 501}, "Field cannot be longer than 500"),
        ({"status": "active", "reason": "Already is"}, "Not a valid choice."),
        ({"status": "closed", "reason": "No such status"}, "Not a valid choice."),
    ],
)
def test_a_bad_status_change_is_422_and_changes_nothing(
    admin: FlaskClient, halifax: Credentials, data: dict[str, str], message: str
) -> None:
    response = admin.post("/communities/halifax/status", data=data)
    assert response.status_code == 422
    assert message in response.text
    assert 'aria-invalid="true"' in response.text
    assert_still_active(halifax)


def test_the_form_offers_only_other_statuses(admin: FlaskClient, halifax: Credentials) -> None:
    html = admin.get("/communities/halifax").text
    select_html = html.split('<select id="status" name="status">', 1)[1].split("</select>", 1)[0]
    assert re.findall(r'value="(\w+)"', select_html) == ["silenced", "suspended"]
    assert '<label for="reason">Reason</label>' in html


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.VIEWER])
def test_only_admins_change_status(
    session_for: Callable[[Role], FlaskClient], halifax: Credentials, role: Role
) -> None:
    client = session_for(role)
    page = client.get("/communities/halifax").text
    assert 'id="change-status"' not in page
    assert "Only national admins can change a community's status." in page
    response = client.post("/communities/halifax/status", data=SUSPEND)
    assert response.status_code == 403
    assert "This needs the admin role." in response.text
    assert_still_active(halifax)


def test_nothing_in_the_ui_rotates_a_secret(admin: FlaskClient, halifax: Credentials) -> None:
    html = admin.get("/communities/halifax").text
    assert "rotate" not in re.sub(r"<table id=\"history\".*?</table>", "", html, flags=re.S)
    for url in ("/communities/halifax/rotate-secret", "/communities/halifax/secret"):
        assert admin.post(url).status_code in (404, 405)

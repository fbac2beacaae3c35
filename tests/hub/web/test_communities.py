"""The communities pages: the list, a community's detail, and changing its status."""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from hub.audit.models import AuditEvent
from hub.auth.models import Role, StaffUser
from hub.communities.models import CommunityStatus, digest_secret
from hub.communities.services import Credentials
from hub.extensions import db
from shared.crypto import generate_keypair
from shared.protocol import node_info
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
    assert rows["halifax"][:5] == ["halifax", "Halifax", "NS, CA", "active", "yes"]
    assert rows["halifax"][5] == "2" and rows["halifax"][6].endswith("UTC")
    assert rows["halifax"][7:] == ["0", "—", "—"]
    assert rows["stlouis"] == [
        "stlouis",
        "St. Louis",
        "MO, US",
        "active",
        "no",
        "0",
        "never",
        "0",
        "—",
        "—",
    ]


def test_the_list_shows_why_a_community_has_its_status_and_what_was_refused(
    admin: FlaskClient, halifax_api: Api, stlouis: Credentials
) -> None:
    bad = profile(2, occupation="99-9999")
    assert halifax_api.batch(profile(1), bad).status_code == 200
    assert halifax_api.batch(bad, profile(3, version=0)).status_code == 200
    admin.post("/communities/stlouis/status", data={"status": "silenced", "reason": "Bad data"})
    admin.post("/communities/halifax/status", data={"status": "silenced", "reason": "First"})
    admin.post("/communities/halifax/status", data={"status": "active", "reason": "Fixed"})

    rows = table_rows(admin.get("/communities").text, "communities")
    assert rows["halifax"][3] == "active" and rows["halifax"][7:] == ["3", "—", "Fixed"]
    assert rows["stlouis"][3] == "silenced" and rows["stlouis"][7:] == ["0", "—", "Bad data"]
    page = admin.get("/communities/halifax").text
    assert '<td id="status-reason">Fixed</td>' in page
    assert re.search(r'<td id="refused">3 ', page)


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
    assert "Only national admins can change a community's status or rotate" in page
    response = client.post("/communities/halifax/status", data=SUSPEND)
    assert response.status_code == 403
    assert "This needs the admin role." in response.text
    assert_still_active(halifax)


def test_refused_items_count_the_last_seven_days_only(
    viewer: FlaskClient, halifax: Credentials
) -> None:
    now = dt.datetime.now(dt.UTC)
    for days, rejected in ((1, 2), (6, 3), (8, 50)):
        db.session.add(
            AuditEvent(
                at=now - dt.timedelta(days=days),
                actor="community:halifax",
                action="profiles.batch",
                entity_type="community",
                entity_id=halifax.community.id,
                details={"accepted": 1, "rejected": rejected},
            )
        )
    db.session.commit()
    assert table_rows(viewer.get("/communities").text, "communities")["halifax"][7] == "5"


def rotations() -> list[AuditEvent]:
    stmt = select(AuditEvent).where(AuditEvent.action == "community.rotate_secret")
    return list(db.session.scalars(stmt.order_by(AuditEvent.id)))


def test_admin_rotates_a_secret_shown_once_and_the_old_one_stops_working(
    admin: FlaskClient,
    hub_client: FlaskClient,
    halifax: Credentials,
    get_token: Callable[..., str],
    staff: Callable[[Role], StaffUser],
) -> None:
    token = get_token(halifax)
    page = admin.get("/communities/halifax").text
    assert 'href="/communities/halifax/secret"' in page
    ask = admin.get("/communities/halifax/secret")
    assert ask.status_code == 200 and "Rotate Halifax's client secret?" in ask.text
    assert halifax.client_secret not in ask.text

    time.sleep(1.05 - time.time() % 1)  # tokens carry whole seconds: rotate in a later one
    answer = admin.post("/communities/halifax/secret")
    assert answer.status_code == 200
    assert answer.headers["Cache-Control"] == "no-store"
    shown = re.search(r'<code id="client-secret">([^<]+)</code>', answer.text)
    assert shown and shown[1] != halifax.client_secret and len(shown[1]) >= 40
    new_secret = shown[1]

    # Never stored in clear, audited without the secret; the history tells it.
    db.session.expire_all()
    stored = halifax.community.client
    assert stored.secret_digest == digest_secret(new_secret)
    assert new_secret not in str(stored.__dict__)
    [event] = rotations()
    assert event.actor == f"staff:{staff(Role.ADMIN).id}"
    assert event.details == {"client_id": halifax.client_id}
    page = admin.get("/communities/halifax").text
    assert new_secret not in page
    assert "client secret rotated" in page.split('id="history"', 1)[1]

    # The old secret and its token stop working; the new one gets a token.
    assert request_token(hub_client, halifax).status_code == 401
    refused = hub_client.get("/api/v1/whoami", headers=bearer(token))
    assert refused.status_code == 401
    rotated = Credentials(halifax.community, halifax.client_id, new_secret)
    assert request_token(hub_client, rotated).status_code == 200

    # Each rotation is a new secret: shown on its own answer only.
    again = admin.post("/communities/halifax/secret").text
    assert new_secret not in again and len(rotations()) == 2


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.VIEWER])
def test_only_admins_rotate_a_secret(
    session_for: Callable[[Role], FlaskClient],
    hub_client: FlaskClient,
    halifax: Credentials,
    role: Role,
) -> None:
    client = session_for(role)
    page = client.get("/communities/halifax").text
    assert 'id="client-secret"' not in page and "/secret" not in page
    assert client.get("/communities/halifax/secret").status_code == 403
    response = client.post("/communities/halifax/secret")
    assert response.status_code == 403
    assert "This needs the admin role." in response.text
    assert rotations() == []
    assert request_token(hub_client, halifax).status_code == 200


def test_rotating_needs_the_csrf_token_and_a_known_community(
    hub_app: Flask, admin: FlaskClient, halifax: Credentials
) -> None:
    assert admin.post("/communities/nowhere/secret").status_code == 404
    assert admin.get("/communities/nowhere/secret").status_code == 404
    hub_app.config["WTF_CSRF_ENABLED"] = True
    try:
        assert admin.post("/communities/halifax/secret").status_code == 400
    finally:
        hub_app.config["WTF_CSRF_ENABLED"] = False
    assert rotations() == []


def test_the_pages_show_the_node_version_and_a_clock_that_is_off(
    admin: FlaskClient,
    hub_client: FlaskClient,
    halifax: Credentials,
    get_token: Callable[..., str],
) -> None:
    page = admin.get("/communities/halifax").text
    assert "Not reported yet" in page and "Not measured yet." in page

    token = get_token(halifax)
    ahead = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=95)
    headers = {
        **bearer(token),
        **node_info.request_headers(ahead),
        "User-Agent": "connector-node/1.4.2 (python-requests)",
    }
    assert hub_client.get("/api/v1/whoami", headers=headers).status_code == 200
    page = admin.get("/communities/halifax").text
    version = page.split('id="node-version">', 1)[1].split("</td>", 1)[0]
    skew = page.split('id="clock-skew">', 1)[1].split("</td>", 1)[0]
    assert version.startswith("1.4.2")
    assert re.match(r"9[4-6] s ahead of the hub", skew)
    assert "time synchronisation (NTP)" in skew
    assert "clock off by" in table_rows(admin.get("/communities").text, "communities")["halifax"][8]

    # The same version again within a minute writes nothing; a new version is noted at once.
    hub_client.get("/api/v1/whoami", headers={**headers, "User-Agent": "connector-node/1.4.3"})
    db.session.expire_all()
    assert halifax.community.node_version == "1.4.3"


def test_what_a_node_sends_is_read_and_nonsense_is_unknown() -> None:
    now = dt.datetime(2026, 12, 4, 12, 0, tzinfo=dt.UTC)
    sent = node_info.request_headers(now - dt.timedelta(seconds=30))
    assert sent["User-Agent"].startswith("connector-node/")
    info = node_info.read_headers(sent["User-Agent"], sent["Date"], now)
    assert info.clock_skew_seconds == -30 and info.version not in (None, "")
    for agent, date in (
        ("python-requests/2.32", "yesterday"),
        ("connector-node/" + "9" * 80, "Thu, 01 Jan 1970 00:00:00"),  # no zone: unknown
        (None, None),
    ):
        assert node_info.read_headers(agent, date, now) == node_info.NodeInfo(None, None)

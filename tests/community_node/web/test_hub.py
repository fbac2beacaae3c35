"""The hub connection page: health, "sync now" in the background, dead letters, demand."""

from __future__ import annotations

import io
import time
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from community_node.auth.models import Role
from community_node.auth.services import create_user
from community_node.demand.models import DemandFigure
from community_node.extensions import db
from community_node.sync import connection as hub_connection
from community_node.sync.models import OutboxItem, OutboxKind, OutboxStatus
from shared.hubclient import HubAuthError, HubUnavailable
from tests.community_node.sync.fakehub import FakeHub

PASSWORD = "correct horse battery"
DEMAND = "soc_code,location_quotient,jobs_per_1000\n29-1141,2.5,40\n15-1252,0.5,2\n"


@pytest.fixture
def app_config(tmp_path: Path) -> dict[str, Any]:
    return {"STAFF_JOBS_DIR": str(tmp_path / "jobs")}


def _login(app: Flask, role: Role) -> FlaskClient:
    email = f"{role.value}@example.org"
    create_user(email, f"{role.value} user", role, PASSWORD, actor="test")
    client = app.test_client()
    assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 303
    return client


@pytest.fixture
def staff(app: Flask) -> FlaskClient:
    return _login(app, Role.COORDINATOR)


@pytest.fixture
def hub(app: Flask) -> FakeHub:
    """A fake hub the node is connected to; "sync now" reaches it like the CLI would."""
    fake = FakeHub()
    hub_connection.connect(
        "https://hub.example.org", "cid", "secret", actor="test", client_factory=fake.factory()
    )
    app.config["SYNC_CLIENT_FACTORY"] = fake.factory()
    return fake


def _sync_and_wait(client: FlaskClient) -> str:
    response = client.post("/hub/sync")
    assert response.status_code == 303
    with client.session_transaction() as session:
        token = session["hub_sync_job"]
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        fragment = client.get(f"/hub/sync/{token}").text
        if 'hx-trigger="every 1s"' not in fragment:
            return fragment
        time.sleep(0.05)
    raise AssertionError("the sync did not finish")


def _dead_item() -> OutboxItem:
    item = OutboxItem(
        kind=OutboxKind.PROFILE,
        key="c-1",
        payload={"ref": "c-1"},
        status=OutboxStatus.DEAD,
        attempts=3,
        last_error="422: occupation unknown",
    )
    db.session.add(item)
    db.session.commit()
    return item


def test_without_a_hub_the_page_and_sync_now_say_so(staff: FlaskClient) -> None:
    page = staff.get("/hub")
    assert page.status_code == 200
    assert "Not connected." in page.text

    response = staff.post("/hub/sync")

    assert response.status_code == 409
    assert "No hub is configured" in response.text


def test_sync_now_runs_the_sync_and_reports_it(staff: FlaskClient, hub: FakeHub) -> None:
    assert "Connected</strong> to https://hub.example.org" in staff.get("/hub").text

    fragment = _sync_and_wait(staff)

    assert "Synced:" in fragment
    assert "resource_changes" in hub.calls  # the same pass as `connector-node sync`
    page = staff.get("/hub").text
    assert "never" not in page.split("Last successful sync")[1][:80]


def test_sync_now_says_when_the_hub_is_unreachable(staff: FlaskClient, hub: FakeHub) -> None:
    hub.failures.append(HubUnavailable("connection refused"))

    fragment = _sync_and_wait(staff)

    assert "Sync failed." in fragment
    assert "could not be reached" in fragment
    assert "connection refused" in fragment


def test_dead_letter_retry_requeues(staff: FlaskClient) -> None:
    item = _dead_item()
    page = staff.get("/hub").text
    assert "422: occupation unknown" in page

    response = staff.post(f"/hub/dead-letters/{item.seq}/requeue")

    assert response.status_code == 303
    db.session.refresh(item)
    assert item.status is OutboxStatus.PENDING
    again = staff.post(f"/hub/dead-letters/{item.seq}/requeue")
    assert again.status_code == 409  # a pending item cannot be requeued


def _upload_demand(client: FlaskClient, text: str) -> Any:
    return client.post(
        "/hub/demand",
        data={"file": (io.BytesIO(text.encode()), "demand.csv")},
        content_type="multipart/form-data",
    )


def test_demand_upload_lists_bad_rows_then_replaces_the_table(staff: FlaskClient) -> None:
    bad = _upload_demand(staff, DEMAND + "99-9999,abc,1\n")
    assert bad.status_code == 422
    assert 'id="demand-errors"' in bad.text
    assert "<td>4</td>" in bad.text
    assert db.session.scalar(select(func.count(DemandFigure.id))) == 0

    good = _upload_demand(staff, DEMAND)

    assert good.status_code == 303
    assert db.session.scalar(select(func.count(DemandFigure.id))) == 2
    assert "the table uploaded here, 2 occupations" in staff.get("/hub").text


def test_viewer_cannot_sync_retry_or_upload(app: Flask) -> None:
    item = _dead_item()
    viewer = _login(app, Role.VIEWER)

    page = viewer.get("/hub").text
    assert "sync-form" not in page and "Retry" not in page and "demand-form" not in page
    assert viewer.post("/hub/sync").status_code == 403
    assert viewer.post(f"/hub/dead-letters/{item.seq}/requeue").status_code == 403
    assert _upload_demand(viewer, DEMAND).status_code == 403
    db.session.refresh(item)
    assert item.status is OutboxStatus.DEAD


@pytest.fixture
def fake_hub(app: Flask) -> FakeHub:
    """A hub that is reachable but not yet connected to: "Connect" talks to it."""
    fake = FakeHub()
    app.config["SYNC_CLIENT_FACTORY"] = fake.factory()
    return fake


CREDENTIALS = {
    "url": "https://hub.example.org/",
    "client_id": "client-42",
    "client_secret": "s3cret-handed-over-once",
}


def test_an_admin_connects_with_the_handed_over_credentials(app: Flask, fake_hub: FakeHub) -> None:
    admin = _login(app, Role.ADMIN)
    assert 'id="connect-form"' in admin.get("/hub").text

    response = admin.post("/hub/connect", data=CREDENTIALS)

    assert response.status_code == 303
    assert "whoami" in fake_hub.calls  # checked with the hub before it was stored
    page = admin.get("/hub").text
    assert "Connected</strong> to https://hub.example.org" in page
    assert CREDENTIALS["client_secret"] not in page
    stored = hub_connection.get_connection()
    assert stored is not None and stored.client_id == "client-42"


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"url": "ftp://hub.example.org"}, "url", "must be an http(s) URL"),
        ({"url": "http://hub.example.org"}, "url", "must use https"),
        ({"client_id": ""}, "client_id", "Missing data"),
        ({"client_secret": "x" * 501}, "client_secret", "Length must be between 1 and 500"),
    ],
)
def test_bad_credentials_are_refused_beside_their_field(
    app: Flask, fake_hub: FakeHub, change: dict[str, str], field: str, message: str
) -> None:
    admin = _login(app, Role.ADMIN)

    response = admin.post("/hub/connect", data={**CREDENTIALS, **change})

    assert response.status_code == 422
    assert f'id="{field}-error"' in response.text and message in response.text
    assert hub_connection.get_connection() is None


def test_credentials_the_hub_refuses_store_nothing(app: Flask, fake_hub: FakeHub) -> None:
    fake_hub.failures.append(HubAuthError("invalid_client"))
    admin = _login(app, Role.ADMIN)

    response = admin.post("/hub/connect", data=CREDENTIALS)

    assert response.status_code == 422
    assert "The hub did not accept the connection: invalid_client" in response.text
    assert 'value="client-42"' in response.text  # kept to correct; the secret is not echoed
    assert CREDENTIALS["client_secret"] not in response.text
    assert hub_connection.get_connection() is None


def test_only_an_admin_connects(app: Flask, staff: FlaskClient, fake_hub: FakeHub) -> None:
    assert 'id="connect-form"' not in staff.get("/hub").text
    assert staff.post("/hub/connect", data=CREDENTIALS).status_code == 403
    assert hub_connection.get_connection() is None

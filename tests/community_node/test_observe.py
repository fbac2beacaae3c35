"""Request ids, /metrics and /readyz on the node (``shared.web.observe``)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import stamp
from sqlalchemy import text

from community_node.database import utcnow
from community_node.extensions import db
from community_node.sync.models import OutboxItem, OutboxKind, OutboxStatus
from shared.logs import REQUEST_ID_HEADER

OUTSIDE = {"REMOTE_ADDR": "203.0.113.5"}


def gauge(body: str, name: str, labels: str = "") -> float:
    match = re.search(rf"^{name}{re.escape(labels)} (\S+)$", body, re.MULTILINE)
    assert match, f"{name}{labels} not in the exposition"
    return float(match.group(1))


# Request ids ---------------------------------------------------------------------------


def test_a_valid_incoming_request_id_is_kept(client: FlaskClient) -> None:
    response = client.get("/healthz", headers={REQUEST_ID_HEADER: "sync-2f9c1e0a"})
    assert response.headers[REQUEST_ID_HEADER] == "sync-2f9c1e0a"


@pytest.mark.parametrize(
    "sent", [None, "", "short", "has spaces in it", "x" * 65, '"quoted-id-1234"', "ok-id-1234;x"]
)
def test_another_request_id_is_replaced_by_a_new_one(client: FlaskClient, sent: str) -> None:
    headers = {REQUEST_ID_HEADER: sent} if sent is not None else {}
    first = client.get("/healthz", headers=headers).headers[REQUEST_ID_HEADER]
    second = client.get("/healthz", headers=headers).headers[REQUEST_ID_HEADER]
    assert re.fullmatch(r"[0-9a-f]{32}", first) and first != second


def test_a_refused_request_has_an_id_too(client: FlaskClient) -> None:
    response = client.get("/api/v1/connectees")  # no token: refused before any view runs
    assert response.status_code == 401
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers[REQUEST_ID_HEADER])


# /metrics ------------------------------------------------------------------------------


def test_latency_is_recorded_per_route_template_not_per_path(
    client: FlaskClient, api: object
) -> None:
    client.get("/api/v1/connectees/1234567")
    body = client.get("/metrics").get_data(as_text=True)
    counts = [
        line for line in body.splitlines()
        if line.startswith("connector_http_request_duration_seconds_count{")
        and 'route="/api/v1/connectees/<int:person_id>"' in line
    ]  # fmt: skip
    # The registry is the process's: other tests may have added other statuses.
    refused = [line for line in counts if 'status="401"' in line]
    assert len(refused) == 1 and 'service="community_node"' in refused[0]
    assert float(refused[0].rsplit(" ", 1)[1]) >= 1
    assert "1234567" not in body


def test_sync_figures_read_the_outbox(app: Flask, client: FlaskClient) -> None:
    body = client.get("/metrics").get_data(as_text=True)
    assert gauge(body, "connector_sync_outbox_depth") == 0
    assert gauge(body, "connector_sync_lag_seconds") == 0
    assert gauge(body, "connector_sync_last_success_timestamp_seconds") == 0
    waiting = utcnow() - dt.timedelta(minutes=30)
    for status in (OutboxStatus.PENDING, OutboxStatus.PENDING, OutboxStatus.DEAD):
        db.session.add(
            OutboxItem(kind=OutboxKind.DEMAND, key="demand", payload={}, status=status,
                       created_at=waiting)
        )  # fmt: skip
    db.session.commit()
    body = client.get("/metrics").get_data(as_text=True)
    assert gauge(body, "connector_sync_outbox_depth") == 2
    assert gauge(body, "connector_sync_dead_letters") == 1
    assert 1790 < gauge(body, "connector_sync_lag_seconds") < 1900


def test_the_mail_queue_and_its_dead_letters_are_reported(client: FlaskClient) -> None:
    import datetime as dt

    from community_node.mail.models import MailMessage, MailState, RecipientKind

    states = [MailState.PENDING, MailState.PENDING, MailState.SENDING, MailState.DEAD]
    for n, state in enumerate([*states, MailState.SENT]):
        db.session.add(
            MailMessage(
                purpose="staff_digest", dedupe_key=f"k{n}", recipient_kind=RecipientKind.STAFF,
                to_address=f"staff{n}@example.org", language="en", subject="Digest",
                body_text="-", body_html="-", message_id=f"<m{n}@test>", state=state,
                next_attempt_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
            )
        )  # fmt: skip
    db.session.commit()
    body = client.get("/metrics").get_data(as_text=True)
    assert gauge(body, "connector_mail_queue_depth") == 3
    assert gauge(body, "connector_mail_dead_letters") == 1


def test_metrics_are_refused_to_callers_from_elsewhere(client: FlaskClient) -> None:
    assert client.get("/metrics", environ_base=OUTSIDE).status_code == 404
    # Behind nginx every request comes from loopback: a forwarded one is from outside.
    forwarded = {"X-Forwarded-For": "198.51.100.7"}
    assert client.get("/metrics", headers=forwarded).status_code == 404


@pytest.mark.parametrize("app_config", [{"METRICS_TOKEN": "s3cret-scrape-token-1"}])
def test_metrics_answer_the_configured_token_from_anywhere(client: FlaskClient) -> None:
    good = {"Authorization": "Bearer s3cret-scrape-token-1"}
    bad = {"Authorization": "Bearer s3cret-scrape-token-2"}
    assert client.get("/metrics", environ_base=OUTSIDE, headers=good).status_code == 200
    assert client.get("/metrics", environ_base=OUTSIDE, headers=bad).status_code == 404


# /readyz -------------------------------------------------------------------------------


@pytest.fixture
def stamped(app: Flask) -> Iterator[None]:
    """The tables are the models' (create_all): stamp them as the migrations' head."""
    stamp()
    yield
    with db.engine.begin() as conn:
        conn.execute(text("DROP TABLE alembic_version"))


def test_readyz_refuses_a_database_without_migrations(client: FlaskClient) -> None:
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json["schema"] == "unversioned"
    assert client.get("/healthz").status_code == 200  # alive, only not ready


def test_readyz_accepts_a_database_at_head(client: FlaskClient, stamped: None) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200, response.json
    assert response.json == {"status": "ready", "service": "community_node", "schema": "head"}


def test_readyz_refuses_a_database_behind_the_code(client: FlaskClient, stamped: None) -> None:
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '96a6abfaf5be'"))
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json["schema"] == "behind"

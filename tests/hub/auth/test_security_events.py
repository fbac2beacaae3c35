"""Refused clients and tokens, and suspended communities' calls, leave a trail in hub.security."""

from __future__ import annotations

import base64
import logging
import time
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient

from hub.communities.models import CommunityStatus
from hub.communities.services import Credentials, set_status
from tests.hub.conftest import basic, bearer, request_token


@pytest.fixture
def events(caplog: pytest.LogCaptureFixture) -> Callable[[], list[dict[str, Any]]]:
    """Return the structured security events logged so far."""
    caplog.set_level(logging.INFO, logger="hub.security")

    def logged() -> list[dict[str, Any]]:
        return [
            record.security_event  # type: ignore[attr-defined]
            for record in caplog.records
            if record.name == "hub.security"
        ]

    return logged


def _token(client: FlaskClient, headers: dict[str, str]) -> Any:
    return client.post("/oauth/token", data={"grant_type": "client_credentials"}, headers=headers)


def test_a_wrong_secret_names_the_client_and_its_community_never_the_secret(
    hub_client: FlaskClient,
    halifax: Credentials,
    events: Callable[[], list[dict[str, Any]]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert _token(hub_client, basic(halifax, "guessed-secret-123")).status_code == 401
    (event,) = events()
    assert event == {
        "event": "client_refused",
        "reason": "wrong_secret",
        "client_id": halifax.client_id,
        "community_id": halifax.community.id,
        "remote_addr": "127.0.0.1",
    }
    assert "guessed-secret-123" not in caplog.text
    assert f"client_id={halifax.client_id}" in caplog.text


def test_an_unknown_client_id_is_never_logged(
    hub_client: FlaskClient,
    halifax: Credentials,
    events: Callable[[], list[dict[str, Any]]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    # People paste a secret into the id field: what names no client stays out of the log.
    stranger = Credentials(halifax.community, "pasted-secret-value", "x")
    assert _token(hub_client, basic(stranger)).status_code == 401
    assert [(e["reason"], e["client_id"]) for e in events()] == [("unknown_client", None)]
    assert "pasted-secret-value" not in caplog.text


def test_malformed_and_missing_credentials(
    hub_client: FlaskClient, events: Callable[[], list[dict[str, Any]]]
) -> None:
    bad = {"Authorization": "Basic " + base64.b64encode(b"\xff:\xfe").decode()}
    assert _token(hub_client, bad).status_code == 401
    assert _token(hub_client, {}).status_code == 401
    assert [e["reason"] for e in events()] == ["malformed_credentials", "no_credentials"]


def test_an_issued_token_is_not_an_event(
    hub_client: FlaskClient, halifax: Credentials, events: Callable[[], list[dict[str, Any]]]
) -> None:
    assert request_token(hub_client, halifax).status_code == 200
    assert events() == []


def test_expired_and_forged_tokens(
    hub_client: FlaskClient,
    halifax: Credentials,
    forge: Callable[..., str],
    events: Callable[[], list[dict[str, Any]]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    now = int(time.time())
    expired = forge(iat=now - 1000, exp=now - 100)
    assert hub_client.get("/api/v1/whoami", headers=bearer(expired)).status_code == 401
    assert hub_client.get("/api/v1/whoami", headers=bearer("not.a.jwt")).status_code == 401
    assert hub_client.get("/api/v1/whoami", headers=bearer(forge(aud="x"))).status_code == 401
    assert [(e["event"], e["reason"], e["client_id"]) for e in events()] == [
        ("token_refused", "expired", halifax.client_id),
        ("token_refused", "invalid_token", None),
        ("token_refused", "invalid_token", halifax.client_id),
    ]
    assert expired not in caplog.text


def test_a_suspended_community_s_calls_and_token_requests(
    hub_client: FlaskClient,
    halifax: Credentials,
    get_token: Callable[..., str],
    events: Callable[[], list[dict[str, Any]]],
) -> None:
    token = get_token(halifax)
    set_status("halifax", CommunityStatus.SUSPENDED, actor="test")

    assert hub_client.get("/api/v1/whoami", headers=bearer(token)).status_code == 401
    assert request_token(hub_client, halifax).status_code == 400

    expected = {
        "event": "suspended_call",
        "reason": "community_suspended",
        "client_id": halifax.client_id,
        "community_id": halifax.community.id,
        "remote_addr": "127.0.0.1",
    }
    assert events() == [expected, expected]


def test_a_missing_token_is_not_an_event(
    hub_client: FlaskClient, events: Callable[[], list[dict[str, Any]]]
) -> None:
    assert hub_client.get("/api/v1/whoami").status_code == 401
    assert events() == []

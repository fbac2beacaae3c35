"""A node's view: Authlib's requests client fetching a token from a hub on loopback."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
import requests
from authlib.integrations.requests_client import OAuth2Session
from flask import Flask
from werkzeug.serving import make_server

from hub.communities.models import ALL_SCOPES
from hub.communities.services import Credentials


@pytest.fixture
def live_hub(hub_app: Flask) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, hub_app, threaded=False)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


def test_oauth2_session_gets_a_token_and_calls_the_api(live_hub: str, halifax: Credentials) -> None:
    with OAuth2Session(
        halifax.client_id,
        halifax.client_secret,
        token_endpoint_auth_method="client_secret_basic",
        scope=" ".join(ALL_SCOPES),
    ) as session:
        token = session.fetch_token(f"{live_hub}/oauth/token", grant_type="client_credentials")
        assert token["expires_in"] == 900
        assert set(token["scope"].split()) == set(ALL_SCOPES)

        response = session.get(f"{live_hub}/api/v1/whoami", timeout=5)
    assert response.status_code == 200
    assert response.json()["community"] == "halifax"
    assert requests.get(f"{live_hub}/api/v1/whoami", timeout=5).status_code == 401

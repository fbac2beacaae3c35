"""The harness itself: real hub and node processes answer over loopback."""

from __future__ import annotations

from collections.abc import Callable

import requests

from tests.federation.harness import Service, node_token, register_community


def test_hub_and_node_run_as_processes(hub: Service, make_node: Callable[[str], Service]) -> None:
    node = make_node("halifax")
    assert requests.get(f"{hub.url}/healthz", timeout=5).json()["status"] == "ok"
    token = node_token(node)
    response = requests.get(
        f"{node.url}/api/v1/connectees", headers={"Authorization": f"Bearer {token}"}, timeout=5
    )
    assert response.status_code == 200

    creds = register_community(hub, "halifax", "Halifax")
    token_response = requests.post(
        f"{hub.url}/oauth/token",
        auth=(creds.client_id, creds.client_secret),
        data={"grant_type": "client_credentials", "scope": "profiles:write"},
        timeout=5,
    )
    assert token_response.status_code == 200, token_response.text

    hub.kill()
    hub.start()  # same port, same data
    again = requests.post(
        f"{hub.url}/oauth/token",
        auth=(creds.client_id, creds.client_secret),
        data={"grant_type": "client_credentials"},
        timeout=5,
    )
    assert again.status_code == 200

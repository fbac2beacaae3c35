"""The harness itself: real hub and node processes answer over loopback; the hub as
deployed builds its directory as its workers start."""

from __future__ import annotations

import re
import time
from collections.abc import Callable

import requests

from tests.deploy.conftest import DEPLOY
from tests.federation.harness import Service, node_token, register_community
from tests.federation.nodeapi import NodeApi, connect, directory, hub_token


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


class Deployed(Service):
    """The hub as its systemd unit starts gunicorn: the shared configuration file."""

    def gunicorn_args(self) -> list[str]:
        return ["-c", str(DEPLOY / "gunicorn.conf.py")]

    def start_env(self) -> dict[str, str]:
        return {
            **super().start_env(),
            "GUNICORN_BIND": f"127.0.0.1:{self.port}",
            "GUNICORN_WORKERS": "2",
            "GUNICORN_THREADS": "2",
        }


def _built(hub: Service, since: int) -> list[str]:
    return re.findall(r"The directory is built: (\d+) profiles", hub.log()[since:])


def test_a_restarted_hub_builds_its_directory_before_any_search(
    hub: Service, make_node: Callable[[str], Service]
) -> None:
    creds = register_community(hub, "halifax", "Halifax")
    node = make_node("halifax")
    connect(node, hub.url, creds)
    api = NodeApi(node, node_token(node))
    for i in range(5):  # five of one occupation: published as they are (k = 5)
        api.listed_connector(i, "29-1141", 12)
    node.cli("sync")

    hub.stop()
    deployed = Deployed(hub.name, hub.app, hub.env, hub.workdir, hub.port)
    since = len(deployed.log())
    deployed.start()
    try:
        deadline = time.monotonic() + 60
        while len(_built(deployed, since)) < 2:  # each worker, with no search sent
            assert time.monotonic() < deadline, deployed.log()[since:]
            time.sleep(0.1)
        assert _built(deployed, since) == ["5", "5"]
        token = hub_token(deployed, creds, "directory:read")
        assert len(directory(deployed, token, include_own="true")) == 5
    finally:
        deployed.stop()

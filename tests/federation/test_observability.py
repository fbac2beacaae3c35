"""Logs and metrics of real processes: one sync followed across node and hub, nothing
personal in any log line, and /metrics that add up over several gunicorn workers."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import requests

from tests.community_node.signup.test_views import CONNECTEE
from tests.federation.harness import BIN, Service, free_port, node_token, register_community
from tests.federation.nodeapi import NodeApi, connect

#: The seeded people: staff enter six connectors, a newcomer signs up on the public form.
PEOPLE = [
    {
        "first_name": f"Quillon{i}",
        "last_name": "Vexmarrow",
        "email": f"quillon{i}.vexmarrow@example.org",
        "phone": f"+1 902 555 01{i:02d}",
    }
    for i in range(6)  # a cell of 6: listed as it is (shared.privacy)
]
NEWCOMER = {**CONNECTEE, "first_name": "Zafirah", "last_name": "Oxblume",
            "email": "zafirah.oxblume@example.org", "phone": "+1 902 555 0199"}  # fmt: skip


def _personal_values() -> list[str]:
    values = [v for person in PEOPLE for v in person.values()]
    values += [NEWCOMER[k] for k in ("first_name", "last_name", "email", "phone")]
    # A phone may be logged without its spaces or its country code.
    values += [v.replace(" ", "") for v in values if v.startswith("+")]
    values += [v[3:] for v in values if v.startswith("+1 ")]
    return values


def _json_lines(text: str) -> list[dict[str, Any]]:
    lines = []
    for line in text.splitlines():
        if line.startswith("{"):
            lines.append(json.loads(line))
    return lines


def _sign_up(node: Service) -> None:
    session = requests.Session()
    page = session.get(f"{node.url}/join/connectee", timeout=10).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token is not None
    response = session.post(
        f"{node.url}/join/connectee",
        data={**NEWCOMER, "csrf_token": token.group(1)},
        allow_redirects=False,
        timeout=10,
    )
    assert response.status_code == 303, response.text[:500]


def _assert_no_personal_value(texts: Iterable[str]) -> None:
    lowered = "\n".join(texts).lower()
    leaks = [value for value in _personal_values() if value.lower() in lowered]
    assert leaks == []


def test_one_sync_is_followed_across_both_logs_and_no_line_is_personal(
    hub: Service, make_node: Callable[[str], Service]
) -> None:
    node = make_node("halifax")
    connect(node, hub.url, register_community(hub, "halifax", "Halifax"))
    api = NodeApi(node, node_token(node))
    for i, person in enumerate(PEOPLE):
        api.listed_connector(i, "29-1141", 12, **person)
    _sign_up(node)

    sync = node.cli("sync")
    sync_lines = _json_lines(sync.stderr)
    started = [line for line in sync_lines if line["message"] == "sync started"]
    assert len(started) == 1
    sync_id = started[0]["request_id"]
    assert re.fullmatch(r"[0-9a-f]{32}", sync_id)
    assert all(line["request_id"] == sync_id for line in sync_lines if line["logger"].startswith(
        "community_node.sync"))  # fmt: skip

    hub_log = (hub.workdir / "hub.log").read_text()
    node_log = (node.workdir / "halifax.log").read_text()
    hub_lines = _json_lines(hub_log)
    synced = {line["route"] for line in hub_lines if line.get("request_id") == sync_id}
    assert "/api/v1/profiles/batch" in synced, sync.stdout  # the hub's side of the same sync
    node_routes = {(line.get("method"), line.get("route"), line.get("status"))
                   for line in _json_lines(node_log)}  # fmt: skip
    assert ("POST", "/join/<any(connectee, connector):kind>", 303) in node_routes
    _assert_no_personal_value([hub_log, node_log, sync.stdout, sync.stderr])


def _scrape(url: str) -> str:
    response = requests.get(f"{url}/metrics", timeout=10)
    assert response.status_code == 200
    return response.text


def _count(body: str, route: str) -> float:
    total = 0.0
    for line in body.splitlines():
        if line.startswith("connector_http_request_duration_seconds_count{") and (
            f'route="{route}"' in line
        ):
            total += float(line.rsplit(" ", 1)[1])
    return total


def test_metrics_add_up_over_several_workers(tmp_path: Path) -> None:
    multiproc = tmp_path / "prometheus"
    multiproc.mkdir()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path}/node.sqlite",
        "NODE_SECRET_KEY": "metrics-test",
        "PROMETHEUS_MULTIPROC_DIR": str(multiproc),
        "OPENBLAS_NUM_THREADS": "1",
    }
    subprocess.run([str(BIN / "connector-node"), "init"], env=env, cwd=tmp_path, check=True,
                   capture_output=True)  # fmt: skip
    with (tmp_path / "gunicorn.log").open("ab") as log:
        server = subprocess.Popen(
            [str(BIN / "gunicorn"), "--workers", "2", "--bind", f"127.0.0.1:{port}",
             "community_node.app:create_app()"],
            env=env, cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if requests.get(f"{url}/readyz", timeout=1).status_code == 200:
                    break
            except requests.RequestException:
                pass
            assert time.monotonic() < deadline, (tmp_path / "gunicorn.log").read_text()
            time.sleep(0.1)
        before = _count(_scrape(url), "/healthz")
        sent = 0

        def health() -> None:
            nonlocal sent
            # Long: under load a reloaded worker may take a while to import and start.
            assert requests.get(f"{url}/healthz", timeout=60).status_code == 200
            sent += 1

        for _ in range(20):
            health()
        first = set(multiproc.glob("histogram_*.db"))
        # Reload: gunicorn replaces its workers (new processes); ask until a new one answers.
        server.send_signal(signal.SIGHUP)
        while not set(multiproc.glob("histogram_*.db")) - first:
            assert time.monotonic() < deadline + 90, "no new worker answered after the reload"
            health()
        # Every process's samples, the replaced workers' included, add up in one answer.
        assert _count(_scrape(url), "/healthz") == before + sent
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)

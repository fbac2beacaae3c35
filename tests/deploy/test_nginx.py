"""nginx with TLS in front of gunicorn on loopback, configured from deploy/ as installed.

One nginx (Debian's package, a non-daemon process with its own prefix and a self-signed
certificate) serves the node's site and the hub's site. Behind the node's: one gunicorn;
behind the hub's upstream: two gunicorn processes sharing one database, as two hub
machines would. Every gunicorn runs deploy/gunicorn.conf.py in production mode with the
settings the environment templates name. Through it: a staff login and a spreadsheet
import on the node, and a node sync to the hub, whose change a directory search on each
hub process sees within a second.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest
import requests
from cryptography.fernet import Fernet

import community_node
import shared
from shared.web.headers import SECURITY_HEADERS
from tests.conftest import POSTGRES_URL, worker_database
from tests.deploy.conftest import DEPLOY, REPO, self_signed_certificate, tool
from tests.federation.harness import Service, register_community
from tests.federation.nodeapi import NodeApi

pytestmark = pytest.mark.slow

# This helper's port range (18100-18199).
NODE_PORT, HUB_PORTS = 18101, (18102, 18103)
NODE_HTTP, NODE_HTTPS, HUB_HTTP, HUB_HTTPS = 18180, 18143, 18181, 18144
NODE_SITE = f"https://localhost:{NODE_HTTPS}"
HUB_SITE = f"https://localhost:{HUB_HTTPS}"
PASSWORD = "correct horse battery"
HSTS = "max-age=63072000; includeSubDomains"


class Gunicorn(Service):
    """A service started the way its systemd unit starts it: ``gunicorn -c gunicorn.conf.py``."""

    def gunicorn_args(self) -> list[str]:
        return ["-c", str(DEPLOY / "gunicorn.conf.py")]

    def start_env(self) -> dict[str, str]:
        return {"GUNICORN_BIND": f"127.0.0.1:{self.port}", "GUNICORN_WORKERS": "1"}

    def access_lines(self) -> list[dict[str, Any]]:
        """The JSON access log lines gunicorn wrote (other lines are its own messages)."""
        lines = []
        for line in self.log().splitlines():
            if line.startswith("{"):
                record = json.loads(line)
                if record.get("type") == "access":
                    lines.append(record)
        return lines


@dataclass
class Stack:
    node: Gunicorn
    hubs: list[Gunicorn]
    cert: Path
    coordinator_token: str

    def session(self) -> requests.Session:
        return verifying(requests.Session(), self.cert)


def verifying(session: requests.Session, cert: Path) -> requests.Session:
    """Trust exactly the test certificate (REQUESTS_CA_BUNDLE in the environment would win)."""
    session.trust_env = False
    session.verify = str(cert)
    return session


def render(template: Path, **values: str) -> str:
    """Fill a deploy/ template's @PLACEHOLDERS@ the way install.sh does."""
    text = template.read_text()
    for key, value in values.items():
        text = text.replace(f"@{key}@", value)
    assert not re.search(r"@[A-Z_]+@", text), text
    return text


def _database(workdir: Path, worker: str, label: str) -> str:
    if POSTGRES_URL:
        return worker_database(POSTGRES_URL, worker, suffix=f"_deploy_{label}")
    return f"sqlite:///{workdir}/{label}.sqlite"


def _nginx_config(folder: Path, cert: Path, key: Path) -> Path:
    shared_dir = str(Path(shared.__file__).parent)
    snippets = folder / "snippets"
    snippets.mkdir()
    for name in ("connector-assets.conf", "connector-proxy.conf"):
        (snippets / name).write_text((DEPLOY / "nginx" / name).read_text())
    common = {
        "SERVER_NAME": "localhost",
        "TLS_CERT": str(cert),
        "TLS_KEY": str(key),
        "ACME_ROOT": str(folder / "acme"),
        "SHARED_DIR": shared_dir,
        "ASSETS_SNIPPET": str(snippets / "connector-assets.conf"),
        "PROXY_SNIPPET": str(snippets / "connector-proxy.conf"),
    }
    node_site = render(
        DEPLOY / "nginx" / "connector-node.conf",
        UPSTREAM_SERVERS=f"    server 127.0.0.1:{NODE_PORT};",
        HTTP_PORT=str(NODE_HTTP),
        HTTPS_PORT=str(NODE_HTTPS),
        HTTPS_PORT_SUFFIX=f":{NODE_HTTPS}",
        PACKAGE_DIR=str(Path(community_node.__file__).parent),
        **common,
    )
    hub_site = render(
        DEPLOY / "nginx" / "connector-hub.conf",
        UPSTREAM_SERVERS="\n".join(f"    server 127.0.0.1:{port};" for port in HUB_PORTS),
        HTTP_PORT=str(HUB_HTTP),
        HTTPS_PORT=str(HUB_HTTPS),
        HTTPS_PORT_SUFFIX=f":{HUB_HTTPS}",
        **common,
    )
    (folder / "connector-node.conf").write_text(node_site)
    (folder / "connector-hub.conf").write_text(hub_site)
    temp = "\n".join(
        f"    {kind}_temp_path {folder}/{kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    main = folder / "nginx.conf"
    main.write_text(
        f"""daemon off;
master_process on;
worker_processes 1;
{"user root;" if os.geteuid() == 0 else ""}
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    access_log {folder}/access.log;
{temp}
    include {DEPLOY}/nginx/connector-cache.conf;
    include {folder}/connector-node.conf;
    include {folder}/connector-hub.conf;
}}
"""
    )
    return main


def _wait_for_port(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"nginx exited: {log.read_text(errors='replace')}")
        try:
            requests.get(f"http://127.0.0.1:{port}/", timeout=1, allow_redirects=False)
            return
        except requests.RequestException:
            time.sleep(0.1)
    raise AssertionError("nginx did not start listening")


@pytest.fixture
def stack(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Iterator[Stack]:
    nginx = tool("nginx")
    tool("openssl")
    folder = tmp_path_factory.mktemp("nginx")
    cert, key = self_signed_certificate(folder)
    redis = os.environ.get("TEST_REDIS_URL", "memory://")
    run_id = secrets.token_hex(4)
    common = {
        "PYTHONPATH": str(REPO),
        "OPENBLAS_NUM_THREADS": "1",
        # The node's hub client checks the hub's certificate against this one.
        "REQUESTS_CA_BUNDLE": str(cert),
    }
    hub_db = _database(folder, worker_id, "hub")
    hub_env = {
        **common,
        "DATABASE_URL": hub_db,
        "HUB_ENV": "production",
        "HUB_SECRET_KEY": secrets.token_urlsafe(48),
        "HUB_KEY_ENCRYPTION_KEY": Fernet.generate_key().decode(),
        "HUB_TOKEN_ISSUER": HUB_SITE,
        "HUB_TRUSTED_PROXIES": "1",
        "HUB_RATELIMIT_STORAGE_URI": redis,
        "HUB_RATELIMIT_KEY_PREFIX": f"h_deploy_{run_id}_hub",
    }
    node_env = {
        **common,
        "DATABASE_URL": _database(folder, worker_id, "node"),
        "NODE_ENV": "production",
        "NODE_SECRET_KEY": secrets.token_urlsafe(48),
        "NODE_COMMUNITY_SLUG": "kitchener",
        "NODE_COMMUNITY_NAME": "Kitchener",
        "NODE_TRUSTED_PROXIES": "1",
        "NODE_RATELIMIT_STORAGE_URI": redis,
        "NODE_RATELIMIT_KEY_PREFIX": f"h_deploy_{run_id}_node",
        "NODE_STAFF_JOBS_DIR": str(folder / "staff-jobs"),
        "NODE_MAIL_BACKEND": "smtp",  # production refuses one that delivers nothing
    }
    hubs = []
    for index, port in enumerate(HUB_PORTS):
        workdir = folder / f"hub{index}"
        workdir.mkdir()
        hubs.append(Gunicorn(f"hub{index}", "hub.app:create_app()", dict(hub_env), workdir, port))
    (folder / "node").mkdir()
    node = Gunicorn("node", "community_node.app:create_app()", node_env, folder / "node", NODE_PORT)
    started: list[Gunicorn] = []
    process = None
    try:
        hubs[0].cli("init")
        node.cli("init")
        node.cli(
            "users", "create", "--email", "ana@example.org", "--name", "Ana",
            "--role", "coordinator", "--password", PASSWORD,
        )  # fmt: skip
        token = node.cli("tokens", "create", "--email", "ana@example.org").stdout.split()[-1]
        for service in (*hubs, node):
            service.start()
            started.append(service)
        config = _nginx_config(folder, cert, key)
        process = subprocess.Popen(
            [nginx, "-p", str(folder), "-c", str(config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        _wait_for_port(NODE_HTTP, process, folder / "error.log")
        yield Stack(node, hubs, cert, token)
    finally:
        if process is not None:
            process.terminate()
            process.wait(timeout=10)
        for service in started:
            service.stop()


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
        r'name="csrf_token" value="([^"]+)"', page
    )
    assert found, page
    return found.group(1)


def _logged_in(stack: Stack) -> requests.Session:
    session = stack.session()
    page = session.get(f"{NODE_SITE}/login", timeout=10)
    assert page.status_code == 200
    answer = session.post(
        f"{NODE_SITE}/login",
        data={"csrf_token": _csrf(page.text), "email": "ana@example.org", "password": PASSWORD},
        headers={"Referer": f"{NODE_SITE}/login"},  # Flask-WTF checks it over HTTPS
        allow_redirects=False,
        timeout=10,
    )
    assert answer.status_code in (302, 303), answer.text
    # Production over TLS: the session cookie never travels in clear.
    cookie = answer.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie
    return session


def check_plain_http_is_sent_to_https(stack: Stack) -> None:
    answer = requests.get(
        f"http://localhost:{NODE_HTTP}/people?page=2", allow_redirects=False, timeout=10
    )
    assert answer.status_code == 301
    assert answer.headers["Location"] == f"{NODE_SITE}/people?page=2"


def check_pages_come_through_tls_with_hsts_and_the_apps_headers(stack: Stack) -> None:
    session = stack.session()
    for site in (NODE_SITE, HUB_SITE):
        page = session.get(f"{site}/login", timeout=10)
        assert page.status_code == 200
        assert page.headers["Strict-Transport-Security"] == HSTS
        for name, value in SECURITY_HEADERS.items():
            assert page.headers[name] == value, (site, name)


def check_nginx_serves_versioned_assets_for_a_year_and_the_rest_revalidated(stack: Stack) -> None:
    session = stack.session()
    for site in (NODE_SITE, HUB_SITE):
        page = session.get(f"{site}/login", timeout=10).text
        urls = re.findall(r'(?:href|src)="(/(?:vendor|shared-web/static|static)/[^"]+)"', page)
        assert urls and all("?v=" in url for url in urls), urls
        for url in urls:
            asset = session.get(f"{site}{url}", timeout=10)
            assert asset.status_code == 200, url
            # nginx answered (the app says max-age=86400 or 43200), with the app's headers.
            assert asset.headers["Cache-Control"] == "public, max-age=31536000, immutable"
            assert asset.headers["Strict-Transport-Security"] == HSTS
            for name, value in SECURITY_HEADERS.items():
                assert asset.headers[name] == value, (url, name)
        unversioned = session.get(f"{site}{urls[0].split('?')[0]}", timeout=10)
        assert unversioned.headers["Cache-Control"] == "no-cache"
        assert "ETag" in unversioned.headers
    # No asset request reached a worker.
    assert not [r for r in stack.node.access_lines() if r["path"].startswith("/vendor/")]


def check_a_coordinator_logs_in_and_imports_a_spreadsheet_through_nginx(stack: Stack) -> None:
    session = _logged_in(stack)
    upload_page = session.get(f"{NODE_SITE}/imports", timeout=10)
    rows = "".join(f"Imported{i},Person,imported-{i}@example.org,29-1141\n" for i in range(25))
    csv = ("first_name,last_name,email,target_occupation\n" + rows).encode()
    preview = session.post(
        f"{NODE_SITE}/imports/preview",
        data={"csrf_token": _csrf(upload_page.text), "kind": "connectees"},
        files={"file": ("intake.csv", csv, "text/csv")},
        headers={"Referer": f"{NODE_SITE}/imports"},
        timeout=60,
    )
    assert preview.status_code == 200, preview.text
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', preview.text)
    assert token, preview.text
    confirm = session.post(
        f"{NODE_SITE}/imports/confirm",
        data={"csrf_token": _csrf(preview.text), "token": token.group(1)},
        headers={"Referer": f"{NODE_SITE}/imports/preview"},
        allow_redirects=False,
        timeout=30,
    )
    assert confirm.status_code == 303, confirm.text
    assert confirm.headers["Location"].startswith("/imports/jobs/")

    api = stack.session()
    api.headers["Authorization"] = f"Bearer {stack.coordinator_token}"
    deadline = time.monotonic() + 30
    total = 0
    while time.monotonic() < deadline:
        listing = api.get(f"{NODE_SITE}/api/v1/connectees", params={"per_page": 1}, timeout=10)
        assert listing.status_code == 200, listing.text
        total = listing.json()["total"]
        if total >= 25:
            break
        time.sleep(0.2)
    assert total == 25
    # The access log: one JSON object per request, the path without its query string.
    lines = stack.node.access_lines()
    assert any(r["path"] == "/imports/preview" and r["status"] == 200 for r in lines)
    assert not any("per_page" in json.dumps(r) for r in lines)


def _hub_token(stack: Stack, client_id: str, secret: str) -> str:
    answer = stack.session().post(
        f"{HUB_SITE}/oauth/token",
        auth=(client_id, secret),
        data={"grant_type": "client_credentials", "scope": "directory:read"},
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    return str(answer.json()["access_token"])


def _search(url: str, token: str, verify: Path) -> list[dict[str, Any]]:
    answer = verifying(requests.Session(), verify).get(
        f"{url}/api/v1/directory/search",
        params={"target_occupation": "29-1141", "seeker_language": "en"},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    return list(answer.json()["items"])


def check_a_sync_through_one_hub_process_shows_in_searches_on_the_other(stack: Stack) -> None:
    hub = stack.hubs[0]
    creds = register_community(hub, "kitchener", "Kitchener")
    out = stack.node.cli(
        "hub", "connect", "--url", HUB_SITE,
        "--client-id", creds.client_id, "--client-secret", creds.client_secret,
    ).stdout  # fmt: skip
    assert "as community kitchener" in out, out
    # Another city searches the directory (for connectors open to other cities).
    searcher = register_community(hub, "waterloo", "Waterloo")
    token = _hub_token(stack, searcher.client_id, searcher.client_secret)
    for process in stack.hubs:  # each process builds its directory matrix: empty
        assert _search(process.url, token, stack.cert) == []

    api = NodeApi(cast(Service, SimpleNamespace(url=NODE_SITE)), stack.coordinator_token)
    verifying(api.session, stack.cert)
    # Five alike: the directory publishes no cell smaller than k = 5 (shared/privacy).
    for index in range(5):
        api.listed_connector(index, "29-1141", 12, prefix="deploy", cross_city_ok=True)
    before = [len(process.access_lines()) for process in stack.hubs]
    # The full sync (the nightly one): every listed profile and the snapshot, the hub's
    # largest request. (An approval by the eligibility check alone does not queue the
    # profiles for the next regular sync yet; the full sync sends them regardless.)
    sync = stack.node.cli("sync", "--full").stdout
    assert "Synced:" in sync, sync
    synced = time.monotonic()

    # nginx spread the sync's requests over both hub processes.
    for process, seen in zip(stack.hubs, before, strict=True):
        assert len(process.access_lines()) > seen, f"{process.name} got none of the sync"
    # Each process notices the change by itself within DIRECTORY_CACHE_SECONDS (1 s): a
    # search that starts a second after the sync has ended finds the new profile (timed
    # from each search's start, so a slow answer on a busy machine does not count).
    for process in stack.hubs:
        while True:
            started = time.monotonic()
            found = _search(process.url, token, stack.cert)
            if found:
                break
            assert started - synced < 1.0, f"{process.name} missed the sync a second later"
            time.sleep(0.05)
        assert [hit["profile"]["community"] for hit in found] == ["kitchener"] * 5
    assert _search(HUB_SITE, token, stack.cert)  # and through nginx


def test_nginx_in_front_of_gunicorn(stack: Stack) -> None:
    """One test over one stack: pytest-xdist never starts a second one on the same ports."""
    check_plain_http_is_sent_to_https(stack)
    check_pages_come_through_tls_with_hsts_and_the_apps_headers(stack)
    check_nginx_serves_versioned_assets_for_a_year_and_the_rest_revalidated(stack)
    check_a_coordinator_logs_in_and_imports_a_spreadsheet_through_nginx(stack)
    check_a_sync_through_one_hub_process_shows_in_searches_on_the_other(stack)

"""gunicorn's configuration, the environment templates and the nginx sites agree with the apps."""

from __future__ import annotations

import datetime as dt
import json
import re
import runpy
import threading
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from flask import Flask

from community_node import config as node_config
from hub import config as hub_config
from shared.web.app import on_worker_start
from shared.web.headers import SECURITY_HEADERS
from shared.web.settings import COMMON_DEFAULTS
from tests.deploy.conftest import DEPLOY

GUNICORN = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))

#: Settings that are code, not deployment choices: the env templates need not list them.
NOT_DEPLOYMENT = {
    "SQLALCHEMY_DATABASE_URI",  # DATABASE_URL
    "SQLALCHEMY_ENGINE_OPTIONS",
    "API_TITLE",
    "API_VERSION",
    "OPENAPI_VERSION",
    "OPENAPI_URL_PREFIX",
    "OPENAPI_JSON_PATH",
    "OPENAPI_SWAGGER_UI_PATH",
    "OPENAPI_SWAGGER_UI_URL",
    "SESSION_COOKIE_HTTPONLY",
    "SESSION_COOKIE_SAMESITE",
    "WTF_CSRF_TIME_LIMIT",
}


def test_workers_follow_the_cores_with_a_ceiling() -> None:
    assert GUNICORN["default_workers"](1) == 3
    assert GUNICORN["default_workers"](2) == 5
    assert GUNICORN["default_workers"](64) == 12
    assert GUNICORN["worker_class"] == "gthread"
    # An import of the largest upload must fit in the worker timeout and nginx's wait.
    assert GUNICORN["timeout"] >= 180


def test_workers_are_replaced_after_the_requests_the_environment_sets(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("GUNICORN_MAX_REQUESTS", raising=False)
    default = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))
    assert (default["max_requests"], default["max_requests_jitter"]) == (5000, 500)
    monkeypatch.setenv("GUNICORN_MAX_REQUESTS", "0")
    never = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))
    assert (never["max_requests"], never["max_requests_jitter"]) == (0, 0)


def test_a_worker_keeps_what_it_loaded_out_of_the_collectors_scans() -> None:
    import gc

    assert gc.get_freeze_count() == 0
    try:
        GUNICORN["post_worker_init"](object())
        assert gc.get_freeze_count() > 10_000  # this process's modules, at least
    finally:
        gc.unfreeze()


def test_a_worker_starts_the_apps_start_up_tasks_once_it_has_loaded_it() -> None:
    import gc

    app = Flask(__name__)
    started = threading.Event()
    on_worker_start(app, started.set)
    try:
        GUNICORN["post_worker_init"](SimpleNamespace(wsgi=app))  # gunicorn's Worker.wsgi
        assert started.wait(10)
    finally:
        gc.unfreeze()


def test_the_access_log_is_json_without_query_strings_or_referrers() -> None:
    response = SimpleNamespace(
        status="200 OK", sent=512, headers=[("X-Request-ID", "r-1"), ("Content-Type", "x")]
    )
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/people",
        "QUERY_STRING": "q=Amira+Haddad",
        "HTTP_REFERER": "https://node.example.org/people?q=amira@example.org",
        "HTTP_USER_AGENT": 'Mozilla "quoted" \\ agent',
        "REMOTE_ADDR": "127.0.0.1",
    }
    line = GUNICORN["json_access_line"](response, None, environ, dt.timedelta(milliseconds=12.34))
    record = json.loads(line)  # one valid JSON object, whatever the agent wrote
    assert record["path"] == "/people" and record["status"] == 200
    assert record["user_agent"] == 'Mozilla "quoted" \\ agent'
    assert record["request_id"] == "r-1" and record["duration_ms"] == 12.3
    assert "Amira" not in line and "amira" not in line and "example.org" not in line


def _documented(template: str) -> set[str]:
    text = (DEPLOY / "env" / template).read_text()
    return set(re.findall(r"^#?([A-Z][A-Z0-9_]*)=", text, re.M))


@pytest.mark.parametrize(
    ("template", "prefix", "defaults"),
    [
        ("node.env", "NODE", node_config.DEFAULTS),
        ("hub.env", "HUB", hub_config.DEFAULTS),
    ],
)
def test_every_setting_is_in_the_environment_template(
    template: str, prefix: str, defaults: dict[str, Any]
) -> None:
    documented = _documented(template)
    settings = (set(COMMON_DEFAULTS) | set(defaults)) - NOT_DEPLOYMENT
    missing = {f"{prefix}_{key}" for key in settings} - documented
    assert not missing, f"{template} does not document {sorted(missing)}"
    assert "DATABASE_URL" in documented
    text = (DEPLOY / "env" / template).read_text()
    # Every variable is explained by the comment just above it (or above its group).
    lines = text.splitlines()
    variable = re.compile(r"^#?[A-Z][A-Z0-9_]*=")
    for number, line in enumerate(lines):
        if variable.match(line):
            above = number - 1
            while variable.match(lines[above]):
                above -= 1
            assert lines[above].startswith("# "), f"{template}: {line} is not explained"
    # Secrets are filled in at install, never shipped.
    assert f"{prefix}_SECRET_KEY=@SECRET_KEY@" in text


def _size(value: str) -> int:
    units = {"k": 1024, "m": 1024**2, "g": 1024**3}
    return int(value[:-1]) * units[value[-1]] if value[-1] in units else int(value)


@pytest.mark.parametrize(
    ("site", "limit"),
    [
        ("connector-node.conf", node_config.DEFAULTS["MAX_CONTENT_LENGTH"]),
        ("connector-hub.conf", hub_config.DEFAULTS["MAX_CONTENT_LENGTH"]),
    ],
)
def test_nginx_takes_the_uploads_the_app_takes(site: str, limit: int) -> None:
    text = (DEPLOY / "nginx" / site).read_text()
    sizes = re.findall(r"^\s*client_max_body_size (\S+);", text, re.M)
    assert [_size(s) for s in sizes] == [limit]
    env = (DEPLOY / "env" / ("node.env" if "node" in site else "hub.env")).read_text()
    assert f"_MAX_CONTENT_LENGTH={limit}\n" in env
    # No proxied request is cut off before gunicorn would give up on it.
    timeouts = [int(t) for t in re.findall(r"proxy_read_timeout (\d+)s;", text)]
    assert max(timeouts) <= GUNICORN["timeout"]


def test_assets_nginx_serves_carry_the_apps_security_headers() -> None:
    snippet = (DEPLOY / "nginx" / "connector-assets.conf").read_text()
    sent = dict(re.findall(r'^add_header (\S+) "([^"]*)" always;', snippet, re.M))
    for name, value in SECURITY_HEADERS.items():
        assert sent.get(name) == value, name
    assert sent["Strict-Transport-Security"].startswith("max-age=63072000")


def test_both_sites_serve_assets_from_the_installed_packages() -> None:
    for site in ("connector-node.conf", "connector-hub.conf"):
        text = (DEPLOY / "nginx" / site).read_text()
        for prefix in ("/vendor/", "/assets/", "/shared-web/static/"):
            assert f"location ^~ {prefix} {{" in text, (site, prefix)
        assert text.count("include @ASSETS_SNIPPET@;") == text.count("alias @")
        assert "return 301 https://$host@HTTPS_PORT_SUFFIX@$request_uri;" in text
        assert "ssl_certificate @TLS_CERT@;" in text


def test_the_cron_variant_runs_what_the_timers_run() -> None:
    cron = (DEPLOY / "cron" / "connector-node-sync.cron").read_text()
    for command in ("sync", "sync --full", "tick", "mail send"):
        assert f".venv/bin/connector-node {command} >>" in cron
    assert Path(DEPLOY / "install.sh").stat().st_mode & 0o111

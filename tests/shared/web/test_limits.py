"""Rate limits: declared on a view, applied per app, counted in memory or in a real Redis."""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, request

from shared.web.limits import Breach, Rule, init_limits, rate_limited
from shared.web.settings import load_config

#: The Redis the tests count in (.ci/run starts it and exports the URL).
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def _app(tmp_path: Path, **config: Any) -> Flask:
    """A tiny service: two limited posts and the shared (JSON) error answers."""
    app = Flask(__name__, instance_path=str(tmp_path / "instance"))
    load_config(
        app,
        {"RATELIMIT_POST": "3 per minute", "TESTING": True, **config},
        prefix="SVC",
        defaults={},
        database_file="svc.sqlite",
    )
    from shared.web.errors import register_errorhandlers

    register_errorhandlers(app, json_paths=("/api/",))

    def failed(response: Any) -> bool:
        return response.status_code == 400

    @app.route("/api/form", methods=["GET", "POST"])
    @rate_limited(Rule("form_per_address", "RATELIMIT_POST"))
    def form() -> str:
        return "ok"

    @app.post("/api/check")
    @rate_limited(Rule("check_failures", "RATELIMIT_POST", counts=failed))
    def check() -> tuple[str, int]:
        return ("no", 400) if request.form.get("ok") != "yes" else ("yes", 200)

    init_limits(app)
    return app


def test_posts_past_the_limit_answer_429_with_retry_after(tmp_path: Path) -> None:
    client = _app(tmp_path).test_client()
    assert [client.post("/api/form").status_code for _ in range(4)] == [200, 200, 200, 429]
    refused = client.post("/api/form")
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert refused.get_json()["message"].startswith("Too many requests. Try again in ")
    assert client.get("/api/form").status_code == 200  # reading the page is free


def test_each_address_has_its_own_count(tmp_path: Path) -> None:
    client = _app(tmp_path).test_client()
    first = {"REMOTE_ADDR": "192.0.2.1"}
    for _ in range(3):
        client.post("/api/form", environ_base=first)
    assert client.post("/api/form", environ_base=first).status_code == 429
    assert client.post("/api/form", environ_base={"REMOTE_ADDR": "192.0.2.2"}).status_code == 200


def test_only_what_counts_is_counted(tmp_path: Path) -> None:
    client = _app(tmp_path).test_client()
    for _ in range(10):
        assert client.post("/api/check", data={"ok": "yes"}).status_code == 200
    assert [client.post("/api/check").status_code for _ in range(4)] == [400, 400, 400, 429]
    throttled = client.post("/api/check", data={"ok": "yes"})
    assert throttled.status_code == 429  # even a right answer waits now
    assert throttled.get_json()["code"] == 429  # machines get the JSON error shape


def test_two_apps_in_one_process_never_share_counts(tmp_path: Path) -> None:
    one, two = _app(tmp_path / "1").test_client(), _app(tmp_path / "2").test_client()
    for _ in range(3):
        one.post("/api/form")
    assert one.post("/api/form").status_code == 429
    assert two.post("/api/form").status_code == 200


def test_a_breach_leaves_a_security_event(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    client = _app(tmp_path).test_client()
    for _ in range(4):
        client.post("/api/form", environ_base={"REMOTE_ADDR": "192.0.2.9"})
    (event,) = [r.security_event for r in caplog.records if hasattr(r, "security_event")]
    assert event["event"] == "rate_limited"
    assert event["reason"] == "form_per_address"
    assert event["remote_addr"] == "192.0.2.9"
    assert event["limit"] == "3 per 1 minute"


@pytest.mark.parametrize(
    ("seconds", "said"), [(1, "1 second"), (59, "59 seconds"), (61, "2 minutes")]
)
def test_the_wait_is_said_as_people_say_it(seconds: int, said: str) -> None:
    assert Breach(Rule("x", "X"), seconds).wait == said


# Redis -------------------------------------------------------------------------------------


@pytest.fixture
def redis_url() -> Iterator[str]:
    """The real Redis; skipped only on a developer's machine without one, never in CI."""
    import redis

    connection = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        connection.ping()
    except redis.RedisError as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must run Redis at {REDIS_URL} (.ci/run starts it): {exc}")
        pytest.skip(f"no Redis at {REDIS_URL}: {exc}")
    yield REDIS_URL
    connection.close()


def test_redis_counts_for_every_worker_and_keeps_services_apart(
    tmp_path: Path, redis_url: str
) -> None:
    import redis

    prefix = f"test-{uuid.uuid4().hex}"
    config = {"RATELIMIT_STORAGE_URI": redis_url, "RATELIMIT_KEY_PREFIX": prefix}
    # Two apps with one storage: two gunicorn workers of one service.
    worker_one = _app(tmp_path / "1", **config).test_client()
    worker_two = _app(tmp_path / "2", **config).test_client()
    other_service = _app(
        tmp_path / "3", RATELIMIT_STORAGE_URI=redis_url, RATELIMIT_KEY_PREFIX=f"{prefix}-other"
    ).test_client()
    connection = redis.Redis.from_url(redis_url)
    try:
        assert [worker_one.post("/api/form").status_code for _ in range(2)] == [200, 200]
        assert worker_two.post("/api/form").status_code == 200
        refused = worker_two.post("/api/form")
        assert refused.status_code == 429  # the fourth post, whichever worker took it
        assert 1 <= int(refused.headers["Retry-After"]) <= 60
        assert worker_one.post("/api/form").status_code == 429
        assert other_service.post("/api/form").status_code == 200
        keys = [key.decode() for key in connection.scan_iter(f"*{prefix}*")]
        assert keys and all("127.0.0.1" in key for key in keys)  # counted there, not in memory
    finally:
        for key in connection.scan_iter(f"*{prefix}*"):
            connection.delete(key)
        connection.close()


def test_an_unreachable_redis_falls_back_to_memory_never_a_500(tmp_path: Path) -> None:
    # Port 9 (discard) on loopback: nothing listens, the connection is refused at once.
    client = _app(tmp_path, RATELIMIT_STORAGE_URI="redis://127.0.0.1:9/0").test_client()
    assert [client.post("/api/form").status_code for _ in range(4)] == [200, 200, 200, 429]

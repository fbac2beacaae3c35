"""Factory pieces: bounded ids in URLs, trusting exactly the configured proxies, and the
tasks a server worker starts once it has loaded the app."""

from __future__ import annotations

import functools
import threading

import pytest
from flask import Flask, current_app, request

from shared.web.app import on_worker_start, start_worker, trust_proxies, use_bounded_ids
from shared.web.database import MAX_ID


def test_ids_beyond_the_integer_column_do_not_match() -> None:
    app = Flask(__name__)
    use_bounded_ids(app)
    app.add_url_rule("/things/<int:thing_id>", "thing", lambda thing_id: str(thing_id))
    client = app.test_client()
    assert client.get(f"/things/{MAX_ID}").text == str(MAX_ID)
    assert client.get(f"/things/{MAX_ID + 1}").status_code == 404


@pytest.mark.parametrize(("proxies", "scheme"), [(0, "http"), (1, "https")])
def test_forwarded_headers_count_only_behind_trusted_proxies(proxies: int, scheme: str) -> None:
    app = Flask(__name__)
    app.config["TRUSTED_PROXIES"] = proxies
    trust_proxies(app)
    app.add_url_rule("/", "scheme", lambda: request.scheme)
    assert app.test_client().get("/", headers={"X-Forwarded-Proto": "https"}).text == scheme


def test_a_worker_runs_each_start_up_task_in_the_apps_context_beside_its_requests() -> None:
    app = Flask(__name__)
    ran: list[tuple[str, str]] = []
    release = threading.Event()

    def build() -> None:
        release.wait(10)  # still running while the worker already serves
        ran.append(("build", current_app.name))

    def count() -> None:
        ran.append(("count", threading.current_thread().name))

    on_worker_start(app, build)
    on_worker_start(app, count)
    assert ran == []  # registering runs nothing: the CLI and tests never start a worker
    threads = start_worker(app)
    assert [t.daemon for t in threads] == [True, True]  # a stopping worker does not wait
    threads[1].join(10)
    assert ran == [("count", "worker-start:count")]
    release.set()
    threads[0].join(10)
    assert ran[-1] == ("build", app.name)


def test_a_failing_start_up_task_is_logged_and_leaves_the_worker_serving(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = Flask(__name__)

    def warm() -> None:
        raise RuntimeError("no such table: profiles")

    on_worker_start(app, warm)
    for thread in start_worker(app):
        thread.join(10)
    assert "The worker's start-up task warm failed." in caplog.text
    assert "no such table: profiles" in caplog.text  # the traceback, for the operator
    app.add_url_rule("/", "index", lambda: "up")
    assert app.test_client().get("/").text == "up"


def test_what_is_not_a_flask_app_has_no_start_up_tasks() -> None:
    assert start_worker(None) == []
    assert start_worker(object()) == []
    assert start_worker(Flask(__name__)) == []


def test_a_partial_is_named_by_its_function() -> None:
    app = Flask(__name__)
    done = threading.Event()

    def build(event: threading.Event) -> None:
        event.set()

    on_worker_start(app, functools.partial(build, done))
    (thread,) = start_worker(app)
    thread.join(10)
    assert done.is_set() and thread.name == "worker-start:build"


def test_a_callable_without_a_name_is_named_by_its_repr() -> None:
    class Build:
        def __call__(self) -> None:
            pass

        def __repr__(self) -> str:
            return "Build()"

    app = Flask(__name__)
    on_worker_start(app, Build())
    (thread,) = start_worker(app)
    thread.join(10)
    assert thread.name == "worker-start:Build()"

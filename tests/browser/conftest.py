"""A real node served over HTTP in a thread, and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import expect
from werkzeug.serving import make_server

from community_node.app import create_app
from community_node.auth.models import Role
from community_node.auth.services import create_user
from community_node.extensions import db
from community_node.participants import services as participants
from community_node.participants.schemas import ConnecteeSchema, ConnectorSchema
from tests.community_node.conftest import node_config

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-gpu",
]
PASSWORD = "correct horse battery"
COORDINATOR = "coordinator@example.org"
VIEWER = "viewer@example.org"

CONNECTEES: list[dict[str, Any]] = [
    {
        "first_name": "Amira",
        "last_name": "Haddad",
        "email": "amira@example.org",
        "phone": "+1 902 555 0100",
        "target_occupation": "29-1141",
        "skills": ["triage", "patient care"],
        "languages": [{"language": "ara", "level": "native"}, {"language": "eng", "level": "B2"}],
    },
    {
        "first_name": "Oleksandr",
        "last_name": "Bondarenko",
        "email": "oleksandr@example.org",
        "target_occupation": "51-4121",
        "skills": ["welding"],
        "languages": [{"language": "ukr", "level": "native"}, {"language": "eng", "level": "B1"}],
    },
    {
        "first_name": "Carlos",
        "last_name": "Zapata",
        "email": "carlos@example.org",
        "target_occupation": "13-2011",
        "skills": ["payroll", "audit"],
        "languages": [{"language": "spa", "level": "native"}],
    },
]
CONNECTOR: dict[str, Any] = {
    "first_name": "Grace",
    "last_name": "Hopper",
    "email": "grace@example.org",
    "occupation": "29-1141",
    "employer": "Harbour Health",
    "languages": [{"language": "eng", "level": "native"}],
}


def _seed() -> None:
    create_user(COORDINATOR, "Cora Coordinator", Role.COORDINATOR, PASSWORD, actor="test")
    create_user(VIEWER, "Vera Viewer", Role.VIEWER, PASSWORD, actor="test")
    for person in CONNECTEES:
        participants.create_person(
            participants.CONNECTEES, ConnecteeSchema().load(person), actor="test"
        )
    participants.create_person(
        participants.CONNECTORS, ConnectorSchema().load(CONNECTOR), actor="test"
    )


@contextmanager
def seeded_node(tmp: Path) -> Iterator[Flask]:
    """A node on its own SQLite file with the staff and people above."""
    config = node_config(f"sqlite:///{tmp}/node.sqlite", tmp, WTF_CSRF_ENABLED=True)
    config["TESTING"] = False  # behave like a served node: real CSRF, real error pages
    app = create_app(config)
    with app.app_context():
        db.create_all()
        _seed()
        db.session.remove()
    yield app
    with app.app_context():
        db.engine.dispose()


@contextmanager
def serving(app: Flask) -> Iterator[str]:
    """Serve a node on a free localhost port; yield its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-node", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()


@pytest.fixture(scope="module")
def live_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """A seeded node per test module, so one module's writes never shift another's counts."""
    with seeded_node(tmp_path_factory.mktemp("browser")) as app:
        yield app


@pytest.fixture(scope="module")
def live_server(live_app: Flask) -> Iterator[str]:
    with serving(live_app) as url:
        yield url


# Assertions about a page retry until they hold: a click returns once its answer starts
# to arrive, and a loaded CI machine may take seconds to render the next page.
expect.set_options(timeout=15_000)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium package to run these")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


def log_in(page: Any, email: str, password: str = PASSWORD) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    # Wait for the answer to the form (a redirect, or the form again with its error), not
    # for the login page's own load state, which has already fired.
    with page.expect_navigation():
        page.get_by_role("button", name="Log in").click()


@pytest.fixture
def page(browser: Any, live_server: str) -> Iterator[Any]:
    """A fresh page (own cookies) that records every URL it requests."""
    context = browser.new_context(base_url=live_server)
    # A login (password hashing) on a machine running two test suites took over 10 s.
    context.set_default_timeout(30_000)
    page = context.new_page()
    page.requested_urls = []
    page.on("request", lambda request: page.requested_urls.append(request.url))
    # Chromium reports each thing the Content-Security-Policy blocked on the console: a
    # page that needs an inline script (or a style source the policy lacks) fails here.
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    yield page
    context.close()
    assert violations == [], violations

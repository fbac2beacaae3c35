"""Below the entry points, no module of a feature reads the Flask request.

import-linter forbids modules, not names, and services may import ``flask`` for
``current_app`` (configuration); so this test reads the source: a service takes what a
request carried (the actor, the parsed body) as arguments, which is what lets the CLI,
the sync worker and the tests call it without a request.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SERVICES = ("hub", "community_node")

#: Modules that answer a request or a command and may read it: the blueprints (api, views,
#: the hub's OAuth token endpoint), the CLI, and the page helpers that check the signed-in
#: user (web/access.py).
ENTRY_POINTS = frozenset({"api", "cli", "views", "oauth", "access", "__main__"})

#: What holds the state of one request: the request itself, its session, ``g`` and the
#: signed-in user Flask-Login reads from the session.
REQUEST_STATE = {
    "flask": frozenset({"request", "session", "g"}),
    "flask.globals": frozenset({"request", "session", "g"}),
    "flask_login": frozenset({"current_user"}),
}


def request_reads(source: str) -> list[str]:
    """Return each place ``source`` imports or reads request state, as 'line: name'."""
    tree = ast.parse(source)
    found: list[str] = []
    aliases: dict[str, str] = {}  # local name of an imported flask module -> module
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module in REQUEST_STATE:
            for alias in node.names:
                if alias.name in REQUEST_STATE[node.module]:
                    found.append(f"{node.lineno}: {node.module}.{alias.name}")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in REQUEST_STATE:
                    aliases[alias.asname or alias.name] = alias.name
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            module = _dotted(node.value)
            if module in aliases and node.attr in REQUEST_STATE[aliases[module]]:
                found.append(f"{node.lineno}: {aliases[module]}.{node.attr}")
    return sorted(found)


def _dotted(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        parent = _dotted(node.value)
        return None if parent is None else f"{parent}.{node.attr}"
    return None


def _is_blueprint(path: Path) -> bool:
    """A module that defines a blueprint answers requests: the staff pages' modules in
    ``web/`` (one per area) are entry points like ``views``."""
    return "= Blueprint(" in path.read_text(encoding="utf-8")


def _feature_modules() -> list[Path]:
    """Every module inside a feature package of either service, entry points excepted."""
    modules = []
    for service in SERVICES:
        for path in sorted((ROOT / service).glob("*/**/*.py")):
            if "migrations" in path.parts or path.stem in ENTRY_POINTS or _is_blueprint(path):
                continue
            modules.append(path)
    return modules


def test_feature_modules_are_found() -> None:
    names = {p.relative_to(ROOT).as_posix() for p in _feature_modules()}
    assert {"hub/outcomes/services.py", "community_node/sync/push.py"} <= names
    assert "hub/outcomes/api.py" not in names


@pytest.mark.parametrize("path", _feature_modules(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_no_service_reads_the_request(path: Path) -> None:
    assert request_reads(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from flask import current_app, request\n", ["1: flask.request"]),
        ("from flask import g as state\n", ["1: flask.g"]),
        ("import flask\nx = flask.session['k']\n", ["2: flask.session"]),
        ("import flask as f\nf.request.args\n", ["2: flask.request"]),
        ("from flask_login import current_user\n", ["1: flask_login.current_user"]),
        ("from flask import current_app\ncurrent_app.config['X']\n", []),
        ("request = None\nrequest.args\n", []),
    ],
)
def test_request_reads_are_recognised(source: str, expected: list[str]) -> None:
    assert request_reads(source) == expected

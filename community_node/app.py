"""The community node's application factory."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from community_node import config as node_config
from community_node.errors import MACHINE_PATHS
from community_node.extensions import api, csrf, db, login_manager, migrate
from shared.web import errors
from shared.web.app import register_api_blueprints, trust_proxies, use_bounded_ids
from shared.web.database import init_database

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build a node; ``config`` replaces the environment (tests pass a plain dict)."""
    app = Flask(__name__, instance_relative_config=True)
    node_config.load_config(app, config)
    trust_proxies(app)
    register_extensions(app)
    register_blueprints(app)
    register_cli(app)
    register_errorhandlers(app)
    return app


def register_extensions(app: Flask) -> None:
    from community_node import models  # noqa: F401  (registers every table)

    init_database(app, db, migrate, MIGRATIONS)
    api.init_app(app)
    # The staff web UI and the public forms: session login and CSRF-checked forms.
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "web.login"


def register_blueprints(app: Flask) -> None:
    from community_node import system
    from community_node.api_registry import api_blueprints
    from community_node.signup import views as signup
    from community_node.web import views as web

    use_bounded_ids(app)
    app.register_blueprint(system.blueprint())
    app.register_blueprint(web.bp)
    if app.config["PUBLIC_SIGNUP"]:  # switched off, /join is simply not there (404)
        app.register_blueprint(signup.bp)
    register_api_blueprints(app, api, csrf, api_blueprints())


def register_cli(app: Flask) -> None:
    from community_node.commands import commands

    for command in commands():
        app.cli.add_command(command)


def register_errorhandlers(app: Flask) -> None:
    errors.register_errorhandlers(app, json_paths=MACHINE_PATHS)

"""The community node's application factory."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.routing import IntegerConverter, Map

import shared
from community_node import config as node_config
from community_node.errors import register_errorhandlers
from community_node.extensions import api, csrf, db, login_manager, migrate
from community_node.fields import MAX_ID
from shared.web import layout

MIGRATIONS = str(Path(__file__).parent / "migrations")
VENDOR_ASSETS = str(Path(shared.__file__).parent / "static" / "vendor")


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build a node; ``config`` replaces the environment (tests pass a plain dict)."""
    app = Flask(__name__, instance_relative_config=True)
    node_config.load_config(app, config)
    register_extensions(app)
    register_blueprints(app)
    register_cli(app)
    register_errorhandlers(app)
    return app


def register_extensions(app: Flask) -> None:
    from community_node import models  # noqa: F401  (registers every table)

    db.init_app(app)
    # Batch mode lets Alembic alter SQLite tables by copying them.
    migrate.init_app(app, db, directory=MIGRATIONS, render_as_batch=True, compare_type=True)
    api.init_app(app)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "web.login"
    from community_node.database import enable_sqlite_pragmas

    with app.app_context():
        enable_sqlite_pragmas(db.engine)


class _IdConverter(IntegerConverter):
    """``<int:…>`` in URLs: ids beyond the INTEGER column's range simply do not match (404)."""

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:  # noqa: A002
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def register_blueprints(app: Flask) -> None:
    app.url_map.converters["int"] = _IdConverter
    from community_node import system
    from community_node.signup import views as signup
    from community_node.web import views as web

    app.register_blueprint(system.bp)
    app.register_blueprint(web.bp)
    app.register_blueprint(layout.blueprint)  # the staff pages' shared templates
    if app.config["PUBLIC_SIGNUP"]:  # switched off, /join is simply not there (404)
        app.register_blueprint(signup.bp)
    for blp in _api_blueprints():
        api.register_blueprint(blp, url_prefix=f"/api/v1{blp.url_prefix or ''}")
        csrf.exempt(blp)  # the API authenticates by bearer token, never by cookie


def _api_blueprints() -> list[Any]:
    from community_node.api_registry import api_blueprints

    return api_blueprints()


def register_cli(app: Flask) -> None:
    from community_node.cli import register

    register(app)

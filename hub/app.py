"""The national hub's application factory."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

import shared
from hub import config as hub_config
from hub.errors import register_errorhandlers
from hub.extensions import api, csrf, db, login_manager, migrate
from shared.web import layout

MIGRATIONS = str(Path(__file__).parent / "migrations")
VENDOR_ASSETS = str(Path(shared.__file__).parent / "static" / "vendor")


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build a hub; ``config`` replaces the environment (tests pass a plain dict)."""
    app = Flask(__name__, instance_relative_config=True)
    hub_config.load_config(app, config)
    proxies = int(app.config["TRUSTED_PROXIES"])
    if proxies:
        # Behind nginx the token endpoint must see https, or Authlib refuses the request.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies
        )
    register_extensions(app)
    register_blueprints(app)
    register_cli(app)
    register_errorhandlers(app)
    return app


def register_extensions(app: Flask) -> None:
    from hub import models  # noqa: F401  (registers every table)
    from hub.auth.oauth import init_oauth
    from hub.auth.services import load_active_user
    from hub.database import enable_sqlite_pragmas
    from hub.web.access import check_csrf

    db.init_app(app)
    # Batch mode lets Alembic alter SQLite tables by copying them.
    migrate.init_app(app, db, directory=MIGRATIONS, render_as_batch=True, compare_type=True)
    api.init_app(app)
    api.spec.components.security_scheme(
        "oauth2",
        {
            "type": "oauth2",
            "description": "Client credentials (HTTP Basic) at POST /oauth/token; JWT, 15 min.",
            "flows": {
                "clientCredentials": {
                    "tokenUrl": "/oauth/token",
                    "scopes": {scope: scope for scope in _scopes()},
                }
            },
        },
    )
    init_oauth(app)
    # The staff web UI: session login and CSRF-checked forms.
    csrf.init_app(app)
    app.before_request(check_csrf)
    login_manager.init_app(app)
    login_manager.login_view = "web.login"
    login_manager.user_loader(load_active_user)
    with app.app_context():
        enable_sqlite_pragmas(db.engine)


def _scopes() -> tuple[str, ...]:
    from hub.communities.models import ALL_SCOPES

    return ALL_SCOPES


def register_blueprints(app: Flask) -> None:
    from hub import system
    from hub.api_registry import api_blueprints
    from hub.auth import oauth
    from hub.web import views as web

    app.register_blueprint(system.bp)
    app.register_blueprint(oauth.bp)
    app.register_blueprint(web.bp)
    app.register_blueprint(layout.blueprint)  # the staff pages' shared templates
    for blp in api_blueprints():
        api.register_blueprint(blp, url_prefix=f"/api/v1{blp.url_prefix or ''}")


def register_cli(app: Flask) -> None:
    from hub.cli import register

    register(app)

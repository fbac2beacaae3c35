"""The national hub's application factory."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from hub import config as hub_config
from hub.commands import register_cli
from hub.errors import register_errorhandlers
from hub.extensions import api, csrf, db, login_manager, migrate
from shared.web import layout
from shared.web.app import (
    assemble,
    init_staff_ui,
    on_worker_start,
    register_api_blueprints,
    register_machine_blueprint,
    use_bounded_ids,
)
from shared.web.database import init_database
from shared.web.i18n import init_i18n


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build a hub; ``config`` replaces the environment (tests pass a plain dict)."""
    app = Flask(__name__, instance_relative_config=True)
    hub_config.load_config(app, config)
    return assemble(
        app, register_extensions, register_blueprints, register_cli, register_errorhandlers
    )


def register_extensions(app: Flask) -> None:
    from hub import models  # noqa: F401  (registers every table)
    from hub.auth.oauth import init_oauth
    from hub.auth.services import load_active_user
    from hub.communities.models import ALL_SCOPES
    from hub.directory.search import warm_directory

    init_database(app, db, migrate)
    api.init_app(app)
    api.spec.components.security_scheme(
        "oauth2",
        {
            "type": "oauth2",
            "description": "Client credentials (HTTP Basic) at POST /oauth/token; JWT, 15 min.",
            "flows": {
                "clientCredentials": {
                    "tokenUrl": "/oauth/token",
                    "scopes": {scope: scope for scope in ALL_SCOPES},
                }
            },
        },
    )
    init_oauth(app)
    init_staff_ui(app, csrf, login_manager)
    # The hub's public pages speak to cities' program staff and funders, not newcomers:
    # English and French, like its staff pages (scripts/translations.py ships those).
    app.config.setdefault("LANGUAGES", ["en", "fr"])
    init_i18n(app, [str(Path(__file__).parent / "translations")], public=PUBLIC_PAGES)
    login_manager.user_loader(load_active_user)
    # A server worker builds its directory as it starts, not on the first search.
    on_worker_start(app, warm_directory)


#: The hub's pages anyone may open: the public figures and a city's application (its
#: form, its edit link, the thanks page and the one-time credentials page).
PUBLIC_PAGES = (
    "figures.public",
    "onboarding.apply",
    "onboarding.edit",
    "onboarding.thanks",
    "onboarding.credentials",
    "onboarding.reveal",
)


def register_blueprints(app: Flask) -> None:
    from hub import system
    from hub.api_registry import api_blueprints
    from hub.auth import oauth
    from hub.web import admin, directory, figures, onboarding, resources
    from hub.web import views as web

    use_bounded_ids(app)
    app.register_blueprint(system.blueprint())
    app.register_blueprint(system.observe())
    register_machine_blueprint(app, csrf, oauth.bp)  # client credentials, never a cookie
    app.register_blueprint(web.bp)
    app.register_blueprint(directory.bp)  # the national staff's directory and coverage
    app.register_blueprint(admin.bp)
    app.register_blueprint(resources.bp)
    app.register_blueprint(figures.bp)  # public figures; the staff's introductions
    app.register_blueprint(onboarding.bp)  # the public application form and its review
    app.register_blueprint(layout.blueprint)  # the staff pages' shared templates
    register_api_blueprints(app, api, csrf, api_blueprints())

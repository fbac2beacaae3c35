"""The community node's application factory."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from community_node import config as node_config
from community_node.commands import register_cli
from community_node.errors import register_errorhandlers
from community_node.extensions import api, csrf, db, login_manager, migrate
from shared.web import layout
from shared.web.app import assemble, init_staff_ui, register_api_blueprints, use_bounded_ids
from shared.web.database import init_database
from shared.web.i18n import init_i18n


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build a node; ``config`` replaces the environment (tests pass a plain dict)."""
    app = Flask(__name__, instance_relative_config=True)
    node_config.load_config(app, config)
    return assemble(
        app, register_extensions, register_blueprints, register_cli, register_errorhandlers
    )


def register_extensions(app: Flask) -> None:
    from community_node import models  # noqa: F401  (registers every table)

    init_database(app, db, migrate)
    api.init_app(app)
    init_staff_ui(app, csrf, login_manager)  # staff pages and the public forms
    # The sign-up forms, the event pages and the participants' own pages (by signed link)
    # are public (every language); the staff pages are in en and fr.
    init_i18n(
        app,
        [str(Path(__file__).parent / "translations")],
        public=["signup", "event_pages", "selfservice"],
    )


def register_blueprints(app: Flask) -> None:
    from community_node import system
    from community_node.api_registry import api_blueprints
    from community_node.events import views as event_pages
    from community_node.selfservice import views as selfservice
    from community_node.signup import views as signup
    from community_node.web import (
        admin,
        events,
        hub,
        imports,
        introductions,
        mail,
        matching,
        partners,
        person,
        reports,
        resources,
        review,
    )
    from community_node.web import views as web

    use_bounded_ids(app)
    app.register_blueprint(system.blueprint())
    app.register_blueprint(system.observe())
    app.register_blueprint(web.bp)
    app.register_blueprint(person.bp)
    app.register_blueprint(review.bp)
    app.register_blueprint(imports.bp)
    app.register_blueprint(reports.bp)
    app.register_blueprint(hub.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(resources.bp)
    app.register_blueprint(introductions.bp)
    app.register_blueprint(mail.bp)
    app.register_blueprint(matching.matching_bp)
    app.register_blueprint(matching.matches_bp)
    app.register_blueprint(partners.bp)
    app.register_blueprint(events.bp)
    app.register_blueprint(layout.blueprint)  # the staff pages' shared templates
    if app.config["PUBLIC_SIGNUP"]:  # switched off, /join is simply not there (404)
        app.register_blueprint(signup.bp)
        app.register_blueprint(event_pages.bp)
    app.register_blueprint(selfservice.bp)  # /act and /me: participants, by signed link
    register_api_blueprints(app, api, csrf, api_blueprints())

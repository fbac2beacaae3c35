"""Pieces of an application factory both services share: URLs, proxies, API and CSRF.

:func:`assemble` also installs what every answer and request of both services gets:
the JSON depth guard (first of all request hooks), the security headers, and an API
docs page without inline script.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterable
from typing import Any

import flask
import flask_smorest
from flask import Flask, render_template, url_for
from flask_login import LoginManager
from flask_wtf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter, Map

from shared.fields import MAX_ID
from shared.web.assets import version_asset_urls
from shared.web.headers import install_security_headers
from shared.web.limits import init_limits
from shared.web.system import refuse_deep_json

#: Where every JSON API blueprint is mounted.
API_PREFIX = "/api/v1"


def assemble(app: Flask, *steps: Callable[[Flask], None]) -> Flask:
    """Put ``app`` behind its trusted proxies, then run each registration step in order.

    The depth guard goes first so that no later hook (authentication, the NUL guard)
    parses a body nested deeply enough to exhaust the recursion limit.
    """
    trust_proxies(app)
    app.before_request(refuse_deep_json)
    install_security_headers(app)
    version_asset_urls(app)  # long-cached assets: each URL names its file's version
    for step in steps:
        step(app)
    serve_docs_without_inline_script(app)
    init_limits(app)  # last: it applies the limits the registered views declare
    return app


#: ``app.extensions`` key of the tasks a server worker starts once it has loaded the app.
WORKER_START = "connector.worker_start"


def on_worker_start(app: Flask, task: Callable[[], object]) -> None:
    """Have every server worker run ``task`` (in the app's context, in a background
    thread) as soon as it has loaded the app: work that would otherwise fall on the first
    request that needs it. gunicorn's ``post_worker_init`` (deploy/gunicorn.conf.py) calls
    :func:`start_worker`; tests, the CLI and the development server never do."""
    app.extensions.setdefault(WORKER_START, []).append(task)


def start_worker(app: object) -> list[threading.Thread]:
    """Start the app's worker tasks (see :func:`on_worker_start`); return their threads.

    ``app`` is whatever the server loaded; anything but a Flask app has no tasks."""
    if not isinstance(app, Flask):
        return []
    threads = []
    for task in app.extensions.get(WORKER_START, ()):
        thread = threading.Thread(
            target=_run_task, args=(app, task), name=f"worker-start:{_name(task)}", daemon=True
        )
        thread.start()
        threads.append(thread)
    return threads


def _run_task(app: Flask, task: Callable[[], object]) -> None:
    try:
        with app.app_context():
            task()
    except Exception:  # the work is then left to the first request that needs it
        app.logger.exception("The worker's start-up task %s failed.", _name(task))


def _name(task: Callable[[], object]) -> str:
    """A task's name for its thread and its log lines: a function's name, a partial's
    function's name, else the callable's repr (never an error in the server's hook)."""
    named = task.func if isinstance(task, functools.partial) else task
    return str(getattr(named, "__name__", None) or repr(task))


#: flask-smorest's Swagger UI view; its page starts Swagger UI with an inline script.
_SWAGGER_UI_VIEW = "api-docs.openapi_swagger_ui"


def serve_docs_without_inline_script(app: Flask) -> None:
    """Serve the Swagger UI page with its start-up script in a file (``api-docs.js``).

    flask-smorest's own page writes the script inline, which the Content-Security-Policy
    blocks; this page hands the same settings over as ``data-*`` attributes instead.
    """
    if _SWAGGER_UI_VIEW not in app.view_functions:
        return

    def swagger_ui() -> str:
        return render_template(
            "shared_web/swagger_ui.html",
            title=app.config["API_TITLE"],
            spec_url=url_for("api-docs.openapi_json"),
            swagger_ui_url=app.config["OPENAPI_SWAGGER_UI_URL"],
            swagger_ui_config=app.config.get("OPENAPI_SWAGGER_UI_CONFIG", {}),
        )

    app.view_functions[_SWAGGER_UI_VIEW] = swagger_ui


def init_staff_ui(app: Flask, csrf: CSRFProtect, login_manager: LoginManager) -> None:
    """Turn on what the staff pages need: CSRF-checked forms and session login."""
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "web.login"


class IdConverter(IntegerConverter):
    """``<int:…>`` in URLs: ids beyond the INTEGER column's range simply do not match (404).

    Without the bound, ``/things/2147483648`` reaches the database, where PostgreSQL
    refuses the comparison (a 500) instead of finding nothing.
    """

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:  # noqa: A002
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def use_bounded_ids(app: Flask) -> None:
    """Make ``<int:…>`` in every route of ``app`` match only ids an INTEGER column holds."""
    app.url_map.converters["int"] = IdConverter


def trust_proxies(app: Flask) -> None:
    """Trust the ``X-Forwarded-*`` headers of exactly ``TRUSTED_PROXIES`` proxies (default 0).

    Behind nginx (1), the app sees the client's scheme, host and address: an OAuth2 token
    endpoint must see https, and logs the client. With 0 no header is believed, since
    anyone could send one.
    """
    proxies = app.config["TRUSTED_PROXIES"]
    if proxies:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies
        )


class Api(flask_smorest.Api):  # type: ignore[misc]  # flask-smorest has no types
    """flask-smorest's ``Api``, writing the blueprints' operations into the OpenAPI spec
    when the spec is first read (``/api/v1/openapi.json``, a test), not at start-up.

    Documenting some 80 operations is about half of an app factory's time: every
    gunicorn worker, CLI command and test paid for a spec it rarely serves. The spec
    read is the same, in the same order, as flask-smorest builds it at registration.
    """

    _spec: Any = None
    _undocumented: list[tuple[flask_smorest.Blueprint, Flask, str, Any]]

    @property
    def spec(self) -> Any:
        pending = self.__dict__.get("_undocumented")
        if pending:
            self._undocumented = []
            for blp, app, name, parameters in pending:
                blp.register_views_in_doc(self, app, self._spec, name=name, parameters=parameters)
                self._spec.tag({"name": name, "description": blp.description})
        return self._spec

    @spec.setter
    def spec(self, value: Any) -> None:
        # flask-smorest sets a new spec for each app it is initialised with.
        self._spec = value
        self._undocumented = []

    def register_blueprint(
        self, blp: flask_smorest.Blueprint, *, parameters: Any = None, **options: Any
    ) -> None:
        """Register ``blp`` in the app now and in the spec when the spec is read."""
        name = options.get("name", blp.name)
        app = self._app
        assert app is not None, "Api.init_app(app) first"
        app.extensions["flask-smorest"]["blp_name_to_api"][name] = self
        app.register_blueprint(blp, **options)
        self._undocumented.append((blp, app, name, parameters))


def register_api_blueprints(
    app: Flask,
    api: flask_smorest.Api,
    csrf: CSRFProtect,
    blueprints: Iterable[flask_smorest.Blueprint],
) -> None:
    """Mount the JSON API under ``/api/v1``, exempt from the staff pages' CSRF check.

    CSRFProtect checks every form post of the service; the API authenticates by bearer
    token or client credentials, never by cookie, so a forged cross-site request carries
    nothing it could use.
    """
    for blp in blueprints:
        api.register_blueprint(blp, url_prefix=f"{API_PREFIX}{blp.url_prefix or ''}")
        csrf.exempt(blp)


def register_machine_blueprint(app: Flask, csrf: CSRFProtect, blueprint: flask.Blueprint) -> None:
    """Register a blueprint only machines call (e.g. a token endpoint): no CSRF check."""
    app.register_blueprint(blueprint)
    csrf.exempt(blueprint)

"""The staff pages' shared templates and stylesheet, made visible to a service's Flask app."""

from __future__ import annotations

from flask import Blueprint

#: Registered by both services: ``shared_web/layout.html`` (the frame their base.html
#: extends), ``_macros.html``, ``error.html`` and ``login.html``. The app's own
#: templates folder is searched first, so a service can still replace any of them.
#: ``static/staff.css`` is served at ``/shared-web/static/`` (``url_for('shared_web.static')``).
blueprint = Blueprint(
    "shared_web",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/shared-web/static",
)

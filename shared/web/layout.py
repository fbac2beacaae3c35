"""The staff pages' shared templates, made visible to a service's Jinja loader."""

from __future__ import annotations

from flask import Blueprint

#: Registered by both services: ``shared_web/layout.html`` (the frame their base.html
#: extends), ``_macros.html``, ``error.html`` and ``login.html``. The app's own
#: templates folder is searched first, so a service can still replace any of them.
blueprint = Blueprint("shared_web", __name__, template_folder="templates")

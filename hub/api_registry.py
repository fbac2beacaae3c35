"""Every JSON API blueprint of the hub, in the order the docs list them."""

from __future__ import annotations

from flask_smorest import Blueprint


def api_blueprints() -> list[Blueprint]:
    from hub.communities.api import whoami_blp

    return [whoami_blp]

"""Every JSON API blueprint of the hub, in the order the docs list them."""

from __future__ import annotations

from flask_smorest import Blueprint


def api_blueprints() -> list[Blueprint]:
    from hub.communities.api import whoami_blp
    from hub.demand.api import blp as demand_blp
    from hub.directory.api import blp as directory_blp
    from hub.introductions.api import blp as introductions_blp
    from hub.introductions.api import keys_blp
    from hub.outcomes.api import blp as outcomes_blp
    from hub.outcomes.api import rollup_blp
    from hub.profiles.api import blp as profiles_blp
    from hub.resources.api import blp as resources_blp

    return [
        whoami_blp,
        profiles_blp,
        outcomes_blp,
        rollup_blp,
        demand_blp,
        resources_blp,
        directory_blp,
        introductions_blp,
        keys_blp,
    ]

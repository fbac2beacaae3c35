"""Every JSON API blueprint of the node, in the order the docs list them."""

from __future__ import annotations

from flask_smorest import Blueprint


def api_blueprints() -> list[Blueprint]:
    from community_node.demand.api import demand_blp
    from community_node.eligibility.api import eligibility_blp
    from community_node.events.api import events_blp
    from community_node.imports.api import imports_blp
    from community_node.introductions.api import introductions_blp
    from community_node.matches.api import matches_blp
    from community_node.matching.api import matching_blp
    from community_node.outcomes.api import outcomes_blp
    from community_node.participants.api import connectees_blp, connectors_blp, consents_blp
    from community_node.recruitment.api import invitations_blp, partners_blp
    from community_node.reports.api import reports_blp
    from community_node.sync.api import resources_blp, sync_blp

    return [
        connectees_blp,
        connectors_blp,
        consents_blp,
        eligibility_blp,
        matches_blp,
        matching_blp,
        introductions_blp,
        outcomes_blp,
        reports_blp,
        imports_blp,
        sync_blp,
        resources_blp,
        demand_blp,
        partners_blp,
        invitations_blp,
        events_blp,
    ]

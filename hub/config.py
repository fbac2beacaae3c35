"""Hub configuration: defaults in code, deployment values from ``HUB_*`` variables."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from hub.auth.keys import check_key_encryption_key
from shared.web import settings
from shared.web.settings import DEFAULT_SECRET_KEY, InsecureConfiguration, normalize_database_url

__all__ = [
    "DEFAULTS",
    "DEFAULT_SECRET_KEY",
    "InsecureConfiguration",
    "load_config",
    "normalize_database_url",
]

#: The hub's own settings; the ones every service has are in shared.web.settings.
DEFAULTS: dict[str, Any] = {
    # Request bodies above this answer 413 (HUB_MAX_CONTENT_LENGTH). A batch of 500 profiles
    # is about 200 KiB, and at most 2.2 MiB (every list at its longest); a snapshot of the
    # schema's 200,000 refs is about 7 MiB.
    "MAX_CONTENT_LENGTH": 8 * 1024 * 1024,
    # How long a POST's answer is kept for Idempotency-Key replays.
    "IDEMPOTENCY_RETENTION_DAYS": 7,
    # How long the resources feed keeps tombstones; older cursors then answer 410.
    "RESOURCE_TOMBSTONE_RETENTION_DAYS": 90,
    # OAuth2: who signs the tokens (``iss``) and who they are for (``aud``). In production
    # set TOKEN_ISSUER to the hub's public URL, e.g. https://hub.example.org. Behind nginx,
    # set TRUSTED_PROXIES too: Authlib refuses a token request it sees as plain http.
    "TOKEN_ISSUER": "connector-hub",
    "API_AUDIENCE": "connector-hub",
    "ACCESS_TOKEN_LIFETIME": 15 * 60,  # seconds
    # Seconds a worker may reuse a client's standing (community status, secret rotation,
    # unretired keys) instead of reading it on each API call (HUB_STANDING_CACHE_SECONDS).
    # 0: read on every call, so a suspension stops the next call. 1 saves a database round
    # trip per call, and a suspension then takes up to 1 s, as the directory's freshness.
    "STANDING_CACHE_SECONDS": 0.0,
    # On PostgreSQL, each worker keeps the standings until a trigger's notification says
    # one changed (HUB_STANDING_WATCH): no round trip per call, a suspension still stops the
    # next calls. Off: STANDING_CACHE_SECONDS decides, as on SQLite.
    "STANDING_WATCH": True,
    # The watch's own connection (one per worker), when DATABASE_URL goes through a
    # transaction pooler such as PgBouncer, which cannot carry a LISTEN: PostgreSQL itself
    # (HUB_STANDING_WATCH_URL). Empty: DATABASE_URL.
    "STANDING_WATCH_URL": "",
    # Token requests per client address (HUB_RATELIMIT_TOKEN). A node keeps its token for
    # its 15 minutes and fetches the next when it expires or is refused: a few an hour.
    # Generous, so that cities behind one address, or a busy demo on one machine, never
    # meet it; a flood of guessed secrets does.
    "RATELIMIT_TOKEN": "60 per minute",
    # Posts of the public "Become a Connector Community" form and of its edit link, per
    # client address (HUB_RATELIMIT_APPLY): an organisation corrects its form a few times.
    "RATELIMIT_APPLY": "10 per hour",
    # Opening single-use onboarding links, per client address (HUB_RATELIMIT_ONBOARDING_LINK):
    # a person opens one a few times; a script guessing tokens is cut off.
    "RATELIMIT_ONBOARDING_LINK": "30 per hour",
    # How long the link to correct an application works, and the credentials link.
    "ONBOARDING_EDIT_LINK_DAYS": 14,
    "ONBOARDING_CREDENTIALS_LINK_DAYS": 3,
    "API_TITLE": "Connector Network hub",
}


def load_config(app: Flask, overrides: Mapping[str, Any] | None) -> None:
    """Fill ``app.config`` from defaults, the environment, then explicit overrides."""
    settings.load_config(
        app, overrides, prefix="HUB", defaults=DEFAULTS, database_file="hub.sqlite"
    )
    check_key_encryption_key(app.config)
    settings.check_bool(app.config, "HUB", "STANDING_WATCH")
    settings.check_rate_limit(app.config, "HUB", "RATELIMIT_TOKEN")
    settings.check_rate_limit(app.config, "HUB", "RATELIMIT_APPLY")
    settings.check_rate_limit(app.config, "HUB", "RATELIMIT_ONBOARDING_LINK")
    for days in ("ONBOARDING_EDIT_LINK_DAYS", "ONBOARDING_CREDENTIALS_LINK_DAYS"):
        settings.check_int(app.config, "HUB", days, low=1, high=90)

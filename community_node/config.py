"""Node configuration: defaults in code, deployment values from ``NODE_*`` variables."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from shared.protocol import MAX_BATCH_ITEMS
from shared.web import settings

#: Settings read from the environment as written, never parsed as JSON: a policy version
#: such as 2026 or 1.10 must stay the text it is, not become a number.
TEXT_SETTINGS = (
    "CONSENT_POLICY_VERSION",
    "PUBLIC_URL",
    "MAIL_SERVER",
    "MAIL_USERNAME",
    "MAIL_PASSWORD",  # a password of digits stays text
    "MAIL_FROM",
)
#: The longest policy version a consent record holds (``Consent.policy_version``).
MAX_POLICY_VERSION_LENGTH = 40

#: The node's own settings; the ones every service has are in shared.web.settings.
DEFAULTS: dict[str, Any] = {
    "COMMUNITY_NAME": "Demo Community",
    "COMMUNITY_SLUG": "demo",
    "ELIGIBILITY_RULES": None,  # path to a TOML file; None = the packaged defaults
    "MATCH_PROPOSAL_EXPIRY_DAYS": 14,
    # OEWS metro area code for local demand (shared/data/oews_metros.csv), e.g. "0038300".
    "DEMAND_METRO": None,
    "MAX_CONTENT_LENGTH": 10 * 1024 * 1024,
    # Profiles per batch pushed to the hub (NODE_SYNC_BATCH_SIZE), 1 to the protocol's most.
    "SYNC_BATCH_SIZE": MAX_BATCH_ITEMS,
    # The public sign-up forms at /join (NODE_PUBLIC_SIGNUP); when false they answer 404.
    "PUBLIC_SIGNUP": True,
    # The privacy-policy version recorded with the consents given on the sign-up forms.
    "CONSENT_POLICY_VERSION": "2026-01",
    # Sign-up posts per client address (NODE_RATELIMIT_SIGNUP): a person corrects a form a
    # few times; a script sends thousands. Raise it for an intake event where many people
    # sign up from one network.
    "RATELIMIT_SIGNUP": "10 per hour",
    "API_TITLE": "Connector Network community node",
    # Where participants reach this node: the links in messages start with it.
    "PUBLIC_URL": "http://127.0.0.1:8001",
    # How messages leave: smtp, console (printed) or file (one .eml each in MAIL_FILE_DIR).
    "MAIL_BACKEND": "console",
    "MAIL_SERVER": "localhost",
    "MAIL_PORT": 25,
    "MAIL_USERNAME": None,
    "MAIL_PASSWORD": None,
    "MAIL_USE_TLS": False,  # STARTTLS after connecting
    "MAIL_USE_SSL": False,  # TLS from the first byte (port 465)
    "MAIL_FROM": "Connector Program <noreply@localhost>",
    "MAIL_FILE_DIR": None,  # None: <instance>/mail
    "MAIL_TIMEOUT_SECONDS": 30,
    # A message that failed this many times is a dead letter (staff can retry it).
    "MAIL_MAX_ATTEMPTS": 8,
    # The first retry waits this long, each next one twice as long (at most 6 hours).
    "MAIL_RETRY_SECONDS": 60,
    # A sender owns the messages it claimed this long; after a crash another sends them.
    "MAIL_LEASE_SECONDS": 300,
    "MAIL_BATCH_SIZE": 100,
}

#: How messages can leave the node (NODE_MAIL_BACKEND).
MAIL_BACKENDS = ("smtp", "console", "file")


def load_config(app: Flask, overrides: Mapping[str, Any] | None) -> None:
    """Fill ``app.config`` from defaults, the environment, then explicit overrides."""
    settings.load_config(
        app,
        overrides,
        prefix="NODE",
        defaults=DEFAULTS,
        database_file="node.sqlite",
        text_settings=TEXT_SETTINGS,
    )
    check_settings(app.config)
    if app.config["RATELIMIT_KEY_PREFIX"] is None:
        # Several nodes (and the hub) may count in one Redis: never in each other's keys.
        app.config["RATELIMIT_KEY_PREFIX"] = f"node:{app.config['COMMUNITY_SLUG']}"


def check_settings(config: Mapping[str, Any]) -> None:
    """Refuse to start with a setting the node cannot use, naming its variable."""
    settings.check_int(config, "NODE", "SYNC_BATCH_SIZE", low=1, high=MAX_BATCH_ITEMS)
    settings.check_bool(config, "NODE", "PUBLIC_SIGNUP")
    settings.check_rate_limit(config, "NODE", "RATELIMIT_SIGNUP")
    check_mail_settings(config)
    version = config["CONSENT_POLICY_VERSION"]
    if (
        not isinstance(version, str)
        or not version
        or version != version.strip()
        or len(version) > MAX_POLICY_VERSION_LENGTH
    ):
        raise ValueError(
            "NODE_CONSENT_POLICY_VERSION must be the privacy policy's version as text, "
            f"1 to {MAX_POLICY_VERSION_LENGTH} characters without surrounding spaces "
            f"(e.g. 2026-01), not {version!r}."
        )


def check_mail_settings(config: Mapping[str, Any]) -> None:
    """Refuse mail settings that could only fail later, at the first message."""
    if config["MAIL_BACKEND"] not in MAIL_BACKENDS:
        raise ValueError(
            f"NODE_MAIL_BACKEND must be one of {', '.join(MAIL_BACKENDS)}, "
            f"not {config['MAIL_BACKEND']!r}."
        )
    settings.check_int(config, "NODE", "MAIL_PORT", low=1, high=65535)
    settings.check_bool(config, "NODE", "MAIL_USE_TLS")
    settings.check_bool(config, "NODE", "MAIL_USE_SSL")
    if config["MAIL_USE_TLS"] and config["MAIL_USE_SSL"]:
        raise ValueError("NODE_MAIL_USE_TLS (STARTTLS) and NODE_MAIL_USE_SSL exclude each other.")
    settings.check_int(config, "NODE", "MAIL_MAX_ATTEMPTS", low=1, high=100)
    settings.check_int(config, "NODE", "MAIL_RETRY_SECONDS", low=1, high=86400)
    settings.check_int(config, "NODE", "MAIL_LEASE_SECONDS", low=1, high=86400)
    settings.check_int(config, "NODE", "MAIL_BATCH_SIZE", low=1, high=10000)
    settings.check_int(config, "NODE", "MAIL_TIMEOUT_SECONDS", low=1, high=600)
    url = config["PUBLIC_URL"]
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise ValueError(f"NODE_PUBLIC_URL must be an http(s) URL, not {url!r}.")

"""Node configuration: defaults in code, deployment values from ``NODE_*`` variables."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from community_node.outcomes.models import MILESTONES
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
    "MAIL_CA_FILE",
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
    # The server's certificate is always verified; against these CAs (a PEM file) when
    # it comes from a private CA, else against the system's.
    "MAIL_CA_FILE": None,
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
    # Reminder cadence (connector-node tick; docs/self-service.md). 0 switches one off.
    # Remind a connector of an unanswered proposal this many days before it expires.
    "REMIND_PROPOSAL_DAYS_BEFORE_EXPIRY": 3,
    # Remind both sides of a meeting this many hours before it starts.
    "REMIND_MEETING_HOURS_BEFORE": 24,
    # Send the follow-up survey at these months after the first meeting (of 3, 6, 12).
    "SURVEY_MONTHS": [3, 6, 12],
    # Reminders one person receives in any 7 days at most; the rest wait for a later tick.
    "REMINDERS_PER_PERSON_PER_WEEK": 3,
}

#: How messages can leave the node (NODE_MAIL_BACKEND).
MAIL_BACKENDS = ("smtp", "console", "file")
#: The backends that deliver nothing (they print or write files): not for production.
DEVELOPMENT_MAIL_BACKENDS = ("console", "file")


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
    settings.check_int(config, "NODE", "REMIND_PROPOSAL_DAYS_BEFORE_EXPIRY", low=0, high=365)
    settings.check_int(config, "NODE", "REMIND_MEETING_HOURS_BEFORE", low=0, high=24 * 14)
    settings.check_int(config, "NODE", "REMINDERS_PER_PERSON_PER_WEEK", low=1, high=50)
    months = config["SURVEY_MONTHS"]
    if (
        not isinstance(months, list)
        or not set(months) <= set(MILESTONES)
        or not all(isinstance(m, int) and not isinstance(m, bool) for m in months)
    ):
        raise ValueError(
            "NODE_SURVEY_MONTHS must be a JSON list of follow-up months out of "
            f"{list(MILESTONES)} (e.g. [3, 6, 12], or [] for no surveys), not {months!r}."
        )
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
    if config.get("ENV") == "production" and config["MAIL_BACKEND"] in DEVELOPMENT_MAIL_BACKENDS:
        # A node that starts anyway would look healthy while nobody got a proposal, an
        # introduction or a survey: each message would be "sent" to a console or a folder.
        raise settings.InsecureConfiguration(
            f"NODE_MAIL_BACKEND is {config['MAIL_BACKEND']!r}, which delivers no message "
            "(it prints them or writes files), and NODE_ENV is production. Set "
            "NODE_MAIL_BACKEND=smtp with NODE_MAIL_SERVER (and NODE_MAIL_PORT, "
            "NODE_MAIL_USE_TLS or NODE_MAIL_USE_SSL, NODE_MAIL_USERNAME and "
            "NODE_MAIL_PASSWORD as the server asks); console and file are for development."
        )
    settings.check_int(config, "NODE", "MAIL_PORT", low=1, high=65535)
    settings.check_bool(config, "NODE", "MAIL_USE_TLS")
    settings.check_bool(config, "NODE", "MAIL_USE_SSL")
    if config["MAIL_USE_TLS"] and config["MAIL_USE_SSL"]:
        raise ValueError("NODE_MAIL_USE_TLS (STARTTLS) and NODE_MAIL_USE_SSL exclude each other.")
    ca_file = config.get("MAIL_CA_FILE")
    if ca_file is not None and not (isinstance(ca_file, str) and Path(ca_file).is_file()):
        raise ValueError(
            f"NODE_MAIL_CA_FILE must name a PEM file of CA certificates, not {ca_file!r}."
        )
    settings.check_int(config, "NODE", "MAIL_MAX_ATTEMPTS", low=1, high=100)
    settings.check_int(config, "NODE", "MAIL_RETRY_SECONDS", low=1, high=86400)
    settings.check_int(config, "NODE", "MAIL_LEASE_SECONDS", low=1, high=86400)
    settings.check_int(config, "NODE", "MAIL_BATCH_SIZE", low=1, high=10000)
    settings.check_int(config, "NODE", "MAIL_TIMEOUT_SECONDS", low=1, high=600)
    url = config["PUBLIC_URL"]
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise ValueError(f"NODE_PUBLIC_URL must be an http(s) URL, not {url!r}.")

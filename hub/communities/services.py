"""Registering communities, issuing and rotating their client credentials, their standing."""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import case, select, update

from hub.audit.services import record
from hub.communities.models import (
    ALL_SCOPES,
    Community,
    CommunityStatus,
    OAuthClient,
    digest_secret,
)
from hub.database import utcnow
from hub.errors import Conflict, InvalidInput, NotFound
from hub.extensions import db
from shared.protocol.node_info import NodeInfo

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,39}$")
COUNTRY = re.compile(r"^[A-Z]{2}$")


@dataclass(frozen=True)
class Credentials:
    """A client id and secret as issued: the secret is shown once and never stored."""

    community: Community
    client_id: str
    client_secret: str


def _new_secret() -> str:
    return secrets.token_urlsafe(32)  # 256 bits


def add_community(
    slug: str,
    name: str,
    *,
    country: str = "CA",
    region: str | None = None,
    scopes: Sequence[str] | None = None,
    actor: str,
) -> Credentials:
    """Register a community with a new OAuth2 client; return its one-time credentials."""
    creds = register_community(
        slug, name, country=country, region=region, scopes=scopes, actor=actor
    )
    db.session.commit()
    return creds


def register_community(
    slug: str,
    name: str,
    *,
    country: str = "CA",
    region: str | None = None,
    scopes: Sequence[str] | None = None,
    actor: str,
) -> Credentials:
    """Add a community and its client to the caller's transaction (the caller commits).

    ``add_community`` commits it alone; an approved application commits it together
    with the application's new state, so neither happens without the other.
    """
    slug, name, country = slug.strip().lower(), name.strip(), country.strip().upper()
    chosen = list(dict.fromkeys(scopes)) if scopes is not None else list(ALL_SCOPES)
    errors: dict[str, list[str]] = {}
    if not SLUG.match(slug):
        errors["slug"] = ["Use 2-40 lowercase letters, digits and hyphens."]
    if not name:
        errors["name"] = ["Enter a name."]
    if not COUNTRY.match(country):
        errors["country"] = ["Use a two-letter ISO country code."]
    unknown = [s for s in chosen if s not in ALL_SCOPES]
    if unknown or not chosen:
        errors["scopes"] = [f"Choose among: {' '.join(ALL_SCOPES)}."]
    if errors:
        raise InvalidInput(errors)
    if db.session.scalar(select(Community.id).where(Community.slug == slug)) is not None:
        raise Conflict(f"A community {slug} already exists.")
    community = Community(slug=slug, name=name, country=country, region=region or None)
    secret = _new_secret()
    client = OAuthClient(
        community=community,
        client_id=secrets.token_hex(16),
        secret_digest=digest_secret(secret),
        secret_changed_at=utcnow(),
        scope=" ".join(chosen),
    )
    db.session.add_all([community, client])
    db.session.flush()
    record(
        actor,
        "community.create",
        "community",
        community.id,
        {"slug": slug, "client_id": client.client_id, "scopes": chosen},
    )
    return Credentials(community, client.client_id, secret)


def get_community(slug: str) -> Community:
    community = db.session.scalar(select(Community).where(Community.slug == slug))
    if community is None:
        raise NotFound(f"No community {slug}.")
    return community


def list_communities() -> Sequence[Community]:
    return db.session.scalars(select(Community).order_by(Community.slug)).all()


def rotate_secret(slug: str, *, actor: str) -> Credentials:
    """Replace a community's client secret; the old one and its live tokens stop working."""
    creds = new_client_secret(get_community(slug), actor=actor)
    db.session.commit()
    return creds


def new_client_secret(community: Community, *, actor: str) -> Credentials:
    """Replace the client secret in the caller's transaction (the caller commits)."""
    secret = _new_secret()
    community.client.secret_digest = digest_secret(secret)
    community.client.secret_changed_at = utcnow()
    record(
        actor,
        "community.rotate_secret",
        "community",
        community.id,
        {"client_id": community.client.client_id},
    )
    return Credentials(community, community.client.client_id, secret)


#: The longest reason kept with a status change (it goes into the audit event).
MAX_REASON_LENGTH = 500


def set_status(
    slug: str, status: CommunityStatus, *, actor: str, reason: str | None = None
) -> Community:
    """Activate, silence or suspend a community; ``reason`` goes into the audit event."""
    if reason is not None and len(reason) > MAX_REASON_LENGTH:
        raise InvalidInput({"reason": [f"Keep it to {MAX_REASON_LENGTH} characters."]})
    community = get_community(slug)
    if community.status is status:
        raise Conflict(
            f"{slug} is already {status.value}.",
            allowed=[s.value for s in CommunityStatus if s is not status],
        )
    before = community.status
    community.status = status
    details = {"from": before.value, "to": status.value}
    if reason:
        details["reason"] = reason
    record(actor, "community.set_status", "community", community.id, details)
    db.session.commit()
    return community


def client_by_id(client_id: str) -> OAuthClient | None:
    return db.session.scalar(select(OAuthClient).where(OAuthClient.client_id == client_id))


def note_node(community_id: int, info: NodeInfo, now: dt.datetime) -> None:
    """Record what a node's call said of it (version, clock skew) in a short transaction.

    Called before the view runs, so its own commit carries nothing else.
    """
    db.session.execute(
        update(Community)
        .where(Community.id == community_id)
        .values(
            node_version=info.version,
            clock_skew_seconds=info.clock_skew_seconds,
            node_seen_at=now,
        )
    )
    db.session.commit()


def lock_profiles(community_id: int) -> dt.datetime:
    """Take the community's row lock; return the stamp for the profiles its sync writes.

    One community's profile writes then commit one after another, each stamped later than
    any before it, even if the clock steps back: the directory reads a community's changes
    as its rows stamped after the newest it holds (hub.directory.search).
    """
    # A write that changes nothing: PostgreSQL's row lock and SQLite's write lock, held
    # until the caller commits, taken before the stamp is read. The stamp comes back with
    # the lock (RETURNING): one round trip fewer inside every batch's locked section.
    last = db.session.scalar(
        update(Community)
        .where(Community.id == community_id)
        .values(profiles_version=Community.profiles_version)
        .returning(Community.last_sync_at)
        .execution_options(synchronize_session=False)
    )
    now = utcnow()
    # Strictly after the last stamp: a later sync is never stamped like an earlier one.
    return last + dt.timedelta(microseconds=1) if last is not None and last >= now else now


def mark_synced(
    community_id: int, *, profiles_changed: bool = False, at: dt.datetime | None = None
) -> None:
    """Stamp the community's last sync in the caller's transaction (the caller commits).

    Called by every service a node's sync pushes to (profiles, outcomes, demand), so the
    stamp commits with the data or not at all. ``profiles_changed`` also bumps the
    ``profiles_version`` the directory's freshness check reads (see Community). The stamp
    (``at``, else now) never moves back: ``lock_profiles`` relies on it.
    """
    stamp = at or utcnow()
    values: dict[str, object] = {
        "last_sync_at": case((Community.last_sync_at > stamp, Community.last_sync_at), else_=stamp)
    }
    if profiles_changed:
        values["profiles_version"] = Community.profiles_version + 1
    db.session.execute(update(Community).where(Community.id == community_id).values(values))

"""A member community and its OAuth2 client credentials."""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import hmac
from typing import Protocol

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.database import Base, created_at, intpk, str200

#: Every federation scope; a new community's client may request all of them by default.
ALL_SCOPES: tuple[str, ...] = (
    "profiles:write",
    "outcomes:write",
    "directory:read",
    "intros:write",
    "intros:read",
    "resources:read",
)


class CommunityStatus(enum.StrEnum):
    """Standing in the network: silenced may read but not write; suspended gets nothing."""

    ACTIVE = "active"
    SILENCED = "silenced"
    SUSPENDED = "suspended"


class CommunityRef(Protocol):
    """What most services need of a community: a Community row, or the checked caller."""

    @property
    def id(self) -> int: ...

    @property
    def slug(self) -> str: ...


class Community(Base):
    """One connector program (a city's node) registered with the hub."""

    __tablename__ = "communities"

    id: Mapped[intpk]
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str200]
    region: Mapped[str | None] = mapped_column(String(100))
    country: Mapped[str] = mapped_column(String(2), default="CA")  # ISO 3166-1 alpha-2
    status: Mapped[CommunityStatus] = mapped_column(default=CommunityStatus.ACTIVE)
    # The node's public key for sealed contact cards (base64 X25519); set in a later issue.
    public_key: Mapped[str | None] = mapped_column(Text)
    # Bumped in every transaction that changes the community's profiles. A directory
    # worker compares these counters to know its matrix is stale: the newest updated_at
    # cannot tell, as two syncs may commit in the other order than they stamped their rows.
    profiles_version: Mapped[int] = mapped_column(default=0, server_default="0")
    # When its node last pushed a sync (profiles, outcomes or demand); None: never.
    last_sync_at: Mapped[dt.datetime | None]
    # What the node said of itself on its last call (User-Agent and Date headers): its
    # software version, and its clock minus the hub's in seconds (tokens expire by it).
    node_version: Mapped[str | None] = mapped_column(String(40))
    clock_skew_seconds: Mapped[int | None]
    node_seen_at: Mapped[dt.datetime | None]
    created_at: Mapped[created_at]

    client: Mapped[OAuthClient] = relationship(back_populates="community")


def digest_secret(secret: str) -> str:
    """Hash a client secret; 256 random bits need no slow hash, unlike passwords."""
    return hashlib.sha256(secret.encode()).hexdigest()


class OAuthClient(Base):
    """A community's client-credentials client; Authlib's client protocol, spelled out."""

    __tablename__ = "oauth_clients"

    id: Mapped[intpk]
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), unique=True)
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    secret_digest: Mapped[str] = mapped_column(String(64))
    # Tokens issued before this instant stop working: a rotation also ends live tokens.
    secret_changed_at: Mapped[dt.datetime]
    scope: Mapped[str] = mapped_column(Text, default=" ".join(ALL_SCOPES))
    token_endpoint_auth_method: Mapped[str] = mapped_column(
        String(40), default="client_secret_basic"
    )
    created_at: Mapped[created_at]

    community: Mapped[Community] = relationship(back_populates="client")

    @property
    def scopes(self) -> list[str]:
        return self.scope.split()

    # --- authlib.oauth2.rfc6749.ClientMixin ---------------------------------------------
    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str | None:
        return None

    def get_allowed_scope(self, scope: str | None) -> str | None:
        """Keep the requested scopes this client holds (all of them when none is asked).

        Scopes the client lacks are dropped silently, as RFC 6749 allows; the token
        response's ``scope`` says what was granted. None (-> invalid_scope) if nothing is.
        """
        if not scope:
            return self.scope
        granted = [s for s in scope.split() if s in self.scopes]
        return " ".join(dict.fromkeys(granted)) or None

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return False

    def check_client_secret(self, client_secret: str) -> bool:
        return hmac.compare_digest(self.secret_digest, digest_secret(client_secret))

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        if endpoint == "token":
            return method == self.token_endpoint_auth_method
        return True

    def check_response_type(self, response_type: str) -> bool:
        return False

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "client_credentials"

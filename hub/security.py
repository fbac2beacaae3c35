"""Who is calling: a community, by the hub-signed JWT access token it presents.

Every protected view checks, in this order: the token (signature by a hub key, ``iss``,
``aud``, ``exp``), the community's live standing (a suspended community's tokens stop
working at once; a rotated secret ends the tokens issued before it), then the scope, then
that a silenced community is not writing. Problems with the token itself are 401 with
``WWW-Authenticate: Bearer error="invalid_token"``; a missing scope or a refused write is
403 (``insufficient_scope`` / ``community_silenced``).
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

from authlib.integrations.flask_oauth2 import ResourceProtector
from authlib.integrations.flask_oauth2.requests import FlaskJsonRequest
from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import MissingAuthorizationError
from authlib.oauth2.rfc9068 import JWTBearerTokenValidator
from flask import current_app, g, request
from joserfc.jwk import KeySet
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from hub.auth.keys import unretired_kids, verification_keyset
from hub.communities.models import Community, CommunityStatus, OAuthClient
from hub.errors import Forbidden, Unauthorized
from hub.extensions import db

REALM = "connector-hub"
_PROTECTOR = "hub.resource_protector"
_KIDS = "hub_signing_kids"

P = ParamSpec("P")
R = TypeVar("R")


class CommunityTokenValidator(JWTBearerTokenValidator):  # type: ignore[misc]
    """Verify the hub's own RFC 9068 JWTs against its unretired keys."""

    def get_jwks(self) -> KeySet:
        # The unretired kids, when read with the calling client (authenticate_community).
        kids: list[str] | None = g.pop(_KIDS, None)
        return verification_keyset(kids)


def _invalid_token(description: str) -> Unauthorized:
    return Unauthorized(
        description,
        error="invalid_token",
        headers={
            "WWW-Authenticate": f'Bearer realm="{REALM}", error="invalid_token", '
            f'error_description="{description}"'
        },
    )


def _protector() -> ResourceProtector:
    """Return the app's resource protector, built once (it holds only configuration)."""
    protector: ResourceProtector | None = current_app.extensions.get(_PROTECTOR)
    if protector is None:
        protector = ResourceProtector()
        protector.register_token_validator(
            CommunityTokenValidator(
                issuer=current_app.config["TOKEN_ISSUER"],
                resource_server=current_app.config["API_AUDIENCE"],
                realm=REALM,
            )
        )
        current_app.extensions[_PROTECTOR] = protector
    return protector


def _client(client_id: str) -> OAuthClient | None:
    """Load a client with its community in one query (every request checks both)."""
    return db.session.scalar(
        select(OAuthClient)
        .options(joinedload(OAuthClient.community))
        .where(OAuthClient.client_id == client_id)
    )


def _unverified_subject() -> str | None:
    """Read the bearer token's ``sub`` before any check: only to prefetch its client."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    parts = token.strip().split(".")
    if scheme.lower() != "bearer" or len(parts) != 3:
        return None
    try:
        payload = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (ValueError, binascii.Error):
        return None
    subject = payload.get("sub") if isinstance(payload, dict) else None
    return subject if isinstance(subject, str) and subject else None


def _prefetch_client(subject: str | None) -> OAuthClient | None:
    """Load the client the token names, its community and the unretired kids: ONE query.

    The kids are left for the validator's ``get_jwks``; nothing read here is trusted
    until the token's signature is verified, and the client is used only if the verified
    ``sub`` names it.
    """
    if subject is None:
        return None
    row = db.session.execute(
        select(OAuthClient, unretired_kids())
        .options(joinedload(OAuthClient.community))
        .where(OAuthClient.client_id == subject)
    ).first()
    if row is None:
        return None
    client, kids = row
    setattr(g, _KIDS, (kids or "").split())
    return client


def _verified_claims() -> dict[str, Any]:
    protector = _protector()
    try:
        claims = protector.validate_request(None, FlaskJsonRequest(request))
    except MissingAuthorizationError as exc:
        # RFC 6750 §3.1: a request without credentials gets a challenge but no error code.
        raise Unauthorized(
            "Send an access token from POST /oauth/token: Authorization: Bearer …",
            headers={"WWW-Authenticate": f'Bearer realm="{REALM}"'},
        ) from exc
    except OAuth2Error as exc:
        raise _invalid_token("The access token is invalid or has expired.") from exc
    return dict(claims)


def authenticate_community(scope: str | None = None) -> Community:
    """Check the bearer token and the community's standing; put it on ``g.community``."""
    prefetched = _prefetch_client(_unverified_subject())
    claims = _verified_claims()
    subject = str(claims.get("sub", ""))
    if prefetched is not None and prefetched.client_id == subject:
        client: OAuthClient | None = prefetched
    else:
        client = _client(subject)
    if client is None or client.community.slug != claims.get("community"):
        raise _invalid_token("The access token names no registered community.")
    community = client.community
    if community.status is CommunityStatus.SUSPENDED:
        raise _invalid_token("The community is suspended from the network.")
    if int(claims["iat"]) < int(client.secret_changed_at.timestamp()):
        raise _invalid_token("The client secret was rotated after this token was issued.")
    granted = str(claims.get("scope") or "").split()
    if scope is not None and scope not in granted:
        raise Forbidden(
            f"The access token lacks the {scope} scope.",
            error="insufficient_scope",
            headers={
                "WWW-Authenticate": f'Bearer realm="{REALM}", error="insufficient_scope", '
                f'scope="{scope}"'
            },
        )
    if (
        scope is not None
        and scope.endswith(":write")
        and community.status is CommunityStatus.SILENCED
    ):
        raise Forbidden(
            "The community is silenced: it may read but not write.", error="community_silenced"
        )
    g.community = community
    g.token_scopes = granted
    return community


def require_scope(scope: str | None = None) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Make a view need a valid community token with ``scope`` (None: any valid token)."""

    def decorator(view: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(view)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            authenticate_community(scope)
            return view(*args, **kwargs)

        return wrapper

    return decorator


def current_community() -> Community:
    """Return the community the current request's token belongs to."""
    community: Community | None = g.get("community")
    if community is None:
        raise RuntimeError("current_community() outside a view protected by require_scope")
    return community


def actor_label() -> str:
    """Name the caller for audit rows: ``community:<slug>``."""
    community: Community | None = g.get("community")
    return f"community:{community.slug}" if community is not None else "anonymous"

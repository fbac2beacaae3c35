"""Who is calling: a community, by the hub-signed JWT access token it presents.

Every protected view checks, in this order: the token (signature by a hub key, ``iss``,
``aud``, ``exp``), the community's live standing (a suspended community's tokens stop
working at once; a rotated secret ends the tokens issued before it), then the scope, then
that a silenced community is not writing. Problems with the token itself are 401 with
``WWW-Authenticate: Bearer error="invalid_token"``; a missing scope or a refused write is
403 (``insufficient_scope`` / ``community_silenced``).

On PostgreSQL each worker keeps the standings it read until the database says one
changed (``hub.auth.standing``: triggers notify, every worker listens), so a read-only
call such as the directory search makes no database round trip, and a suspension, a
rotated secret or a retired key still stops the next calls, within milliseconds of its
commit. Where no watch listens (SQLite, ``STANDING_WATCH`` off, its connection lost), the
standing is read on every call unless ``STANDING_CACHE_SECONDS`` is above 0: each process
then reuses a client's standing that long (a change takes effect within that time).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import functools
import json
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any, NamedTuple, ParamSpec, TypeVar

from authlib.integrations.flask_oauth2 import ResourceProtector
from authlib.integrations.flask_oauth2.requests import FlaskJsonRequest
from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import MissingAuthorizationError
from authlib.oauth2.rfc9068 import JWTBearerTokenValidator
from flask import current_app, g, request
from joserfc.errors import ExpiredTokenError
from joserfc.jwk import KeySet
from sqlalchemy import bindparam, select

from hub.auth.keys import unretired_kids, verification_keyset
from hub.auth.standing import KEPT, standing_watch
from hub.communities.models import Community, CommunityStatus, OAuthClient
from hub.communities.services import note_node
from hub.database import utcnow
from hub.errors import Forbidden, Unauthorized
from hub.extensions import db
from shared.protocol.node_info import read_headers
from shared.web.security_log import security_event as shared_security_event

REALM = "connector-hub"
_PROTECTOR = "hub.resource_protector"
_KIDS = "hub_signing_kids"
_VERIFIED = "hub.verified_tokens"
_STANDINGS = "hub.standings"

P = ParamSpec("P")
R = TypeVar("R")


class CommunityTokenValidator(JWTBearerTokenValidator):  # type: ignore[misc]
    """Verify the hub's own RFC 9068 JWTs against its unretired keys."""

    def get_jwks(self) -> KeySet:
        # The unretired kids, when read with the calling client (authenticate_community).
        kids: list[str] | None = g.pop(_KIDS, None)
        return verification_keyset(kids)


class VerifiedTokens:
    """Tokens this app has verified (signature, issuer, audience, claims), by exact text.

    Checking an RS256 signature and the claims costs more than the rest of a small
    request, and a node sends the same token for up to 15 minutes. A remembered token is
    still refused once it expires or once the key that signed it is retired (the caller
    passes the unretired kids read for this request); the community's standing, the
    rotation time and the scope are checked on every request, remembered or not. Any
    other text, a tampered copy included, is verified in full.
    """

    def __init__(self, size: int = 4096) -> None:
        self.size = size
        self._items: OrderedDict[str, tuple[dict[str, Any], str | None]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, token: str, kids: Collection[str]) -> dict[str, Any] | None:
        with self._lock:
            found = self._items.get(token)
            if found is None:
                return None
            claims, kid = found
            if claims["exp"] <= time.time() or kid not in kids:
                del self._items[token]
                return None
            self._items.move_to_end(token)
            return claims

    def put(self, token: str, claims: dict[str, Any], kid: str | None) -> None:
        with self._lock:
            self._items[token] = (claims, kid)
            self._items.move_to_end(token)
            while len(self._items) > self.size:
                self._items.popitem(last=False)


def security_event(
    event: str,
    reason: str,
    *,
    client_id: str | None = None,
    community_id: int | None = None,
) -> None:
    """Log a refused or suspicious call to ``hub.security``, with the caller's address.

    ``client_id`` must name a registered client: an unknown one is whatever the caller
    typed (maybe a pasted secret), so it is never logged.
    """
    shared_security_event(event, reason, client_id=client_id, community_id=community_id)


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


def _bearer() -> str | None:
    """Return the bearer token's text, if the request carries one."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


def _unverified_subject(token: str | None) -> str | None:
    """Read the bearer token's ``sub`` before any check: only to prefetch its client."""
    parts = (token or "").split(".")
    if len(parts) != 3:
        return None
    try:
        payload = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (ValueError, binascii.Error):
        return None
    subject = payload.get("sub") if isinstance(payload, dict) else None
    return subject if isinstance(subject, str) and subject else None


@dataclass(frozen=True)
class Caller:
    """The calling community as its token and standing were checked: no ORM object.

    Most views need only the id and slug; :func:`current_community` loads the row for
    those that need more.
    """

    id: int
    slug: str
    status: CommunityStatus


class _Standing(NamedTuple):
    client_id: str
    secret_changed_at: dt.datetime
    caller: Caller
    kids: list[str]


# Built once: constructing the statement on every request cost more than running it.
# Plain columns, no ORM objects: loading two entities with a joined eager load was most of
# the cost of authenticating a small request.
_STANDING = (
    select(
        OAuthClient.client_id,
        OAuthClient.secret_changed_at,
        Community.id,
        Community.slug,
        Community.status,
        unretired_kids(),
    )
    .join(Community, Community.id == OAuthClient.community_id)
    .where(OAuthClient.client_id == bindparam("client_id"))
)


def _standing(client_id: str | None) -> _Standing | None:
    """Read a client's community, its standing and the unretired kids: ONE query.

    Read before the token is verified (by its unverified ``sub``): nothing read here is
    trusted until the signature is verified, and it is used only if the verified ``sub``
    names the same client.
    """
    if client_id is None:
        return None
    watch = standing_watch(current_app, db.engine)
    mark = None if watch is None else watch.opened()
    if watch is not None and mark is not None:  # listening: what it kept is current
        kept: _Standing | None = watch.recall(client_id)
        if kept is not None:
            return kept
    ttl = 0.0 if mark is not None else float(current_app.config.get("STANDING_CACHE_SECONDS", 0))
    if ttl > 0:
        remembered = _standings().get(client_id)
        if remembered is not None and remembered[0] > time.monotonic():
            return remembered[1]
    # On its own connection in autocommit, not the session's: one round trip to the
    # database instead of three (BEGIN, the read, and the ROLLBACK when the request ends),
    # and a read-only view such as the directory search then opens no transaction at all.
    # Read committed either way, so the standing is as fresh as before.
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        row = conn.execute(_STANDING, {"client_id": client_id}).first()
    if row is None:
        return None
    found, changed_at, community_id, slug, status, kids = row
    caller = Caller(community_id, slug, status)
    standing = _Standing(found, changed_at, caller, (kids or "").split())
    if watch is not None:
        watch.keep(mark, client_id, standing)  # unless a change arrived meanwhile
    if ttl > 0:
        standings = _standings()
        if len(standings) >= KEPT:
            standings.clear()  # atomic, unlike evicting one by one beside other threads
        standings[client_id] = (time.monotonic() + ttl, standing)
    return standing


def _standings() -> dict[str, tuple[float, _Standing]]:
    """The standings read in the last ``STANDING_CACHE_SECONDS``, by client id.

    Only registered clients are remembered (an unknown id reads nothing to keep), so the
    dict is bounded by the clients the hub has.
    """
    found: dict[str, tuple[float, _Standing]] | None = current_app.extensions.get(_STANDINGS)
    if found is None:
        found = current_app.extensions[_STANDINGS] = {}
    return found


def _verified_tokens() -> VerifiedTokens:
    tokens: VerifiedTokens | None = current_app.extensions.get(_VERIFIED)
    if tokens is None:
        tokens = current_app.extensions[_VERIFIED] = VerifiedTokens()
    return tokens


def _refusal(error: OAuth2Error) -> str:
    # Authlib wraps joserfc's own error: expired tokens are routine, the others are not.
    return "expired" if isinstance(error.__cause__, ExpiredTokenError) else "invalid_token"


def _verified_claims(
    token: str | None, kids: list[str] | None, client_id: str | None = None
) -> dict[str, Any]:
    """Return the token's claims once verified (``kids``: the unretired kids, if read).

    ``client_id``: the registered client the token claims to be from, for the log only.
    """
    if token is not None and kids is not None:
        remembered = _verified_tokens().get(token, kids)
        if remembered is not None:
            return remembered
    if kids is not None:
        setattr(g, _KIDS, kids)  # for the validator's get_jwks: no second query
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
        security_event("token_refused", _refusal(exc), client_id=client_id)
        raise _invalid_token("The access token is invalid or has expired.") from exc
    verified = dict(claims)
    if token is not None:
        _verified_tokens().put(token, verified, claims.header.get("kid"))
    return verified


def authenticate_community(scope: str | None = None) -> Caller:
    """Check the bearer token and the community's standing; put it on ``g.caller``."""
    token = _bearer()
    standing = _standing(_unverified_subject(token))
    claims = _verified_claims(
        token,
        standing.kids if standing else None,
        # Unverified, but it names a registered client: worth seeing when forged.
        standing.client_id if standing else None,
    )
    subject = str(claims.get("sub", ""))
    if standing is None or standing.client_id != subject:
        standing = _standing(subject) if subject else None
    if standing is None or standing.caller.slug != claims.get("community"):
        security_event("token_refused", "unknown_community")
        raise _invalid_token("The access token names no registered community.")
    caller = standing.caller
    if caller.status is CommunityStatus.SUSPENDED:
        security_event(
            "suspended_call",
            "community_suspended",
            client_id=standing.client_id,
            community_id=caller.id,
        )
        raise _invalid_token("The community is suspended from the network.")
    if int(claims["iat"]) < int(standing.secret_changed_at.timestamp()):
        security_event(
            "token_refused", "secret_rotated", client_id=standing.client_id, community_id=caller.id
        )
        raise _invalid_token("The client secret was rotated after this token was issued.")
    granted = str(claims.get("scope") or "").split()
    if scope is not None and scope not in granted:
        security_event(
            "token_refused",
            "insufficient_scope",
            client_id=standing.client_id,
            community_id=caller.id,
        )
        raise Forbidden(
            f"The access token lacks the {scope} scope.",
            error="insufficient_scope",
            headers={
                "WWW-Authenticate": f'Bearer realm="{REALM}", error="insufficient_scope", '
                f'scope="{scope}"'
            },
        )
    if scope is not None and scope.endswith(":write") and caller.status is CommunityStatus.SILENCED:
        security_event(
            "silenced_write",
            "community_silenced",
            client_id=standing.client_id,
            community_id=caller.id,
        )
        raise Forbidden(
            "The community is silenced: it may read but not write.", error="community_silenced"
        )
    _note_node(caller)
    g.caller = caller
    g.pop("community", None)  # a row loaded for an earlier caller in the same context
    g.token_scopes = granted
    return caller


#: Seconds between two records of the same node's version and clock by one worker: each
#: is a write, and a busy node calls many times a minute.
NODE_NOTE_INTERVAL = 60.0


def _note_node(caller: Caller) -> None:
    """Keep what this call says of its node (version, clock), at most once a minute."""
    now = utcnow()
    info = read_headers(request.headers.get("User-Agent"), request.headers.get("Date"), now)
    seen: dict[int, tuple[str | None, float]] = current_app.extensions.setdefault(
        "hub.nodes_seen", {}
    )
    last = seen.get(caller.id)
    tick = time.monotonic()
    if last is not None and last[0] == info.version and tick - last[1] < NODE_NOTE_INTERVAL:
        return
    seen[caller.id] = (info.version, tick)
    note_node(caller.id, info, now)


def require_scope(scope: str | None = None) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Make a view need a valid community token with ``scope`` (None: any valid token)."""

    def decorator(view: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(view)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            authenticate_community(scope)
            return view(*args, **kwargs)

        return wrapper

    return decorator


def current_caller() -> Caller:
    """Return the community the current request's token belongs to, as checked."""
    caller: Caller | None = g.get("caller")
    if caller is None:
        raise RuntimeError("current_caller() outside a view protected by require_scope")
    return caller


def current_community() -> Community:
    """Return the calling community's row (loaded on first use in a request)."""
    caller = current_caller()
    community: Community | None = g.get("community")
    if community is None or community.id != caller.id:
        community = db.session.get(Community, caller.id)
        if community is None:  # deleted since the token was checked, a moment ago
            raise _invalid_token("The access token names no registered community.")
        g.community = community
    return community


def community_actor(slug: str) -> str:
    """The audit actor of a community's own API calls (the staff UI reads it back)."""
    return f"community:{slug}"


def actor_label() -> str:
    """Name the caller for audit rows: ``community:<slug>``."""
    caller: Caller | None = g.get("caller")
    return community_actor(caller.slug) if caller is not None else "anonymous"

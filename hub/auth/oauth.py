"""The hub as OAuth2 authorization server: client-credentials tokens for communities.

A community's node posts its client id and secret (HTTP Basic) to ``POST /oauth/token``
and gets a signed JWT (RFC 9068 profile) valid for ``ACCESS_TOKEN_LIFETIME`` seconds.
Resource endpoints verify it with ``hub.security.require_scope``; anyone else can verify
it against ``GET /oauth/jwks.json``.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import unquote

from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import grants
from authlib.oauth2.rfc6749.errors import InsecureTransportError, UnauthorizedClientError
from authlib.oauth2.rfc9068 import JWTBearerTokenGenerator
from flask import Blueprint, Flask, Response, current_app, jsonify
from flask.typing import ResponseReturnValue
from joserfc.jwk import KeySet

from hub.auth.keys import public_jwks, signing_keyset
from hub.communities.models import ALL_SCOPES, CommunityStatus, OAuthClient
from hub.communities.services import client_by_id
from hub.security import security_event
from shared.web.limits import Breach, Rule, rate_limited

bp = Blueprint("oauth", __name__, url_prefix="/oauth")
EXTENSION = "hub.authorization_server"


class CommunityTokenGenerator(JWTBearerTokenGenerator):  # type: ignore[misc]
    """Sign RS256 JWTs for the hub API's audience, naming the community."""

    def __init__(self, *, issuer: str, audience: str, lifetime: int) -> None:
        # A custom generator ignores OAUTH2_TOKEN_EXPIRES_IN: the lifetime must come from
        # ``expires_generator``.
        super().__init__(issuer=issuer, alg="RS256", expires_generator=lambda c, g: lifetime)
        self.audience = audience

    def get_jwks(self) -> KeySet:
        return signing_keyset()

    def get_audiences(self, client: OAuthClient, user: Any, scope: str) -> str:
        # Authlib's default audience is the client id; the token is for the hub's API.
        return self.audience

    def get_extra_claims(
        self, client: OAuthClient, grant_type: str, user: Any, scope: str
    ) -> dict[str, Any]:
        return {"community": client.community.slug}


#: Longer than any client id or secret the hub issues; past it, nothing is looked up.
_MAX_CREDENTIAL = 256


def basic_credentials(headers: Mapping[str, str]) -> tuple[str, str] | None:
    """Return the (client id, secret) of an HTTP Basic header, or None if it is malformed.

    Authlib's own parser answered 500 to bytes that are not UTF-8; here anything but
    strict base64 of UTF-8 text, a missing colon, an empty part, control characters (a
    NUL cannot even be sent to PostgreSQL) or an overlong part are all just credentials
    that do not authenticate.
    """
    scheme, _, encoded = headers.get("Authorization", "").strip().partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        text = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
        client_id, colon, secret = text.partition(":")
        # RFC 6749 §2.3.1: both parts are form-urlencoded before they are joined.
        client_id, secret = unquote(client_id, errors="strict"), unquote(secret, errors="strict")
    except (binascii.Error, UnicodeDecodeError):
        return None
    if not colon or not client_id or not secret:
        return None
    for part in (client_id, secret):
        if len(part) > _MAX_CREDENTIAL or not part.isprintable():
            return None
    return client_id, secret


def authenticate_basic(
    query_client: Callable[[str], OAuthClient | None], request: Any
) -> OAuthClient | None:
    """Authlib's ``client_secret_basic``, strict and logged; None makes it invalid_client."""
    credentials = basic_credentials(request.headers)
    if credentials is None:
        sent = "Authorization" in request.headers
        security_event("client_refused", "malformed_credentials" if sent else "no_credentials")
        return None
    client_id, secret = credentials
    client = query_client(client_id)
    if client is None:
        security_event("client_refused", "unknown_client")
        return None
    if not client.check_client_secret(secret):
        security_event(
            "client_refused",
            "wrong_secret",
            client_id=client.client_id,
            community_id=client.community_id,
        )
        return None
    return client


class CommunityCredentialsGrant(grants.ClientCredentialsGrant):  # type: ignore[misc]
    """Client credentials over HTTP Basic only; a suspended community gets no token."""

    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic"]

    def validate_token_request(self) -> None:
        super().validate_token_request()
        client: OAuthClient = self.request.client
        if client.community.status is CommunityStatus.SUSPENDED:
            security_event(
                "suspended_call",
                "community_suspended",
                client_id=client.client_id,
                community_id=client.community_id,
            )
            raise UnauthorizedClientError(
                description="The community is suspended from the network."
            )


def _save_token(token: dict[str, Any], request: Any) -> None:
    """Keep nothing: JWTs are verified by signature, and live state is checked per call."""


def init_oauth(app: Flask) -> AuthorizationServer:
    """Give ``app`` its own authorization server with the hub's grant and token format."""
    server = AuthorizationServer(app, query_client=client_by_id, save_token=_save_token)
    server.scopes_supported = list(ALL_SCOPES)
    server.register_client_auth_method("client_secret_basic", authenticate_basic)
    server.register_grant(CommunityCredentialsGrant)
    server.register_token_generator(
        "default",
        CommunityTokenGenerator(
            issuer=app.config["TOKEN_ISSUER"],
            audience=app.config["API_AUDIENCE"],
            lifetime=int(app.config["ACCESS_TOKEN_LIFETIME"]),
        ),
    )
    app.extensions[EXTENSION] = server
    return server


def _slow_down(breach: Breach) -> ResponseReturnValue:
    """OAuth2's JSON error shape (RFC 8628's ``slow_down``), never to be cached."""
    response = jsonify(
        error="slow_down",
        error_description=f"Too many token requests. Try again in {breach.wait}.",
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/token")
@rate_limited(Rule("token_per_address", "RATELIMIT_TOKEN", answer=_slow_down))
def issue_token() -> ResponseReturnValue:
    """Issue an access token (RFC 6749 §4.4); errors use OAuth2's own JSON shape."""
    server: AuthorizationServer = current_app.extensions[EXTENSION]
    try:
        response: Response = server.create_token_response()
    except InsecureTransportError as exc:
        # Authlib raises this one before its error handling: plain http to a public host.
        # Behind a TLS proxy, set TRUSTED_PROXIES so the forwarded scheme counts.
        return jsonify(dict(exc.get_body())), exc.status_code
    return response


@bp.get("/jwks.json")
def jwks() -> ResponseReturnValue:
    """Publish the public keys that verify the hub's access tokens."""
    response = current_app.json.response(public_jwks())
    response.cache_control.public = True
    response.cache_control.max_age = 300
    return response

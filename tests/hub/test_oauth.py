"""The token endpoint, the JWT it issues, and what the resource side accepts or refuses."""

from __future__ import annotations

import base64
import datetime as dt
import json
import time
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask, g
from flask.testing import FlaskClient
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from hub.auth.models import SigningKey
from hub.communities.models import ALL_SCOPES, CommunityStatus
from hub.communities.services import Credentials, add_community, rotate_secret, set_status
from hub.database import utcnow
from hub.extensions import csrf, db
from hub.security import require_scope
from tests.hub.conftest import TEST_KID, basic, bearer, request_token


@pytest.fixture
def routes(hub_app: Flask) -> None:
    """Add one read and one write route guarded by scopes (the real resources come later)."""

    @require_scope("directory:read")
    def read() -> dict[str, Any]:
        return {"community": g.caller.slug}

    @require_scope("profiles:write")
    def write() -> dict[str, Any]:
        return {"community": g.caller.slug}

    # Exempt from the staff forms' CSRF check, as register_api_blueprints makes every API route.
    hub_app.add_url_rule("/api/v1/_test/read", "test_read", csrf.exempt(read))
    hub_app.add_url_rule("/api/v1/_test/write", "test_write", csrf.exempt(write), methods=["POST"])


def _header(token: str) -> dict[str, Any]:
    return json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))


def test_client_credentials_over_basic_auth_issue_a_15_minute_jwt(
    hub_client: FlaskClient, halifax: Credentials
) -> None:
    response = request_token(hub_client, halifax, " ".join(ALL_SCOPES))

    assert response.status_code == 200
    body = response.get_json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 900
    assert set(body["scope"].split()) == set(ALL_SCOPES)
    assert response.headers["Cache-Control"] == "no-store"
    token = body["access_token"]
    assert _header(token) == {"alg": "RS256", "typ": "at+jwt", "kid": TEST_KID}

    jwks = hub_client.get("/oauth/jwks.json").get_json()
    assert all("d" not in key and "p" not in key for key in jwks["keys"])  # public parts only
    claims = jwt.decode(token, KeySet.import_key_set(jwks)).claims
    assert claims["aud"] == "connector-hub"
    assert claims["iss"] == "connector-hub"
    assert claims["sub"] == halifax.client_id
    assert claims["community"] == "halifax"
    assert claims["exp"] - claims["iat"] == 900
    assert abs(claims["iat"] - time.time()) < 5
    assert claims["jti"]
    assert set(claims["scope"].split()) == set(ALL_SCOPES)


def test_no_scope_requested_grants_every_scope_the_client_holds(
    hub_client: FlaskClient, halifax: Credentials
) -> None:
    body = request_token(hub_client, halifax).get_json()
    assert set(body["scope"].split()) == set(ALL_SCOPES)


@pytest.mark.parametrize("hub_app_config", [{"ACCESS_TOKEN_LIFETIME": 60}])
def test_token_lifetime_comes_from_the_configuration(
    hub_client: FlaskClient, halifax: Credentials, get_token: Callable[..., str]
) -> None:
    claims = jwt.decode(
        get_token(halifax), KeySet.import_key_set(hub_client.get("/oauth/jwks.json").get_json())
    ).claims
    assert claims["exp"] - claims["iat"] == 60


def test_wrong_secret_or_unknown_client_is_401_invalid_client(
    hub_client: FlaskClient, halifax: Credentials
) -> None:
    data = {"grant_type": "client_credentials"}
    wrong = hub_client.post("/oauth/token", data=data, headers=basic(halifax, "not-it"))
    assert wrong.status_code == 401
    assert wrong.get_json()["error"] == "invalid_client"
    assert wrong.headers["WWW-Authenticate"].startswith("Basic")

    stranger = Credentials(halifax.community, "no-such-client", halifax.client_secret)
    assert hub_client.post("/oauth/token", data=data, headers=basic(stranger)).status_code == 401


def test_secret_in_the_body_is_refused(hub_client: FlaskClient, halifax: Credentials) -> None:
    response = hub_client.post(
        "/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": halifax.client_id,
            "client_secret": halifax.client_secret,
        },
    )
    assert response.status_code in (400, 401)
    assert response.get_json()["error"] == "invalid_client"


def test_other_grant_types_are_unsupported(hub_client: FlaskClient, halifax: Credentials) -> None:
    response = hub_client.post(
        "/oauth/token", data={"grant_type": "password"}, headers=basic(halifax)
    )
    assert response.status_code == 400
    assert response.get_json()["error"] == "unsupported_grant_type"


def test_scopes_the_client_lacks_are_dropped_and_the_api_then_refuses(
    hub_client: FlaskClient, hub_app: Flask, routes: None
) -> None:
    writer = add_community("truro", "Truro", scopes=["profiles:write"], actor="test")

    body = request_token(hub_client, writer, "directory:read profiles:write").get_json()
    assert body["scope"] == "profiles:write"  # directory:read silently dropped

    token = body["access_token"]
    read = hub_client.get("/api/v1/_test/read", headers=bearer(token))
    assert read.status_code == 403
    assert read.get_json()["error"] == "insufficient_scope"
    assert 'error="insufficient_scope"' in read.headers["WWW-Authenticate"]
    assert 'scope="directory:read"' in read.headers["WWW-Authenticate"]
    assert hub_client.post("/api/v1/_test/write", headers=bearer(token)).status_code == 200


def test_asking_only_for_scopes_the_client_lacks_or_unknown_ones_is_invalid_scope(
    hub_client: FlaskClient,
) -> None:
    writer = add_community("truro", "Truro", scopes=["profiles:write"], actor="test")
    for scope in ("directory:read", "admin"):
        response = request_token(hub_client, writer, scope)
        assert response.status_code == 400
        assert response.get_json()["error"] == "invalid_scope"


def test_whoami_names_the_community_and_its_scopes(
    hub_client: FlaskClient, halifax: Credentials, get_token: Callable[..., str]
) -> None:
    token = get_token(halifax, "directory:read intros:read")
    response = hub_client.get("/api/v1/whoami", headers=bearer(token))
    assert response.status_code == 200
    assert response.get_json() == {
        "community": "halifax",
        "name": "Halifax",
        "status": "active",
        "scopes": ["directory:read", "intros:read"],
    }


def test_a_request_without_a_token_gets_a_bare_bearer_challenge(
    hub_client: FlaskClient, halifax: Credentials
) -> None:
    response = hub_client.get("/api/v1/whoami")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="connector-hub"'
    assert response.get_json()["code"] == 401
    basic_auth = hub_client.get("/api/v1/whoami", headers=basic(halifax))
    assert basic_auth.status_code == 401


def _assert_invalid_token(response: Any) -> None:
    assert response.status_code == 401, response.get_json()
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]
    assert response.get_json()["error"] == "invalid_token"


def test_a_forged_token_signed_with_the_hub_key_is_accepted(
    hub_client: FlaskClient, forge: Callable[..., str]
) -> None:
    # Proves the forging helper makes valid tokens, so the refusals below are meaningful.
    assert hub_client.get("/api/v1/whoami", headers=bearer(forge())).status_code == 200


def test_expired_token_is_401(hub_client: FlaskClient, forge: Callable[..., str]) -> None:
    now = int(time.time())
    token = forge(iat=now - 1000, exp=now - 100)
    _assert_invalid_token(hub_client.get("/api/v1/whoami", headers=bearer(token)))


def test_tampered_token_is_401(
    hub_client: FlaskClient, halifax: Credentials, get_token: Callable[..., str]
) -> None:
    head, payload, signature = get_token(halifax, "profiles:write").split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["scope"] = " ".join(ALL_SCOPES)
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    _assert_invalid_token(
        hub_client.get("/api/v1/whoami", headers=bearer(f"{head}.{forged}.{signature}"))
    )
    _assert_invalid_token(hub_client.get("/api/v1/whoami", headers=bearer("not.a.jwt")))


def test_token_signed_by_another_key_is_401(
    hub_client: FlaskClient, forge: Callable[..., str]
) -> None:
    # Same kid as the hub's key, so only the signature check can catch it.
    other = RSAKey.generate_key(2048, private=True, parameters={"kid": TEST_KID})
    _assert_invalid_token(hub_client.get("/api/v1/whoami", headers=bearer(forge(key=other))))


@pytest.mark.parametrize(
    "claims",
    [
        {"aud": "someone-else"},
        {"iss": "https://evil.example"},
        {"exp": None},
        {"sub": "no-such-client", "client_id": "no-such-client"},
        {"community": "truro"},
    ],
    ids=["audience", "issuer", "no-exp", "unknown-client", "wrong-community"],
)
def test_tokens_with_wrong_claims_are_401(
    hub_client: FlaskClient, forge: Callable[..., str], claims: dict[str, Any]
) -> None:
    _assert_invalid_token(hub_client.get("/api/v1/whoami", headers=bearer(forge(**claims))))


def test_unsigned_token_is_401(hub_client: FlaskClient, halifax: Credentials) -> None:
    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    now = int(time.time())
    claims = {
        "iss": "connector-hub",
        "aud": "connector-hub",
        "sub": halifax.client_id,
        "client_id": halifax.client_id,
        "community": "halifax",
        "jti": "x",
        "iat": now,
        "exp": now + 60,
    }
    token = f"{part({'alg': 'none', 'typ': 'at+jwt'})}.{part(claims)}."
    _assert_invalid_token(hub_client.get("/api/v1/whoami", headers=bearer(token)))


def test_suspended_community_gets_no_token_and_its_live_tokens_stop(
    hub_client: FlaskClient, halifax: Credentials, get_token: Callable[..., str]
) -> None:
    token = get_token(halifax)
    set_status("halifax", CommunityStatus.SUSPENDED, actor="test")

    refused = request_token(hub_client, halifax)
    assert refused.status_code == 400
    assert refused.get_json()["error"] == "unauthorized_client"
    assert "suspended" in refused.get_json()["error_description"]
    _assert_invalid_token(hub_client.get("/api/v1/whoami", headers=bearer(token)))

    set_status("halifax", CommunityStatus.ACTIVE, actor="test")
    assert hub_client.get("/api/v1/whoami", headers=bearer(token)).status_code == 200


def test_silenced_community_can_read_but_not_write(
    hub_client: FlaskClient, halifax: Credentials, get_token: Callable[..., str], routes: None
) -> None:
    set_status("halifax", CommunityStatus.SILENCED, actor="test")
    token = get_token(halifax)

    assert hub_client.get("/api/v1/_test/read", headers=bearer(token)).status_code == 200
    write = hub_client.post("/api/v1/_test/write", headers=bearer(token))
    assert write.status_code == 403
    assert write.get_json()["error"] == "community_silenced"


def test_rotating_the_secret_ends_the_old_secret_and_older_tokens(
    hub_client: FlaskClient, halifax: Credentials, forge: Callable[..., str]
) -> None:
    halifax.community.client.secret_changed_at = utcnow() - dt.timedelta(minutes=5)
    db.session.commit()
    earlier = forge(iat=int(time.time()) - 30)
    assert hub_client.get("/api/v1/whoami", headers=bearer(earlier)).status_code == 200

    fresh = rotate_secret("halifax", actor="test")

    assert fresh.client_id == halifax.client_id
    assert fresh.client_secret != halifax.client_secret
    assert request_token(hub_client, halifax).status_code == 401
    _assert_invalid_token(hub_client.get("/api/v1/whoami", headers=bearer(earlier)))
    new_token = request_token(hub_client, fresh).get_json()["access_token"]
    assert hub_client.get("/api/v1/whoami", headers=bearer(new_token)).status_code == 200


def test_plain_http_to_a_public_host_is_refused(
    hub_client: FlaskClient, halifax: Credentials
) -> None:
    response = request_token(hub_client, halifax, base_url="http://hub.example.org")
    assert response.status_code == 400
    assert response.get_json()["error"] == "insecure_transport"


@pytest.mark.parametrize("hub_app_config", [{"TRUSTED_PROXIES": 1}])
def test_behind_a_tls_proxy_the_forwarded_scheme_counts(
    hub_client: FlaskClient, halifax: Credentials
) -> None:
    response = request_token(
        hub_client,
        halifax,
        base_url="http://hub.example.org",
        headers={"X-Forwarded-Proto": "https"},
    )
    assert response.status_code == 200


def test_without_a_signing_key_the_token_endpoint_is_503(
    hub_client: FlaskClient, halifax: Credentials
) -> None:
    db.session.query(SigningKey).delete()
    db.session.commit()
    response = request_token(hub_client, halifax)
    assert response.status_code == 503
    assert "connector-hub init" in response.get_json()["message"]


def test_a_remembered_token_still_stops_when_suspended_expired_or_its_key_retired(
    hub_client: FlaskClient,
    halifax: Credentials,
    get_token: Callable[..., str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Each token is used once first, so the hub remembers it as verified.
    token = get_token(halifax)
    assert hub_client.get("/api/v1/whoami", headers=bearer(token)).status_code == 200

    set_status("halifax", CommunityStatus.SUSPENDED, actor="test")
    _assert_invalid_token(hub_client.get("/api/v1/whoami", headers=bearer(token)))
    set_status("halifax", CommunityStatus.ACTIVE, actor="test")
    assert hub_client.get("/api/v1/whoami", headers=bearer(token)).status_code == 200

    later = time.time() + 16 * 60
    monkeypatch.setattr(time, "time", lambda: later)
    _assert_invalid_token(hub_client.get("/api/v1/whoami", headers=bearer(token)))
    monkeypatch.undo()

    token = get_token(halifax)
    assert hub_client.get("/api/v1/whoami", headers=bearer(token)).status_code == 200
    key = db.session.scalars(db.select(SigningKey).where(SigningKey.kid == TEST_KID)).one()
    key.retired_at = utcnow()
    db.session.commit()
    _assert_invalid_token(hub_client.get("/api/v1/whoami", headers=bearer(token)))


def test_remembered_tokens_are_bounded_and_kept_per_app(
    hub_app: Flask, hub_client: FlaskClient, forge: Callable[..., str]
) -> None:
    from hub.security import VerifiedTokens

    tokens = VerifiedTokens(size=2)
    later = int(time.time()) + 60
    for text in ("a", "b", "c"):
        tokens.put(text, {"exp": later}, "k1")
    assert tokens.get("a", ["k1"]) is None  # the oldest went first
    assert tokens.get("c", ["k1"]) == {"exp": later}
    assert tokens.get("c", ["k2"]) is None  # its key is no longer unretired

    token = forge()
    assert hub_client.get("/api/v1/whoami", headers=bearer(token)).status_code == 200
    assert hub_app.extensions["hub.verified_tokens"].get(token, [TEST_KID]) is not None


def _raw_basic(raw: bytes) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(raw).decode()}


@pytest.mark.parametrize(
    "header",
    [
        _raw_basic(b"\xff\xfe:\xc3\x28"),  # not UTF-8 (this one answered 500)
        _raw_basic(b"halifax%ff:secret"),  # percent-encoding of a byte that is not UTF-8
        {"Authorization": "Basic not*base64!"},
        {"Authorization": "Basic YWJj"},  # "abc": no colon
        {"Authorization": "Basic YWJjOg=="},  # "abc:": no secret
        {"Authorization": "Basic OnNlY3JldA=="},  # ":secret": no client id
        {"Authorization": "Basic "},
        {"Authorization": "Basic"},
        _raw_basic(b"hali\x00fax:secret"),  # a NUL PostgreSQL would refuse
        _raw_basic(b"x" * 5000 + b":secret"),
    ],
    ids=[
        "not-utf8",
        "bad-percent",
        "not-base64",
        "no-colon",
        "no-secret",
        "no-id",
        "empty",
        "bare-scheme",
        "nul",
        "overlong",
    ],
)
def test_malformed_basic_credentials_are_invalid_client(
    hub_client: FlaskClient, halifax: Credentials, header: dict[str, str]
) -> None:
    response = hub_client.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, headers=header
    )
    assert response.status_code == 401
    assert response.get_json()["error"] == "invalid_client"


def test_percent_encoded_credentials_still_authenticate(
    hub_client: FlaskClient, halifax: Credentials
) -> None:
    # RFC 6749 §2.3.1 form-encodes both parts; our ids and secrets need no escaping, but a
    # client that escapes anyway is not refused.
    raw = f"{halifax.client_id}:{halifax.client_secret}".replace("-", "%2D").encode()
    response = hub_client.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, headers=_raw_basic(raw)
    )
    assert response.status_code == 200, response.get_json()


# Limits ------------------------------------------------------------------------------------


@pytest.mark.parametrize("hub_app_config", [{"RATELIMIT_TOKEN": "3 per minute"}])
def test_token_requests_are_limited_per_address_with_an_oauth_answer(
    hub_client: FlaskClient, halifax: Credentials
) -> None:
    here, there = {"REMOTE_ADDR": "203.0.113.5"}, {"REMOTE_ADDR": "203.0.113.6"}
    answers = [
        request_token(hub_client, halifax, environ_base=here).status_code,
        request_token(hub_client, halifax, "nope", environ_base=here).status_code,
        _post_token(hub_client, basic(halifax, "guessed"), here).status_code,
    ]
    assert answers == [200, 400, 401]  # every request counts, good or bad
    refused = request_token(hub_client, halifax, environ_base=here)
    assert refused.status_code == 429
    assert refused.get_json() == {
        "error": "slow_down",
        "error_description": refused.get_json()["error_description"],
    }
    assert refused.get_json()["error_description"].startswith("Too many token requests.")
    assert refused.headers["Cache-Control"] == "no-store"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert request_token(hub_client, halifax, environ_base=there).status_code == 200


def _post_token(client: FlaskClient, headers: dict[str, str], address: dict[str, str]) -> Any:
    data = {"grant_type": "client_credentials"}
    return client.post("/oauth/token", data=data, headers=headers, environ_base=address)


def test_the_default_token_limit_leaves_room_for_many_nodes_on_one_address(
    hub_client: FlaskClient, halifax: Credentials
) -> None:
    # A node fetches a token every 15 minutes at most; 40 cities behind one address (or a
    # test federation on loopback) still fetch theirs in one minute.
    assert all(request_token(hub_client, halifax).status_code == 200 for _ in range(40))

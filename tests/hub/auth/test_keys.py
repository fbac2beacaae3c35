"""Signing keys encrypted at rest, and the rotation of the signing keys and of their encryption."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from cryptography.fernet import Fernet, InvalidToken
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from joserfc import jwt
from joserfc.jwk import KeySet
from sqlalchemy import select

from hub.auth.cli import keys_group
from hub.auth.keys import (
    DEVELOPMENT_KEY_ENCRYPTION_KEY,
    KeyDecryptionFailed,
    check_key_encryption_key,
    create_signing_key,
    ensure_signing_key,
    reencrypt_signing_keys,
    retire_signing_key,
)
from hub.auth.models import SigningKey
from hub.communities.services import Credentials
from hub.errors import Conflict
from hub.extensions import db
from shared.web.settings import InsecureConfiguration
from tests.hub.conftest import TEST_KID

OLD = Fernet.generate_key().decode()
NEW = Fernet.generate_key().decode()


def stored(kid: str) -> str:
    return db.session.scalars(select(SigningKey.private_pem).where(SigningKey.kid == kid)).one()


def forget_parsed_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    """Drop the parsed-key caches, so the next use decrypts from the database again."""
    monkeypatch.setattr("hub.auth.keys._parsed", {})
    monkeypatch.setattr("hub.auth.keys._verifying", {})


def verified_kid(client: FlaskClient, get_token: Callable[..., str], creds: Credentials) -> str:
    token = get_token(creds)
    jwks = KeySet.import_key_set(client.get("/oauth/jwks.json").get_json())
    return str(jwt.decode(token, jwks).header["kid"])


def test_a_new_key_is_stored_encrypted_and_still_signs(
    hub_app: Flask,
    hub_client: FlaskClient,
    halifax: Credentials,
    get_token: Callable[..., str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    row = create_signing_key(actor="test")

    text = stored(row.kid)
    assert "PRIVATE KEY" not in text and "BEGIN" not in text
    # A dump holds only this; the key that opens it lives in the environment.
    pem = Fernet(DEVELOPMENT_KEY_ENCRYPTION_KEY).decrypt(text.encode())
    assert pem.startswith(b"-----BEGIN PRIVATE KEY-----")
    with pytest.raises(InvalidToken):
        Fernet(NEW).decrypt(text.encode())

    forget_parsed_keys(monkeypatch)
    assert verified_kid(hub_client, get_token, halifax) == row.kid


@pytest.mark.parametrize("hub_app_config", [{"KEY_ENCRYPTION_KEY": NEW}])
def test_the_wrong_encryption_key_cannot_sign(
    hub_app: Flask, hub_client: FlaskClient, halifax: Credentials, monkeypatch: pytest.MonkeyPatch
) -> None:
    row = create_signing_key(actor="test")
    forget_parsed_keys(monkeypatch)
    hub_app.config["KEY_ENCRYPTION_KEY"] = OLD

    response = hub_client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(halifax.client_id, halifax.client_secret),
    )
    assert response.status_code == 503
    assert row.kid in response.get_json()["message"]


@pytest.mark.parametrize("hub_app_config", [{"KEY_ENCRYPTION_KEY": OLD}])
def test_rotating_the_encryption_key(
    hub_app: Flask,
    hub_client: FlaskClient,
    halifax: Credentials,
    get_token: Callable[..., str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    row = create_signing_key(actor="test")
    hub_app.config.update(KEY_ENCRYPTION_KEY=NEW, KEY_ENCRYPTION_OLD_KEYS=OLD)

    # Both keys open it meanwhile: the hub keeps signing during the rotation.
    forget_parsed_keys(monkeypatch)
    assert verified_kid(hub_client, get_token, halifax) == row.kid

    assert reencrypt_signing_keys(actor="test") == 2  # the fixture's key was in clear
    for kid in (row.kid, TEST_KID):
        Fernet(NEW).decrypt(stored(kid).encode())
        with pytest.raises(InvalidToken):
            Fernet(OLD).decrypt(stored(kid).encode())

    hub_app.config["KEY_ENCRYPTION_OLD_KEYS"] = ""
    forget_parsed_keys(monkeypatch)
    assert verified_kid(hub_client, get_token, halifax) == row.kid


def test_rotation_refuses_a_key_it_cannot_open_and_changes_nothing(
    hub_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    row = create_signing_key(actor="test")
    before = stored(row.kid)
    hub_app.config["KEY_ENCRYPTION_KEY"] = NEW  # the old (development) key forgotten
    with pytest.raises(KeyDecryptionFailed):
        reencrypt_signing_keys(actor="test")
    assert stored(row.kid) == before
    assert stored(TEST_KID).startswith("-----BEGIN")  # read first, so not rewritten either


def test_init_encrypts_keys_stored_in_clear(hub_app: Flask) -> None:
    assert stored(TEST_KID).startswith("-----BEGIN")  # as written before this change
    row, created = ensure_signing_key(actor="test")
    assert (row.kid, created) == (TEST_KID, False)
    assert not stored(TEST_KID).startswith("-----BEGIN")
    Fernet(DEVELOPMENT_KEY_ENCRYPTION_KEY).decrypt(stored(TEST_KID).encode())


@pytest.mark.parametrize(
    ("config", "refused"),
    [
        ({"ENV": "production"}, True),
        ({"ENV": "Production", "KEY_ENCRYPTION_KEY": DEVELOPMENT_KEY_ENCRYPTION_KEY}, True),
        ({"ENV": "production", "KEY_ENCRYPTION_KEY": NEW}, False),
        ({"ENV": "production", "KEY_ENCRYPTION_KEY": NEW, "KEY_ENCRYPTION_OLD_KEYS": "x"}, True),
        ({"ENV": "production", "KEY_ENCRYPTION_KEY": "changeme"}, True),
        ({"ENV": "development"}, False),
        ({"ENV": "development", "KEY_ENCRYPTION_KEY": "short"}, True),
    ],
)
def test_production_refuses_the_development_or_a_malformed_key(
    config: dict[str, Any], refused: bool
) -> None:
    if refused:
        with pytest.raises(InsecureConfiguration, match="KEY_ENCRYPTION"):
            check_key_encryption_key(config)
    else:
        check_key_encryption_key(config)


def test_a_production_hub_with_the_development_key_does_not_sign(hub_app: Flask) -> None:
    hub_app.config["ENV"] = "production"
    with pytest.raises(InsecureConfiguration, match="Fernet.generate_key"):
        create_signing_key(actor="test")


def test_retiring_a_signing_key(hub_app: Flask) -> None:
    with pytest.raises(Conflict, match="only one left"):
        retire_signing_key(TEST_KID, actor="test")
    create_signing_key(actor="test")
    assert retire_signing_key(TEST_KID, actor="test").retired_at is not None
    with pytest.raises(Conflict, match="already retired"):
        retire_signing_key(TEST_KID, actor="test")


def test_the_keys_commands(hub_app: Flask, hub_runner: FlaskCliRunner) -> None:
    listed = hub_runner.invoke(keys_group, ["list"])
    assert listed.exit_code == 0, listed.output
    assert f"{TEST_KID}  RS256" in listed.output and "signs" in listed.output

    rotated = hub_runner.invoke(keys_group, ["rotate-signing"])
    assert rotated.exit_code == 0, rotated.output
    kid = rotated.output.split()[3].rstrip(";")
    assert not stored(kid).startswith("-----BEGIN")

    retired = hub_runner.invoke(keys_group, ["retire", TEST_KID])
    assert retired.exit_code == 0, retired.output
    assert hub_runner.invoke(keys_group, ["retire", "nope"]).exit_code == 1

    # HUB_KEY_ENCRYPTION_OLD_KEYS written as JSON arrives as a list.
    hub_app.config.update(
        KEY_ENCRYPTION_KEY=NEW, KEY_ENCRYPTION_OLD_KEYS=[OLD, DEVELOPMENT_KEY_ENCRYPTION_KEY]
    )
    result = hub_runner.invoke(keys_group, ["rotate-encryption"])
    assert result.exit_code == 0, result.output
    assert "Re-encrypted 2 signing key(s)" in result.output
    Fernet(NEW).decrypt(stored(kid).encode())

    hub_app.config["KEY_ENCRYPTION_KEY"] = "not-a-key"
    refused = hub_runner.invoke(keys_group, ["rotate-encryption"])
    assert refused.exit_code == 1
    assert "not a Fernet key" in refused.output

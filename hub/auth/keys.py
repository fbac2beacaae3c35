"""The RS256 keys that sign access tokens, and the public JWKS that verifies them.

A private key is stored encrypted (Fernet: AES-128-CBC with an HMAC-SHA256) under the
key encryption key from the environment, ``HUB_KEY_ENCRYPTION_KEY``, so a database dump
alone cannot mint tokens. ``HUB_KEY_ENCRYPTION_OLD_KEYS`` (comma-separated) still
decrypt during a rotation of that key; ``connector-hub keys rotate-encryption`` then
re-encrypts every row under the current one. See docs/security.md.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Iterable, Mapping
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app
from joserfc.jwk import KeySet, RSAKey
from sqlalchemy import ScalarSelect, func, select

from hub.audit.services import record
from hub.auth.models import SigningKey
from hub.database import utcnow
from hub.errors import Conflict, DomainError, NotFound
from hub.extensions import db
from shared.web.settings import InsecureConfiguration

# Authlib's own ``authlib.jose`` is deprecated in favour of joserfc (which Authlib itself
# uses for RFC 9068 tokens), so keys are joserfc objects throughout.
ALGORITHM = "RS256"
KEY_BITS = 2048

# Parsing a PEM costs about a millisecond; keys never change once written, so cache them.
_parsed: dict[str, RSAKey] = {}
# The public key set for the unretired kids last seen: every request verifies a token, and
# building the set (public parts of each key, re-imported) cost more than the query.
_verifying: dict[tuple[str, ...], KeySet] = {}


#: The settings (``HUB_`` + name in the environment).
KEY_ENCRYPTION_KEY = "KEY_ENCRYPTION_KEY"
KEY_ENCRYPTION_OLD_KEYS = "KEY_ENCRYPTION_OLD_KEYS"
#: Development and tests only: it is public, so production refuses it.
DEVELOPMENT_KEY_ENCRYPTION_KEY = base64.urlsafe_b64encode(
    b"connector-hub development only!!"
).decode()
# Keys written before encryption at rest: read as they are, encrypted by
# ``connector-hub init`` (ensure_signing_key) or ``keys rotate-encryption``.
_PLAINTEXT = "-----BEGIN"


class NoSigningKey(DomainError):
    """The hub cannot issue tokens before ``connector-hub init`` made a key."""

    status = 503


class KeyDecryptionFailed(DomainError):
    """No configured key encryption key opens a stored signing key."""

    status = 503


def _is_production(config: Mapping[str, Any]) -> bool:
    return str(config.get("ENV") or "").strip().lower() == "production"


def _configured_keys(config: Mapping[str, Any]) -> list[str]:
    """The current key encryption key first, then the old ones, as configured."""
    current = config.get(KEY_ENCRYPTION_KEY) or DEVELOPMENT_KEY_ENCRYPTION_KEY
    old = config.get(KEY_ENCRYPTION_OLD_KEYS) or []
    # From the environment a list arrives as text ("k1,k2") or, written as JSON, a list.
    if isinstance(old, str):
        old = old.split(",")
    return [str(current).strip(), *(str(key).strip() for key in old if str(key).strip())]


def check_key_encryption_key(config: Mapping[str, Any], prefix: str = "HUB") -> None:
    """Refuse a key encryption key that is malformed, or in production missing or public."""
    keys = _configured_keys(config)
    for key in keys:
        try:
            Fernet(key)
        except ValueError as exc:
            raise InsecureConfiguration(
                f"{prefix}_{KEY_ENCRYPTION_KEY} (or an old key) is not a Fernet key: 32 "
                "url-safe base64-encoded bytes. Generate one with: python -c 'from "
                "cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"
            ) from exc
    if _is_production(config) and DEVELOPMENT_KEY_ENCRYPTION_KEY in keys:
        raise InsecureConfiguration(
            f"{prefix}_ENV=production needs {prefix}_{KEY_ENCRYPTION_KEY}: the development "
            "key is public. Generate one with: python -c 'from cryptography.fernet import "
            "Fernet; print(Fernet.generate_key().decode())'"
        )


def _cipher() -> MultiFernet:
    # Checked on every use, not only at start: a production hub never signs with a key
    # anyone could decrypt, whatever started it.
    check_key_encryption_key(current_app.config)
    return MultiFernet([Fernet(key) for key in _configured_keys(current_app.config)])


def _private_pem(row: SigningKey) -> str:
    stored = row.private_pem
    if stored.startswith(_PLAINTEXT):
        return stored
    try:
        return _cipher().decrypt(stored.encode()).decode()
    except InvalidToken:
        raise KeyDecryptionFailed(
            f"Signing key {row.kid} cannot be decrypted: set HUB_{KEY_ENCRYPTION_KEY} (and "
            f"HUB_{KEY_ENCRYPTION_OLD_KEYS} during a rotation) to the key that encrypted it."
        ) from None


def _load(row: SigningKey) -> RSAKey:
    key = _parsed.get(row.kid)
    if key is None:
        key = RSAKey.import_key(
            _private_pem(row), parameters={"kid": row.kid, "use": "sig", "alg": row.algorithm}
        )
        _parsed[row.kid] = key
    return key


def create_signing_key(*, actor: str) -> SigningKey:
    """Generate a new key pair; it signs from now on, older keys keep verifying."""
    kid = secrets.token_urlsafe(12)
    key = RSAKey.generate_key(KEY_BITS, private=True)
    sealed = _cipher().encrypt(key.as_pem(private=True)).decode()
    row = SigningKey(kid=kid, algorithm=ALGORITHM, private_pem=sealed)
    db.session.add(row)
    db.session.flush()
    record(actor, "signing_key.create", "signing_key", row.id, {"kid": kid})
    db.session.commit()
    return row


def ensure_signing_key(*, actor: str) -> tuple[SigningKey, bool]:
    """Return the current signing key, creating one if the hub has none; and if it was new.

    Keys stored in clear (before encryption at rest) are encrypted on the way: ``init``
    calls this on every deployment.
    """
    if db.session.scalar(
        select(SigningKey.id).where(SigningKey.private_pem.startswith(_PLAINTEXT))
    ):
        reencrypt_signing_keys(actor=actor)
    row = _current_row()
    if row is not None:
        return row, False
    return create_signing_key(actor=actor), True


def reencrypt_signing_keys(*, actor: str) -> int:
    """Encrypt every stored private key under the current key encryption key; commit.

    Run after setting a new ``HUB_KEY_ENCRYPTION_KEY`` with the previous one in
    ``HUB_KEY_ENCRYPTION_OLD_KEYS``; then the old key can go. Returns the rows rewritten.
    """
    cipher = _cipher()
    rows = db.session.scalars(select(SigningKey).order_by(SigningKey.id)).all()
    # Decrypt them all first: one that no configured key opens changes nothing.
    pems = [_private_pem(row) for row in rows]
    for row, pem in zip(rows, pems, strict=True):
        row.private_pem = cipher.encrypt(pem.encode()).decode()
    record(actor, "signing_key.reencrypt", "signing_key", None, {"keys": len(rows)})
    db.session.commit()
    return len(rows)


def retire_signing_key(kid: str, *, actor: str) -> SigningKey:
    """Retire a key: it stops signing and verifying at once; commit.

    Retire an old key only once the tokens it signed have expired (15 minutes after a
    newer key started signing). The last unretired key cannot be retired.
    """
    row = db.session.scalar(select(SigningKey).where(SigningKey.kid == kid))
    if row is None:
        raise NotFound(f"No signing key has kid {kid}.")
    if row.retired_at is not None:
        raise Conflict(f"Signing key {kid} is already retired.")
    others = db.session.scalar(
        select(func.count(SigningKey.id)).where(
            SigningKey.retired_at.is_(None), SigningKey.id != row.id
        )
    )
    if not others:
        raise Conflict(f"Signing key {kid} is the only one left: create a new key first.")
    row.retired_at = utcnow()
    record(actor, "signing_key.retire", "signing_key", row.id, {"kid": kid})
    db.session.commit()
    return row


def signing_keys() -> list[SigningKey]:
    """Every key, newest first (the first unretired one signs)."""
    return list(db.session.scalars(select(SigningKey).order_by(SigningKey.id.desc())))


def _current_row() -> SigningKey | None:
    return db.session.scalar(
        select(SigningKey)
        .where(SigningKey.retired_at.is_(None))
        .order_by(SigningKey.id.desc())
        .limit(1)
    )


def signing_keyset() -> KeySet:
    """Return the private key that signs new tokens, as a one-key set (so ``kid`` is set)."""
    row = _current_row()
    if row is None:
        raise NoSigningKey("The hub has no signing key yet: run `connector-hub init`.")
    return KeySet([_load(row)])


def unretired_kids() -> ScalarSelect[str | None]:
    """A scalar subquery: every unretired kid, space-separated (NULL when none).

    Authentication puts it in the query that loads the calling client, so checking a
    token costs one round trip, and a retired key still stops verifying at once.
    """
    return (
        select(func.aggregate_strings(SigningKey.kid, " "))
        .where(SigningKey.retired_at.is_(None))
        .scalar_subquery()
    )


def verification_keyset(kids: Iterable[str] | None = None) -> KeySet:
    """Return the public keys that verify tokens: every unretired key, as of now.

    ``kids``: the unretired kids as just read (see :func:`unretired_kids`); None reads them.
    """
    # Which keys are unretired is read for every call (a retired key stops verifying at
    # once); only the key objects are cached, by the exact set of kids.
    if kids is None:
        kids = db.session.scalars(select(SigningKey.kid).where(SigningKey.retired_at.is_(None)))
    wanted = tuple(sorted(kids))
    keyset = _verifying.get(wanted)
    if keyset is None:
        rows = db.session.scalars(
            select(SigningKey).where(SigningKey.kid.in_(wanted)).order_by(SigningKey.id)
        ).all()
        keyset = KeySet([RSAKey.import_key(_load(row).as_dict(private=False)) for row in rows])
        _verifying.clear()  # keep one set: kids change only when a key is made or retired
        _verifying[wanted] = keyset
    return keyset


def public_jwks() -> dict[str, Any]:
    """Return the JWKS document: public parts only."""
    return dict(verification_keyset().as_dict(private=False))

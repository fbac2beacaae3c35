"""The RS256 keys that sign access tokens, and the public JWKS that verifies them."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from typing import Any

from joserfc.jwk import KeySet, RSAKey
from sqlalchemy import ScalarSelect, func, select

from hub.audit.services import record
from hub.auth.models import SigningKey
from hub.errors import DomainError
from hub.extensions import db

# Authlib's own ``authlib.jose`` is deprecated in favour of joserfc (which Authlib itself
# uses for RFC 9068 tokens), so keys are joserfc objects throughout.
ALGORITHM = "RS256"
KEY_BITS = 2048

# Parsing a PEM costs about a millisecond; keys never change once written, so cache them.
_parsed: dict[str, RSAKey] = {}
# The public key set for the unretired kids last seen: every request verifies a token, and
# building the set (public parts of each key, re-imported) cost more than the query.
_verifying: dict[tuple[str, ...], KeySet] = {}


class NoSigningKey(DomainError):
    """The hub cannot issue tokens before ``connector-hub init`` made a key."""

    status = 503


def _load(row: SigningKey) -> RSAKey:
    key = _parsed.get(row.kid)
    if key is None:
        key = RSAKey.import_key(
            row.private_pem, parameters={"kid": row.kid, "use": "sig", "alg": row.algorithm}
        )
        _parsed[row.kid] = key
    return key


def create_signing_key(*, actor: str) -> SigningKey:
    """Generate a new key pair; it signs from now on, older keys keep verifying."""
    kid = secrets.token_urlsafe(12)
    key = RSAKey.generate_key(KEY_BITS, private=True)
    row = SigningKey(kid=kid, algorithm=ALGORITHM, private_pem=key.as_pem(private=True).decode())
    db.session.add(row)
    db.session.flush()
    record(actor, "signing_key.create", "signing_key", row.id, {"kid": kid})
    db.session.commit()
    return row


def ensure_signing_key(*, actor: str) -> tuple[SigningKey, bool]:
    """Return the current signing key, creating one if the hub has none; and if it was new."""
    row = _current_row()
    if row is not None:
        return row, False
    return create_signing_key(actor=actor), True


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

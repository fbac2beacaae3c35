"""shared.crypto: sealed boxes only the recipient's private key opens."""

from __future__ import annotations

import base64

import pytest

from shared import crypto


def test_seal_and_open_round_trip() -> None:
    pair = crypto.generate_keypair()
    sealed = crypto.seal(pair.public, b"Amira Haddad, +1 902 555 0199")
    assert b"Amira" not in sealed
    assert crypto.open(pair.private, sealed) == b"Amira Haddad, +1 902 555 0199"
    assert crypto.unseal_text(pair.private, crypto.seal_text(pair.public, b"x")) == b"x"
    assert crypto.public_key_of(pair.private) == pair.public
    # Sealed boxes are randomized: the same card twice gives different ciphertexts.
    assert crypto.seal(pair.public, b"same") != crypto.seal(pair.public, b"same")


def test_only_the_recipient_can_open() -> None:
    alice, bob = crypto.generate_keypair(), crypto.generate_keypair()
    sealed = crypto.seal(alice.public, b"card")
    with pytest.raises(crypto.CryptoError):
        crypto.open(bob.private, sealed)
    with pytest.raises(crypto.CryptoError):
        crypto.open(alice.public, sealed)  # a public key is not the private one
    tampered = sealed[:-1] + bytes([sealed[-1] ^ 1])
    with pytest.raises(crypto.CryptoError):
        crypto.open(alice.private, tampered)


@pytest.mark.parametrize("key", ["", "not base64!", base64.b64encode(b"short").decode(), "A" * 44])
def test_malformed_keys(key: str) -> None:
    with pytest.raises(crypto.CryptoError):
        crypto.check_public_key(key)
        crypto.seal(key, b"x")


def test_malformed_sealed_text() -> None:
    pair = crypto.generate_keypair()
    with pytest.raises(crypto.CryptoError):
        crypto.unseal_text(pair.private, "***")
    raw = base64.b64decode(pair.public)
    assert crypto.check_public_key(pair.public) == pair.public
    assert crypto.seal(raw, b"x")  # raw bytes work as well as base64 text

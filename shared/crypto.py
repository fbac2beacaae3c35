"""Sealed boxes for contact cards: only the holder of the recipient's private key can open.

A node keeps an X25519 key pair (PyNaCl); the hub holds only public keys and ciphertext.
Keys travel and are stored as standard base64 of their 32 raw bytes.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from nacl.exceptions import CryptoError as NaclCryptoError
from nacl.public import PrivateKey, PublicKey, SealedBox

#: Raw length of an X25519 key.
KEY_BYTES = 32


class CryptoError(Exception):
    """A key is malformed or a sealed box cannot be opened with the key given."""


@dataclass(frozen=True)
class KeyPair:
    """A key pair as base64 text; ``private`` never leaves the node."""

    public: str
    private: str


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _raw_key(value: str | bytes, what: str) -> bytes:
    if isinstance(value, str):
        try:
            raw = base64.b64decode(value.encode("ascii"), validate=True)
        except (binascii.Error, UnicodeEncodeError) as exc:
            raise CryptoError(f"The {what} key is not base64.") from exc
    else:
        raw = bytes(value)
    if len(raw) != KEY_BYTES:
        raise CryptoError(f"The {what} key must be {KEY_BYTES} bytes.")
    return raw


def generate_keypair() -> KeyPair:
    """Make a fresh X25519 key pair."""
    private = PrivateKey.generate()
    return KeyPair(public=_b64(bytes(private.public_key)), private=_b64(bytes(private)))


def public_key_of(private_key: str | bytes) -> str:
    """Return the base64 public key that belongs to a private key."""
    return _b64(bytes(PrivateKey(_raw_key(private_key, "private")).public_key))


def check_public_key(public_key: str) -> str:
    """Return ``public_key`` if it is a well-formed base64 X25519 key; else raise CryptoError."""
    _raw_key(public_key, "public")
    return public_key


def seal(public_key: str | bytes, plaintext: bytes) -> bytes:
    """Encrypt ``plaintext`` so that only the owner of ``public_key``'s private key can read it."""
    return bytes(SealedBox(PublicKey(_raw_key(public_key, "public"))).encrypt(plaintext))


def unseal(private_key: str | bytes, ciphertext: bytes) -> bytes:
    """Decrypt a sealed box with the recipient's private key; CryptoError if it is not theirs."""
    box = SealedBox(PrivateKey(_raw_key(private_key, "private")))
    try:
        return bytes(box.decrypt(ciphertext))
    except NaclCryptoError as exc:
        raise CryptoError("The sealed box cannot be opened with this key.") from exc


#: ``open(private_key, ciphertext)``, the name the protocol docs use.
open = unseal  # noqa: A001 - deliberate: crypto.open mirrors crypto.seal


def seal_text(public_key: str | bytes, plaintext: bytes) -> str:
    """Seal and return base64 text, as the wire carries it."""
    return _b64(seal(public_key, plaintext))


def unseal_text(private_key: str | bytes, sealed: str) -> bytes:
    """Open a base64 sealed box as the wire carries it."""
    try:
        raw = base64.b64decode(sealed.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError) as exc:
        raise CryptoError("The sealed box is not base64.") from exc
    return unseal(private_key, raw)

"""Pseudonymous refs: keyed HMAC-SHA256, one independent ref space per purpose."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

MIN_KEY_BYTES = 16
REF_LENGTH = 32  # hex characters, i.e. 128 bits of the HMAC

DIRECTORY = "directory"
INTRO = "intro"

# A purpose is a plain word so that "a:b" + "c" can never collide with "a" + "b:c".
_PURPOSE = re.compile(r"[a-z][a-z0-9_-]{0,39}")
_REF = re.compile(r"[0-9a-f]{32}")


def new_key() -> bytes:
    """Return a fresh random 32-byte pseudonym key for a node."""
    return secrets.token_bytes(32)


def pseudonym(key: bytes, purpose: str, local_id: int | str) -> str:
    """Return the 32-hex-char ref of a local record for one purpose, keyed by the node's key."""
    if not isinstance(key, bytes | bytearray):
        raise TypeError("pseudonym key must be bytes")
    if len(key) < MIN_KEY_BYTES:
        raise ValueError(f"pseudonym key must be at least {MIN_KEY_BYTES} bytes")
    if _PURPOSE.fullmatch(purpose) is None:
        raise ValueError(f"invalid pseudonym purpose: {purpose!r}")
    # bool is an int; a True id is a bug upstream, not record 1.
    if isinstance(local_id, bool) or not isinstance(local_id, int | str):
        raise TypeError("local_id must be an int or a str")
    if isinstance(local_id, str) and not local_id:
        raise ValueError("local_id must not be empty")
    message = f"{purpose}:{local_id}".encode()
    return hmac.new(bytes(key), message, hashlib.sha256).hexdigest()[:REF_LENGTH]


def is_ref(value: object) -> bool:
    """Tell whether a value is shaped like a ref (32 lowercase hex characters)."""
    return isinstance(value, str) and _REF.fullmatch(value) is not None

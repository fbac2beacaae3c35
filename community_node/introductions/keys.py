"""This node's key pair for sealed contact cards, and its registration with the hub."""

from __future__ import annotations

from base64 import b64decode
from typing import Any

from sqlalchemy import select

from community_node.extensions import db
from community_node.introductions.models import NodeKeyPair
from shared.crypto import generate_keypair
from shared.hubclient import HubError


def ensure_keypair() -> NodeKeyPair:
    """Return this node's key pair, making one the first time; no commit."""
    pair = db.session.scalars(select(NodeKeyPair).limit(1)).first()
    if pair is None:
        fresh = generate_keypair()
        pair = NodeKeyPair(public_key=fresh.public, private_key=b64decode(fresh.private))
        db.session.add(pair)
        db.session.flush()
    return pair


def register_public_key(hub: Any) -> str | None:
    """Register this node's public key with the hub (on ``hub connect``); no commit.

    A hub client without the method (a test double) or a refusal is not fatal: the key is
    registered again on the next connect or ``introductions sync``.
    """
    register = getattr(hub, "register_public_key", None)
    pair = ensure_keypair()
    if register is None:
        return None
    try:
        register(pair.public_key)
    except HubError:
        return None
    return pair.public_key


def private_key() -> bytes:
    return bytes(ensure_keypair().private_key)

"""The transactional outbox: anonymized changes for the hub, written with the change itself.

Nothing here commits: the caller's transaction keeps the change and its outbox rows
together, or neither. Only allow-listed facts reach ``shared.privacy.profile_payload``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import exists, select

from community_node.database import utcnow
from community_node.extensions import db
from community_node.participants.models import (
    Connector,
    Consent,
    ConsentPurpose,
    ProfileStatus,
)
from community_node.sync.models import (
    HubConnection,
    ListedConnector,
    NodeKey,
    OutboxItem,
    OutboxKind,
)
from shared.privacy import (
    ConnectorFacts,
    Generalized,
    generalize,
    new_key,
    profile_payload,
    pseudonym,
    tombstone_payload,
)

DIRECTORY = "directory"
SNAPSHOT_KEY = "snapshot"


def hub_configured() -> bool:
    return db.session.scalar(select(HubConnection.id).limit(1)) is not None


def node_key(purpose: str) -> bytes:
    """Return this node's key for a pseudonym purpose, creating it on first use."""
    key = db.session.scalar(select(NodeKey.key).where(NodeKey.purpose == purpose))
    if key is None:
        key = new_key()
        db.session.add(NodeKey(purpose=purpose, key=key))
        db.session.flush()
    return bytes(key)


def directory_ref(connector_id: int) -> str:
    return pseudonym(node_key(DIRECTORY), DIRECTORY, connector_id)


def _hash(payload: dict[str, Any]) -> str:
    without_version = {k: v for k, v in payload.items() if k != "version"}
    text = json.dumps(without_version, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _facts(connector: Connector) -> ConnectorFacts:
    # The allow-list: every field read here is one the protocol publishes (generalized).
    return ConnectorFacts(
        local_id=connector.id,
        occupation=connector.occupation,
        years_in_field=connector.years_in_field,
        languages=tuple((lang.language, lang.level.value) for lang in connector.languages),
        availability=tuple(connector.availability or ()),
        remote_ok=connector.remote_ok,
        cross_city_ok=connector.cross_city_ok,
        accepting=connector.accepting(utcnow().date()),
        # Only the ESCO ids the free text normalized to: vocabulary, not what staff typed.
        skills=tuple(connector.skill_ids or ()),
    )


def listable_connectors() -> list[Connector]:
    """Approved connectors with an active directory-listing consent."""
    consented = exists().where(
        Consent.connector_id == Connector.id,
        Consent.purpose == ConsentPurpose.DIRECTORY_LISTING,
        Consent.withdrawn_at.is_(None),
    )
    stmt = (
        select(Connector)
        .where(Connector.status == ProfileStatus.APPROVED, consented)
        .order_by(Connector.id)
        # Bulk imports update rows behind the identity map's back: read them afresh.
        .execution_options(populate_existing=True)
    )
    return list(db.session.scalars(stmt))


def _enqueue(kind: OutboxKind, key: str) -> OutboxItem:
    item = OutboxItem(kind=kind, key=key, payload={})
    db.session.add(item)
    return item


def refresh_directory(*, force: bool = False) -> int:
    """Enqueue every directory change since the hub was last told; return how many.

    Generalization depends on every listed connector (cells of fewer than 5 are
    coarsened), so one change can change other profiles too: all listable connectors are
    generalized together, and each one whose published form changed is enqueued; those
    no longer listable get a tombstone. ``force`` re-enqueues every listed profile.
    Does nothing while no hub is configured (``hub connect`` enqueues everything).
    """
    if not hub_configured():
        return 0
    db.session.flush()  # the caller's changes must be visible to the queries below
    key = node_key(DIRECTORY)
    connectors = listable_connectors()
    facts = {c.id: _facts(c) for c in connectors}
    general: dict[int, Generalized] = generalize(list(facts.values()))
    known = {row.connector_id: row for row in db.session.scalars(select(ListedConnector))}

    # Build payloads with version 0 to compare, then number the changed ones by seq.
    wanted: list[tuple[int, str, OutboxKind, dict[str, Any] | None]] = []
    for connector_id, fact in facts.items():
        g = general[connector_id]
        if not g.listed:
            continue
        ref = pseudonym(key, DIRECTORY, connector_id)
        draft = profile_payload(fact, ref=ref, version=1, g=g)
        row = known.get(connector_id)
        if force or row is None or not row.listed or row.payload_hash != _hash(draft):
            wanted.append((connector_id, ref, OutboxKind.PROFILE, draft))
    listed_now = {cid for cid in facts if general[cid].listed}
    for connector_id, row in known.items():
        if row.listed and connector_id not in listed_now:
            wanted.append((connector_id, row.ref, OutboxKind.TOMBSTONE, None))
    if not wanted:
        return 0

    items = [_enqueue(kind, ref) for _, ref, kind, _ in wanted]
    db.session.flush()  # assigns every seq in one batched INSERT … RETURNING
    for item, (connector_id, ref, _kind, profile) in zip(items, wanted, strict=True):
        if profile is None:
            item.payload = tombstone_payload(ref, item.seq)
        else:
            item.payload = {**profile, "version": item.seq}
        row = known.get(connector_id)
        if row is None:
            row = ListedConnector(connector_id=connector_id, ref=ref)
            db.session.add(row)
        row.listed = profile is not None
        row.version = item.seq
        row.payload_hash = _hash(item.payload) if profile is not None else None
    db.session.flush()
    return len(items)


def connector_changed(subject: object) -> None:
    """Hook for participant services: a connector or a connector consent changed.

    Connectees and their consents are never published, so they are ignored here.
    """
    if isinstance(subject, Connector) or (
        isinstance(subject, Consent)
        and subject.connector_id is not None
        and subject.purpose == ConsentPurpose.DIRECTORY_LISTING
    ):
        refresh_directory()


def connectors_changed() -> None:
    """Hook for bulk writes (imports): reconcile the directory once for the whole batch."""
    refresh_directory()


def enqueue_snapshot() -> OutboxItem:
    """Enqueue the full list of refs this node lists now (the hub tombstones the rest)."""
    item = _enqueue(OutboxKind.SNAPSHOT, SNAPSHOT_KEY)
    db.session.flush()
    refs = sorted(
        db.session.scalars(select(ListedConnector.ref).where(ListedConnector.listed.is_(True)))
    )
    item.payload = {"refs": refs, "version": item.seq}
    db.session.flush()
    return item


def latest_for_key(key: str) -> OutboxItem | None:
    stmt = select(OutboxItem).where(OutboxItem.key == key).order_by(OutboxItem.seq.desc())
    return db.session.scalars(stmt.limit(1)).first()


def enqueue_outcomes(period: str, cells: Sequence[dict[str, Any]]) -> OutboxItem | None:
    """Enqueue one period's cells unless the same set was already enqueued for it."""
    payload = {"cells": list(cells)}
    previous = latest_for_key(period)
    if previous is not None and _hash(previous.payload) == _hash(payload):
        return None
    if previous is None and not cells:
        return None
    item = _enqueue(OutboxKind.OUTCOMES, period)
    item.payload = payload
    db.session.flush()
    return item

"""The transactional outbox: anonymized changes for the hub, written with the change itself.

Nothing here commits: the caller's transaction keeps the change and its outbox rows
together, or neither. Only allow-listed facts reach ``shared.privacy.profile_payload``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Collection, Sequence
from typing import Any, cast

from sqlalchemy import Row, Table, bindparam, delete, exists, insert, select, true, update

from community_node.database import utcnow
from community_node.extensions import db
from community_node.participants.models import (
    Connector,
    Consent,
    ConsentPurpose,
    ProfileStatus,
)
from community_node.sync.models import (
    DirectoryEntry,
    HubConnection,
    ListedConnector,
    NodeKey,
    OutboxItem,
    OutboxKind,
)
from shared.privacy import (
    NOT_LISTED,
    ConnectorFacts,
    Generalized,
    experience_band,
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


def listable_connectors(ids: Collection[int] | None = None) -> list[Connector]:
    """Approved connectors with an active directory-listing consent (of ``ids``, if given)."""
    consented = exists().where(
        Consent.connector_id == Connector.id,
        Consent.purpose == ConsentPurpose.DIRECTORY_LISTING,
        Consent.withdrawn_at.is_(None),
    )
    stmt = (
        select(Connector)
        .where(Connector.status == ProfileStatus.APPROVED, consented)
        .order_by(Connector.id)
        .where(true() if ids is None else Connector.id.in_(ids))
        # Bulk imports update rows behind the identity map's back: read them afresh.
        .execution_options(populate_existing=True)
    )
    return list(db.session.scalars(stmt))


def _enqueue(kind: OutboxKind, key: str) -> OutboxItem:
    item = OutboxItem(kind=kind, key=key, payload={})
    db.session.add(item)
    return item


def refresh_directory(*, force: bool = False, changed: Collection[int] | None = None) -> int:
    """Enqueue every directory change since the hub was last told; return how many.

    Generalization depends on every listed connector (cells of fewer than 5 are
    coarsened), so one change can change other profiles too. Without ``changed`` (or
    with ``force``, which re-enqueues every listed profile) all listable connectors are
    read and generalized together: each one whose published form changed is enqueued,
    those no longer listable get a tombstone, and ``sync_directory_entries`` is
    rewritten. With ``changed`` (the connectors written since), only those are read
    again; generalization reruns over the kept entries only when one of them entered,
    left or moved cell, and only profiles whose facts or cell changed are rebuilt. The
    first refresh after a hub connection (or an upgrade) is always a full one.
    Does nothing while no hub is configured (``hub connect`` enqueues everything).
    """
    connection = db.session.scalars(select(HubConnection).limit(1)).first()
    if connection is None:
        return 0
    db.session.flush()  # the caller's changes must be visible to the queries below
    if force or changed is None or not connection.directory_cached:
        count = _refresh_all(force)
        connection.directory_cached = True
        return count
    return _refresh_changed(set(changed))


def _refresh_all(force: bool) -> int:
    """Generalize every listable connector afresh; rewrite the directory entries."""
    facts = {c.id: _facts(c) for c in listable_connectors()}
    general: dict[int, Generalized] = generalize(list(facts.values()))
    known = {row.connector_id: row for row in db.session.scalars(select(ListedConnector))}
    _store_entries(facts, general, None)
    return _enqueue_changes(facts, general, known, force=force)


def _refresh_changed(changed: set[int]) -> int:
    """Recompute the given connectors' facts; rebuild only the profiles that changed."""
    today = utcnow().date()
    # A pause that ran out changes ``accepting`` with no write: read those connectors too.
    changed |= set(
        db.session.scalars(
            select(DirectoryEntry.connector_id).where(DirectoryEntry.paused_until <= today)
        )
    )
    if not changed:
        return 0
    fresh = {c.id: _facts(c) for c in listable_connectors(changed)}
    entries = _entries(changed)
    moved = any(_cell(fresh.get(i)) != _cell(entries.get(i)) for i in changed)
    affected = set(changed)
    if moved:
        _store_entries(fresh, {}, changed)
        db.session.flush()
        # Someone entered, left or moved cell: every kept entry's cell may change.
        inputs = db.session.execute(
            select(
                DirectoryEntry.connector_id,
                DirectoryEntry.occupation,
                DirectoryEntry.years_in_field,
                *_PUBLISHED,
            )
        ).all()
        general = generalize(
            [ConnectorFacts(r[0], r[1], r[2], (), (), False, False, False) for r in inputs]
        )
        affected |= {r[0] for r in inputs if _published(r[3:]) != general[r[0]]}
        entries = _entries(affected)
        facts = {i: _entry_facts(e) for i, e in entries.items()}
        facts.update(fresh)
    else:
        # Nobody's cell changed, so generalization gives everyone the cell they had.
        general = {i: _published(_published_of(e)) for i, e in entries.items() if i in fresh}
        facts = fresh
    general = {i: general[i] for i in facts}
    _store_entries(facts, general, affected)
    known = {
        row.connector_id: row
        for row in db.session.scalars(
            select(ListedConnector).where(ListedConnector.connector_id.in_(affected))
        )
    }
    return _enqueue_changes(facts, general, known, force=False)


_ENTRIES = cast(Table, DirectoryEntry.__table__)
_PUBLISHED_NAMES = ("published_occupation", "published_level", "published_band")
_PUBLISHED = (
    DirectoryEntry.published_occupation,
    DirectoryEntry.published_level,
    DirectoryEntry.published_band,
)


def _published(values: Sequence[str | None]) -> Generalized:
    occupation, level, band = values
    return NOT_LISTED if occupation is None else Generalized(occupation, level, band)


def _published_of(entry: Row[Any]) -> tuple[str | None, str | None, str | None]:
    return (entry.published_occupation, entry.published_level, entry.published_band)


def _cell(found: ConnectorFacts | Row[Any] | None) -> tuple[str | None, str | None] | None:
    """What generalization reads of a connector; None when it is not listable."""
    if found is None:
        return None
    years = found.years_in_field
    return (found.occupation, experience_band(years))


def _entries(ids: Collection[int] | None) -> dict[int, Row[Any]]:
    """Read the kept entries of ``ids`` (None: all) as rows, never as ORM objects."""
    table = _ENTRIES
    stmt = select(table)
    if ids is not None:
        stmt = stmt.where(table.c.connector_id.in_(ids))
    return {row.connector_id: row for row in db.session.execute(stmt)}


def _entry_facts(entry: Row[Any]) -> ConnectorFacts:
    kept = entry.facts
    return ConnectorFacts(
        local_id=entry.connector_id,
        occupation=entry.occupation,
        years_in_field=entry.years_in_field,
        languages=tuple((language, level) for language, level in kept["languages"]),
        availability=tuple(kept["availability"]),
        remote_ok=kept["remote_ok"],
        cross_city_ok=kept["cross_city_ok"],
        accepting=kept["accepting"],
        skills=tuple(kept["skills"]),
    )


def _entry_values(fact: ConnectorFacts, paused_until: dt.date | None) -> dict[str, Any]:
    return {
        "occupation": fact.occupation,
        "years_in_field": fact.years_in_field,
        "facts": {
            "languages": [list(pair) for pair in fact.languages],
            "availability": list(fact.availability),
            "remote_ok": fact.remote_ok,
            "cross_city_ok": fact.cross_city_ok,
            "accepting": fact.accepting,
            "skills": list(fact.skills),
        },
        "paused_until": paused_until,
    }


def _store_entries(
    facts: dict[int, ConnectorFacts],
    general: dict[int, Generalized],
    ids: Collection[int] | None,
) -> None:
    """Write the entries of ``ids`` (None: all): their facts, and cells where ``general`` has one.

    Connectors of ``ids`` without facts are no longer listable: their entries go. Core
    statements, only for rows that differ: a full refresh compares 10,000 of them.
    """
    table = _ENTRIES
    entries = _entries(ids)
    pauses = _pauses()
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    considered = entries.keys() | facts.keys() if ids is None else ids
    for connector_id in considered:
        entry, fact = entries.get(connector_id), facts.get(connector_id)
        if fact is None:
            continue
        g = general.get(connector_id)
        if g is not None:
            published = (g.occupation, g.occupation_level, g.experience_band)
        else:  # not generalized this time: the cell stays (a new entry has none yet)
            published = (None, None, None) if entry is None else _published_of(entry)
        values = _entry_values(fact, pauses.get(connector_id))
        values.update(zip(_PUBLISHED_NAMES, published, strict=True))
        if entry is None:
            inserts.append({"connector_id": connector_id, **values})
        elif any(getattr(entry, name) != value for name, value in values.items()):
            updates.append({"id_": connector_id, **values})
    gone = [i for i in entries if i not in facts]
    if gone:
        db.session.execute(delete(table).where(table.c.connector_id.in_(gone)))
    if inserts:
        db.session.execute(insert(table), inserts)
    if updates:
        stmt = update(table).where(table.c.connector_id == bindparam("id_"))
        db.session.execute(stmt, updates)


def _pauses() -> dict[int, dt.date]:
    """Return the pauses that alone keep connectors from accepting today (a few rows)."""
    today = utcnow().date()
    stmt = select(Connector.id, Connector.unavailable_until).where(
        Connector.available.is_(True),
        Connector.unavailable_until > today,
    )
    return {connector_id: until for connector_id, until in db.session.execute(stmt) if until}


def _enqueue_changes(
    facts: dict[int, ConnectorFacts],
    general: dict[int, Generalized],
    known: dict[int, ListedConnector],
    *,
    force: bool,
) -> int:
    """Enqueue the profiles of ``facts`` whose payload changed, and the tombstones due.

    ``known`` holds what the hub was told about the connectors considered: those of them
    not listed now get a tombstone.
    """
    key = node_key(DIRECTORY)
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
    if isinstance(subject, Connector):
        refresh_directory(changed=[subject.id])
    elif (
        isinstance(subject, Consent)
        and subject.connector_id is not None
        and subject.purpose == ConsentPurpose.DIRECTORY_LISTING
    ):
        refresh_directory(changed=[subject.connector_id])


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

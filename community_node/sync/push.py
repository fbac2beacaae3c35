"""Pushing the outbox: coalesce, batch, send up to three batches at once, mark answers."""

from __future__ import annotations

import contextvars
import datetime as dt
import functools
import hashlib
import json
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import Connection, Integer, Table, Text, any_, bindparam, cast, select, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import DBAPIError

from community_node.extensions import db
from community_node.sync.connection import HubPort
from community_node.sync.models import OutboxItem, OutboxKind, OutboxStatus
from community_node.sync.report import ERROR_LENGTH, SyncReport, error_text
from shared.hubclient import HubError, HubRejected, ItemResult, JSONText

#: Profile batches in flight at once during a push (the hub runs several workers).
PUSH_CONCURRENCY = 3


@dataclass(frozen=True)
class Pending:
    """A pending outbox item as plain values: pushing never builds ORM objects.

    ``text`` is the payload's JSON as stored; it is decoded only where a dict is needed
    (snapshots, outcomes, demand), and profile batches send it as it is.
    """

    seq: int
    kind: OutboxKind
    key: str
    text: str

    @functools.cached_property
    def payload(self) -> dict[str, Any]:
        payload: dict[str, Any] = json.loads(self.text)
        return payload


def read_pending() -> list[Pending]:
    """Return every pending outbox item in seq order, payloads as stored JSON text."""
    stmt = (
        select(OutboxItem.seq, OutboxItem.kind, OutboxItem.key, cast(OutboxItem.payload, Text))
        .where(OutboxItem.status == OutboxStatus.PENDING)
        .order_by(OutboxItem.seq)
    )
    return [Pending(*row) for row in db.session.execute(stmt)]


def coalesce(pending: Sequence[Pending]) -> list[Pending]:
    """Mark every pending item older than a newer pending item of its key superseded.

    Return the items left to send, in seq order. Done here rather than in SQL: a
    self-join on the newest seq per key was planned by SQLite as a nested scan at times
    (8 s for 10,000 items); one pass over the items already read is linear.
    """
    newest: dict[str, int] = {}
    for item in pending:
        newest[item.key] = item.seq  # seq order: the last one seen is the newest
    superseded = [item.seq for item in pending if newest[item.key] != item.seq]
    for start in range(0, len(superseded), 500):
        db.session.execute(
            update(OutboxItem)
            .where(OutboxItem.seq.in_(superseded[start : start + 500]))
            .values(status=OutboxStatus.SUPERSEDED)
            .execution_options(synchronize_session=False)
        )
    return [item for item in pending if newest[item.key] == item.seq]


_BATCHED_KINDS = (OutboxKind.PROFILE, OutboxKind.TOMBSTONE)


def batches(items: Sequence[Pending], size: int) -> Iterator[list[Pending]]:
    """Group items in seq order: runs of profiles/tombstones (≤ size), others alone."""
    run: list[Pending] = []
    for item in items:
        if item.kind in _BATCHED_KINDS:
            run.append(item)
            if len(run) == size:
                yield run
                run = []
        else:
            if run:
                yield run
                run = []
            yield [item]
    if run:
        yield run


def idempotency_key(batch: Sequence[Pending]) -> str:
    """The batch's Idempotency-Key: first and last seq plus a digest of the items.

    The same batch always gets the same key, so a resend after a crash is a replay (the
    digest is of the payloads as stored, which do not change). The digest keeps a
    different batch over the same seq range (an item requeued from the dead letters in
    between) from reusing a key, which the hub would refuse with 422.
    """
    digest = hashlib.sha256()
    for item in batch:
        digest.update(item.text.encode())
        digest.update(b"\n")
    return f"{batch[0].seq}-{batch[-1].seq}-{digest.hexdigest()[:16]}"


def _describe_item_errors(errors: Any) -> str:
    return f"rejected by the hub: {errors}"[:ERROR_LENGTH]


_OUTBOX: Table = OutboxItem.__table__  # type: ignore[assignment]
_SEQS = postgresql.ARRAY(Integer)


def _mark(seqs: Sequence[int], marks: Connection | None, **values: Any) -> None:
    """Count one more attempt on items ``seqs`` and set ``values``: one UPDATE, no ORM objects.

    ``marks``: the push's marking connection (see :func:`_marking`); None: the session.
    """
    if marks is not None:
        # PostgreSQL: the seqs travel as ONE array parameter. An IN list of 500 rendered
        # 500 placeholders, which psycopg split and converted on every call: 17 ms of the
        # node's CPU per batch, a third of a 10,000-profile push's marking time.
        marks.execute(
            update(_OUTBOX)
            .where(_OUTBOX.c.seq == any_(bindparam("seqs", list(seqs), type_=_SEQS)))
            .values(attempts=_OUTBOX.c.attempts + 1, **values)
        )
        return
    for start in range(0, len(seqs), 500):
        db.session.execute(
            update(_OUTBOX)
            .where(_OUTBOX.c.seq.in_(seqs[start : start + 500]))
            .values(attempts=_OUTBOX.c.attempts + 1, **values)
        )


@contextmanager
def _marking() -> Iterator[Connection | None]:
    """Yield the connection that marks answered batches: PostgreSQL only; None elsewhere.

    Each mark is then ONE autocommitted UPDATE on a connection held for the push (no
    pool checkout, ping, BEGIN or COMMIT per batch), and its commit returns before the
    WAL is flushed (``synchronous_commit = off``): that flush alone cost several ms per
    batch, and what it protects is cheap to lose. A node process crash loses nothing
    (the server has the commit); a database crash can lose the last marks, whose items
    are then sent again: under the same Idempotency-Key the hub replays its answer,
    under another one it answers "stale" (it holds those versions). Never lost, never
    applied twice. Elsewhere (SQLite) marks go through the session, one commit a batch.
    """
    if db.session.get_bind().dialect.name != "postgresql":
        yield None
        return
    with db.engine.connect() as raw:
        marks = raw.execution_options(isolation_level="AUTOCOMMIT")
        marks.exec_driver_sql("SET synchronous_commit = off")
        try:
            yield marks
        finally:
            try:
                marks.exec_driver_sql("RESET synchronous_commit")
            except DBAPIError:
                marks.invalidate()  # never back in the pool with the setting


def _call(client: HubPort, batch: list[Pending]) -> list[ItemResult | None]:
    """Send one batch to the hub; return its per-item results (None: applied whole)."""
    first = batch[0]
    if first.kind == OutboxKind.SNAPSHOT:
        client.put_snapshot(list(first.payload["refs"]), int(first.payload["version"]))
        return [None]
    if first.kind == OutboxKind.OUTCOMES:
        client.put_outcomes(first.key, list(first.payload["cells"]))
        return [None]
    if first.kind == OutboxKind.DEMAND:
        client.put_demand(list(first.payload["signals"]))
        return [None]
    texts = [JSONText(item.text) for item in batch]
    return list(client.push_profiles(texts, idempotency_key(batch)))


def _record(
    batch: list[Pending],
    results: Sequence[ItemResult | None],
    now: dt.datetime,
    marks: Connection | None,
) -> tuple[int, int]:
    """Mark a sent batch's items sent, or dead where the hub rejected them; (sent, dead)."""
    sent: list[int] = []
    dead = 0
    for item, result in zip(batch, results, strict=True):
        if result is not None and result.status == "rejected":
            _mark(
                [item.seq],
                marks,
                status=OutboxStatus.DEAD,
                next_attempt_at=None,
                last_error=_describe_item_errors(result.errors),
            )
            dead += 1
        else:
            sent.append(item.seq)
    _mark(sent, marks, status=OutboxStatus.SENT, sent_at=now, next_attempt_at=None, last_error=None)
    return len(sent), dead


def push(client: HubPort, report: SyncReport, now: dt.datetime) -> None:
    """Send every pending outbox item; count what went in ``report``; raise the first failure."""
    pending = read_pending()
    sendable = coalesce(pending)
    report.superseded += len(pending) - len(sendable)
    db.session.commit()
    queue = deque(batches(sendable, int(current_app.config["SYNC_BATCH_SIZE"])))
    if not queue:
        return
    # Up to PUSH_CONCURRENCY profile batches are in flight at once (the hub's workers
    # serve them side by side), sent by threads that only talk HTTP; this thread records
    # each answer, in submission order, with an UPDATE and a commit while the others
    # travel. Order between profile batches does not matter: after coalescing each ref
    # appears at most once per push, and the hub applies only newer versions. Any other
    # item (snapshot, outcomes, demand) keeps its place in seq order: it is sent once
    # every batch before it is answered, and alone. An item is marked sent only once its
    # batch is acknowledged, so a crash leaves the rest pending; resent under the same
    # Idempotency-Key, a batch the hub had committed gets its stored answer replayed.
    # Once a failure is read (answers are read in submission order) no new batch is
    # sent: those in flight are waited for and recorded (sent when acknowledged), then
    # the failure is raised.
    failure: HubError | None = None
    answered = 0
    holds_token = client.holds_token()
    in_flight: deque[tuple[list[Pending], Future[list[ItemResult | None]]]] = deque()
    with (
        _marking() as marks,
        ThreadPoolExecutor(max_workers=PUSH_CONCURRENCY, thread_name_prefix="hub-push") as pool,
    ):
        while in_flight or (queue and failure is None):
            # Without a usable token the first request goes alone: it fetches one (the
            # client locks the fetch, so batches sent beside it would only wait for it,
            # and a refused fetch would be tried once per batch). With the token kept
            # from the last run, PUSH_CONCURRENCY batches go out from the start.
            limit = PUSH_CONCURRENCY if answered or holds_token else 1
            while failure is None and queue and len(in_flight) < limit:
                alone = queue[0][0].kind not in _BATCHED_KINDS
                if in_flight and (alone or in_flight[-1][0][0].kind not in _BATCHED_KINDS):
                    break
                batch = queue.popleft()
                # In this run's context: the threads send its request id to the hub too.
                run_in_context = contextvars.copy_context().run
                in_flight.append((batch, pool.submit(run_in_context, _call, client, batch)))
            batch, future = in_flight.popleft()
            seqs = [item.seq for item in batch]
            try:
                results = future.result()
            except HubRejected as exc:
                # The hub refused the request as a whole: retrying the same bytes cannot help.
                answered += 1
                _mark(seqs, marks, status=OutboxStatus.DEAD, last_error=error_text(exc))
                report.dead += len(batch)
                db.session.commit()
                continue
            except HubError as exc:
                _mark(seqs, marks, last_error=error_text(exc))
                db.session.commit()
                failure = failure or exc
                continue
            answered += 1
            sent, dead = _record(batch, results, now, marks)
            report.sent += sent
            report.dead += dead
            db.session.commit()
    if failure is not None:
        raise failure

"""Syncing with the hub: connect, push the outbox, report outcomes and demand, pull
resources, and pull/push cross-city introductions.

``run_sync`` takes a client factory so tests can pass a fake hub. The node keeps working
when no hub is configured or the hub is down: failures are recorded, retried with
exponential backoff and jitter (honouring Retry-After), never raised to the caller.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import random
import typing
from collections import Counter, deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

from flask import current_app
from sqlalchemy import (
    Connection,
    Integer,
    Table,
    Text,
    cast,
    delete,
    exists,
    extract,
    func,
    select,
    update,
)
from sqlalchemy.exc import DBAPIError

from community_node.audit.services import record
from community_node.database import utcnow
from community_node.errors import Conflict, DomainError, InvalidInput, NotFound
from community_node.extensions import db
from community_node.outcomes.models import FollowUpOutcome, OutcomeCategory
from community_node.pagination import Page, apply_sort, paginate
from community_node.participants.models import Connectee, ProfileStatus
from community_node.reports.services import cohort_day, funnel
from community_node.sync import outbox
from community_node.sync.models import (
    HubConnection,
    HubResource,
    OutboxItem,
    OutboxKind,
    OutboxStatus,
    SyncState,
)
from shared.hubclient import (
    Changes,
    CursorExpired,
    HubClient,
    HubError,
    HubRejected,
    HubUnavailable,
    ItemResult,
    JSONText,
    NotModified,
    SnapshotResult,
)
from shared.hubclient.client import check_hub_url
from shared.privacy import suppress_with_totals
from shared.protocol import METRICS, SOC_MAJOR_GROUPS
from shared.protocol.demand import round_signal
from shared.taxonomy import normalize_code

DESTINATION = "hub"
#: Profile batches in flight at once during a push (the hub runs several workers).
PUSH_CONCURRENCY = 3
#: Quarters of outcomes a sync reports: the current one and the three before it.
OUTCOME_QUARTERS = 4
#: The outbox key of the demand signals (one set per community).
DEMAND_KEY = "demand"
BACKOFF_BASE = 30.0  # seconds after the first failure
BACKOFF_CAP = 6 * 3600.0
_ERROR_LENGTH = 500


class HubPort(Protocol):
    """What a sync needs from the hub; ``HubClient`` is the real one, tests pass a fake."""

    def whoami(self) -> dict[str, Any]: ...

    def push_profiles(
        self, items: Sequence[Mapping[str, Any] | JSONText], idempotency_key: str
    ) -> list[ItemResult]: ...

    def put_snapshot(self, refs: Sequence[str], version: int) -> SnapshotResult: ...

    def put_outcomes(self, period: str, cells: Sequence[Mapping[str, Any]]) -> None: ...

    def put_demand(self, signals: Sequence[Mapping[str, Any]]) -> None: ...

    def resource_changes(self, since: int, etag: str | None = None) -> Changes | NotModified: ...

    # Cross-city introductions (see community_node.introductions.services.IntrosHub).

    def intro_inbox(self, since: int) -> Changes: ...

    def withdraw_intro(self, intro_id: int, idempotency_key: str) -> dict[str, Any]: ...

    def post_contact_card(
        self, intro_id: int, sealed: str, idempotency_key: str
    ) -> dict[str, Any]: ...

    def register_public_key(self, public_key: str) -> None: ...


ClientFactory = Callable[[HubConnection], HubPort]


def default_client_factory(connection: HubConnection) -> HubPort:
    return HubClient(
        connection.url,
        connection.client_id,
        connection.client_secret,
        token=connection.access_token,
    )


def _keep_token(connection: HubConnection, client: HubPort) -> None:
    """Remember the client's access token so the next run need not ask for one."""
    token = getattr(client, "token", None)
    if isinstance(token, dict) and token != connection.access_token:
        connection.access_token = token


@dataclass
class SyncReport:
    """What one sync run did."""

    configured: bool = True
    skipped_until: dt.datetime | None = None
    enqueued: int = 0
    sent: int = 0
    dead: int = 0
    superseded: int = 0
    outcome_periods: list[str] = field(default_factory=list)
    resources_changed: int = 0
    resources_resynced: bool = False
    demand_changed: bool = False
    #: What the introductions sync did (``intros.services.sync``); None when it did not run.
    intros: dict[str, int] | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.configured and self.error is None and self.skipped_until is None


# Connection -----------------------------------------------------------------------------


def get_connection() -> HubConnection | None:
    return db.session.scalars(select(HubConnection).limit(1)).first()


def connect(
    url: str,
    client_id: str,
    client_secret: str,
    *,
    actor: str,
    client_factory: ClientFactory = default_client_factory,
) -> tuple[HubConnection, dict[str, Any]]:
    """Verify credentials with the hub's whoami, then store them (replacing any earlier)."""
    try:
        url = check_hub_url(url)
    except ValueError as exc:
        raise InvalidInput({"url": [str(exc)]}) from exc
    candidate = HubConnection(url=url, client_id=client_id, client_secret=client_secret)
    hub = client_factory(candidate)
    who = hub.whoami()  # HubError propagates: nothing is stored
    connection = get_connection()
    first = connection is None
    if connection is None:
        connection = candidate
        db.session.add(connection)
    else:
        connection.url, connection.client_id = url, client_id
        connection.client_secret = client_secret
    connection.community = str(who.get("community") or "") or None
    connection.connected_at = utcnow()
    db.session.flush()
    if first:
        # Everything listable so far goes out on the first sync.
        outbox.refresh_directory(force=True)
    # Register the node's key pair for sealed contact cards (cross-city introductions).
    from community_node.introductions.services import register_public_key

    register_public_key(hub)
    record(
        actor, "hub.connect", "hub_connection", connection.id, {"community": connection.community}
    )
    db.session.commit()
    return connection, who


def _state() -> SyncState:
    state = db.session.get(SyncState, DESTINATION)
    if state is None:
        state = SyncState(destination=DESTINATION, consecutive_failures=0, resource_cursor=0)
        db.session.add(state)
        db.session.flush()
    return state


def backoff_delay(failures: int, retry_after: float | None, rng: random.Random) -> float:
    """Seconds to wait after ``failures`` failures in a row: exponential, jittered, capped."""
    exponential = min(BACKOFF_CAP, BACKOFF_BASE * float(2 ** min(max(0, failures - 1), 30)))
    delay = exponential * rng.uniform(0.5, 1.0)
    if retry_after is not None:
        delay = max(delay, min(retry_after, BACKOFF_CAP))
    return delay


def _error_text(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:_ERROR_LENGTH]


# Outcomes -------------------------------------------------------------------------------


def _quarter_of(day: dt.date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


def recent_quarters(today: dt.date, count: int = OUTCOME_QUARTERS) -> list[str]:
    """Return the last ``count`` quarters, oldest first, ending with today's."""
    year, quarter = _quarter_of(today)
    labels = []
    for _ in range(count):
        labels.append(f"{year:04d}-Q{quarter}")
        year, quarter = (year, quarter - 1) if quarter > 1 else (year - 1, 4)
    return labels[::-1]


def _quarter_bounds(label: str) -> tuple[dt.date, dt.date]:
    year, quarter = int(label[:4]), int(label[-1])
    start = dt.date(year, 3 * quarter - 2, 1)
    end_month = 3 * quarter
    next_start = dt.date(year + 1, 1, 1) if end_month == 12 else dt.date(year, end_month + 1, 1)
    return start, next_start - dt.timedelta(days=1)


def _major(group: str) -> str:
    return group if group in SOC_MAJOR_GROUPS else "unknown"


def _employed_elsewhere(start: dt.date, end: dt.date) -> dict[tuple[str, str], Counter[str]]:
    """Count connectees with a related-field or outside-field job, per quarter and group."""
    day = cohort_day()
    year = cast(extract("year", day), Integer)
    quarter = (cast(extract("month", day), Integer) - 1) // 3 + 1
    flags = {
        category.value: exists().where(
            FollowUpOutcome.connectee_id == Connectee.id, FollowUpOutcome.category == category
        )
        for category in (
            OutcomeCategory.EMPLOYED_RELATED_FIELD,
            OutcomeCategory.EMPLOYED_OUTSIDE_FIELD,
        )
    }
    stmt = select(
        year.label("y"),
        quarter.label("q"),
        func.substr(Connectee.target_occupation, 1, 2).label("g"),
        *(flag.label(name) for name, flag in flags.items()),
    ).where(
        Connectee.status != ProfileStatus.DRAFT,
        day >= start,
        day <= end,
        # Only connectees with any such job: usually a small share of the cohort.
        exists().where(
            FollowUpOutcome.connectee_id == Connectee.id,
            FollowUpOutcome.category.in_(
                [OutcomeCategory.EMPLOYED_RELATED_FIELD, OutcomeCategory.EMPLOYED_OUTSIDE_FIELD]
            ),
        ),
    )
    counts: dict[tuple[str, str], Counter[str]] = {}
    for row in db.session.execute(stmt).mappings():
        key = (f"{int(row['y']):04d}-Q{int(row['q'])}", _major(row["g"] or "unknown"))
        bucket = counts.setdefault(key, Counter())
        for name in flags:
            bucket[name] += 1 if row[name] else 0
    return counts


def outcome_cells(periods: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
    """Compute each period's suppressed outcome cells (per SOC major group and "all")."""
    start, _ = _quarter_bounds(periods[0])
    _, end = _quarter_bounds(periods[-1])
    rows: dict[str, dict[str, dict[str, int]]] = {period: {} for period in periods}
    for funnel_row in funnel("quarter", start, end, group_by="major_group"):
        if funnel_row.period not in rows:
            continue
        group = rows[funnel_row.period].setdefault(
            _major(funnel_row.major_group), dict.fromkeys(METRICS, 0)
        )
        group["enrolled"] += funnel_row.applied
        group["eligible"] += funnel_row.eligible
        group["matched"] += funnel_row.matched
        group["met"] += funnel_row.met
        group["referred"] += funnel_row.referred
        group["employed_in_field"] += funnel_row.employed_in_field
    for (period, major), counted in _employed_elsewhere(start, end).items():
        if period in rows and major in rows[period]:
            for name, value in counted.items():
                rows[period][major][name] += value
    result: dict[str, list[dict[str, Any]]] = {}
    for period, groups in rows.items():
        if not groups:
            result[period] = []
            continue
        table = suppress_with_totals(groups)
        result[period] = [
            {"major_group": g, "metric": m, "value": v, "suppressed": v is None}
            for (g, m), v in sorted(table.items())
        ]
    return result


def enqueue_outcomes(today: dt.date) -> list[str]:
    """Enqueue the recent quarters whose cells changed since last enqueued; return them."""
    periods = recent_quarters(today)
    changed = []
    for period, cells in outcome_cells(periods).items():
        if outbox.enqueue_outcomes(period, cells) is not None:
            changed.append(period)
    return changed


# Demand ---------------------------------------------------------------------------------


def demand_signals() -> list[dict[str, Any]]:
    """Each SOC major group's demand signal from the node's active demand table.

    Only groups the table has figures for; none without a table (every occupation is then
    neutral, which says nothing about the community).
    """
    from community_node.demand.services import active_table

    try:
        table = active_table().table
    except RuntimeError:  # NODE_DEMAND_METRO names no metro: the app reports it elsewhere
        return []
    if table is None:
        return []
    groups = {normalize_code(row.soc_code)[:2] for row in table}
    return [
        {"major_group": major, "signal": round_signal(table.group_signal(f"{major}-"))}
        for major in SOC_MAJOR_GROUPS
        if major in groups
    ]


def enqueue_demand() -> bool:
    """Enqueue the demand signals when they differ from the last set enqueued; no commit."""
    payload = {"signals": demand_signals()}
    previous = outbox.latest_for_key(DEMAND_KEY)
    if previous is not None and _digest(previous.payload) == _digest(payload):
        return False
    if previous is None and not payload["signals"]:
        return False
    db.session.add(OutboxItem(kind=OutboxKind.DEMAND, key=DEMAND_KEY, payload=payload))
    db.session.flush()
    return True


def _digest(payload: Mapping[str, Any]) -> str:
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


# Pushing --------------------------------------------------------------------------------


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
    return f"rejected by the hub: {errors}"[:_ERROR_LENGTH]


_OUTBOX: Table = OutboxItem.__table__  # type: ignore[assignment]


def _mark(seqs: Sequence[int], marks: Connection | None, **values: Any) -> None:
    """Count one more attempt on items ``seqs`` and set ``values``: one UPDATE, no ORM objects.

    ``marks``: the push's marking connection (see :func:`_marking`); None: the session.
    """
    target = db.session if marks is None else marks
    for start in range(0, len(seqs), 500):
        target.execute(
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


def _push(client: HubPort, report: SyncReport, now: dt.datetime) -> None:
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
    in_flight: deque[tuple[list[Pending], Future[list[ItemResult | None]]]] = deque()
    with (
        _marking() as marks,
        ThreadPoolExecutor(max_workers=PUSH_CONCURRENCY, thread_name_prefix="hub-push") as pool,
    ):
        while in_flight or (queue and failure is None):
            # The first request goes alone: it fetches the access token, which the client
            # must not do from several threads at once.
            limit = PUSH_CONCURRENCY if answered else 1
            while failure is None and queue and len(in_flight) < limit:
                alone = queue[0][0].kind not in _BATCHED_KINDS
                if in_flight and (alone or in_flight[-1][0][0].kind not in _BATCHED_KINDS):
                    break
                batch = queue.popleft()
                in_flight.append((batch, pool.submit(_call, client, batch)))
            batch, future = in_flight.popleft()
            seqs = [item.seq for item in batch]
            try:
                results = future.result()
            except HubRejected as exc:
                # The hub refused the request as a whole: retrying the same bytes cannot help.
                answered += 1
                _mark(seqs, marks, status=OutboxStatus.DEAD, last_error=_error_text(exc))
                report.dead += len(batch)
                db.session.commit()
                continue
            except HubError as exc:
                _mark(seqs, marks, last_error=_error_text(exc))
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


# Resources ------------------------------------------------------------------------------


def _parse_time(value: Any) -> dt.datetime | None:
    if not value:
        return None
    parsed = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def _apply_resource(item: Mapping[str, Any]) -> None:
    resource_id = int(item["id"])
    if item.get("deleted"):
        db.session.execute(delete(HubResource).where(HubResource.id == resource_id))
        return
    resource = db.session.get(HubResource, resource_id) or HubResource(id=resource_id)
    resource.seq = int(item["seq"])
    resource.kind = str(item["kind"])
    resource.title = str(item["title"])
    resource.summary = str(item.get("summary") or "")
    resource.body = item.get("body")
    resource.url = item.get("url")
    resource.tags = list(item.get("tags") or [])
    resource.language = str(item["language"])
    resource.audience = str(item["audience"])
    resource.published_at = _parse_time(item.get("published_at"))
    db.session.add(resource)


def _pull_resources(client: HubPort, state: SyncState, report: SyncReport) -> None:
    resynced = False
    while True:
        try:
            page = client.resource_changes(state.resource_cursor, state.resource_etag)
        except CursorExpired:
            if resynced:
                raise
            # The hub no longer has our cursor's history: start the copy over.
            db.session.execute(delete(HubResource))
            state.resource_cursor, state.resource_etag = 0, None
            db.session.commit()
            resynced = report.resources_resynced = True
            continue
        if isinstance(page, NotModified):
            return
        for item in page.items:
            _apply_resource(item)
        report.resources_changed += len(page.items)
        state.resource_cursor = page.next
        # The ETag names the feed's newest seq: keep it only once caught up, or the next
        # page would be answered 304 and skipped.
        state.resource_etag = None if page.more else page.etag
        db.session.commit()
        if not page.more:
            return


# Introductions --------------------------------------------------------------------------


def _sync_intros(client: HubPort, connection: HubConnection, full: bool) -> dict[str, int]:
    """Pull the introductions feed and exchange cards; hub failures raise HubError.

    The public key is registered on ``hub connect``; a sync registers it again only with
    ``--full`` or until one introductions sync has succeeded since the connection was made
    (a failed registration is then retried), so an idle sync stays at three requests.
    """
    # Imported here: the introductions service imports this module for the connection.
    from community_node.introductions import services as intros
    from community_node.introductions.models import IntroSyncState

    state = db.session.scalars(select(IntroSyncState).limit(1)).first()
    synced = state.last_synced_at if state is not None else None
    register = full or synced is None or synced < connection.connected_at
    try:
        hub = typing.cast(intros.IntrosHub, client)  # HubClient serves both
        return intros.sync(hub=hub, register_key=register)
    except DomainError as exc:
        if isinstance(exc.__cause__, HubError):
            raise exc.__cause__ from None
        raise


# A sync run -----------------------------------------------------------------------------


def run_sync(
    *,
    full: bool = False,
    client_factory: ClientFactory = default_client_factory,
    now: dt.datetime | None = None,
    rng: random.Random | None = None,
    ignore_backoff: bool = False,
) -> SyncReport:
    """Push pending changes, outcomes and demand, pull resources, sync introductions; once.

    An idle sync makes two requests: the resource feed (304) and the introductions feed
    (an empty page; the hub cannot push a new request to the connector's community, so
    the feed is polled). The access token is kept between runs for its 15 minutes, so a
    token request is added only when the kept one has expired.
    """
    now = now or utcnow()
    rng = rng or random.Random()
    report = SyncReport()
    connection = get_connection()
    if connection is None:
        report.configured = False
        return report
    state = _state()
    if not ignore_backoff and state.backoff_until is not None and state.backoff_until > now:
        report.skipped_until = state.backoff_until
        db.session.commit()
        return report
    # Local work first, so one pass sends it all; it needs no hub.
    if full:
        report.enqueued += outbox.refresh_directory(force=True)
        outbox.enqueue_snapshot()
        report.enqueued += 1
    report.outcome_periods = enqueue_outcomes(now.date())
    report.enqueued += len(report.outcome_periods)
    report.demand_changed = enqueue_demand()
    report.enqueued += int(report.demand_changed)
    state.last_attempt_at = now
    db.session.commit()
    try:
        client = client_factory(connection)
        _push(client, report, now)
        _pull_resources(client, state, report)
        report.intros = _sync_intros(client, connection, full)
        _keep_token(connection, client)
    except HubError as exc:
        db.session.rollback()
        state = _state()
        retry_after = exc.retry_after if isinstance(exc, HubUnavailable) else None
        state.consecutive_failures += 1
        delay = backoff_delay(state.consecutive_failures, retry_after, rng)
        state.backoff_until = now + dt.timedelta(seconds=delay)
        state.last_error = report.error = _error_text(exc)
        db.session.execute(
            update(OutboxItem)
            .where(OutboxItem.status == OutboxStatus.PENDING)
            .values(next_attempt_at=state.backoff_until)
        )
        db.session.commit()
        return report
    state.last_success_at = now
    state.last_error = None
    state.consecutive_failures = 0
    state.backoff_until = None
    db.session.commit()
    return report


# Status, dead letters, resources ---------------------------------------------------------


def _count(status: OutboxStatus) -> int:
    stmt = select(func.count()).select_from(OutboxItem).where(OutboxItem.status == status)
    return db.session.scalar(stmt) or 0


def status() -> dict[str, Any]:
    """Describe the hub connection and sync health (no secrets)."""
    connection = get_connection()
    state = db.session.get(SyncState, DESTINATION)
    return {
        "configured": connection is not None,
        "hub_url": connection.url if connection else None,
        "community": connection.community if connection else None,
        "connected_at": connection.connected_at if connection else None,
        "last_success_at": state.last_success_at if state else None,
        "last_attempt_at": state.last_attempt_at if state else None,
        "last_error": state.last_error if state else None,
        "consecutive_failures": state.consecutive_failures if state else 0,
        "backoff_until": state.backoff_until if state else None,
        "pending": _count(OutboxStatus.PENDING),
        "dead": _count(OutboxStatus.DEAD),
        "sent": _count(OutboxStatus.SENT),
        "resource_cursor": state.resource_cursor if state else 0,
        "resources": db.session.scalar(select(func.count()).select_from(HubResource)) or 0,
    }


_DEAD_SORT = {"id": OutboxItem.seq, "seq": OutboxItem.seq, "created_at": OutboxItem.created_at}


def list_dead_letters(args: Mapping[str, Any]) -> Page:
    stmt = select(OutboxItem).where(OutboxItem.status == OutboxStatus.DEAD)
    if (kind := args.get("kind")) is not None:
        stmt = stmt.where(OutboxItem.kind == kind)
    stmt = apply_sort(stmt, args["sort"], _DEAD_SORT, OutboxItem.seq)
    return paginate(stmt, args["page"], args["per_page"])


def requeue(seq: int, *, actor: str) -> OutboxItem:
    """Put a dead item back in the queue; the next sync sends it (if still the newest)."""
    item = db.session.get(OutboxItem, seq)
    if item is None:
        raise NotFound(f"No outbox item {seq}.")
    if item.status != OutboxStatus.DEAD:
        raise Conflict(
            f"Only dead items can be requeued; this one is {item.status.value}.", allowed=["dead"]
        )
    item.status = OutboxStatus.PENDING
    item.attempts = 0
    item.next_attempt_at = None
    record(actor, "sync.requeue", "outbox_item", item.seq, {"kind": item.kind.value})
    db.session.commit()
    return item


_RESOURCE_SORT = {
    "id": HubResource.id,
    "title": HubResource.title,
    "published_at": HubResource.published_at,
    "seq": HubResource.seq,
}


def list_resources(args: Mapping[str, Any]) -> Page:
    stmt = select(HubResource)
    for name in ("kind", "language", "audience"):
        if (value := args.get(name)) is not None:
            stmt = stmt.where(getattr(HubResource, name) == value)
    stmt = apply_sort(stmt, args["sort"], _RESOURCE_SORT, HubResource.id)
    return paginate(stmt, args["page"], args["per_page"])


def get_resource(resource_id: int) -> HubResource:
    resource = db.session.get(HubResource, resource_id)
    if resource is None:
        raise NotFound(f"No resource {resource_id}.")
    return resource

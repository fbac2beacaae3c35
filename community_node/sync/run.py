"""One sync run: local work, push, pull resources, introductions; backoff on failure.

``run_sync`` takes a client factory so tests can pass a fake hub. The node keeps working
when no hub is configured or the hub is down: failures are recorded, retried with
exponential backoff and jitter (honouring Retry-After), never raised to the caller.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import typing
from typing import Any

from sqlalchemy import func, select, update

from community_node.database import utcnow
from community_node.errors import DomainError
from community_node.extensions import db
from community_node.introductions import services as introductions
from community_node.introductions.models import IntroSyncState
from community_node.sync import outbox
from community_node.sync.connection import (
    ClientFactory,
    HubPort,
    default_client_factory,
    get_connection,
    keep_token,
)
from community_node.sync.demand import enqueue_demand
from community_node.sync.models import (
    HubConnection,
    HubResource,
    OutboxItem,
    OutboxStatus,
    SyncState,
)
from community_node.sync.outcomes import enqueue_outcomes
from community_node.sync.push import push
from community_node.sync.report import SyncReport, error_text
from community_node.sync.resources import pull_resources
from shared.hubclient import HubError, HubUnavailable
from shared.logs import request_id_scope

DESTINATION = "hub"
BACKOFF_BASE = 30.0  # seconds after the first failure
BACKOFF_CAP = 6 * 3600.0

log = logging.getLogger(__name__)


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


def _sync_intros(client: HubPort, connection: HubConnection, full: bool) -> dict[str, int]:
    """Pull the introductions feed and exchange cards; hub failures raise HubError.

    The public key is registered on ``hub connect``; a sync registers it again only with
    ``--full`` or until one introductions sync has succeeded since the connection was made
    (a failed registration is then retried), so an idle sync stays at three requests.
    """
    state = db.session.scalars(select(IntroSyncState).limit(1)).first()
    synced = state.last_synced_at if state is not None else None
    register = full or synced is None or synced < connection.connected_at
    try:
        hub = typing.cast(introductions.IntrosHub, client)  # HubClient serves both
        return introductions.sync(hub=hub, register_key=register)
    except DomainError as exc:
        if isinstance(exc.__cause__, HubError):
            raise exc.__cause__ from None
        raise


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

    The run has one request id (the web request's, when staff started it from a page),
    sent to the hub on every call and logged here, so the hub's lines for it can be found.
    """
    with request_id_scope() as request_id:
        log.info("sync started", extra={"full": full})
        report = _run_sync(
            full=full, client_factory=client_factory, now=now, rng=rng,
            ignore_backoff=ignore_backoff,
        )  # fmt: skip
        log.log(
            logging.INFO if report.ok or not report.configured else logging.WARNING,
            "sync %s",
            "finished" if report.ok else "not completed",
            extra={
                "sync_id": request_id,
                "configured": report.configured,
                "sent": report.sent,
                "dead": report.dead,
                "enqueued": report.enqueued,
                "skipped_until": report.skipped_until,
                "error": report.error,
            },
        )
    return report


def _run_sync(
    *,
    full: bool,
    client_factory: ClientFactory,
    now: dt.datetime | None,
    rng: random.Random | None,
    ignore_backoff: bool,
) -> SyncReport:
    # A caller's clock (tests) holds for the whole run; otherwise the backoff counts from
    # the failure itself, not from the run's start (a run may spend minutes waiting on
    # batches in flight before it gives up).
    fixed_clock = now is not None
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
        push(client, report, now)
        pull_resources(client, state, report)
        report.intros = _sync_intros(client, connection, full)
        keep_token(connection, client)
    except HubError as exc:
        db.session.rollback()
        state = _state()
        retry_after = exc.retry_after if isinstance(exc, HubUnavailable) else None
        state.consecutive_failures += 1
        delay = backoff_delay(state.consecutive_failures, retry_after, rng)
        failed_at = now if fixed_clock else utcnow()
        state.backoff_until = failed_at + dt.timedelta(seconds=delay)
        state.last_error = report.error = error_text(exc)
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


def health_figures(now: dt.datetime | None = None) -> dict[str, float]:
    """Figures an operator alerts on: outbox depth and lag, dead letters, last success.

    ``lag_seconds`` is the age of the oldest change still waiting to reach the hub (0 when
    none waits); ``last_success`` is a Unix time, 0 before the first successful sync.
    """
    now = now or utcnow()
    state = db.session.get(SyncState, DESTINATION)
    oldest = db.session.scalar(
        select(func.min(OutboxItem.created_at)).where(OutboxItem.status == OutboxStatus.PENDING)
    )
    if oldest is not None and oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=dt.UTC)
    success = state.last_success_at if state else None
    return {
        "configured": float(get_connection() is not None),
        "pending": float(_count(OutboxStatus.PENDING)),
        "dead": float(_count(OutboxStatus.DEAD)),
        "lag_seconds": max((now - oldest).total_seconds(), 0.0) if oldest else 0.0,
        "last_success": success.timestamp() if success else 0.0,
        "consecutive_failures": float(state.consecutive_failures if state else 0),
    }

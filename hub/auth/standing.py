"""Standings kept until they change: PostgreSQL tells every worker when one does.

A call's standing (its client, the community's status and slug, when the secret was
last rotated, the unretired signing keys) comes from three tables. Triggers on them
(:data:`STANDING_TRIGGERS`) send a notification on :data:`CHANNEL` whenever a column the
standing reads changes, whoever writes it: a service, a console command, an
administrator's ``psql``. Each worker process listens on a connection of its own
(:class:`StandingWatch`, one daemon thread) and forgets every standing it kept when a
notification arrives, within milliseconds of the commit.

A worker that is not listening keeps nothing: on SQLite, before its listening connection
is up and has heard its own probe, and from the moment that connection fails (or stops
hearing its probe) until it is back, everything kept before forgotten. Every call then
reads its standing from the database, as it did before the watch. Behind a transaction
pooler (PgBouncer), which cannot carry a LISTEN, ``STANDING_WATCH_URL`` names PostgreSQL
itself for the watch's one connection per worker.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from typing import Any, Generic, Protocol, TypeVar

from flask import Flask
from prometheus_client import Gauge
from sqlalchemy import DDL, Engine, MetaData, event, make_url, text

from shared.web.settings import normalize_database_url

CHANNEL = "hub_standing"
#: The trigger function and the triggers; the migration that adds them repeats this text.
#: DROP and CREATE rather than CREATE OR REPLACE TRIGGER, which needs PostgreSQL 14.
STANDING_TRIGGERS = (
    "CREATE OR REPLACE FUNCTION hub_standing_changed() RETURNS trigger"
    " LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_notify('hub_standing', ''); RETURN NULL; END $$",
    # Only the columns a standing reads: a sync's profiles_version or last_sync_at is no
    # change of standing, and would otherwise empty every worker's standings every sync.
    "DROP TRIGGER IF EXISTS communities_standing ON communities",
    "CREATE TRIGGER communities_standing"
    " AFTER UPDATE OF id, slug, status OR DELETE OR TRUNCATE ON communities"
    " FOR EACH STATEMENT EXECUTE FUNCTION hub_standing_changed()",
    "DROP TRIGGER IF EXISTS oauth_clients_standing ON oauth_clients",
    "CREATE TRIGGER oauth_clients_standing"
    " AFTER INSERT OR UPDATE OF client_id, community_id, secret_changed_at OR DELETE OR TRUNCATE"
    " ON oauth_clients FOR EACH STATEMENT EXECUTE FUNCTION hub_standing_changed()",
    "DROP TRIGGER IF EXISTS signing_keys_standing ON signing_keys",
    "CREATE TRIGGER signing_keys_standing"
    " AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON signing_keys"
    " FOR EACH STATEMENT EXECUTE FUNCTION hub_standing_changed()",
)
#: Standings a worker keeps at most (one per registered client: a few hundred), watched
#: or, where no watch listens, for STANDING_CACHE_SECONDS (hub.security).
KEPT = 4096
#: Seconds between two checks that the listening connection still answers.
HEARTBEAT_S = 10.0
#: Seconds the thread waits for notifications before it looks whether it was stopped.
_POLL_S = 1.0
#: Seconds before reconnecting after a failure: doubling from the first to the last.
RETRY_S = (0.5, 30.0)
#: Seconds the watch waits to hear its own probe before it counts as not listening.
_PROBE_S = 5.0
_PROBE = "probe:"
_EXTENSION = "hub.standing_watch"
#: 1 while a worker's watch listens, 0 while it does not (then every call reads its
#: standing); the lowest over the live workers, so one deaf worker shows. No sample
#: until a worker has a watch (SQLite, the watch off: none).
LISTENING = Gauge(
    "connector_hub_standing_watch_listening",
    "1 while every hub worker's standing watch listens; 0 if one reads standings per call.",
    ["channel"],
    multiprocess_mode="livemin",
)
_starting = threading.Lock()
_log = logging.getLogger("hub.standing")

V = TypeVar("V")


class Listening(Protocol):
    """The part of a psycopg connection the watch uses."""

    def execute(self, query: str) -> Any: ...

    def notifies(self, *, timeout: float | None = None) -> Iterable[Any]: ...

    def close(self) -> None: ...


class ProbeUnheard(RuntimeError):
    """The watch's connection did not hear its own notification."""


def install_triggers(metadata: MetaData) -> None:
    """Create the triggers with the tables (``create_all``) on PostgreSQL."""
    for statement in STANDING_TRIGGERS:
        ddl = DDL(statement)  # type: ignore[no-untyped-call]
        event.listen(metadata, "after_create", ddl.execute_if(dialect="postgresql"))


class StandingWatch(Generic[V]):
    """Values kept by key while a listening connection says nothing changed.

    :meth:`opened` before reading a value, :meth:`keep` after: a value read while a
    change arrived (or while the connection failed) is not kept, since the read may
    predate the change.
    """

    def __init__(
        self,
        connect: Callable[[], Listening],
        notify: Callable[[str], None],
        *,
        heartbeat_s: float = HEARTBEAT_S,
        retry_s: tuple[float, float] = RETRY_S,
    ) -> None:
        self._connect = connect
        self._notify = notify
        self._heartbeat_s = heartbeat_s
        self._retry_s = retry_s
        self._lock = threading.Lock()
        self._kept: dict[str, V] = {}
        self._epoch = 0
        self._listening = False
        self._failures = 0
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="standing-watch", daemon=True)
        self._thread.start()

    @property
    def listening(self) -> bool:
        return self._listening

    @property
    def failures(self) -> int:
        """How many times listening failed: not connected, or its probe unheard."""
        return self._failures

    @property
    def epoch(self) -> int:
        """How many times everything kept was forgotten (tests wait on it)."""
        return self._epoch

    def recall(self, key: str) -> V | None:
        """Return the value kept for ``key``, if any (none unless listening)."""
        return self._kept.get(key)

    def opened(self) -> int | None:
        """Return a mark to pass to :meth:`keep`; None when nothing may be kept."""
        with self._lock:
            return self._epoch if self._listening else None

    def keep(self, mark: int | None, key: str, value: V) -> None:
        """Keep ``value`` if nothing changed since :meth:`opened` gave ``mark``."""
        with self._lock:
            if mark is None or not self._listening or mark != self._epoch:
                return
            if len(self._kept) >= KEPT:
                self._kept.clear()
            self._kept[key] = value

    def stop(self, timeout: float | None = None) -> None:
        """Keep nothing more; the thread closes its connection within a second."""
        self._stopped.set()
        self._forget(listening=False)
        LISTENING.labels(CHANNEL).set(0)
        self._thread.join(timeout)

    def _forget(self, *, listening: bool) -> None:
        with self._lock:
            self._epoch += 1
            self._kept.clear()
            self._listening = listening and not self._stopped.is_set()
            if not self._stopped.is_set():  # a stopped watch's thread says nothing more
                LISTENING.labels(CHANNEL).set(1 if self._listening else 0)

    def _run(self) -> None:
        delay, warned = self._retry_s[0], False
        while not self._stopped.is_set():
            try:
                self._listen()
            except Exception as exc:  # noqa: BLE001 (any failure: read every call, retry)
                self._forget(listening=False)
                self._failures += 1
                # The error's class only: a driver's message may quote connection details.
                # Once per outage: behind a transaction pooler it never ends.
                (_log.debug if warned else _log.warning)(
                    "Standing watch not listening (%s); every call reads its standing "
                    "until it is back (next try in %.1f s).",
                    type(exc).__name__,
                    delay,
                )
                warned = True
                self._stopped.wait(delay)
                delay = min(delay * 2, self._retry_s[1])
            else:
                delay, warned = self._retry_s[0], False

    def _listen(self) -> None:
        connection = self._connect()
        try:
            connection.execute(f"LISTEN {CHANNEL}")
            self._probe(connection)
            # Everything kept before (if anything) may have missed a change meanwhile.
            self._forget(listening=True)
            quiet = 0.0
            while not self._stopped.is_set():
                for notice in connection.notifies(timeout=_POLL_S):
                    if not notice.payload.startswith(_PROBE):
                        self._forget(listening=True)
                    if self._stopped.is_set():
                        return
                quiet += _POLL_S
                if quiet >= self._heartbeat_s:
                    self._probe(connection)
                    quiet = 0.0
        finally:
            self._forget(listening=False)
            connection.close()

    def _probe(self, connection: Listening) -> None:
        """Hear a notification sent where the standings change, or raise.

        The probe is sent as the triggers' notifications are, through the app's own
        database connections: a listening connection that would not hear a change does
        not hear it either. A dead one, one behind a transaction pooler such as PgBouncer
        (the LISTEN went to a server connection the worker's is no longer tied to), one
        to another database or a replica: the watch then keeps nothing rather than keep
        stale standings. Other workers ignore the probe (its payload); a change heard
        meanwhile is forgotten as ever.
        """
        token = f"{_PROBE}{uuid.uuid4().hex}"
        self._notify(token)
        deadline = time.monotonic() + _PROBE_S
        while (left := deadline - time.monotonic()) > 0:
            for notice in connection.notifies(timeout=left):
                if notice.payload == token:
                    return
                if not notice.payload.startswith(_PROBE):
                    self._forget(listening=self._listening)
        raise ProbeUnheard(f"no own notification within {_PROBE_S:.0f} s")


def _notifier(engine: Engine) -> Callable[[str], None]:
    """Return a function notifying the channel through ``engine``, as a trigger would."""

    def notify(payload: str) -> None:
        with engine.begin() as connection:
            connection.execute(
                text("SELECT pg_notify(:channel, :payload)"),
                {"channel": CHANNEL, "payload": payload},
            )

    return notify


def _connector(engine: Engine, url: str | None = None) -> Callable[[], Listening]:
    """Return a function opening an autocommit connection as ``engine`` would, to ``url``
    (a PostgreSQL URL) or else to the engine's own."""
    target = make_url(normalize_database_url(url)) if url else engine.url

    def connect() -> Listening:
        args, kwargs = engine.dialect.create_connect_args(target)
        connection = engine.dialect.loaded_dbapi.connect(*args, **kwargs)
        connection.autocommit = True
        return connection  # type: ignore[no-any-return]

    return connect


def stop_standing_watch(app: Flask) -> None:
    """Stop this process's watch over ``app``, if one runs (an app torn down)."""
    found: tuple[int, StandingWatch[Any]] | None = app.extensions.pop(_EXTENSION, None)
    if found is not None:
        found[1].stop(timeout=0)


def standing_watch(app: Flask, engine: Engine) -> StandingWatch[Any] | None:
    """Return this process's watch over ``app``'s standings, started on first use.

    None when ``STANDING_WATCH`` is off or the database is not PostgreSQL. Started in the
    worker, never before gunicorn forks (a thread does not survive a fork): a watch
    found from another process id is replaced.
    """
    if not app.config.get("STANDING_WATCH") or engine.dialect.name != "postgresql":
        return None
    found: tuple[int, StandingWatch[Any]] | None = app.extensions.get(_EXTENSION)
    pid = os.getpid()
    if found is not None and found[0] == pid:
        return found[1]
    with _starting:
        found = app.extensions.get(_EXTENSION)
        if found is None or found[0] != pid:
            connect = _connector(engine, app.config.get("STANDING_WATCH_URL") or None)
            watch: StandingWatch[Any] = StandingWatch(connect, _notifier(engine))
            found = app.extensions[_EXTENSION] = (pid, watch)
    return found[1]

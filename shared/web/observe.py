"""What an operator watches: request ids and JSON logs, Prometheus metrics, readiness.

``observe_blueprint`` gives a service:

- a request id on every request: a valid incoming ``X-Request-ID`` is kept, anything
  else replaced by a new one; it is on every log line of the request
  (``shared.logs.JsonFormatter``), on the answer, and on every call the hub client makes
  meanwhile (``shared.hubclient``), so a node's sync can be followed into the hub's log;
- one log line per request: method, route template (``/api/v1/connectees/<int:id>``,
  never the path as sent or its query string, which may hold a searched name), status,
  duration; nothing personal;
- ``GET /metrics``: request latency histograms per route template, and the service's own
  figures (``figures``: outbox depth, sync lag, dead letters, mail queue, last sync per
  community...) read from the database at scrape time. With several gunicorn workers,
  set ``PROMETHEUS_MULTIPROC_DIR`` (an empty directory, wiped at each start): every
  worker writes its samples there and any worker answers a scrape with all of them.
  Answered to loopback callers that came through no proxy, and to any caller with
  ``Authorization: Bearer <METRICS_TOKEN>``; everyone else gets 404;
- ``GET /readyz``: 200 when the database answers and its schema is at the migrations'
  head, else 503 (``/healthz`` stays the liveness check: the process and database answer).
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Blueprint, abort, current_app, g, request
from flask.blueprints import BlueprintSetupState
from flask_sqlalchemy import SQLAlchemy
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead
from prometheus_client.registry import Collector
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response

from shared.logs import (
    REQUEST_ID_HEADER,
    configure_json_logging,
    current_request_id,
    reset_request_id,
    set_request_id,
)

#: Request latency per service, method, route template and status class; seconds.
REQUEST_SECONDS = Histogram(
    "connector_http_request_duration_seconds",
    "Time to answer a request, per route template.",
    ["service", "method", "route", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)


@dataclass(frozen=True)
class Figure:
    """One gauge sample a service reports at scrape time."""

    name: str
    help: str
    value: float
    labels: Mapping[str, str] = field(default_factory=dict)


Figures = Callable[[], Iterable[Figure]]


class _FiguresCollector(Collector):
    """Turns a service's figures into gauge families, read fresh on every scrape."""

    def __init__(self, figures: Figures) -> None:
        self.figures = figures

    def collect(self) -> Iterator[GaugeMetricFamily]:
        families: dict[str, GaugeMetricFamily] = {}
        for figure in self.figures():
            family = families.get(figure.name)
            if family is None:
                family = families[figure.name] = GaugeMetricFamily(
                    figure.name, figure.help, labels=sorted(figure.labels)
                )
            family.add_metric([figure.labels[k] for k in sorted(figure.labels)], figure.value)
        yield from families.values()


def _loopback(address: str | None) -> bool:
    try:
        return address is not None and ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def metrics_allowed() -> bool:
    """A loopback caller that no proxy forwarded, or the configured bearer token."""
    token = current_app.config.get("METRICS_TOKEN")
    sent = request.headers.get("Authorization", "")
    if token and hmac.compare_digest(sent.encode(), f"Bearer {token}".encode()):
        return True
    # Behind nginx every request comes from loopback: a forwarded one is someone outside.
    forwarded = any(h in request.headers for h in ("X-Forwarded-For", "Forwarded", "X-Real-IP"))
    return _loopback(request.remote_addr) and not forwarded


def scrape(figures: Figures) -> bytes:
    """The whole exposition: every worker's samples (multiprocess) or this process's."""
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        collectors: Iterable[CollectorRegistry] = (registry,)
    else:
        collectors = (REGISTRY, registry)
    registry.register(_FiguresCollector(figures))
    return b"".join(generate_latest(r) for r in collectors)


def mark_worker_dead(pid: int) -> None:
    """gunicorn's ``child_exit`` hook: drop a dead worker's live gauges (multiprocess)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        mark_process_dead(pid)  # type: ignore[no-untyped-call]


@cache
def _script_heads(directory: str) -> frozenset[str]:
    return frozenset(ScriptDirectory(directory).get_heads())


def schema_at_head(db: SQLAlchemy) -> tuple[bool, str]:
    """Whether the database's Alembic revision is the newest; and a word on why not."""
    heads = _script_heads(str(current_app.extensions["migrate"].directory))
    with db.engine.connect() as conn:
        current = frozenset(MigrationContext.configure(conn).get_current_heads())
    if current == heads:
        return True, "head"
    return False, "behind" if current else "unversioned"


def observe_blueprint(db: SQLAlchemy, *, service: str, figures: Figures) -> Blueprint:
    """Build the ``observe`` blueprint of ``service`` (see the module docstring)."""
    bp = Blueprint("observe", __name__)
    request_log = logging.getLogger(f"{service}.request")

    def start_request() -> None:
        g.request_id_token = set_request_id(request.headers.get(REQUEST_ID_HEADER))
        g.request_started = time.perf_counter()

    @bp.record_once
    def install(state: BlueprintSetupState) -> None:
        app = state.app
        # First of all request hooks, ahead of the JSON depth guard and authentication,
        # so a refused request's log lines carry its id too.
        app.before_request_funcs.setdefault(None, []).insert(0, start_request)
        if app.config["JSON_LOGS"] and not app.testing:
            configure_json_logging()

    @bp.after_app_request
    def finish_request(response: Response) -> Response:
        request_id = current_request_id()
        if request_id is not None:
            response.headers[REQUEST_ID_HEADER] = request_id
        started = g.get("request_started")
        if started is None:
            return response
        elapsed = time.perf_counter() - started
        route = request.url_rule.rule if request.url_rule is not None else "(unmatched)"
        REQUEST_SECONDS.labels(service, request.method, route, str(response.status_code)).observe(
            elapsed
        )
        request_log.info(
            "%s %s %s",
            request.method,
            route,
            response.status_code,
            extra={
                "method": request.method,
                "route": route,
                "status": response.status_code,
                "duration_ms": round(elapsed * 1000, 1),
            },
        )
        return response

    @bp.teardown_app_request
    def forget_request_id(exc: BaseException | None) -> None:
        token = g.pop("request_id_token", None)
        if token is not None:
            reset_request_id(token)

    @bp.get("/metrics")
    def metrics() -> Response:
        """Prometheus exposition (loopback or the metrics token only)."""
        if not metrics_allowed():
            abort(404)
        return Response(scrape(figures), mimetype=CONTENT_TYPE_LATEST)

    @bp.get("/readyz")
    def readyz() -> tuple[dict[str, Any], int]:
        """Answer 200 when the database answers and its schema is the newest, else 503."""
        try:
            db.session.execute(select(1))
            ready, schema = schema_at_head(db)
        except SQLAlchemyError as exc:
            db.session.rollback()
            return {"status": "unavailable", "database": type(exc).__name__}, 503
        body = {"status": "ready" if ready else "unavailable", "service": service, "schema": schema}
        return body, 200 if ready else 503

    return bp

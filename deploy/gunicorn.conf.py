"""gunicorn settings for the hub and the community node (``gunicorn -c gunicorn.conf.py``).

The systemd units (deploy/systemd/) start ``gunicorn -c /srv/connector-<service>/
gunicorn.conf.py '<package>.app:create_app()'``; the service's environment file sets
what differs between machines:

``GUNICORN_BIND``     address to listen on (default ``127.0.0.1:8000``; nginx proxies to it).
                      A hub web machine behind a load balancer on another host binds its
                      private address, e.g. ``10.0.0.12:8000``.
``GUNICORN_WORKERS``  worker processes (default: 2 per CPU core plus one, at most 12).
``GUNICORN_THREADS``  threads per worker (default 4).
``GUNICORN_TIMEOUT``  seconds a silent worker lives before it is restarted, and the
                      graceful stop's wait (default 180: the longest import, a 10 MiB
                      spreadsheet, fits with room; nginx waits as long on the import URLs).
``GUNICORN_MAX_REQUESTS`` requests after which a worker is replaced (default 5000, with
                      a tenth of jitter; 0: never). The hub's unit sets 0 (below).

Every worker runs numpy single-threaded (``OPENBLAS_NUM_THREADS=1``, set in the units and
here): workers times BLAS threads would otherwise exceed the cores many times over.
The access log is one JSON object per line on stdout (journald keeps it). It names the
path without its query string and no referrer: a search box's words or an id in a query
could be personal, and a log line never holds a personal value.
"""

from __future__ import annotations

import json
import multiprocessing
import os
from datetime import UTC, datetime
from typing import Any

from gunicorn.glogging import Logger

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

#: The most workers the default picks: each keeps its own directory matrix and caches.
MAX_DEFAULT_WORKERS = 12


def default_workers(cores: int) -> int:
    """Return gunicorn's usual 2 per core plus one, capped for memory."""
    return min(2 * max(cores, 1) + 1, MAX_DEFAULT_WORKERS)


def _int_env(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000").split(",")
workers = _int_env("GUNICORN_WORKERS", default_workers(multiprocessing.cpu_count()))
# gthread: a slow upload or a long import occupies one thread, not a whole worker.
worker_class = "gthread"
threads = _int_env("GUNICORN_THREADS", 4)
timeout = _int_env("GUNICORN_TIMEOUT", 180)
graceful_timeout = timeout
keepalive = 5  # nginx keeps upstream connections open (keepalive in the upstream block)
# Recycle workers now and then, so a slow leak never grows without bound; jitter keeps
# them from restarting together (0: never). The hub's unit sets 0: each hub worker holds
# the national directory, which a new worker reads and builds again (seconds at 100,000
# profiles) before it can search.
max_requests = _int_env("GUNICORN_MAX_REQUESTS", 5000)
max_requests_jitter = max_requests // 10
# No preload_app: each worker builds its own app, so no database connection or directory
# thread made in the master is ever shared across a fork. The app trusts nginx's
# X-Forwarded-* headers itself (<PREFIX>_TRUSTED_PROXIES=1), on any machine.
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
proc_name = os.environ.get("GUNICORN_PROC_NAME", None)


class JsonAccessLogger(Logger):
    """Write each access log line as one JSON object, escaped by json, not by hand."""

    def access(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> None:
        if not (self.cfg.accesslog or self.cfg.logconfig or self.cfg.syslog):
            return
        try:
            self.access_log.info(json_access_line(resp, req, environ, request_time))
        except Exception:  # a log line must never break a request
            self.exception("Failed to write the access log line")


def json_access_line(resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> str:
    """Return the JSON line for one request: no query string, no referrer, no cookies."""
    headers = {name.lower(): value for name, value in getattr(resp, "headers", [])}
    status = getattr(resp, "status", None) or "0"
    line: dict[str, Any] = {
        "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
        "type": "access",
        "method": environ.get("REQUEST_METHOD"),
        "path": environ.get("PATH_INFO"),
        "status": int(str(status).split(None, 1)[0]),
        "bytes": getattr(resp, "sent", None),
        "duration_ms": round(request_time.total_seconds() * 1000, 1),
        "remote": environ.get("HTTP_X_FORWARDED_FOR", environ.get("REMOTE_ADDR")),
        "user_agent": environ.get("HTTP_USER_AGENT"),
        "pid": os.getpid(),
    }
    request_id = headers.get("x-request-id") or environ.get("HTTP_X_REQUEST_ID")
    if request_id:
        line["request_id"] = request_id
    return json.dumps(line, separators=(",", ":"))


logger_class = JsonAccessLogger


def post_worker_init(worker: Any) -> None:
    """Move what the worker has loaded (modules, the app, its reference data: some 200,000
    objects that live as long as the worker) out of the garbage collector's scans, then
    start the app's start-up tasks (the hub builds its directory: ~5 s at 100,000 profiles,
    ~45 s at 1,000,000, which the first searches would otherwise wait for).

    Unfrozen, each full collection walks all of them: ~100 ms, every few requests that
    allocate a lot (a suggestions page reads thousands of connectors), which made such a
    page's p95 four times its median. Objects made later are collected as usual: the
    directory too, whose rebuilds replace it."""
    import gc

    from shared.web.app import start_worker

    gc.collect()
    gc.freeze()
    start_worker(getattr(worker, "wsgi", None))


def child_exit(server: Any, worker: Any) -> None:
    """Drop a dead worker's live Prometheus gauges (PROMETHEUS_MULTIPROC_DIR set)."""
    from shared.web.observe import mark_worker_dead

    mark_worker_dead(worker.pid)

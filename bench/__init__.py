"""Benchmarks: each measures one figure and prints it beside its target.

Run them all with ``python -m bench`` (``make bench``). They build their own scratch
databases: a fresh SQLite file each, and PostgreSQL when ``BENCH_POSTGRES_URL`` names a
scratch database (its node tables are dropped and recreated).
"""

from __future__ import annotations

import datetime as dt
import gc
import math
import os
import platform
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask

from community_node.app import create_app
from community_node.extensions import db

POSTGRES_URL_VARIABLE = "BENCH_POSTGRES_URL"


@dataclass(frozen=True)
class Figure:
    """One measured number, and the target it must meet (None: reported for information)."""

    name: str
    value: float
    unit: str
    target: float | None = None
    note: str = ""

    @property
    def ok(self) -> bool | None:
        return None if self.target is None else self.value <= self.target

    def line(self) -> str:
        text = f"{self.name}: {self.value:,.1f} {self.unit}"
        if self.target is not None:
            text += f"  target ≤ {self.target:,g} {self.unit}  {'OK' if self.ok else 'MISSED'}"
        if self.note:
            text += f"  ({self.note})"
        return text

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "ok": self.ok}


@dataclass(frozen=True)
class Skipped:
    """A benchmark that could not run, and why."""

    name: str
    reason: str

    def line(self) -> str:
        return f"{self.name}: skipped: {self.reason}"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


Result = Figure | Skipped


def percentile(samples: Sequence[float], pct: float) -> float:
    """Return the nearest-rank percentile of ``samples``."""
    ordered = sorted(samples)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def backends() -> list[tuple[str, str | None]]:
    """Return (label, database URL) pairs; None means a fresh SQLite file."""
    found: list[tuple[str, str | None]] = [("SQLite", None)]
    if os.environ.get(POSTGRES_URL_VARIABLE):
        found.append(("PostgreSQL", os.environ[POSTGRES_URL_VARIABLE]))
    return found


@contextmanager
def node_app(url: str | None) -> Iterator[Flask]:
    """Yield a node app with an empty schema, inside its app context."""
    with tempfile.TemporaryDirectory(prefix="cn-bench-") as tmp:
        app = create_app(
            {
                "ENV": "testing",
                "SECRET_KEY": "bench-only",
                "SQLALCHEMY_DATABASE_URI": url or f"sqlite:///{Path(tmp) / 'bench.sqlite'}",
                "WTF_CSRF_ENABLED": False,
            }
        )
        with app.app_context():
            db.drop_all()
            db.create_all()
            try:
                yield app
            finally:
                db.session.remove()
                if url is not None:
                    db.drop_all()
                db.engine.dispose()


def time_pages(client: Any, paths: Callable[[int], str], count: int, warmup: int) -> list[float]:
    """GET ``paths(n)`` warmup + count times through a Flask test client; return the
    milliseconds of the last ``count`` (any answer but 200 stops the benchmark)."""
    samples = []
    # The benchmark holds an app context, which each request would share (with its
    # database session and identity map); production ends the session with the request.
    session = client.application.extensions["sqlalchemy"].session
    for n in range(warmup + count):
        path = paths(n)
        t0 = time.perf_counter()
        response = client.get(path)
        session.remove()
        elapsed = (time.perf_counter() - t0) * 1000
        if response.status_code != 200:
            raise RuntimeError(f"{path} answered {response.status_code}")
        if n >= warmup:
            samples.append(elapsed)
    return samples


def page_figures(label: str, name: str, samples: list[float], target: float | None) -> list[Figure]:
    """A page's p50, and its p95 against the target."""
    return [
        Figure(f"{label}: {name}: p50", percentile(samples, 50), "ms"),
        Figure(
            f"{label}: {name}: p95", percentile(samples, 95), "ms", target,
            f"{len(samples)} requests",
        ),
    ]  # fmt: skip


def staff_client(app: Flask, email: str, password: str) -> Any:
    """A test client logged in as a staff member; each later request opens its own
    database session, as in production."""
    client = app.test_client()
    login = client.post("/login", data={"email": email, "password": password})
    if login.status_code != 303:
        raise RuntimeError(f"login answered {login.status_code}")
    app.extensions["sqlalchemy"].session.remove()
    return client


def time_staff_pages(
    label: str,
    client: Any,
    pages: Sequence[tuple[str, Callable[[int], str]]],
    *,
    count: int,
    warmup: int,
    target: float,
    targets: Mapping[str, float] | None = None,
) -> list[Figure]:
    """``/healthz`` (the reference: the app's cost before any page work), then each
    page's p50 and p95 against ``target`` milliseconds (or its own in ``targets``, by
    page name), ``count`` requests each."""
    # As every gunicorn worker does once it has loaded the app (deploy/gunicorn.conf.py,
    # post_worker_init): what is loaded so far is kept out of the collector's full scans.
    gc.collect()
    gc.freeze()
    try:
        figures = page_figures(
            label,
            "reference /healthz",
            time_pages(client, lambda n: "/healthz", count, warmup),
            None,
        )
        for name, paths in pages:
            samples = time_pages(client, paths, count, warmup)
            figures += page_figures(label, name, samples, (targets or {}).get(name, target))
    finally:
        gc.unfreeze()
    return figures


def postgres_problem(url: str) -> str | None:
    """Create the scratch database ``url`` names if it is missing (asking the server's
    ``postgres`` database); return why the server cannot be used, or None when it answers."""
    target = sa.engine.make_url(url)
    connect = {"connect_timeout": 3}
    admin = sa.create_engine(
        target.set(database="postgres"), isolation_level="AUTOCOMMIT", connect_args=connect
    )
    try:
        with admin.connect() as conn:
            found = conn.scalar(
                sa.text("SELECT 1 FROM pg_database WHERE datname = :name"),
                {"name": target.database},
            )
            if not found:
                conn.execute(sa.text(f'CREATE DATABASE "{target.database}"'))
    except sa.exc.OperationalError:
        pass  # the server itself is away: the check below says so
    finally:
        admin.dispose()
    engine = sa.create_engine(url, connect_args=connect)
    try:
        with engine.connect():
            return None
    except sa.exc.OperationalError as exc:
        return str(exc.orig).strip().splitlines()[0]
    finally:
        engine.dispose()


def machine() -> dict[str, str]:
    """Describe the machine the figures were measured on."""
    cpu = "unknown"
    memory = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    except OSError:
        pass
    return {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpus": str(os.cpu_count()),
        "cpu": cpu,
        "memory": memory,
        "python": platform.python_version(),
        "platform": platform.platform(),
    }
